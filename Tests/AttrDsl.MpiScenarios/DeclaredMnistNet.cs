using AttrDsl.Priors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.MpiScenarios;

/// <summary>
/// The MNIST CNN written as users declare it: its generated <c>Fit</c>, made data-parallel with the generated
/// <c>UseGradientAverager</c>, is what the "generated" scenario trains.
/// </summary>
[Explainable(References = 1)]
[AttributionPrior(typeof(TotalVariation), Lambda = 1e-3)]
public partial class DeclaredMnistNet : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = nn.Conv2d(1, 32, 5);
    private readonly Conv2d conv2 = nn.Conv2d(32, 64, 5);
    private readonly Linear fc1 = nn.Linear(1024, 128);
    private readonly Linear fc2 = nn.Linear(128, 10);

    /// <summary>Creates the model with libtorch's default initialisation.</summary>
    public DeclaredMnistNet() : base(nameof(DeclaredMnistNet)) => RegisterComponents();

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        x = nn.functional.max_pool2d(nn.functional.relu(conv1.forward(x)), 2);
        x = nn.functional.max_pool2d(nn.functional.relu(conv2.forward(x)), 2);
        x = x.flatten(1);
        x = nn.functional.relu(fc1.forward(x));
        return fc2.forward(x);
    }
}
