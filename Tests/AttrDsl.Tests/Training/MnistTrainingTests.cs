using AttrDsl.Tests.Infrastructure;
using AttrDsl.Training;
using AttrDsl.Checkpoints;
using AttrDsl.Datasets;
using AttrDsl.Samples.MnistTrain;
using Xunit.Abstractions;

namespace AttrDsl.Tests.Training;

/// <summary>Trains the sample's CNN once on the real digits with the sample's defaults (shared by the tests of this class).</summary>
public sealed class TrainedMnistFixture : IDisposable
{
    public Mnist All { get; } = Mnist.Load();
    public Mnist Train { get; }
    public Mnist Test { get; }
    public MnistNet Model { get; }
    public double Accuracy { get; }
    public List<double> EpochLosses { get; } = [];

    public TrainedMnistFixture()
    {
        (Train, Test) = All.Split(2000, seed: 0);
        manual_seed(0);
        Model = new MnistNet();
        using var opt = optim.Adam(Model.parameters(), 1e-3);
        var schedule = optim.lr_scheduler.ExponentialLR(opt, 0.7);   // the sample's defaults: 6 epochs, batch 64, γ = 0.7
        var batches = Train.ToBatches(64, shuffle: true, seed: 0);
        for (var epoch = 0; epoch < 6; epoch++)
        {
            EpochLosses.Add(MnistTraining.TrainEpoch(Model, opt, batches));
            schedule.step();
        }
        Accuracy = MnistTraining.Accuracy(Model, Test);
    }

    public void Dispose()
    {
        Model.Dispose();
        Train.Dispose();
        Test.Dispose();
        All.Dispose();
    }
}

// Its determinism test seeds the global generator and trains from it: a class building a model in parallel (every
// module's initial weights come from that generator) would change its draws between the two runs.
[Collection(GlobalRngCollection.Name)]
public class MnistTrainingTests(TrainedMnistFixture trained, ITestOutputHelper output) : IClassFixture<TrainedMnistFixture>
{
    [Fact]
    public void SmallCnnReaches97PercentOnHeldOutDigits()
    {
        output.WriteLine($"epoch losses: {string.Join(", ", trained.EpochLosses.Select(l => l.ToString("F4")))}; held-out accuracy {trained.Accuracy:P2}");
        Assert.Equal(2000, trained.Test.Count);
        Assert.Equal(8000, trained.Train.Count);
        Assert.True(trained.Accuracy >= 0.97, $"held-out accuracy {trained.Accuracy:P2} < 97%");
    }

    [Fact]
    public void ModelHasTheCnnsParameters()
    {
        // RegisterComponents: without it a TorchSharp module silently has no parameters and nothing would train.
        Assert.Equal(32 * 25 + 32 + 64 * 32 * 25 + 64 + 1024 * 128 + 128 + 128 * 10 + 10, trained.Model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void SaveThenLoadRoundTripsBitwise()
    {
        var path = Path.Combine(Path.GetTempPath(), $"attrdsl-mnist-{Guid.NewGuid():N}.safetensors");
        try
        {
            Checkpoint.Save(trained.Model, path, new Dictionary<string, string> { ["model"] = nameof(MnistNet), ["seed"] = "0" });
            manual_seed(123);   // a differently initialised model, so loading has to overwrite everything
            using var fresh = new MnistNet();
            Assert.False(SameBits(trained.Model, fresh), "a fresh model already equals the trained one; the round trip would prove nothing");
            var metadata = Checkpoint.Load(fresh, path).Metadata;
            Assert.Equal(nameof(MnistNet), metadata["model"]);
            Assert.Equal("0", metadata["seed"]);
            var a = trained.Model.state_dict();
            var b = fresh.state_dict();
            Assert.Equal(a.Keys.Order(), b.Keys.Order());
            foreach (var (name, t) in a)
                Assert.True(Bits(t).SequenceEqual(Bits(b[name])), $"{name} differs after reload");
            Assert.Equal(trained.Accuracy, MnistTraining.Accuracy(fresh, trained.Test));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadingACheckpointOfAnotherModelFailsWithAClearError()
    {
        var path = Path.Combine(Path.GetTempPath(), $"attrdsl-other-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var other = nn.Linear(3, 2);
            Checkpoint.Save(other, path);
            using var model = new MnistNet();
            var e = Assert.Throws<ArgumentException>(() => Checkpoint.Load(model, path));
            Assert.Contains("conv1.weight", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TwoRunsWithTheSameSeedGiveBitwiseIdenticalWeights()
    {
        int[][] Run(int seed)
        {
            manual_seed(seed);
            using var model = new MnistNet();
            using var opt = optim.Adam(model.parameters(), 1e-3);
            MnistTraining.TrainEpoch(model, opt, trained.Train.ToBatches(64, shuffle: true, seed: seed), maxSteps: 40);
            return model.parameters().Select(p => Bits(p)).ToArray();
        }

        var first = Run(7);
        var second = Run(7);
        var other = Run(8);
        for (var i = 0; i < first.Length; i++)
            Assert.True(first[i].SequenceEqual(second[i]), $"parameter {i} differs between two runs with seed 7");
        Assert.False(first.Zip(other).All(p => p.First.SequenceEqual(p.Second)), "seed 8 produced the same weights as seed 7");
    }

    [Fact]
    public void ANonFiniteLossStopsTrainingBeforeTheUpdate()
    {
        manual_seed(0);
        using var model = new MnistNet();
        using var opt = optim.Adam(model.parameters(), 1e10);
        var e = Assert.Throws<TrainingDivergedException>(() =>
        {
            for (var epoch = 0; epoch < 3; epoch++)
                MnistTraining.TrainEpoch(model, opt, trained.Train.ToBatches(64, shuffle: true, seed: 0), maxSteps: 50);
        });
        Assert.False(double.IsFinite(e.Loss));
        // The step that saw the bad loss did not update: whatever the earlier steps left is still finite.
        Assert.True(MnistTraining.WeightsFinite(model), "a non-finite loss was stepped into the weights");
    }

    private static int[] Bits(Tensor t) => t.ToArray<float>().Select(BitConverter.SingleToInt32Bits).ToArray();

    private static bool SameBits(nn.Module a, nn.Module b) =>
        a.state_dict().All(kv => Bits(kv.Value).SequenceEqual(Bits(b.state_dict()[kv.Key])));
}
