using AttrDsl.Data;

namespace AttrDsl.Tests.Data;

/// <summary>Mini-batches over whole-data-set tensors: order, sizes, shuffling, alignment, ownership of each batch.</summary>
public class BatchesTests
{
    private static (Tensor x, Tensor y) Data(int n = 10)
    {
        var x = arange(n * 3, ScalarType.Float64).reshape(n, 3);   // row i holds 3i, 3i+1, 3i+2
        var y = arange(n, ScalarType.Int64);
        return (x, y);
    }

    private static List<(double[] X, long[] Y)> Epoch(Batches batches) =>
        batches.Select(b => (b.Inputs.ToArray<double>(), b.Labels.ToArray<long>())).ToList();

    [Fact]
    public void InOrderBatchesCoverEverySampleOnceWithASmallerLastBatch()
    {
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        var batches = new Batches(x, y, 4);
        Assert.Equal(3, batches.Count);
        Assert.Equal(10, batches.Samples);
        var epoch = Epoch(batches);
        Assert.Equal([4, 4, 2], epoch.Select(b => b.Y.Length));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), epoch.SelectMany(b => b.Y));
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (double)i), epoch.SelectMany(b => b.X));
        Assert.Equal(3, AttrDsl.Training.AttributionPriorTrainer.BatchCount(batches));   // what Fit's progress bar counts to

        var dropped = new Batches(x, y, 4, dropLast: true);
        Assert.Equal(2, dropped.Count);
        Assert.Equal([4, 4], Epoch(dropped).Select(b => b.Y.Length));
    }

    [Fact]
    public void ShuffledEpochsArePermutationsWithAlignedLabelsReproducibleFromTheSeed()
    {
        var (x, y) = Data(50);
        using var _x = x;
        using var _y = y;
        var a = new Batches(x, y, 8, shuffle: true, seed: 3);
        var first = Epoch(a);
        var second = Epoch(a);
        foreach (var epoch in new[] { first, second })
        {
            var labels = epoch.SelectMany(b => b.Y).ToArray();
            Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), labels.Order());
            Assert.NotEqual(labels.Order(), labels);
            // every row still belongs to its label
            var rows = epoch.SelectMany(b => b.X).Chunk(3).ToArray();
            Assert.All(Enumerable.Range(0, 50), i => Assert.Equal(new double[] { 3 * labels[i], 3 * labels[i] + 1, 3 * labels[i] + 2 }, rows[i]));
        }
        Assert.NotEqual(first.SelectMany(b => b.Y), second.SelectMany(b => b.Y));   // a new permutation each epoch

        var b = new Batches(x, y, 8, shuffle: true, seed: 3);
        Assert.Equal(first.SelectMany(e => e.Y), Epoch(b).SelectMany(e => e.Y));
        Assert.Equal(second.SelectMany(e => e.Y), Epoch(b).SelectMany(e => e.Y));
    }

    [Fact]
    public void EachBatchIsDisposedWhenTheEnumerationMovesOnAndOutlivesTheCallersScopes()
    {
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        var seen = new List<Tensor>();
        foreach (var (inputs, labels) in new Batches(x, y, 4, shuffle: true, seed: 1))
        {
            using (var scope = NewDisposeScope()) { }   // a step's own scope must not take the batch with it
            Assert.False(inputs.IsInvalid);
            seen.Add(inputs);
            seen.Add(labels);
        }
        Assert.All(seen, t => Assert.True(t.IsInvalid));
        Assert.False(x.IsInvalid);
        Assert.False(y.IsInvalid);
    }

    [Fact]
    public void BadArgumentsAreClearErrors()
    {
        var (x, y) = Data();
        using var _x = x;
        using var _y = y;
        using var fewer = arange(9);
        Assert.Contains("inputs have 10 samples but labels have 9", Assert.Throws<ArgumentException>(() => new Batches(x, fewer, 4)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Batches(x, y, 0));
        using var scalar = tensor(1.0);
        Assert.Throws<ArgumentException>(() => new Batches(scalar, y, 4));
        Assert.Throws<ArgumentNullException>(() => new Batches(null!, y, 4));
    }
}
