using AttrDsl.Autograd;
using AttrDsl.Priors;
using AttrDsl.Training;

namespace AttrDsl.Tests.Training;

/// <summary>
/// What the child processes of <see cref="CreateGraphWarningTests"/> run: libtorch prints its create_graph warning at
/// most once per process, so each case needs a fresh one.
/// </summary>
internal static class CreateGraphWarningScenarios
{
    /// <summary>Trains prior steps (both schedules) and takes a differentiable input gradient through AttrDsl.</summary>
    public static void TrainWithPriors()
    {
        manual_seed(0);
        var model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3));
        var x = randn(16, 6);
        var y = randint(0, 3, [16], dtype: ScalarType.Int64);
        foreach (var schedule in new[] { PriorSchedule.Summed, PriorSchedule.Alternating })
        {
            var trainer = new AttributionPriorTrainer(model, (o, t) => nn.functional.cross_entropy(o, t), optim.Adam(model.parameters(), 1e-3),
                new PriorTrainingOptions { Priors = [new PriorTerm(new L2Attribution(), 0.1)], Background = x, Schedule = schedule });
            for (var i = 0; i < 3; i++) trainer.Step(x, y);
        }
        var input = randn(4, 6).requires_grad_();
        var g = GuardedAutograd.Grad(model.call(input).sum(), input, createGraph: true);
        Console.Out.WriteLine($"trained; gradient norm {g.norm().item<float>():F4}");
    }

    /// <summary>The control: TorchSharp's own backward with create_graph on a leaf, which makes libtorch warn.</summary>
    public static void TorchBackwardOnALeaf()
    {
        var w = randn(3, 3).requires_grad_();
        var x = randn(2, 3).requires_grad_();
        autograd.backward([x.matmul(w).tanh().sum()], create_graph: true, inputs: [x]);
        Console.Out.WriteLine("backward done");
    }
}
