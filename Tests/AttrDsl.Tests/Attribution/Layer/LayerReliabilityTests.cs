using AttrDsl.Attribution;
using static AttrDsl.Tests.Attribution.Lpm;

namespace AttrDsl.Tests.Attribution.Layer;

/// <summary>
/// The layer methods reject bad data and bad models with a clear exception naming the method, the tensor and the fix:
/// non-finite inputs and baselines, empty batches, and a top (the model's output) that returns null or integers.
/// </summary>
public class LayerReliabilityTests
{
    private const int B = 2, N = 3;

    /// <summary>bottom = tanh(x Wᵀ) (3 → 4), top = z·v (4 → [B]); each counts its calls.</summary>
    private sealed class Counted
    {
        public int BottomCalls, TopCalls;
        private readonly Tensor _w = T(Values(12, 401), 4, N).DetachFromDisposeScope();
        private readonly Tensor _v = T(Values(4, 402), 4, 1).DetachFromDisposeScope();
        private readonly Func<Tensor, Tensor?>? _top;

        public Counted(Func<Tensor, Tensor?>? top = null) => _top = top;

        public Tensor Bottom(Tensor x) { BottomCalls++; return x.mm(_w.t()).tanh(); }
        public Tensor Top(Tensor z) { TopCalls++; return _top is null ? z.mm(_v) : _top(z)!; }
    }

    public static TheoryData<string> Methods => new()
    {
        nameof(LayerActivation), nameof(InternalInfluence), nameof(LayerConductance), nameof(AumannShapley), nameof(GradCam),
    };

    public static TheoryData<string> GradientMethods => new()
    {
        nameof(InternalInfluence), nameof(LayerConductance), nameof(AumannShapley), nameof(GradCam),
    };

    private static Tensor Run(string method, Counted m, Tensor x, Tensor? baselines = null) => method switch
    {
        nameof(LayerActivation) => new LayerActivation(m.Bottom).Attribute(x),
        nameof(InternalInfluence) => new InternalInfluence(m.Bottom, m.Top).Attribute(x, Target.Output, baselines: baselines, nSteps: 3),
        nameof(LayerConductance) => new LayerConductance(m.Bottom, m.Top).Attribute(x, Target.Output, baselines: baselines, nSteps: 3),
        nameof(AumannShapley) => new AumannShapley(m.Bottom, m.Top).Attribute(x, Target.Output, baselines: baselines, nSteps: 3),
        nameof(GradCam) => new GradCam(m.Bottom, m.Top).Attribute(x, Target.Output),
        _ => throw new ArgumentException(method),
    };

    [Theory, MemberData(nameof(Methods))]
    public void NonFiniteInputsAreRejectedBeforeTheModelRuns(string method)
    {
        using var scope = NewDisposeScope();
        var m = new Counted();
        var xv = Values(B * N, 403);
        xv[1 * N + 1] = double.NegativeInfinity;
        xv[1 * N + 2] = double.NaN;
        var ex = Assert.Throws<ArgumentException>(() => Run(method, m, T(xv, B, N)));
        Assert.StartsWith($"{method}: inputs contains 2 non-finite values (first: {double.NegativeInfinity} at index [1, 1] of shape [2, 3])", ex.Message);
        Assert.Contains("nan_to_num", ex.Message);
        Assert.Equal("inputs", ex.ParamName);
        Assert.Equal(0, m.BottomCalls);
    }

    [Theory]
    [InlineData(nameof(InternalInfluence))]
    [InlineData(nameof(LayerConductance))]
    [InlineData(nameof(AumannShapley))]
    public void NonFiniteBaselinesAreRejected(string method)
    {
        using var scope = NewDisposeScope();
        var m = new Counted();
        var ex = Assert.Throws<ArgumentException>(() => Run(method, m, T(Values(B * N, 404), B, N), T([0.0, double.NaN, 0.0], N)));
        Assert.StartsWith($"{method}: baselines contains 1 non-finite value (first: NaN at index [1] of shape [3])", ex.Message);
        Assert.Equal("baselines", ex.ParamName);
        Assert.Equal(0, m.TopCalls);
    }

    [Fact]
    public void NonFiniteLayerBaselinesAreRejected()
    {
        using var scope = NewDisposeScope();
        var m = new Counted();
        var ex = Assert.Throws<ArgumentException>(() => new AumannShapley(m.Bottom, m.Top)
            .Attribute(T(Values(B * N, 405), B, N), Target.Output, layerBaselines: T([0.0, 0.0, double.PositiveInfinity, 0.0], 4)));
        Assert.StartsWith($"AumannShapley: layerBaselines contains 1 non-finite value (first: {double.PositiveInfinity} at index [2] of shape [4])", ex.Message);
        Assert.Equal(0, m.TopCalls);
    }

    [Theory, MemberData(nameof(Methods))]
    public void EmptyBatchesAreRejectedWithTheSharedMessage(string method)
    {
        using var scope = NewDisposeScope();
        var m = new Counted();
        var ex = Assert.Throws<ArgumentException>(() => Run(method, m, zeros([0, N], float64)));
        Assert.Equal($"{method}: inputs is an empty batch (shape [0, 3]); pass at least one sample (Parameter 'inputs')", ex.Message);
        Assert.Equal(0, m.BottomCalls);
        Assert.Throws<ArgumentNullException>(() => Run(method, m, null!));
    }

    [Theory, MemberData(nameof(GradientMethods))]
    public void TopReturningNullIsReported(string method)
    {
        using var scope = NewDisposeScope();
        var m = new Counted(_ => null);
        var ex = Assert.Throws<InvalidOperationException>(() => Run(method, m, T(Values(B * N, 406), B, N)));
        Assert.StartsWith($"{method}: the model returned null", ex.Message);
        Assert.Equal(1, m.TopCalls);
    }

    [Theory, MemberData(nameof(GradientMethods))]
    public void TopReturningClassIndicesIsReported(string method)
    {
        using var scope = NewDisposeScope();
        var m = new Counted(z => z.argmax(1));
        var ex = Assert.Throws<InvalidOperationException>(() => Run(method, m, T(Values(B * N, 407), B, N)));
        Assert.StartsWith($"{method}: the model returned a Int64 tensor; attributions need floating-point outputs", ex.Message);
        Assert.Contains("not argmax/class indices", ex.Message);
    }

    [Theory, MemberData(nameof(GradientMethods))]
    public void TopThatReducesOverTheBatchIsReported(string method)
    {
        using var scope = NewDisposeScope();
        var m = new Counted(z => z.sum());
        var ex = Assert.Throws<InvalidOperationException>(() => Run(method, m, T(Values(B * N, 408), B, N)));
        Assert.StartsWith($"{method}: the model returned a 0-dim tensor", ex.Message);
        Assert.Contains("Don't reduce over the batch", ex.Message);
    }

    [Fact]
    public void BottomReturningNullIsReported()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<InvalidOperationException>(() => new LayerActivation(_ => null!).Attribute(ones([B, N], float64)));
        Assert.StartsWith("LayerActivation: the bottom part returned null", ex.Message);
    }
}
