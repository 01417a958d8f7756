using static AttrDsl.Tests.Modules.ModuleKit;

namespace AttrDsl.Tests.Modules;

/// <summary>Embedding: lookup semantics, gradient w.r.t. the table, padding_idx, N(0, 1) init, errors.</summary>
public class EmbeddingTests
{
    private static readonly long[] Indices = [1, 3, 3, 0, 7, 1];

    [Theory]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Int32)]
    public void EmbeddingGradientWithRespectToWeight(ScalarType indexType)
    {
        using var emb = nn.Embedding(8, 3);
        emb.to(ScalarType.Float64);
        Assert.Equal(ScalarType.Float64, emb.weight.dtype);
        using var idx = tensor(Indices, [2, 3], indexType);
        CheckLayer(emb, idx, wrtInput: false);
    }

    [Fact]
    public void EmbeddingForwardPicksRows()
    {
        using var emb = nn.Embedding(8, 3);
        var w = emb.weight.ToArray<float>();
        using var idx = tensor(Indices, [2, 3]);
        using var y = emb.forward(idx);
        Assert.Equal(new long[] { 2, 3, 3 }, y.shape);
        var expected = Indices.SelectMany(i => w.Skip((int)i * 3).Take(3)).ToArray();
        Assert.Equal(expected, y.ToArray<float>());
    }

    [Theory]
    [InlineData(2L, 2)]
    [InlineData(-1L, 7)]
    public void PaddingRowStartsAtZeroAndGetsNoGradient(long paddingIdx, int row)
    {
        using var emb = nn.Embedding(8, 3, padding_idx: paddingIdx, dtype: ScalarType.Float64);
        var w = emb.weight.ToArray<double>();
        Assert.Equal(new double[3], w.Skip(row * 3).Take(3).ToArray());
        Assert.Contains(w.Take(row * 3), v => v != 0);

        long[] ids = [row, 1, row, 4, 1, 1];
        using var idx = tensor(ids, [6]);
        using var y = emb.forward(idx);
        using var s = y.sum();
        var g = autograd.grad([s], [emb.weight])[0]!.ToArray<double>();
        for (var r = 0; r < 8; r++)
        {
            var count = r == row ? 0 : ids.Count(i => i == r);
            for (var j = 0; j < 3; j++) Assert.Equal((double)count, g[r * 3 + j]);
        }
    }

    [Fact]
    public void EmbeddingInitIsStandardNormal()
    {
        using var emb = nn.Embedding(1000, 64);
        var w = D(emb.weight);
        var mean = w.Average();
        var sd = Math.Sqrt(w.Select(v => (v - mean) * (v - mean)).Sum() / (w.Length - 1));
        // 64 000 samples: the mean's standard error is 0.004, the sd's about 0.003.
        Assert.InRange(mean, -0.025, 0.025);
        Assert.InRange(sd, 0.975, 1.025);
        Assert.True(w.Any(v => v > 3) && w.Any(v => v < -3), "tails missing: not a normal draw");
        Assert.True(w.All(v => Math.Abs(v) < 7));
    }

    [Fact]
    public void FloatIndicesAreRejectedNamingInt64()
    {
        using var emb = nn.Embedding(10, 3);
        using var bad = ones(2);
        var e = Assert.Throws<ArgumentException>(() => emb.forward(bad));
        Assert.Contains("int64", e.Message);
        using var good = tensor(new long[] { 9, 0 });
        using var y = emb.forward(good);
        Assert.Equal(new long[] { 2, 3 }, y.shape);
    }

    /// <summary>
    /// An index outside [0, num_embeddings) must fail, and the message should name the table's size
    /// (libtorch's own text, "index out of range in self", does not say what the valid range is).
    /// </summary>
    [Theory]
    [InlineData(12L)]
    [InlineData(-1L)]
    public void OutOfRangeIndexNamesTableSize(long bad)
    {
        using var emb = nn.Embedding(10, 3);
        using var idx = tensor(new long[] { 1, bad });
        var e = Assert.ThrowsAny<Exception>(() => emb.forward(idx));
        Assert.True(e is TorchException or ArgumentException, e.GetType().Name);
        Assert.Contains("10", e.Message);
        using var good = tensor(new long[] { 1, 9 });
        using var y = emb.forward(good);
        Assert.Equal(new long[] { 2, 3 }, y.shape);
    }
}
