namespace AttrDsl.Torch;

/// <summary>
/// An error raised by libtorch (shape mismatch, wrong dtype, bad index, ...) carrying libtorch's own
/// message. The native C++ exception was caught at the shim boundary, so the process carries on.
/// </summary>
public sealed class TorchException : Exception
{
    /// <summary>Creates an exception with the given message.</summary>
    public TorchException(string message) : base(message) { }

    /// <summary>The full native text, including the C++ backtrace that <see cref="Exception.Message"/> leaves out.</summary>
    public string? NativeDetail { get; private init; }

    internal static TorchException FromNative(string what)
    {
        // c10::Error appends "Exception raised from <fn> at <file>" and a backtrace: keep the user-facing part.
        var cut = what.IndexOf("Exception raised from", StringComparison.Ordinal);
        var message = (cut >= 0 ? what[..cut] : what).Trim();
        return new TorchException(message.Length > 0 ? message : what.Trim()) { NativeDetail = what };
    }
}
