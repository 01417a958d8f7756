using System.Runtime.InteropServices;

namespace AttrDsl.Autograd;

/// <summary>
/// Keeps libtorch's "Using backward() with create_graph=True will create a reference cycle ..." warning off the user's
/// console. libtorch's autograd engine prints it to stderr (file descriptor 2) the first time in a process that a
/// backward pass accumulates gradients with create_graph — for leaf and non-leaf inputs alike, so no call pattern
/// through <c>autograd.backward</c> avoids it, and <c>autograd.grad</c> (which does not warn) kills the process on
/// errors. The cycle it warns about never forms in AttrDsl: <see cref="GuardedAutograd"/> takes every such gradient
/// off the input right away. The warning is printed once per process, so it is spent here, before AttrDsl's first
/// create_graph backward, on a one-element graph while fd 2 points at the null device.
/// </summary>
/// <remarks>
/// Once per process and thread-safe (a lock; later calls cost one volatile read). Best effort: when the null device
/// cannot be opened or fd 2 cannot be duplicated, nothing is redirected and the warning may appear as before. While fd 2
/// is redirected (the microseconds of a one-element backward pass), whatever another thread writes to stderr is lost.
/// </remarks>
internal static class CreateGraphWarning
{
    private static readonly object Gate = new();
    private static volatile bool _spent;

    /// <summary>Spends libtorch's one create_graph warning silently, the first time it is called in the process.</summary>
    public static void SpendOnce()
    {
        if (_spent) return;
        lock (Gate)
        {
            if (_spent) return;
            _spent = true;
            try { WithStderrSilenced(TinyCreateGraphBackward); }
            catch (Exception)
            {
                // Best effort: the only cost of failing is the warning the user would have seen anyway.
            }
        }
    }

    private static void TinyCreateGraphBackward()
    {
        using var scope = NewDisposeScope();
        // The caller may be inside no_grad(); the graph must exist for the backward pass to run at all.
        using var grad = enable_grad();
        var x = ones(1).requires_grad_();
        autograd.backward([(x * x).sum()], create_graph: true, inputs: [x]);
        // The gradient holds a graph that points back at x: clear it so the cycle the warning is about does not form.
        x.grad = null;
    }

    /// <summary>Runs <paramref name="action"/> with fd 2 on the null device, then puts fd 2 back; runs it unredirected when that cannot be arranged.</summary>
    private static void WithStderrSilenced(Action action)
    {
        Console.Error.Flush();
        var (nullFd, saved) = (-1, -1);
        try
        {
            nullFd = OperatingSystem.IsWindows() ? Windows._open("NUL", Windows.O_WRONLY) : Unix.open("/dev/null", Unix.O_WRONLY);
            if (nullFd >= 0) saved = OperatingSystem.IsWindows() ? Windows._dup(2) : Unix.dup(2);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }

        var redirected = false;
        try
        {
            if (nullFd >= 0 && saved >= 0)
                redirected = (OperatingSystem.IsWindows() ? Windows._dup2(nullFd, 2) : Unix.dup2(nullFd, 2)) >= 0;
            action();
        }
        finally
        {
            if (redirected) _ = OperatingSystem.IsWindows() ? Windows._dup2(saved, 2) : Unix.dup2(saved, 2);
            if (saved >= 0) _ = OperatingSystem.IsWindows() ? Windows._close(saved) : Unix.close(saved);
            if (nullFd >= 0) _ = OperatingSystem.IsWindows() ? Windows._close(nullFd) : Unix.close(nullFd);
        }
    }

    private static class Unix
    {
        public const int O_WRONLY = 1;   // the same value on Linux and macOS

        [DllImport("libc", EntryPoint = "open")]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "dup")]
        public static extern int dup(int fd);

        [DllImport("libc", EntryPoint = "dup2")]
        public static extern int dup2(int fd, int fd2);

        [DllImport("libc", EntryPoint = "close")]
        public static extern int close(int fd);
    }

    // The universal C runtime, whose descriptor table libtorch's std::cerr writes through on Windows.
    private static class Windows
    {
        public const int O_WRONLY = 1;

        [DllImport("ucrtbase", EntryPoint = "_open", CharSet = CharSet.Ansi)]
        public static extern int _open(string path, int flags);

        [DllImport("ucrtbase", EntryPoint = "_dup")]
        public static extern int _dup(int fd);

        [DllImport("ucrtbase", EntryPoint = "_dup2")]
        public static extern int _dup2(int fd, int fd2);

        [DllImport("ucrtbase", EntryPoint = "_close")]
        public static extern int _close(int fd);
    }
}
