using System.Runtime.InteropServices;

namespace AttrDsl.ScaleOut.Mpi;

/// <summary>
/// The few calls of MPI's C API that data-parallel training needs, over Open MPI's libmpi.so.40 (Debian's openmpi-bin /
/// libopenmpi-dev). MPI.NET (NuGet 1.4.0) binds msmpi.dll with MS-MPI's integer handles, which Open MPI does not share:
/// Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM) are the addresses of exported globals, read here with
/// <see cref="NativeLibrary.GetExport"/>.
/// </summary>
internal static class MpiNative
{
    internal const string Library = "libmpi.so.40";

    // MPI_THREAD_SERIALIZED in Open MPI's mpi.h: any thread may call, one at a time (MpiCommunicator locks).
    internal const int ThreadSerialized = 2;

    // MPI_IN_PLACE is ((void *) 1) in Open MPI's mpi.h.
    internal static readonly IntPtr InPlace = 1;

    private const int RtldNow = 2, RtldGlobal = 0x100;

    private static IntPtr _handle;

    /// <summary>
    /// Loads libmpi with RTLD_GLOBAL before the first MPI call: Open MPI's plugins (mca_*.so) resolve libmpi's and
    /// libopen-pal's symbols from the global namespace, which .NET's default (local) load does not give them.
    /// </summary>
    internal static IntPtr Load()
    {
        if (_handle != IntPtr.Zero) return _handle;
        var handle = dlopen(Library, RtldNow | RtldGlobal);
        if (handle == IntPtr.Zero)
            throw new DllNotFoundException(
                $"MpiCommunicator: {Library} (Open MPI) could not be loaded: {Marshal.PtrToStringAnsi(dlerror()) ?? "not found"}. " +
                "Install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) and start the program with mpirun.");
        _handle = handle;
        return handle;
    }

    internal static IntPtr Symbol(string name) => NativeLibrary.GetExport(Load(), name);

    [DllImport("libc", EntryPoint = "dlopen")] private static extern IntPtr dlopen(string file, int mode);
    [DllImport("libc", EntryPoint = "dlerror")] private static extern IntPtr dlerror();

    [DllImport(Library)] internal static extern int MPI_Initialized(out int flag);
    [DllImport(Library)] internal static extern int MPI_Finalized(out int flag);
    [DllImport(Library)] internal static extern int MPI_Init_thread(IntPtr argc, IntPtr argv, int required, out int provided);
    [DllImport(Library)] internal static extern int MPI_Comm_rank(IntPtr comm, out int rank);
    [DllImport(Library)] internal static extern int MPI_Comm_size(IntPtr comm, out int size);
    [DllImport(Library)] internal static extern int MPI_Allreduce(IntPtr sendbuf, ref float recvbuf, int count, IntPtr datatype, IntPtr op, IntPtr comm);
    [DllImport(Library)] internal static extern int MPI_Allreduce(IntPtr sendbuf, ref double recvbuf, int count, IntPtr datatype, IntPtr op, IntPtr comm);
    [DllImport(Library)] internal static extern int MPI_Bcast(ref float buffer, int count, IntPtr datatype, int root, IntPtr comm);
    [DllImport(Library)] internal static extern int MPI_Bcast(ref double buffer, int count, IntPtr datatype, int root, IntPtr comm);
    [DllImport(Library)] internal static extern int MPI_Barrier(IntPtr comm);
    [DllImport(Library)] internal static extern int MPI_Abort(IntPtr comm, int errorcode);
    [DllImport(Library)] internal static extern int MPI_Finalize();
}
