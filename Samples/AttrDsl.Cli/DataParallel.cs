using AttrDsl.ScaleOut.Mpi;
using Spectre.Console;

namespace AttrDsl.Cli;

/// <summary>The MPI job of <c>attrdsl train --data-parallel</c>: joining it, a console for the processes that stay quiet, leaving it.</summary>
internal static class DataParallel
{
    /// <summary>A console that writes nothing: processes other than 0 train without printing.</summary>
    internal static readonly IAnsiConsole Silent = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null), Interactive = InteractionSupport.No });

    /// <summary>MPI_COMM_WORLD; a missing Open MPI is a user error that says what to install.</summary>
    internal static MpiCommunicator Join()
    {
        try { return MpiCommunicator.World(); }
        catch (DllNotFoundException e)
        {
            throw new UserError($"--data-parallel needs Open MPI: {Networks.OneLine(e.Message)}");
        }
    }

    /// <summary>
    /// Waits for every process (process 0 may still be writing the checkpoint), then finalises MPI. Only after a training
    /// that succeeded everywhere: a process that failed returns its error without it, and mpirun then ends the others.
    /// </summary>
    internal static void Leave(MpiCommunicator? world)
    {
        if (world is null) return;
        world.Barrier();
        world.Dispose();
    }
}
