using AttrDsl.Decomposition;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Samples.CdepColor;

/// <summary>
/// CDEP's ColorMNIST CNN: conv 3→20 (5×5), ReLU, 2×2 max pool, conv 20→50 (5×5), ReLU, 2×2 max pool, linear 800→500,
/// ReLU, linear 500→10; [B, 3, 28, 28] in, [B, 10] logits out. It decomposes itself for contextual decomposition
/// (<see cref="IDecomposable"/>), one CD rule per statement of <see cref="forward"/>.
/// </summary>
public sealed class ColorNet : nn.Module<Tensor, Tensor>, IDecomposable
{
    private readonly Conv2d conv1 = nn.Conv2d(3, 20, 5);
    private readonly Conv2d conv2 = nn.Conv2d(20, 50, 5);
    private readonly Linear fc1 = nn.Linear(4 * 4 * 50, 500);
    private readonly Linear fc2 = nn.Linear(500, 10);

    /// <summary>A freshly initialised network (TorchSharp's default initialisation, seeded by <c>manual_seed</c>).</summary>
    public ColorNet() : base(nameof(ColorNet)) => RegisterComponents();   // without it the module has no parameters

    /// <summary>Logits [B, 10] for images [B, 3, 28, 28].</summary>
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
