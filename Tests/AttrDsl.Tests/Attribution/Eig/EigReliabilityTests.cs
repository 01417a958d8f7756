using AttrDsl.Attribution;

namespace AttrDsl.Tests.Attribution.Eig;

/// <summary>
/// EIG's entry points (the explainer, its paths, baselines, path integral and significance test) reject empty
/// batches, non-finite data and models that return null or integers with a message naming the method, the tensor
/// and the fix — a NaN would otherwise become NaN attributions, a meaningless k-means, or a p-value of 1.
/// </summary>
public class EigReliabilityTests
{
    private static readonly double[] W = [0.5, -1.0, 2.0];

    private static Tensor Linear(Tensor t)
    {
        using var w = tensor(W);
        return t.mv(w).unsqueeze(1);
    }

    private static Tensor Data(int n, int seed)
    {
        var rng = new Random(seed);
        return tensor(Enumerable.Range(0, n * 3).Select(_ => rng.NextDouble() * 4 - 2).ToArray(), [n, 3]);
    }

    /// <summary>Every public EIG entry point that takes a batch, called with that batch empty: (method, tensor name, call).</summary>
    private static readonly Dictionary<string, (string Method, string Name, Action Call)> EmptyCases = new()
    {
        ["EIG inputs"] = ("EnhancedIntegratedGradients", "inputs", () => new EnhancedIntegratedGradients(Linear).Attribute(zeros([0, 3], float64), zeros([1, 3], float64), Target.Class(0))),
        ["EIG baselines"] = ("EnhancedIntegratedGradients", "baselines", () => new EnhancedIntegratedGradients(Linear).Attribute(ones([1, 3], float64), zeros([0, 3], float64), Target.Class(0))),
        ["PathIntegral"] = ("PathIntegral", "path", () => PathIntegral.Integrate(Linear, zeros([0, 3], float64), Target.Class(0))),
        ["Neighbors"] = ("EigPaths.Neighbors", "data", () => EigPaths.Neighbors(zeros([0, 3], float64), zeros([3], float64), ones([3], float64), 5)),
        ["LatentNeighbors"] = ("EigPaths.LatentNeighbors", "data", () => EigPaths.LatentNeighbors(t => t, t => t, zeros([0, 3], float64), zeros([3], float64), ones([3], float64), 5)),
        ["KMeans"] = ("EigBaselines.KMeans", "data", () => EigBaselines.KMeans(zeros([0, 3], float64), 1)),
        ["Median"] = ("EigBaselines.Median", "data", () => EigBaselines.Median(zeros([0, 3], float64), 1)),
        ["Close data"] = ("EigBaselines.Close", "data", () => EigBaselines.Close(zeros([0, 3], float64), ones([1, 3], float64), 1)),
        ["Close samples"] = ("EigBaselines.Close", "samples", () => EigBaselines.Close(ones([4, 3], float64), zeros([0, 3], float64), 1)),
        ["Random"] = ("EigBaselines.Random", "data", () => EigBaselines.Random(zeros([0, 3], float64), 1)),
        ["Significance attributions"] = ("Significance.Test", "attributions", () => Significance.Test(zeros([0, 3], float64), ones([4, 3], float64))),
        ["Significance null"] = ("Significance.Test", "nullAttributions", () => Significance.Test(ones([4, 3], float64), zeros([0, 3], float64))),
    };

    public static TheoryData<string> EmptyCaseNames => new(EmptyCases.Keys);

    [Theory, MemberData(nameof(EmptyCaseNames))]
    public void EmptyBatchesAreRejectedWithTheSharedMessage(string name)
    {
        using var scope = NewDisposeScope();
        var (method, tensorName, call) = EmptyCases[name];
        var ex = Assert.Throws<ArgumentException>(call);
        Assert.Equal($"{method}: {tensorName} is an empty batch (shape [0, 3]); pass at least one sample (Parameter '{tensorName}')", ex.Message);
    }

    [Fact]
    public void PerSampleBaselinesWithNoBaselineAreRejected()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => new EnhancedIntegratedGradients(Linear).Attribute(ones([2, 3], float64), zeros([2, 0, 3], float64), Target.Class(0)));
        Assert.StartsWith("EnhancedIntegratedGradients: baselines [2, 0, 3] hold no baseline per sample (K = 0)", ex.Message);
    }

    /// <summary>Every public EIG entry point, called with a NaN at row 1, column 2 of one tensor: (method, tensor name, call).</summary>
    private static readonly Dictionary<string, (string Method, string Name, Action Call)> NanCases = new()
    {
        ["EIG inputs"] = ("EnhancedIntegratedGradients", "inputs", () => new EnhancedIntegratedGradients(Linear).Attribute(WithNaN(Data(2, 1)), Data(2, 2), Target.Class(0))),
        ["EIG baselines"] = ("EnhancedIntegratedGradients", "baselines", () => new EnhancedIntegratedGradients(Linear).Attribute(Data(2, 1), WithNaN(Data(2, 2)), Target.Class(0))),
        ["PathIntegral"] = ("PathIntegral", "path", () => PathIntegral.Integrate(Linear, WithNaN(Data(5, 3)), Target.Class(0))),
        ["Linear sample"] = ("EigPaths.Linear", "sample", () => EigPaths.Linear(zeros([3], float64), WithNaN(Data(2, 4))[1], 5)),
        ["Latent baseline"] = ("EigPaths.Latent", "baseline", () => EigPaths.Latent(t => t, t => t, WithNaN(Data(2, 4))[1], ones([3], float64), 5)),
        ["Neighbors data"] = ("EigPaths.Neighbors", "data", () => EigPaths.Neighbors(WithNaN(Data(6, 5)), zeros([3], float64), ones([3], float64), 8, 2)),
        ["LatentNeighbors data"] = ("EigPaths.LatentNeighbors", "data", () => EigPaths.LatentNeighbors(t => t, t => t, WithNaN(Data(6, 5)), zeros([3], float64), ones([3], float64), 8, 2)),
        ["KMeans"] = ("EigBaselines.KMeans", "data", () => EigBaselines.KMeans(WithNaN(Data(6, 6)), 2)),
        ["Median"] = ("EigBaselines.Median", "data", () => EigBaselines.Median(WithNaN(Data(6, 6)), 2)),
        ["Close samples"] = ("EigBaselines.Close", "samples", () => EigBaselines.Close(Data(6, 6), WithNaN(Data(2, 7)), 2)),
        ["Random"] = ("EigBaselines.Random", "data", () => EigBaselines.Random(WithNaN(Data(6, 6)), 2)),
        ["Significance"] = ("Significance.Test", "nullAttributions", () => Significance.Test(Data(6, 8), WithNaN(Data(6, 9)))),
    };

    public static TheoryData<string> NanCaseNames => new(NanCases.Keys);

    /// <summary>The tensor with element [1, 2] set to NaN.</summary>
    private static Tensor WithNaN(Tensor t)
    {
        t[1, 2] = tensor(double.NaN);
        return t;
    }

    [Theory, MemberData(nameof(NanCaseNames))]
    public void NonFiniteDataIsRejected(string name)
    {
        using var scope = NewDisposeScope();
        var (method, tensorName, call) = NanCases[name];
        var ex = Assert.Throws<ArgumentException>(call);
        Assert.StartsWith($"{method}: {tensorName} contains 1 non-finite value (first: NaN at index [", ex.Message);
        Assert.Contains("nan_to_num", ex.Message);
        Assert.Equal(tensorName, ex.ParamName);
    }

    [Fact]
    public void ModelOutputIsChecked()
    {
        using var scope = NewDisposeScope();
        var x = Data(2, 10);
        var baselines = zeros([1, 3], float64);
        var nul = Assert.Throws<InvalidOperationException>(() => new EnhancedIntegratedGradients(_ => null!).Attribute(x, baselines, Target.Class(0), points: 5));
        Assert.StartsWith("EnhancedIntegratedGradients: the model returned null", nul.Message);
        var ints = Assert.Throws<InvalidOperationException>(() =>
            new EnhancedIntegratedGradients(t => Linear(t).gt(0).@long()).Attribute(x, baselines, Target.Class(0), points: 5));
        Assert.StartsWith("EnhancedIntegratedGradients: the model returned a Int64 tensor", ints.Message);
        var reduced = Assert.Throws<InvalidOperationException>(() => PathIntegral.Integrate(t => Linear(t).sum(), EigPaths.Linear(zeros([3], float64), x[0], 4), Target.Class(0)));
        Assert.StartsWith("PathIntegral: the model returned a 0-dim tensor", reduced.Message);
    }

    [Fact]
    public void BatchSizeMustBePositive()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new EnhancedIntegratedGradients(Linear).Attribute(Data(2, 11), zeros([1, 3], float64), Target.Class(0), batchSize: 0));
        Assert.Contains("EnhancedIntegratedGradients: batchSize must be at least 1", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => PathIntegral.Integrate(Linear, Data(4, 12), Target.Class(0), batchSize: 0));
    }
}
