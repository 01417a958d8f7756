using AttrDsl.Attribution;
using static AttrDsl.Tests.Attribution.Lpm;

namespace AttrDsl.Tests.Attribution.Perturbation;

/// <summary>
/// Bad data and bad models give a clear exception naming the method, the tensor and the fix, before the model runs:
/// non-finite inputs or baselines, empty batches, models that return null, integers or the wrong rows, and occlusion
/// strides that would leave elements uncovered.
/// </summary>
public class PerturbationReliabilityTests
{
    private const int B = 2, N = 4;

    /// <summary>Runs one perturbation method with default settings (1-element windows for occlusion).</summary>
    private static Tensor Run(string method, Func<Tensor, Tensor> f, Tensor x, AblationBaseline baselines = default) => method switch
    {
        nameof(Occlusion) => new Occlusion(f).Attribute(x, Target.Output, [.. Enumerable.Repeat(1L, x is null ? 1 : (int)x.dim() - 1)], baselines: baselines),
        nameof(FeatureAblation) => new FeatureAblation(f).Attribute(x, Target.Output, baselines: baselines),
        nameof(ShapleyValueSampling) => new ShapleyValueSampling(f).Attribute(x, Target.Output, baselines: baselines, nSamples: 2),
        _ => throw new ArgumentException(method),
    };

    public static TheoryData<string> Methods => new() { nameof(Occlusion), nameof(FeatureAblation), nameof(ShapleyValueSampling) };

    public static TheoryData<string, double> MethodsAndBadValues()
    {
        var data = new TheoryData<string, double>();
        foreach (var m in new[] { nameof(Occlusion), nameof(FeatureAblation), nameof(ShapleyValueSampling) })
            foreach (var v in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
                data.Add(m, v);
        return data;
    }

    /// <summary>A linear model that counts its calls.</summary>
    private static (Func<Tensor, Tensor> F, Func<int> Calls) Counting()
    {
        var calls = 0;
        var f = LinearModel(Values(N, 301));
        return (x => { calls++; return f(x); }, () => calls);
    }

    [Theory, MemberData(nameof(MethodsAndBadValues))]
    public void NonFiniteInputsAreRejectedBeforeTheModelRuns(string method, double bad)
    {
        using var scope = NewDisposeScope();
        var (f, calls) = Counting();
        var xv = Values(B * N, 302);
        xv[1 * N + 2] = bad;
        var ex = Assert.Throws<ArgumentException>(() => Run(method, f, T(xv, B, N)));
        Assert.StartsWith($"{method}: inputs contains 1 non-finite value (first: {bad} at index [1, 2] of shape [2, 4])", ex.Message);
        Assert.Contains("nan_to_num", ex.Message);
        Assert.Equal("inputs", ex.ParamName);
        Assert.Equal(0, calls());
    }

    [Theory, MemberData(nameof(Methods))]
    public void NonFiniteTensorBaselinesAreRejected(string method)
    {
        using var scope = NewDisposeScope();
        var (f, calls) = Counting();
        var bv = Values(N, 303);
        bv[3] = double.NaN;
        bv[0] = double.PositiveInfinity;
        var ex = Assert.Throws<ArgumentException>(() => Run(method, f, T(Values(B * N, 304), B, N), T(bv, 1, N)));
        Assert.StartsWith($"{method}: baselines contains 2 non-finite values (first: ∞ at index [0, 0] of shape [1, 4])", ex.Message.Replace("Infinity", "∞"));
        Assert.Equal("baselines", ex.ParamName);
        Assert.Equal(0, calls());
    }

    [Theory, MemberData(nameof(Methods))]
    public void NonFiniteConstantBaselinesAreRejected(string method)
    {
        using var scope = NewDisposeScope();
        var (f, calls) = Counting();
        var ex = Assert.Throws<ArgumentException>(() => Run(method, f, T(Values(B * N, 305), B, N), double.NaN));
        Assert.StartsWith($"{method}: baselines is the constant NaN; attributions would be NaN", ex.Message);
        Assert.Contains("Pass a finite baseline value", ex.Message);
        Assert.Equal(0, calls());
    }

    [Theory, MemberData(nameof(Methods))]
    public void EmptyBatchesAreRejectedWithTheSharedMessage(string method)
    {
        using var scope = NewDisposeScope();
        var (f, calls) = Counting();
        var ex = Assert.Throws<ArgumentException>(() => Run(method, f, zeros([0, N], float64)));
        Assert.Equal($"{method}: inputs is an empty batch (shape [0, 4]); pass at least one sample (Parameter 'inputs')", ex.Message);
        Assert.Equal(0, calls());
        Assert.Throws<ArgumentNullException>(() => Run(method, f, null!));
    }

    [Theory, MemberData(nameof(Methods))]
    public void ModelReturningNullIsReported(string method)
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<InvalidOperationException>(() => Run(method, _ => null!, T(Values(B * N, 306), B, N)));
        Assert.StartsWith($"{method}: the model returned null", ex.Message);
        Assert.Contains("must return the output tensor", ex.Message);
    }

    [Theory, MemberData(nameof(Methods))]
    public void ModelReturningClassIndicesIsReported(string method)
    {
        using var scope = NewDisposeScope();
        var w = T(Values(2 * N, 307), N, 2);
        var ex = Assert.Throws<InvalidOperationException>(() => Run(method, x => x.mm(w).argmax(1), T(Values(B * N, 308), B, N)));
        Assert.StartsWith($"{method}: the model returned a Int64 tensor; attributions need floating-point outputs", ex.Message);
        Assert.Contains("not argmax/class indices", ex.Message);
    }

    [Theory, MemberData(nameof(Methods))]
    public void ModelReturningTheWrongRowsIsReported(string method)
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<InvalidOperationException>(() => Run(method, x => x.sum(1).repeat(2), T(Values(B * N, 309), B, N)));
        Assert.StartsWith($"{method}: the model returned an output of shape [4] for inputs of 2 rows", ex.Message);
    }

    [Fact]
    public void OcclusionStrideLargerThanItsWindowIsRejected()
    {
        using var scope = NewDisposeScope();
        var occ = new Occlusion(x => x.sum([1L, 2L]));
        var x = T(Values(2 * 3 * 5, 310), 2, 3, 5);
        // Windows of 2 every 3 along a dimension of 5 would start at 0 and 3: element 2 would never be occluded.
        var ex = Assert.Throws<ArgumentException>(() => occ.Attribute(x, Target.Output, [1, 2], strides: [1, 3]));
        Assert.StartsWith("Occlusion: in dimension 2 (size 5) the stride 3 is larger than the window 2", ex.Message);
        Assert.Contains("never be occluded", ex.Message);
        Assert.Contains("use a stride of at most 2", ex.Message);
        Assert.Equal("strides", ex.ParamName);
        // The first dimension is named the same way.
        var first = Assert.Throws<ArgumentException>(() => occ.Attribute(x, Target.Output, [1, 5], strides: [2, 1]));
        Assert.StartsWith("Occlusion: in dimension 1 (size 3) the stride 2 is larger than the window 1", first.Message);
    }

    [Fact]
    public void OcclusionStrideIsFreeWhereTheWindowSpansTheDimensionAndEveryElementIsCovered()
    {
        using var scope = NewDisposeScope();
        // f = Σ W ⊙ x: a window spanning the whole last dimension (any stride) drops Σ over one row of W ⊙ x.
        var wv = Values(6, 311);
        var wt = T(wv, 1, 2, 3);
        var occ = new Occlusion(x => (x * wt).sum([1L, 2L]));
        var xv = Values(6, 312);
        var attr = A(occ.Attribute(T(xv, 1, 2, 3), Target.Output, [1, 3], strides: [1, 7]));
        var expected = new double[6];
        for (var r = 0; r < 2; r++)
        {
            var drop = Enumerable.Range(0, 3).Sum(c => wv[r * 3 + c] * xv[r * 3 + c]);
            for (var c = 0; c < 3; c++) expected[r * 3 + c] = drop;
        }
        Close(expected, attr, 1e-12);
        // A stride equal to the window tiles the dimension; nothing is NaN.
        var tiled = A(occ.Attribute(T(xv, 1, 2, 3), Target.Output, [1, 2], strides: [1, 2]));
        Assert.All(tiled, v => Assert.True(double.IsFinite(v)));
    }
}
