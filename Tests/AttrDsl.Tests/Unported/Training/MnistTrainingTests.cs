using AttrDsl.Data;
using AttrDsl.Samples.MnistTrain;
using Xunit.Abstractions;

namespace AttrDsl.Tests.Training;

/// <summary>Trains the sample's CNN once on the real digits (shared by the tests of this class).</summary>
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
        var schedule = optim.lr_scheduler.ExponentialLR(opt, 0.7);   // the sample's defaults: 6 epochs, γ = 0.7
        var loader = utils.data.DataLoader(Train.ToDataset(), 64, shuffle: true, seed: 0);
        for (var epoch = 0; epoch < 6; epoch++)
        {
            EpochLosses.Add(MnistTraining.TrainEpoch(Model, opt, loader));
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

public class MnistTrainingTests(TrainedMnistFixture trained, ITestOutputHelper output) : IClassFixture<TrainedMnistFixture>
{
    [Fact]
    public void SmallCnnReaches97PercentOnHeldOutDigits()
    {
        output.WriteLine($"epoch losses: {string.Join(", ", trained.EpochLosses.Select(l => l.ToString("F4")))}; held-out accuracy {trained.Accuracy:P2}");
        Assert.Equal(2000, trained.Test.Count);
        Assert.True(trained.Accuracy >= 0.97, $"held-out accuracy {trained.Accuracy:P2} < 97%");
    }

    [Fact]
    public void SaveThenLoadRoundTripsBitwise()
    {
        var path = Path.Combine(Path.GetTempPath(), $"attrdsl-mnist-{Guid.NewGuid():N}.safetensors");
        try
        {
            trained.Model.save(path);
            manual_seed(123);   // a differently initialised model, so loading has to overwrite everything
            using var fresh = new MnistNet();
            fresh.load(path);
            var a = trained.Model.state_dict();
            var b = fresh.state_dict();
            Assert.Equal(a.Keys.Order(), b.Keys.Order());
            foreach (var (name, t) in a)
                Assert.True(t.ToArray<float>().SequenceEqual(b[name].ToArray<float>()), $"{name} differs after reload");
            Assert.Equal(trained.Accuracy, MnistTraining.Accuracy(fresh, trained.Test));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TwoRunsWithTheSameSeedGiveBitwiseIdenticalWeights()
    {
        float[][] Run(int seed)
        {
            manual_seed(seed);
            using var model = new MnistNet();
            using var opt = optim.Adam(model.parameters(), 1e-3);
            var loader = utils.data.DataLoader(trained.Train.ToDataset(), 64, shuffle: true, seed: seed);
            MnistTraining.TrainEpoch(model, opt, loader, maxSteps: 40);
            return model.parameters().Select(p => p.ToArray<float>()).ToArray();
        }

        var first = Run(7);
        var second = Run(7);
        var other = Run(8);
        for (var i = 0; i < first.Length; i++)
            Assert.True(first[i].SequenceEqual(second[i]), $"parameter {i} differs between two runs with seed 7");
        Assert.False(first.Zip(other).All(p => p.First.SequenceEqual(p.Second)), "seed 8 produced the same weights as seed 7");
    }
}
