using AttrDsl.Attribution;
using AttrDsl.Tests.Infrastructure;
using AttrDsl.Tests.Models.Corpus;
using Xunit.Abstractions;
using static AttrDsl.Tests.Generated.Corpus.CorpusCheck;

namespace AttrDsl.Tests.Attribution.Layer;

/// <summary>
/// Per-token attributions of text classifiers by layer integrated gradients at their embedding (token ids in, a
/// padding-id baseline): the attributions summed over tokens and embedding dimensions equal f(x) − f(x'), computed
/// here from two forwards, within the reported convergence delta, and the delta shrinks with the number of steps.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public class TextModelLayerIgTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Models =>
    [
        ["transformer (TorchSharp's TransformerEncoder)"],
        ["LSTM"],
    ];

    private static nn.Module<Tensor, Tensor> Build(string which) => which.StartsWith("transformer")
        ? Make(() => new NativeTransformerText(activation: nn.Activations.GELU))
        : Make(() => new LstmClassifier(vocab: 30));

    [Theory]
    [MemberData(nameof(Models))]
    public void PerTokenAttributionsAreCompleteWithinTheirDelta(string which)
    {
        using var scope = NewDisposeScope();
        var model = Build(which);
        var tokens = Tokens(30, [3, 8], 61).clamp_min(1);          // id 0 is the padding id of the baseline
        var pad = zeros_like(tokens);
        var target = Target.Class(1);
        var lig = new LayerIntegratedGradients(model, "embedding");

        var (attributions, delta) = lig.AttributeWithDelta(tokens, target, baselines: pad, nSteps: 64);
        Assert.Equal(new long[] { 3, 8, 16 }.Take(2), attributions.shape.Take(2));
        var perToken = attributions.sum(-1);                          // [B, T]: one number per token
        using var noGrad = no_grad();
        var difference = model.forward(tokens)[.., 1] - model.forward(pad)[.., 1];
        var gap = (perToken.sum(1) - difference).abs();
        output.WriteLine($"{which}: f(x) − f(x') = [{string.Join(", ", difference.data<double>().Select(v => v.ToString("F5")))}], " +
                         $"|Σ attributions − (f(x) − f(x'))| max {gap.max().item<double>():E2}, reported |δ| max {delta.abs().max().item<double>():E2}");
        Assert.True((gap - delta.abs()).abs().max().item<double>() < 1e-9, "the reported delta is not Σ attributions − (f(x) − f(x'))");
        Assert.True(delta.abs().max().item<double>() < 1e-3 * Math.Max(1, difference.abs().max().item<double>()),
            $"{which}: the convergence delta {delta.abs().max().item<double>():E2} is not small at 64 steps");
        Assert.True(perToken.abs().max().item<double>() > 1e-6, "all token attributions are zero: the check could not fail");

        var (_, coarse) = lig.AttributeWithDelta(tokens, target, baselines: pad, nSteps: 2);
        Assert.True(delta.abs().max().item<double>() <= coarse.abs().max().item<double>(), "more steps must not converge worse");
    }
}
