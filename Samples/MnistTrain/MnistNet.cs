using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Samples.MnistTrain;

/// <summary>
/// The CNN of the attribution-priors MNIST experiment, written as DSL.md's plain TorchSharp user model: two 5×5
/// convolutions with ReLU and 2×2 max pooling, then two linear layers; [B, 1, 28, 28] images in, [B, 10] logits out.
/// </summary>
public sealed class MnistNet : nn.Module<Tensor, Tensor>
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
}
