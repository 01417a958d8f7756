using System.Reflection;
using AttrDsl.Priors;
using AttrDsl.Tests.Infrastructure;
using AttrDsl.Training;
using TorchSharp.Modules;

namespace AttrDsl.Tests.Robustness;

/// <summary>
/// An update that is itself non-finite although the losses, gradients and optimizer settings are finite (Adam with
/// eps = 0 on an exactly-zero gradient component gives 0/0; a learning rate that overflows float32) used to poison every
/// weight it touched. The trainer now copies what the step may change, checks the weights after it, and on a NaN/±Inf
/// writes the copies back: weights and optimizer state are bitwise as before, and the error names the parameter.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public class NonFiniteUpdateTests
{
    public static TheoryData<string, PriorSchedule> Cases => new()
    {
        { "Adam, eps 0", PriorSchedule.Summed },
        { "Adam, eps 0", PriorSchedule.Alternating },
        { "SGD with momentum, overflowing learning rate", PriorSchedule.Summed },
        { "SGD with momentum, overflowing learning rate", PriorSchedule.Alternating },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheUpdateIsUndoneAndWeightsAndOptimizerStateStayBitwiseTheSame(string which, PriorSchedule schedule)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3));
        // Feature 2 is 0 in every sample and reference: its column of the first weight gets an exactly-zero gradient.
        var x = randn(16, 6).index_fill_(1, tensor(new long[] { 2 }), 0);
        var y = tensor(Enumerable.Range(0, 16).Select(i => (long)(i % 3)).ToArray());
        var adam = which.StartsWith("Adam", StringComparison.Ordinal);
        optim.Optimizer optimizer = adam
            ? optim.Adam(model.parameters(), 1e-3, eps: 0)
            : optim.SGD(model.parameters(), 0.01, momentum: 0.9);
        // A loss scaled by 1000 makes gradients large enough for lr·grad to overflow float32 once the rate is 1e38.
        var trainer = new AttributionPriorTrainer(model, (o, t) => nn.functional.cross_entropy(o, t) * (adam ? 1 : 1000), optimizer,
            new PriorTrainingOptions { Priors = [new PriorTerm(new L2Attribution(), 0.1)], Background = x, Schedule = schedule });
        if (!adam)
        {
            trainer.Step(x, y);   // a good step first, so the momentum buffers exist and hold values
            foreach (var group in optimizer.ParamGroups) group.LearningRate = 1e38;
        }

        var weights = Weights(model);
        var state = State(optimizer);
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Step(x, y));

        Assert.Contains($"update of {(adam ? "Adam" : "SGD")} made parameter '", e.Message);
        Assert.Contains("non-finite", e.Message);
        Assert.Contains("at index [", e.Message);
        Assert.Contains("bitwise as before it", e.Message);
        Assert.Contains("No weights were updated by this step", e.Message);
        if (adam) Assert.Contains("positive eps", e.Message);
        Assert.Equal(weights, Weights(model));
        Assert.Equal(state, State(optimizer));
    }

    [Fact]
    public void AfterARefusedUpdateTrainingGoesOnFromTheSameState()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2));
        var x = randn(8, 4);
        var y = tensor(new long[] { 0, 1, 0, 1, 0, 1, 0, 1 });
        var optimizer = optim.SGD(model.parameters(), 0.01, momentum: 0.9);
        var trainer = new AttributionPriorTrainer(model, (o, t) => nn.functional.cross_entropy(o, t) * 1000, optimizer,
            new PriorTrainingOptions { Priors = [new PriorTerm(new L2Attribution(), 0.1)], Background = x });
        trainer.Step(x, y);
        foreach (var group in optimizer.ParamGroups) group.LearningRate = 1e38;
        Assert.Throws<TrainingDivergedException>(() => trainer.Step(x, y));
        foreach (var group in optimizer.ParamGroups) group.LearningRate = 1e-6;
        trainer.Step(x, y);
        Assert.All(model.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
    }

    private static List<string> Weights(nn.Module model) =>
        model.named_parameters().Select(p => $"{p.name}:{Convert.ToHexString(p.parameter.detach().contiguous().bytes)}").ToList();

    /// <summary>Every field of every optimizer state object, tensors as bytes (null and absent tensors told apart).</summary>
    private static List<string> State(optim.Optimizer optimizer)
    {
        var result = new List<string>();
        var states = ((OptimizerHelper)optimizer).state_dict().State;
        for (var i = 0; i < states.Count; i++)
            foreach (var f in states[i].GetType().GetFields(BindingFlags.Instance | BindingFlags.Public))
                result.Add($"{i}.{f.Name}=" + (f.GetValue(states[i]) switch
                {
                    null => "null",
                    Tensor t => Convert.ToHexString(t.detach().contiguous().bytes),
                    var v => v.ToString(),
                }));
        Assert.NotEmpty(result);
        return result;
    }
}
