using System.Globalization;

namespace AttrDsl.Attribution;

/// <summary>
/// Assertions on faithfulness results for a project's own tests, independent of the test framework: each returns
/// quietly when the check holds and throws <see cref="ExplanationAssertionException"/> (whose message gives the
/// numbers) when it does not, which xunit, NUnit and MSTest all report as a failed test.
/// </summary>
public static class ExplanationAssert
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// Asserts that the explanation passed the randomisation test: with every layer randomised its similarity to the
    /// original (<see cref="RandomizationResult.Measure"/>) is below <see cref="RandomizationResult.Threshold"/>.
    /// </summary>
    /// <param name="result">What <see cref="ParameterRandomization.Run"/> returned.</param>
    /// <exception cref="ExplanationAssertionException">The explanation stayed alike after randomisation.</exception>
    public static void PassesRandomizationCheck(RandomizationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Passes) return;
        throw new ExplanationAssertionException(
            $"the explanation did not pass the parameter-randomisation check: with every layer randomised its similarity ({result.Measure}) " +
            $"to the original is {result.Final.Of(result.Measure).ToString("F3", Inv)}, not below {result.Threshold.ToString("G", Inv)}; it does not depend on what the model learned. " +
            $"Steps:{Environment.NewLine}{result}");
    }

    /// <summary>Asserts that the mean deletion area is below <paramref name="maximum"/> (a faithful attribution's curve falls fast).</summary>
    /// <param name="curve">What <see cref="Deletion.Compute(Func{Tensor, Tensor}, Tensor, Tensor, Target, int, Tensor?, Tensor?, CurveScore, int?, CancellationToken)"/> returned.</param>
    /// <param name="maximum">The bound the mean area must stay below (finite).</param>
    /// <exception cref="ExplanationAssertionException">The area is at or above the bound.</exception>
    public static void DeletionAreaBelow(PerturbationCurve curve, double maximum)
    {
        ArgumentNullException.ThrowIfNull(curve);
        Bound(maximum, nameof(maximum));
        Kind(curve, "deletion", nameof(DeletionAreaBelow));
        if (curve.MeanArea < maximum) return;
        throw new ExplanationAssertionException(
            $"the deletion area is {curve.MeanArea.ToString("F4", Inv)}, not below {maximum.ToString("G", Inv)} " +
            $"({Describe(curve)}); deleting the features the attribution ranks first does not lower the model's score fast enough");
    }

    /// <summary>Asserts that the mean insertion area is above <paramref name="minimum"/> (a faithful attribution's curve rises fast).</summary>
    /// <param name="curve">What <see cref="Insertion.Compute(Func{Tensor, Tensor}, Tensor, Tensor, Target, int, Tensor?, Tensor?, CurveScore, int?, CancellationToken)"/> returned.</param>
    /// <param name="minimum">The bound the mean area must exceed (finite).</param>
    /// <exception cref="ExplanationAssertionException">The area is at or below the bound.</exception>
    public static void InsertionAreaAbove(PerturbationCurve curve, double minimum)
    {
        ArgumentNullException.ThrowIfNull(curve);
        Bound(minimum, nameof(minimum));
        Kind(curve, "insertion", nameof(InsertionAreaAbove));
        if (curve.MeanArea > minimum) return;
        throw new ExplanationAssertionException(
            $"the insertion area is {curve.MeanArea.ToString("F4", Inv)}, not above {minimum.ToString("G", Inv)} " +
            $"({Describe(curve)}); inserting the features the attribution ranks first does not raise the model's score fast enough");
    }

    private static string Describe(PerturbationCurve curve) =>
        $"{curve.Score}, {curve.Areas.Count} sample{(curve.Areas.Count == 1 ? "" : "s")}, per-sample areas {string.Join(", ", curve.Areas.Take(8).Select(a => a.ToString("F4", Inv)))}{(curve.Areas.Count > 8 ? ", …" : "")}; " +
        $"mean curve {string.Join(" ", curve.MeanScores.Select(s => s.ToString("F3", Inv)))}";

    private static void Bound(double value, string name)
    {
        if (!double.IsFinite(value))
            throw new ArgumentOutOfRangeException(name, value, $"{nameof(ExplanationAssert)}: {name} must be a finite area bound, e.g. 0.2");
    }

    private static void Kind(PerturbationCurve curve, string expected, string assertion)
    {
        if (curve.Kind != expected)
            throw new ArgumentException($"{nameof(ExplanationAssert)}.{assertion}: the curve is a {curve.Kind} curve; pass the result of {(expected == "deletion" ? "Deletion" : "Insertion")}.Compute", nameof(curve));
    }
}
