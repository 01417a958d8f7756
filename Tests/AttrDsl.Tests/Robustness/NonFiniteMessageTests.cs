using AttrDsl.Attribution;
using AttrDsl.Decomposition;
using AttrDsl.Decomposition.Acd;

namespace AttrDsl.Tests.Robustness;

/// <summary>
/// The finiteness checks name the bad value in every floating dtype. They used to read it with <c>item&lt;double&gt;()</c>,
/// which throws on float32, float16 and bfloat16 tensors: the user saw "Double is not compatible with Float32" instead
/// of the argument, the value and its index.
/// </summary>
public class NonFiniteMessageTests
{
    public static IEnumerable<object[]> Dtypes => [[ScalarType.Float32], [ScalarType.Float16], [ScalarType.BFloat16], [ScalarType.Float64]];

    [Theory]
    [MemberData(nameof(Dtypes))]
    public void ANonFiniteInputIsNamedWithItsValueAndIndexInEveryDtype(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(nn.Linear(3, 2));
        var x = tensor(new double[] { 1, 2, 3, 4, 5, double.NaN }).view(2, 3).to(dtype);
        var e = Assert.Throws<ArgumentException>(() => new IntegratedGradients(model).Attribute(x, Target.Class(0)));
        Assert.Equal("inputs", e.ParamName);
        Assert.StartsWith($"IntegratedGradients.Attribute: inputs contains 1 non-finite value (first: {double.NaN} at index [1, 2] of shape [2, 3])", e.Message);
    }

    [Theory]
    [MemberData(nameof(Dtypes))]
    public void ANonFiniteDecompositionInputIsNamedInEveryDtype(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(nn.Linear(3, 2));
        var x = tensor(new double[] { 1, double.PositiveInfinity, 3 }).view(1, 3).to(dtype);
        var e = Assert.Throws<ArgumentException>(() => ContextualDecomposition.Decompose(model, x, ones(1, 3)));
        Assert.Equal("x", e.ParamName);
        Assert.Contains($"x contains 1 non-finite value (first: {double.PositiveInfinity} at index [0, 1]", e.Message);
    }

    [Fact]
    public void ANonFiniteFloat32ScoreFromAnAcdScorerIsNamed()
    {
        using var scope = NewDisposeScope();
        RegionScorer scorer = masks => full(masks.size(0), float.NaN, dtype: float32);
        var e = Assert.Throws<InvalidOperationException>(() => Agglomeration.Image(scorer, [4, 4], 2));
        Assert.Contains($"non-finite score ({double.NaN}) for mask 0", e.Message);
    }

    [Fact]
    public void AComplexValueIsWrittenWithBothParts()
    {
        using var scope = NewDisposeScope();
        Assert.Equal($"{double.NaN}+2i", Format.Value(complex(tensor(double.NaN), tensor(2.0))));
    }

    /// <summary>A NaN in a decomposition mask gave NaN β and γ with no error (a NaN in x was rejected).</summary>
    [Fact]
    public void ANonFiniteMaskIsRejected()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(nn.Linear(3, 2));
        var mask = tensor(new float[] { 1, float.NaN, 0 }).view(1, 3);
        var e = Assert.Throws<ArgumentException>(() => ContextualDecomposition.Decompose(model, randn(1, 3), mask));
        Assert.Equal("mask", e.ParamName);
        Assert.Contains($"mask contains 1 non-finite value (first: {double.NaN} at index [0, 1]", e.Message);

        var text = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 2));
        text.eval();
        var tokens = tensor(new long[] { 1, 2, 3 }).view(1, 3);
        var t = Assert.Throws<ArgumentException>(() => ContextualDecomposition.DecomposeTokens(text, tokens, mask));
        Assert.Equal("tokenMask", t.ParamName);
        var embed = Assert.Throws<ArgumentException>(() => ContextualDecomposition.EmbedTokens((TorchSharp.Modules.Embedding)text[0], tokens, mask));
        Assert.Contains("non-finite", embed.Message);
    }
}
