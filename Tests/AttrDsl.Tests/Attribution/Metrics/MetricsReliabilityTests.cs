using AttrDsl.Attribution;
using static AttrDsl.Tests.Attribution.Lpm;

namespace AttrDsl.Tests.Attribution.Metrics;

/// <summary>
/// Infidelity and max-sensitivity reject empty batches, non-finite inputs and attributions, and models that return
/// null or integers, with a message naming the metric, the tensor and the fix (instead of a NaN score).
/// </summary>
public class MetricsReliabilityTests
{
    private const int B = 2, N = 3;

    private static Tensor Saliency(Func<Tensor, Tensor> f, Tensor x, Target t) => AttrDsl.Attribution.Gradients.Of(f, x, t);

    public static TheoryData<string> Entries => new() { "Infidelity", "Infidelity(module)", "SensitivityMax", "SensitivityMax(no target)" };

    /// <summary>Each public entry point, on a linear model, with the given inputs.</summary>
    private static Tensor Run(string entry, Tensor x)
    {
        var f = LinearModel(Values(N, 501));
        return entry switch
        {
            "Infidelity" => Infidelity.Compute(f, x, x, Target.Output, nPerturbSamples: 2),
            "Infidelity(module)" => Infidelity.Compute(torch.nn.Linear(N, 1, dtype: float64), x, x, Target.Output, nPerturbSamples: 2),
            "SensitivityMax" => SensitivityMax.Compute((xs, t) => Saliency(f, xs, t), x, Target.Output, nPerturbSamples: 2),
            "SensitivityMax(no target)" => SensitivityMax.Compute(xs => Saliency(f, xs, Target.Output), x, nPerturbSamples: 2),
            _ => throw new ArgumentException(entry),
        };
    }

    [Theory, MemberData(nameof(Entries))]
    public void EmptyBatchesAreRejectedWithTheSharedMessage(string entry)
    {
        using var scope = NewDisposeScope();
        var method = entry.Split('(')[0];
        var ex = Assert.Throws<ArgumentException>(() => Run(entry, zeros([0, N], float64)));
        Assert.Equal($"{method}: inputs is an empty batch (shape [0, 3]); pass at least one sample (Parameter 'inputs')", ex.Message);
    }

    [Theory, MemberData(nameof(Entries))]
    public void NonFiniteInputsAreRejected(string entry)
    {
        using var scope = NewDisposeScope();
        var method = entry.Split('(')[0];
        var xv = Values(B * N, 502);
        xv[4] = double.NaN;
        var ex = Assert.Throws<ArgumentException>(() => Run(entry, T(xv, B, N)));
        Assert.StartsWith($"{method}: inputs contains 1 non-finite value (first: NaN at index [1, 1] of shape [2, 3])", ex.Message);
        Assert.Contains("nan_to_num", ex.Message);
    }

    [Fact]
    public void NonFiniteAttributionsAreRejected()
    {
        using var scope = NewDisposeScope();
        var calls = 0;
        var f = LinearModel(Values(N, 503));
        var av = Values(B * N, 504);
        av[2] = double.PositiveInfinity;
        var ex = Assert.Throws<ArgumentException>(() =>
            Infidelity.Compute(x => { calls++; return f(x); }, T(Values(B * N, 505), B, N), T(av, B, N), Target.Output));
        Assert.StartsWith($"Infidelity: attributions contains 1 non-finite value (first: {double.PositiveInfinity} at index [0, 2] of shape [2, 3])", ex.Message);
        Assert.Equal("attributions", ex.ParamName);
        Assert.Equal(0, calls);
    }

    [Fact]
    public void InfidelityModelOutputIsChecked()
    {
        using var scope = NewDisposeScope();
        var x = T(Values(B * N, 506), B, N);
        var w = T(Values(2 * N, 507), N, 2);
        var nul = Assert.Throws<InvalidOperationException>(() => Infidelity.Compute(_ => null!, x, x, Target.Output));
        Assert.StartsWith("Infidelity: the model returned null", nul.Message);
        var ints = Assert.Throws<InvalidOperationException>(() => Infidelity.Compute(xs => xs.mm(w).argmax(1), x, x, Target.Output));
        Assert.StartsWith("Infidelity: the model returned a Int64 tensor", ints.Message);
        // The perturbed batch is checked as well: B·n rows, here a model that drops all but the first row.
        var calls = 0;
        var rows = Assert.Throws<InvalidOperationException>(() => Infidelity.Compute(
            xs => ++calls == 1 ? xs.sum(1) : xs.narrow(0, 0, 1).sum(1), x, x, Target.Output, nPerturbSamples: 3));
        Assert.StartsWith("Infidelity: the model returned an output of shape [1] for inputs of 6 rows", rows.Message);
    }
}
