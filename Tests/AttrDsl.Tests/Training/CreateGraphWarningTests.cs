using AttrDsl.Tests.Checkpoints;

namespace AttrDsl.Tests.Training;

/// <summary>
/// libtorch prints "Using backward() with create_graph=True will create a reference cycle ..." to stderr once per
/// process, the first time a backward pass runs with create_graph. AttrDsl takes every differentiable gradient that
/// way (and clears the gradients it leaves, so the cycle never forms): training with priors must not put that warning
/// on a user's console. A control runs torch's own backward and must print it, so the test can tell.
/// </summary>
public class CreateGraphWarningTests
{
    [Fact]
    public void TrainingWithPriorsPrintsNoReferenceCycleWarning()
    {
        var output = Run("create-graph-trainer");
        Assert.Contains("trained; gradient norm", output);
        Assert.DoesNotContain("reference cycle", output);
    }

    [Fact]
    public void ControlTorchsOwnCreateGraphBackwardPrintsTheWarning()
    {
        var output = Run("create-graph-control-leaf");
        Assert.Contains("backward done", output);
        Assert.Contains("reference cycle", output);
    }

    private static string Run(string scenario)
    {
        using var child = ChildProcess.Start(scenario);
        var (code, output) = child.WaitForExit(TimeSpan.FromSeconds(120));
        Assert.True(code == 0, $"scenario {scenario} exited with {code}:\n{output}");
        return output;
    }
}
