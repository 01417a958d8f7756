using AttrDsl.Priors;
using AttrDsl.Torch;
using AttrDsl.Training;
using static AttrDsl.Torch.torch;

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

        using var plainModel = AttributionBenchmarks.Cnn();
        using var plainOpt = optim.Adam(plainModel.parameters(), 1e-3);
        var plain = Measure.MedianSeconds(() =>
        {
            using var scope = NewDisposeScope();
            plainOpt.zero_grad();
            functional.cross_entropy(plainModel.forward(x), y).backward();
            plainOpt.step();
        }, minSeconds: 4);

        var results = new List<(string, string)> { ("plain train step, MNIST CNN, batch 64", $"{plain * 1e3:F1} ms") };
        foreach (var schedule in new[] { PriorSchedule.Summed, PriorSchedule.Alternating })
        {
            using var model = AttributionBenchmarks.Cnn();
            using var opt = optim.Adam(model.parameters(), 1e-3);
            var trainer = new AttributionPriorTrainer(model, (o, t) => functional.cross_entropy(o, t), opt,
                new PriorTrainingOptions { Priors = [new PriorTerm(new TotalVariation(), 1e-3)], Background = background, References = 1, Schedule = schedule });
            var withPrior = Measure.MedianSeconds(() => trainer.Step(x, y), minSeconds: 6);
            results.Add(($"TV-prior train step ({schedule.ToString().ToLowerInvariant()}, k = 1)", $"{withPrior * 1e3:F1} ms"));
            results.Add(($"**ratio prior step / plain step, {schedule.ToString().ToLowerInvariant()}** (goal ≤ 3; seed TF1 ≈ 8)", $"**{withPrior / plain:F2}**"));
        }
        return results;
    }
}
