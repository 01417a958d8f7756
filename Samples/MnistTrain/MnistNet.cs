using AttrDsl.Decomposition;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Samples.MnistTrain;

/// <summary>
/// The CNN of the attribution-priors MNIST experiment, written as DSL.md's plain TorchSharp user model: two 5×5
/// convolutions with ReLU and 2×2 max pooling, then two linear layers; [B, 1, 28, 28] images in, [B, 10] logits out.
/// It also decomposes itself for contextual decomposition (<see cref="IDecomposable"/>), written by hand the way the
/// source generator will write it from <see cref="forward"/>: one CD rule per statement.
/// </summary>
public sealed class MnistNet : nn.Module<Tensor, Tensor>, IDecomposable
{
    private readonly Conv2d conv1 = nn.Conv2d(1, 32, 5);
    private readonly Conv2d conv2 = nn.Conv2d(32, 64, 5);
    private readonly Linear fc1 = nn.Linear(1024, 128);
    private readonly Linear fc2 = nn.Linear(128, 10);

    /// <summary>A freshly initialised network (TorchSharp's default Conv2d/Linear initialisation, seeded by <c>manual_seed</c>).</summary>
    public MnistNet() : base(nameof(MnistNet)) => RegisterComponents();   // without it the module has no parameters

    /// <summary>Logits [B, 10] for images [B, 1, 28, 28].</summary>
    public override Tensor forward(Tensor x)
    {
        x = nn.functional.max_pool2d(nn.functional.relu(conv1.forward(x)), 2);
        x = nn.functional.max_pool2d(nn.functional.relu(conv2.forward(x)), 2);
        x = x.flatten(1);
        x = nn.functional.relu(fc1.forward(x));
        return fc2.forward(x);
    }

    /// <summary>The relevant and irrelevant parts of the logits, statement by statement as <see cref="forward"/>.</summary>
    public Decomposition.Decomposition Decompose(Decomposition.Decomposition d)
    {
        d = CdFunctional.max_pool2d(CdFunctional.relu(CdFunctional.module(conv1, d)), 2);
        d = CdFunctional.max_pool2d(CdFunctional.relu(CdFunctional.module(conv2, d)), 2);
        d = CdFunctional.flatten(d, 1);
        d = CdFunctional.relu(CdFunctional.module(fc1, d));
        return CdFunctional.module(fc2, d);
    }
}
