using AttrDsl.Priors;
using AttrDsl.Samples.MnistTrain;
using AttrDsl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Benchmarks;

/// <summary>One attribution-prior training step (total variation on EG, k = 1) over one plain step, on the MNIST CNN.</summary>
internal static class PriorBenchmarks
{
    public static IEnumerable<(string Name, string Value)> Run()
    {
        manual_seed(0);
        using var x = rand(64, 1, 28, 28);
        using var y = randint(10, [64]);
        using var background = rand(512, 1, 28, 28);

        using var plainModel = new MnistNet();
        using var plainOpt = optim.Adam(plainModel.parameters(), 1e-3);
        var plain = RuntimeBenchmarks.TrainStepSeconds(plainModel, plainOpt, x, y);

        var results = new List<(string, string)> { ("plain train step, MNIST CNN, batch 64", $"{plain * 1e3:F1} ms") };
        foreach (var schedule in new[] { PriorSchedule.Summed, PriorSchedule.Alternating })
        {
            using var model = new MnistNet();
            using var opt = optim.Adam(model.parameters(), 1e-3);
            var trainer = new AttributionPriorTrainer(model, (o, t) => nn.functional.cross_entropy(o, t), opt,
                new PriorTrainingOptions { Priors = [new PriorTerm(new TotalVariation(), 1e-3)], Background = background, References = 1, Schedule = schedule });
            var withPrior = Measure.MedianSeconds(() => trainer.Step(x, y), minSeconds: 6);
            var name = schedule.ToString().ToLowerInvariant();
            results.Add(($"TV-prior train step ({name}, k = 1)", $"{withPrior * 1e3:F1} ms"));
            results.Add(($"**ratio prior step / plain step, {name}** (goal ≤ 3.0; seed TF1 ≈ 8)", $"**{withPrior / plain:F2}**"));
        }
        return results;
    }
}
