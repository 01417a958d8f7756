namespace AttrDsl.Tests.ScaleOut.Mpi;

/// <summary>
/// A rank that leaves before an all-reduce (exits, is killed, or throws) must end the job: the surviving rank, waiting in
/// the all-reduce, is ended by mpirun and the job exits non-zero with a message naming the rank — within a timeout, not a hang.
/// </summary>
public sealed class MpiFailureTests
{
    [Theory]
    [InlineData("exit", "Exit code:    3")]
    [InlineData("kill", "exited on signal 9")]
    [InlineData("throw", "MpiCommunicator: rank 1 of 2 ends the MPI job (MPI_Abort, exit code 1) on an unhandled exception: System.InvalidOperationException: rank 1 failed before the all-reduce")]
    public void ADeadRankEndsTheJob(string how, string message)
    {
        var (exit, output, elapsed) = MpiRun.Run(2, TimeSpan.FromSeconds(90), "die", how);
        Assert.True(exit != 0, $"the job exited 0 although rank 1 died ({how}):\n{output}");
        Assert.Contains(message, output);
        Assert.DoesNotContain("the all-reduce returned", output);
        Assert.True(elapsed < TimeSpan.FromSeconds(60), $"the job took {elapsed.TotalSeconds:F0} s to end after rank 1 died");
    }
}
