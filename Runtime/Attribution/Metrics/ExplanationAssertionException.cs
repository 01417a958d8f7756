namespace AttrDsl.Attribution;

/// <summary>
/// Thrown by <see cref="ExplanationAssert"/> when an explanation fails a check; the message gives the measured numbers
/// and the bound. xunit, NUnit and MSTest report any exception thrown by a test as that test's failure.
/// </summary>
public sealed class ExplanationAssertionException : Exception
{
    /// <summary>An assertion failure with its message.</summary>
    public ExplanationAssertionException(string message) : base(message) { }

    /// <summary>An assertion failure with its message and cause.</summary>
    public ExplanationAssertionException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>An assertion failure without a message (prefer the constructors that say what failed).</summary>
    public ExplanationAssertionException() : base("an explanation check failed") { }
}
