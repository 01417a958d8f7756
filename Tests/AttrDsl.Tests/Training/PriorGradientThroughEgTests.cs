using AttrDsl.Attribution;
using AttrDsl.Priors;
using AttrDsl.Tests.Infrastructure;

namespace AttrDsl.Tests.Training;

/// <summary>
/// Second order: Ω(EG_θ(x)) as a function of the weights θ, with fixed references and α, differentiated by autograd
/// (EG with create_graph) and by central finite differences of Ω itself.
/// </summary>
public class PriorGradientThroughEgTests
{
    // A tiny smooth CNN on 1×4×4 images written with explicit weight tensors, so the check can perturb them.
    private static Tensor Cnn(Tensor x, Tensor conv, Tensor fc) =>
        nn.functional.linear(nn.functional.softplus(nn.functional.conv2d(x, conv, null, strides: [1, 1], padding: [1, 1])).flatten(1), fc);

    private static Tensor EgPrior(IAttributionPrior prior, Tensor x, Tensor refs, Tensor alphas, Tensor labels, Tensor conv, Tensor fc)
    {
        using var grad = enable_grad();   // EG itself needs gradients, also when the checker evaluates Ω under no_grad
        using var batch = InterpolationBatch.Create(x, refs, alphas);
        var output = Cnn(batch.Inputs, conv, fc);
        var eg = batch.Attributions(output, Target.PerSample(labels), createGraph: true);
        var shaped = prior is TotalVariation ? eg : eg.reshape(eg.size(0), -1);
        return prior.Loss(shaped, new PriorContext(x, labels));
    }

    public static TheoryData<string> Priors => new() { "tv", "graph", "gini", "l1", "l2" };

    private static IAttributionPrior Make(string name) => name switch
    {
        "tv" => new TotalVariation(),
        "graph" => new GraphLaplacian(16, Enumerable.Range(0, 15).Select(i => ((long)i, (long)i + 1, 1.0 + i % 3))),
        "gini" => new GiniSparsity(),
        "l1" => new L1Attribution(),
        _ => new L2Attribution(),
    };

    [Theory]
    [MemberData(nameof(Priors))]
    public void PriorGradientWithRespectToWeightsMatchesFiniteDifferences(string name)
    {
        var prior = Make(name);
        manual_seed(21);
        using var x = randn([3, 1, 4, 4], ScalarType.Float64);
        using var refs = randn([3, 2, 1, 4, 4], ScalarType.Float64) * 0.5;   // k = 2 references per sample
        using var alphas = rand([3, 2], ScalarType.Float64);
        using var labels = tensor(new long[] { 0, 2, 1 });
        using var conv = randn([2, 1, 3, 3], ScalarType.Float64) * 0.5;
        using var fc = randn([3, 32], ScalarType.Float64) * 0.3;
        GradCheck.Check(w => EgPrior(prior, x, refs, alphas, labels, w[0], w[1]), [conv, fc], label: name);
    }
}
