using AttrDsl.Attribution;
using AttrDsl.Tests.Infrastructure;

namespace AttrDsl.Tests.Attribution;

/// <summary>
/// The long-running attribution calls stop on their CancellationToken: a token cancelled before the call throws
/// OperationCanceledException before the model is called once; one cancelled during the first model call (or
/// explanation call) stops the method before its next one — it checks between chunks, not only at the start.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public sealed class CancellationTests
{
    /// <summary>A linear model [B, 6] → [B, 3] that counts its calls and runs <see cref="OnCall"/> on each.</summary>
    private sealed class Counted
    {
        private readonly Tensor _w = linspace(-1, 1, 18).reshape(6, 3);

        public int Calls { get; private set; }

        public Action? OnCall { get; set; }

        public Tensor Forward(Tensor x)
        {
            Calls++;
            OnCall?.Invoke();
            return x.matmul(_w.to(x.dtype));
        }
    }

    private static Tensor Inputs() => linspace(0.1, 1.2, 12).reshape(2, 6);

    /// <summary>The method run by <paramref name="run"/> (given the model's forward and the token) throws when the token
    /// is cancelled before the call, without a model call; and stops after the first model call when that call cancels it.</summary>
    private static void AssertCancels(Func<Func<Tensor, Tensor>, CancellationToken, object> run)
    {
        using var scope = NewDisposeScope();
        // The method completes with a live token (so the second part below is not vacuous: it needs several calls).
        var free = new Counted();
        run(free.Forward, CancellationToken.None);
        Assert.True(free.Calls > 1, $"the method made {free.Calls} model call(s); the test needs several");

        var before = new Counted();
        using (var cancelled = new CancellationTokenSource())
        {
            cancelled.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => run(before.Forward, cancelled.Token));
        }
        Assert.Equal(0, before.Calls);

        var during = new Counted();
        using var source = new CancellationTokenSource();
        during.OnCall = source.Cancel;
        var e = Assert.ThrowsAny<OperationCanceledException>(() => run(during.Forward, source.Token));
        Assert.Equal(source.Token, e.CancellationToken);
        Assert.Equal(1, during.Calls);
    }

    [Fact]
    public void IntegratedGradients() =>
        AssertCancels((f, ct) => new IntegratedGradients(f).Attribute(Inputs(), 0, nSteps: 8, internalBatchSize: 4, cancellationToken: ct));

    [Fact]
    public void IntegratedGradientsWithAScalarBaseline() =>
        AssertCancels((f, ct) => new IntegratedGradients(f).Attribute(Inputs(), 0, 0.5, nSteps: 8, internalBatchSize: 4, cancellationToken: ct));

    [Fact]
    public void IntegratedGradientsWithDelta() =>
        AssertCancels((f, ct) => new IntegratedGradients(f).AttributeWithDelta(Inputs(), 0, nSteps: 8, internalBatchSize: 4, cancellationToken: ct));

    [Fact]
    public void IntegratedGradientsWithDeltaAndAScalarBaseline() =>
        AssertCancels((f, ct) => new IntegratedGradients(f).AttributeWithDelta(Inputs(), 0, 0.5, nSteps: 8, internalBatchSize: 4, cancellationToken: ct));

    // The layer methods: the layer is the identity on the input, the rest of the model the counted one; the bottom half
    // runs before the path, so the top half's calls are the ones counted.
    [Fact]
    public void LayerIntegratedGradients() =>
        AssertCancels((f, ct) => new LayerIntegratedGradients(x => x * 1, f).Attribute(Inputs(), 0, nSteps: 8, internalBatchSize: 4, cancellationToken: ct));

    [Fact]
    public void LayerIntegratedGradientsWithDelta() =>
        AssertCancels((f, ct) => new LayerIntegratedGradients(x => x * 1, f).AttributeWithDelta(Inputs(), 0, nSteps: 8, internalBatchSize: 4, cancellationToken: ct));

    [Fact]
    public void LayerConductance() =>
        AssertCancels((f, ct) => new LayerConductance(x => x * 1, f).Attribute(Inputs(), 0, nSteps: 8, internalBatchSize: 4, cancellationToken: ct));

    [Fact]
    public void InternalInfluence() =>
        AssertCancels((f, ct) => new InternalInfluence(x => x * 1, f).Attribute(Inputs(), 0, nSteps: 8, internalBatchSize: 4, cancellationToken: ct));

    [Fact]
    public void AumannShapley() =>
        AssertCancels((f, ct) => new AumannShapley(x => x * 1, f).Attribute(Inputs(), 0, nSteps: 8, internalBatchSize: 4, cancellationToken: ct));

    [Fact]
    public void Occlusion() =>
        AssertCancels((f, ct) => new Occlusion(f).Attribute(Inputs(), 0, [2], [2], cancellationToken: ct));

    [Fact]
    public void FeatureAblation() =>
        AssertCancels((f, ct) => new FeatureAblation(f).Attribute(Inputs(), 0, cancellationToken: ct));

    [Fact]
    public void ShapleyValueSampling() =>
        AssertCancels((f, ct) => new ShapleyValueSampling(f).Attribute(Inputs(), 0, nSamples: 2, cancellationToken: ct));

    [Fact]
    public void Infidelity() =>
        AssertCancels((f, ct) => AttrDsl.Attribution.Infidelity.Compute(f, Inputs(), ones(2, 6), 0, nPerturbSamples: 4, maxExamplesPerBatch: 2, cancellationToken: ct));

    [Fact]
    public void SensitivityMax() =>
        AssertCancels((f, ct) => AttrDsl.Attribution.SensitivityMax.Compute((x, t) => f(x).narrow(1, 0, 2), Inputs(), 0, nPerturbSamples: 4, maxExamplesPerBatch: 2, cancellationToken: ct));

    [Fact]
    public void SensitivityMaxWithoutATarget() =>
        AssertCancels((f, ct) => AttrDsl.Attribution.SensitivityMax.Compute(x => f(x), Inputs(), nPerturbSamples: 4, maxExamplesPerBatch: 2, cancellationToken: ct));

    [Fact]
    public void NoiseTunnel() =>
        AssertCancels((f, ct) => new NoiseTunnel((x, t) => f(x).sum(1, keepdim: true).expand_as(x).contiguous()).Attribute(Inputs(), 0, nSamples: 3, stdevs: 0.1, nSamplesBatchSize: 1, cancellationToken: ct));

    [Fact]
    public void EnhancedIntegratedGradientsBetweenChunksOfAPath() =>
        AssertCancels((f, ct) => new EnhancedIntegratedGradients(f).Attribute(Inputs().narrow(0, 0, 1), zeros(1, 6), 0, points: 8, batchSize: 4, cancellationToken: ct));

    [Fact]
    public void EnhancedIntegratedGradientsBetweenPaths() =>
        AssertCancels((f, ct) => new EnhancedIntegratedGradients(f).Attribute(Inputs(), zeros(1, 6), 0, points: 8, cancellationToken: ct));

    [Fact]
    public void KMeansStopsOnACancelledToken()
    {
        using var scope = NewDisposeScope();
        var data = linspace(0, 1, 40).reshape(20, 2);
        Assert.Equal([3L, 2], EigBaselines.KMeans(data, 3).shape);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => EigBaselines.KMeans(data, 3, cancellationToken: cancelled.Token));
    }
}
