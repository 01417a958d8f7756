using System.Runtime.InteropServices;
using AttrDsl.Training;

namespace AttrDsl.ScaleOut.Mpi;

/// <summary>
/// MPI_COMM_WORLD of an Open MPI job started with <c>mpirun</c>: the rank and size, averaging flat float/double buffers
/// over all ranks (MPI_Allreduce with MPI_SUM, then ÷ size), and a barrier. Give it to
/// <see cref="PriorTrainingOptions.GradientAverager"/> to train data-parallel with <see cref="AttributionPriorTrainer"/>.
/// </summary>
/// <remarks>
/// <para>MPI is initialised once per process (MPI_THREAD_SERIALIZED; calls are serialised by a lock) and finalised by
/// <see cref="Dispose"/>: MPI cannot be initialised again in the same process afterwards.</para>
/// <para>A rank that dies (an exception that ends the process, an exit, a kill) ends the job: mpirun aborts the other
/// ranks, which then exit with a non-zero code instead of waiting in an all-reduce. An unhandled exception aborts the job
/// itself (MPI_Abort, after writing the exception to standard error), before a <c>using</c> could finalise MPI on the way
/// out — which would wait for ranks that are waiting for it. A rank that catches an exception and goes on
/// without taking part in the next collective call would make the others wait forever: end the process, or call
/// <see cref="Abort"/>.</para>
/// <para>Needs Open MPI's libmpi.so.40 (Debian/Ubuntu: <c>apt-get install openmpi-bin libopenmpi-dev</c>).</para>
/// </remarks>
public sealed class MpiCommunicator : IGradientAverager, IDisposable
{
    private static readonly object Gate = new();
    private static MpiCommunicator? _world;
    private static bool _finalized;

    private readonly IntPtr _comm, _float, _double, _sum;
    private bool _disposed;

    private MpiCommunicator()
    {
        _comm = MpiNative.Symbol("ompi_mpi_comm_world");
        _float = MpiNative.Symbol("ompi_mpi_float");
        _double = MpiNative.Symbol("ompi_mpi_double");
        _sum = MpiNative.Symbol("ompi_mpi_op_sum");
        Check(MpiNative.MPI_Init_thread(IntPtr.Zero, IntPtr.Zero, MpiNative.ThreadSerialized, out var provided), "MPI_Init_thread");
        if (provided < MpiNative.ThreadSerialized)
        {
            // Open MPI grants at least SERIALIZED when built with threads (Debian's is); below it, calls from the
            // thread pool would be unsafe, so the job stops here rather than later at random.
            MpiNative.MPI_Finalize();
            throw new NotSupportedException($"MpiCommunicator: this Open MPI provides thread level {provided}; MPI_THREAD_SERIALIZED (2) is needed");
        }
        Check(MpiNative.MPI_Comm_rank(_comm, out var rank), "MPI_Comm_rank");
        Check(MpiNative.MPI_Comm_size(_comm, out var size), "MPI_Comm_size");
        (Rank, Size) = (rank, size);
    }

    /// <summary>
    /// MPI_COMM_WORLD, initialising MPI on the first call (later calls return the same communicator). Run the program
    /// under <c>mpirun -np N</c>; started on its own it is a job of one rank.
    /// </summary>
    /// <exception cref="DllNotFoundException">Open MPI's libmpi.so.40 is not installed.</exception>
    /// <exception cref="ObjectDisposedException">MPI was finalised in this process (by <see cref="Dispose"/>); it cannot start again.</exception>
    /// <exception cref="InvalidOperationException">MPI_Init_thread failed.</exception>
    public static MpiCommunicator World()
    {
        lock (Gate)
        {
            if (_finalized)
                throw new ObjectDisposedException(nameof(MpiCommunicator), "MpiCommunicator.World: MPI was finalised in this process (the world communicator was disposed); MPI cannot be initialised twice — keep the communicator until training ends");
            if (_world is null)
            {
                _world = new MpiCommunicator();
                // An exception nobody catches ends this rank, but the runtime's unwinding may first run MPI_Finalize (a
                // 'using' around the communicator), which waits for the other ranks while they wait in an all-reduce for
                // this one: the job would hang. Aborting the job first turns it into mpirun's non-zero exit.
                AppDomain.CurrentDomain.UnhandledException += AbortOnUnhandled;
            }
            return _world;
        }
    }

    private static void AbortOnUnhandled(object sender, UnhandledExceptionEventArgs e)
    {
        if (_world is not { } world || world._disposed) return;
        Console.Error.WriteLine($"MpiCommunicator: rank {world.Rank} of {world.Size} ends the MPI job (MPI_Abort, exit code 1) on an unhandled exception: {e.ExceptionObject}");
        MpiNative.MPI_Abort(world._comm, 1);
    }

    /// <summary>This process's rank in [0, <see cref="Size"/>).</summary>
    public int Rank { get; }

    /// <summary>The number of ranks in the job.</summary>
    public int Size { get; }

    /// <summary>Replaces every element of <paramref name="buffer"/> by its mean over all ranks (one MPI_Allreduce per 2³¹ − 1 elements).</summary>
    /// <exception cref="ObjectDisposedException">The communicator was disposed (MPI finalised).</exception>
    public void AverageInPlace(Span<float> buffer)
    {
        lock (Gate)
        {
            Live();
            for (var start = 0; start < buffer.Length; start += int.MaxValue)
            {
                var part = buffer.Slice(start, Math.Min(int.MaxValue, buffer.Length - start));
                Check(MpiNative.MPI_Allreduce(MpiNative.InPlace, ref MemoryMarshal.GetReference(part), part.Length, _float, _sum, _comm), "MPI_Allreduce");
            }
        }
        if (Size == 1) return;
        var scale = 1f / Size;
        for (var i = 0; i < buffer.Length; i++) buffer[i] *= scale;
    }

    /// <inheritdoc cref="AverageInPlace(Span{float})"/>
    public void AverageInPlace(Span<double> buffer)
    {
        lock (Gate)
        {
            Live();
            for (var start = 0; start < buffer.Length; start += int.MaxValue)
            {
                var part = buffer.Slice(start, Math.Min(int.MaxValue, buffer.Length - start));
                Check(MpiNative.MPI_Allreduce(MpiNative.InPlace, ref MemoryMarshal.GetReference(part), part.Length, _double, _sum, _comm), "MPI_Allreduce");
            }
        }
        if (Size == 1) return;
        var scale = 1.0 / Size;
        for (var i = 0; i < buffer.Length; i++) buffer[i] *= scale;
    }

    /// <summary>Replaces <paramref name="buffer"/> on every rank by rank 0's (one MPI_Bcast per 2³¹ − 1 elements).</summary>
    /// <exception cref="ObjectDisposedException">The communicator was disposed (MPI finalised).</exception>
    public void BroadcastInPlace(Span<float> buffer)
    {
        lock (Gate)
        {
            Live();
            for (var start = 0; start < buffer.Length; start += int.MaxValue)
            {
                var part = buffer.Slice(start, Math.Min(int.MaxValue, buffer.Length - start));
                Check(MpiNative.MPI_Bcast(ref MemoryMarshal.GetReference(part), part.Length, _float, 0, _comm), "MPI_Bcast");
            }
        }
    }

    /// <inheritdoc cref="BroadcastInPlace(Span{float})"/>
    public void BroadcastInPlace(Span<double> buffer)
    {
        lock (Gate)
        {
            Live();
            for (var start = 0; start < buffer.Length; start += int.MaxValue)
            {
                var part = buffer.Slice(start, Math.Min(int.MaxValue, buffer.Length - start));
                Check(MpiNative.MPI_Bcast(ref MemoryMarshal.GetReference(part), part.Length, _double, 0, _comm), "MPI_Bcast");
            }
        }
    }

    /// <summary>Waits until every rank has called it (MPI_Barrier).</summary>
    /// <exception cref="ObjectDisposedException">The communicator was disposed (MPI finalised).</exception>
    public void Barrier()
    {
        lock (Gate)
        {
            Live();
            Check(MpiNative.MPI_Barrier(_comm), "MPI_Barrier");
        }
    }

    /// <summary>
    /// Ends every rank of the job now (MPI_Abort) with <paramref name="errorCode"/> as mpirun's exit code: for a rank that
    /// caught an error the others cannot know about, so they do not wait for it in the next all-reduce. Does not return.
    /// </summary>
    /// <param name="errorCode">The exit code, 1–255 (0 would report success).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="errorCode"/> is outside 1–255.</exception>
    public void Abort(int errorCode)
    {
        if (errorCode is < 1 or > 255)
            throw new ArgumentOutOfRangeException(nameof(errorCode), errorCode, "MpiCommunicator.Abort: the error code must lie in 1–255 (0 would tell mpirun the job succeeded)");
        MpiNative.MPI_Abort(_comm, errorCode);
        Environment.Exit(errorCode);   // MPI_Abort does not return; this is for an MPI that does
    }

    /// <summary>Finalises MPI (MPI_Finalize) after a barrier-like shutdown; every rank must call it. Idempotent.</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            if (_disposed) return;
            _disposed = true;
            _finalized = true;
            _world = null;
            AppDomain.CurrentDomain.UnhandledException -= AbortOnUnhandled;
            MpiNative.MPI_Finalize();
        }
    }

    private void Live() => ObjectDisposedException.ThrowIf(_disposed, this);

    // Open MPI's default error handler (MPI_ERRORS_ARE_FATAL) aborts before a call returns an error; this is for one that does not.
    private static void Check(int code, string call)
    {
        if (code != 0) throw new InvalidOperationException($"MpiCommunicator: {call} failed with MPI error code {code}");
    }
}
