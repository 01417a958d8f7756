namespace AttrDsl.Tests;

/// <summary>Runs alone: one test seeds libtorch's global generator, which tests in parallel classes would also draw from.</summary>
[CollectionDefinition(nameof(GlobalGeneratorCollection), DisableParallelization = true)]
public sealed class GlobalGeneratorCollection;

[Collection(nameof(GlobalGeneratorCollection))]
public class DataLoaderTests
{
    /// <summary>x[i] = (i, −i) as float32 [n, 2]; y[i] = i as int64 [n].</summary>
    private static TensorDataset Numbered(int n)
    {
        var xs = new float[2 * n];
        for (var i = 0; i < n; i++) { xs[2 * i] = i; xs[2 * i + 1] = -i; }
        using var x = tensor(xs, [n, 2]);
        using var y = arange(n);
        return utils.data.TensorDataset(x, y);
    }

    /// <summary>The sample ids of each batch of one epoch, checking that x rows stay aligned with y.</summary>
    private static List<long[]> Epoch(DataLoader loader)
    {
        var batches = new List<long[]>();
        foreach (var batch in loader)
        {
            Assert.Equal(2, batch.Length);
            var ids = batch[1].ToArray<long>();
            var xs = batch[0].ToArray<float>();
            Assert.Equal(new long[] { ids.Length, 2 }, batch[0].shape);
            for (var i = 0; i < ids.Length; i++)
            {
                Assert.Equal(ids[i], (long)xs[2 * i]);
                Assert.Equal(-ids[i], (long)xs[2 * i + 1]);
            }
            batches.Add(ids);
        }
        return batches;
    }

    [Theory]
    [InlineData(10, 3, false, new[] { 3, 3, 3, 1 })]
    [InlineData(10, 3, true, new[] { 3, 3, 3 })]
    [InlineData(9, 3, false, new[] { 3, 3, 3 })]
    [InlineData(9, 3, true, new[] { 3, 3, 3 })]
    [InlineData(2, 5, false, new[] { 2 })]
    [InlineData(2, 5, true, new int[0])]
    [InlineData(7, 1, true, new[] { 1, 1, 1, 1, 1, 1, 1 })]
    public void BatchSizesAndCounts(int n, int batchSize, bool dropLast, int[] expectedSizes)
    {
        using var data = Numbered(n);
        foreach (var shuffle in new[] { false, true })
        {
            var loader = utils.data.DataLoader(data, batchSize, shuffle: shuffle, drop_last: dropLast, seed: 3);
            Assert.Equal(expectedSizes.Length, loader.Count);
            var sizes = Epoch(loader).Select(b => b.Length).ToArray();
            Assert.Equal(expectedSizes, sizes);
        }
    }

    [Fact]
    public void SequentialLoaderYieldsRowsInOrder()
    {
        using var data = Numbered(10);
        var batches = Epoch(utils.data.DataLoader(data, 4));
        Assert.Equal([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]], batches);
    }

    [Fact]
    public void ShuffledEpochVisitsEverySampleOnce()
    {
        const int n = 103;
        using var data = Numbered(n);
        var loader = utils.data.DataLoader(data, 10, shuffle: true, seed: 7);
        var epochs = new List<long[]>();
        for (var e = 0; e < 3; e++)
        {
            var order = Epoch(loader).SelectMany(b => b).ToArray();
            Assert.Equal(Enumerable.Range(0, n).Select(i => (long)i), order.Order());
            Assert.NotEqual(Enumerable.Range(0, n).Select(i => (long)i), order);
            epochs.Add(order);
        }
        Assert.NotEqual(epochs[0], epochs[1]);
        Assert.NotEqual(epochs[1], epochs[2]);
    }

    [Fact]
    public void DropLastWithShuffleSkipsOnlyTheRemainder()
    {
        using var data = Numbered(10);
        var order = Epoch(utils.data.DataLoader(data, 4, shuffle: true, drop_last: true, seed: 1)).SelectMany(b => b).ToArray();
        Assert.Equal(8, order.Length);
        Assert.Equal(8, order.Distinct().Count());
    }

    [Fact]
    public void SameSeedReplaysOrderAndDifferentSeedDiffers()
    {
        using var data = Numbered(50);
        List<long[]> TwoEpochs(int seed)
        {
            var loader = utils.data.DataLoader(data, 8, shuffle: true, seed: seed);
            return [Epoch(loader).SelectMany(b => b).ToArray(), Epoch(loader).SelectMany(b => b).ToArray()];
        }
        var a = TwoEpochs(123);
        var b = TwoEpochs(123);
        var c = TwoEpochs(124);
        Assert.Equal(a, b);
        Assert.NotEqual(a[0], c[0]);
        Assert.NotEqual(a[1], c[1]);
    }

    [Fact]
    public void UnseededShuffleFollowsManualSeed()
    {
        using var data = Numbered(40);
        long[] Order()
        {
            manual_seed(2024);
            return Epoch(utils.data.DataLoader(data, 6, shuffle: true)).SelectMany(b => b).ToArray();
        }
        var first = Order();
        Assert.Equal(first, Order());
        Assert.NotEqual(Enumerable.Range(0, 40).Select(i => (long)i), first);
    }

    [Fact]
    public void BatchesAreCreatedInTheCallersScope()
    {
        using var data = Numbered(9);
        var kept = new List<Tensor>();
        using (var scope = NewDisposeScope())
        {
            foreach (var batch in utils.data.DataLoader(data, 4, disposeBatch: false))
                kept.AddRange(batch);
            Assert.Equal(6, kept.Count);
            Assert.All(kept, t => Assert.False(t.IsInvalid));
        }
        Assert.All(kept, t => Assert.True(t.IsInvalid));
    }

    [Fact]
    public void DisposeBatchFreesEachBatchWhenTheLoopMovesOn()
    {
        using var data = Numbered(9);
        using (var e = utils.data.DataLoader(data, 4).GetEnumerator())
        {
            Assert.True(e.MoveNext());
            var first = e.Current;
            Assert.True(e.MoveNext());
            Assert.All(first, t => Assert.True(t.IsInvalid));
            var second = e.Current;
            Assert.All(second, t => Assert.False(t.IsInvalid));
            e.Dispose();
            Assert.All(second, t => Assert.True(t.IsInvalid));
        }

        using var e2 = utils.data.DataLoader(data, 4, disposeBatch: false).GetEnumerator();
        Assert.True(e2.MoveNext());
        var kept = e2.Current;
        Assert.True(e2.MoveNext());
        Assert.All(kept, t => Assert.False(t.IsInvalid));
        Assert.Equal(new long[] { 0, 1, 2, 3 }, kept[1].ToArray<long>());
        foreach (var t in kept.Concat(e2.Current)) t.Dispose();
    }

    [Fact]
    public void ArgumentsAreValidated()
    {
        using var data = Numbered(5);
        var bs = Assert.Throws<ArgumentOutOfRangeException>(() => utils.data.DataLoader(data, 0));
        Assert.Contains("batch size must be at least 1", bs.Message);
        Assert.Throws<ArgumentNullException>(() => utils.data.DataLoader(null!, 2));

        using var a = zeros(3, 2);
        using var b = zeros(4);
        var mismatch = Assert.Throws<ArgumentException>(() => utils.data.TensorDataset(a, b));
        Assert.Contains("same length along dim 0", mismatch.Message);
        Assert.Contains("[3, 4]", mismatch.Message);

        using var scalar = tensor(1.0);
        Assert.Contains("0-dim", Assert.Throws<ArgumentException>(() => utils.data.TensorDataset(scalar)).Message);
        Assert.Contains("at least one tensor", Assert.Throws<ArgumentException>(() => utils.data.TensorDataset()).Message);
        Assert.Contains("out of range", Assert.Throws<ArgumentOutOfRangeException>(() => data.GetItem(5)).Message);
    }

    [Fact]
    public void DatasetOutlivesTheTensorsItWasBuiltFrom()
    {
        var x = tensor(new float[] { 10, 20, 30 });
        var y = tensor(new long[] { 1, 2, 3 });
        using var data = utils.data.TensorDataset(x, y);
        x.Dispose();
        y.Dispose();
        Assert.Equal(3, data.Count);
        var item = data.GetItem(1);
        Assert.Equal(20f, item[0].item<float>());
        Assert.Equal(2L, item[1].item<long>());
        foreach (var t in item) t.Dispose();
        using var idx = tensor(new long[] { 2, 0 });
        var batch = data.GetBatch(idx);
        Assert.Equal(new float[] { 30, 10 }, batch[0].ToArray<float>());
        Assert.Equal(new long[] { 3, 1 }, batch[1].ToArray<long>());
        foreach (var t in batch) t.Dispose();
    }

    /// <summary>Sample i is (i², i) — exercises <see cref="Dataset.GetBatch"/>'s default, stacking rows.</summary>
    private sealed class Squares(long n) : Dataset
    {
        public override long Count => n;
        public override Tensor[] GetItem(long index) => [tensor(new double[] { index * index }, []), tensor(new long[] { index, -index })];
    }

    [Fact]
    public void CustomDatasetIsBatchedByStackingItems()
    {
        using var data = new Squares(5);
        var batches = new List<(double[], long[], long[])>();
        foreach (var batch in utils.data.DataLoader(data, 2))
            batches.Add((batch[0].ToArray<double>(), batch[1].ToArray<long>(), batch[1].shape));
        Assert.Equal(3, batches.Count);
        Assert.Equal(new double[] { 0, 1 }, batches[0].Item1);
        Assert.Equal(new long[] { 2, 2 }, batches[0].Item3);
        Assert.Equal(new long[] { 2, -2, 3, -3 }, batches[1].Item2);
        Assert.Equal(new double[] { 16 }, batches[2].Item1);
    }
}
