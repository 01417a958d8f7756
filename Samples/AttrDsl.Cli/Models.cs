using AttrDsl.Priors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Cli;

/// <summary>
/// DSL.md's MNIST CNN with a total-variation prior on its expected gradients (λ = 5e-4, summed schedule: the value the
/// attribution-priors experiment chose on validation data, docs/experiments/mnist-total-variation.md). The source
/// generator adds <c>Fit</c>, <c>Explain</c>, the layer map and <c>ContextualDecomposition</c>.
/// </summary>
[Explainable(References = 1)]
[AttributionPrior(typeof(TotalVariation), Lambda = MnistNet.DeclaredLambda)]
public partial class MnistNet : nn.Module<Tensor, Tensor>
{
    /// <summary>λ of the declared prior.</summary>
    public const double DeclaredLambda = 5e-4;

    private readonly Conv2d conv1 = nn.Conv2d(1, 32, 5);
    private readonly Conv2d conv2 = nn.Conv2d(32, 64, 5);
    private readonly Linear fc1 = nn.Linear(1024, 128);
    private readonly Linear fc2 = nn.Linear(128, 10);

    public MnistNet() : base(nameof(MnistNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = nn.functional.max_pool2d(nn.functional.relu(conv1.forward(x)), 2);
        x = nn.functional.max_pool2d(nn.functional.relu(conv2.forward(x)), 2);
        x = x.flatten(1);
        x = nn.functional.relu(fc1.forward(x));
        return fc2.forward(x);
    }
}

/// <summary>
/// The same CNN without a prior, for comparison: <c>[Explainable]</c> gives it the same <c>Explain</c>, layer map and
/// contextual decomposition; it trains on cross-entropy alone (no generated <c>Fit</c> without priors).
/// </summary>
[Explainable]
public partial class PlainMnistNet : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = nn.Conv2d(1, 32, 5);
    private readonly Conv2d conv2 = nn.Conv2d(32, 64, 5);
    private readonly Linear fc1 = nn.Linear(1024, 128);
    private readonly Linear fc2 = nn.Linear(128, 10);

    public PlainMnistNet() : base(nameof(PlainMnistNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = nn.functional.max_pool2d(nn.functional.relu(conv1.forward(x)), 2);
        x = nn.functional.max_pool2d(nn.functional.relu(conv2.forward(x)), 2);
        x = x.flatten(1);
        x = nn.functional.relu(fc1.forward(x));
        return fc2.forward(x);
    }
}
