using System.Runtime.InteropServices;

namespace AttrDsl.HostileInputs;

/// <summary>How one run of a case ended (the suite's classification, printed in lower case).</summary>
public enum Outcome
{
    /// <summary>The expected error came, and it passes the policy.</summary>
    Clear,
    /// <summary>The expected answer came, and its validator passes.</summary>
    Correct,
    /// <summary>An exception that breaks the policy, misses a required word, or came where an answer was expected.</summary>
    Unclear,
    /// <summary>Returned where an error was expected, or returned an invalid (NaN, wrong) answer.</summary>
    Silent,
    /// <summary>The process died (or hung) during the case.</summary>
    Death,
}

/// <summary>What a case expects: a clear error, or a correct answer.</summary>
public abstract record Expectation;

/// <summary>
/// A clear error: a .NET exception (of <see cref="Type"/> when given) whose message mentions every entry of
/// <see cref="MustMention"/> (case-insensitive; "a|b" accepts either) and passes <see cref="Policy"/>.
/// </summary>
public sealed record ErrorExpectation(Type? Type, string[] MustMention) : Expectation
{
    public override string ToString() => $"error{(Type is null ? "" : " " + Type.Name)} mentioning {string.Join(", ", MustMention.Select(m => $"'{m}'"))}";
}

/// <summary>An answer, checked by <see cref="Validate"/> (null: valid; otherwise why not).</summary>
public sealed record ResultExpectation(Func<object?, string?> Validate, string Description) : Expectation
{
    public override string ToString() => $"result: {Description}";
}

/// <summary>
/// One hostile input to one public entry point. <see cref="EntryPoint"/> is "Type.Method" or "Type.ctor" and is what the
/// coverage test matches against the runtime's public surface. <see cref="Action"/> builds everything it needs itself
/// (nothing is created before it runs) and returns what the entry point returned.
/// </summary>
public sealed record Case(string Area, string EntryPoint, string Name, Func<object?> Action, Expectation Expect)
{
    /// <summary>Set by <see cref="CaseCatalog"/>: the case's index in its area.</summary>
    public int Index { get; init; }

    public string Id => $"{Area}/{Index:D3}/{EntryPoint}/{Name}";
}

/// <summary>Shorthands for expectations.</summary>
public static class Expect
{
    /// <summary>A clear error whose message mentions each word ("a|b": either).</summary>
    public static Expectation Error(params string[] mustMention) => new ErrorExpectation(null, mustMention);

    /// <summary>A clear error of type <typeparamref name="T"/> whose message mentions each word.</summary>
    public static Expectation Error<T>(params string[] mustMention) where T : Exception => new ErrorExpectation(typeof(T), mustMention);

    /// <summary>An <see cref="ArgumentNullException"/> naming the argument.</summary>
    public static Expectation Null(string argument) => new ErrorExpectation(typeof(ArgumentNullException), [argument]);

    /// <summary>An <see cref="ObjectDisposedException"/> naming the argument and saying it was disposed.</summary>
    public static Expectation Disposed(string argument) => new ErrorExpectation(typeof(ObjectDisposedException), [argument, "disposed"]);

    /// <summary>An answer checked by <paramref name="validate"/> (null: valid).</summary>
    public static Expectation Result(string description, Func<object?, string?> validate) => new ResultExpectation(validate, description);

    /// <summary>An answer that is a live, finite tensor of the given shape.</summary>
    public static Expectation FiniteTensor(params long[] shape) => Result($"finite tensor {Fmt.Shape(shape)}", r => Verify.Tensor(r, shape));

    /// <summary>An answer that completes without error (and, if a tensor, is finite).</summary>
    public static Expectation Completes() => Result("completes", r => r is Tensor t ? Verify.Tensor(t, null) : null);
}

/// <summary>Runs a case and classifies the run against the policy.</summary>
public static class Evaluator
{
    /// <summary>Text that must never reach a user: C++ frames, libtorch source locations, a freed handle.</summary>
    public static readonly string[] ForbiddenText = ["frame #", "Exception raised from", ".cpp:", "empty handle"];

    /// <summary>Exception types that say "the library has a bug", not "you passed X".</summary>
    public static readonly Type[] ForbiddenTypes =
    [
        typeof(NullReferenceException), typeof(IndexOutOfRangeException), typeof(InvalidCastException),
        typeof(AccessViolationException), typeof(KeyNotFoundException), typeof(DivideByZeroException),
        typeof(NotImplementedException), typeof(ExternalException), typeof(SEHException), typeof(OverflowException),
    ];

    public static (Outcome Outcome, string Detail) Run(Case c)
    {
        object? result;
        try
        {
            result = c.Action();
        }
        catch (Exception e)
        {
            return Classify(c.Expect, e);
        }
        try
        {
            return c.Expect switch
            {
                ErrorExpectation err => (Outcome.Silent, $"returned {Describe(result)} where {err} was expected"),
                ResultExpectation res => res.Validate(result) is { } why ? (Outcome.Silent, $"invalid result: {why}") : (Outcome.Correct, Describe(result)),
                _ => throw new InvalidOperationException("unknown expectation"),
            };
        }
        catch (Exception e)
        {
            return (Outcome.Silent, $"the returned value could not be validated: {e.GetType().Name}: {OneLine(e.Message)}");
        }
    }

    public static (Outcome, string) Classify(Expectation expect, Exception e)
    {
        var shown = $"{e.GetType().Name}: {OneLine(e.Message)}";
        if (expect is ResultExpectation res)
            return (Outcome.Unclear, $"threw where a result was expected ({res.Description}): {shown}");
        var err = (ErrorExpectation)expect;
        var problems = Policy(e, err.Type);
        foreach (var word in err.MustMention)
            if (!word.Split('|').Any(w => e.Message.Contains(w, StringComparison.OrdinalIgnoreCase)))
                problems.Add($"does not mention '{word}'");
        return problems.Count == 0 ? (Outcome.Clear, shown) : (Outcome.Unclear, $"[{string.Join("; ", problems)}] {shown}");
    }

    /// <summary>The policy checks every user-caused error must pass, independent of the case.</summary>
    public static List<string> Policy(Exception e, Type? required)
    {
        var problems = new List<string>();
        if (required is not null && !required.IsInstanceOfType(e))
            problems.Add($"is {e.GetType().Name}, not {required.Name}");
        foreach (var bad in ForbiddenTypes)
            if (bad.IsInstanceOfType(e) && !(bad == typeof(ExternalException) && e is not ExternalException))
            {
                problems.Add($"{e.GetType().Name} is a bug, not an error report");
                break;
            }
        // The original libtorch exception is kept as the inner exception of the translated one (the user's message is
        // the outer one; the inner is there for a bug report), so only the outer message and inner .NET ones are read.
        for (var x = e; x is not null; x = x.InnerException)
            foreach (var text in x != e && x.GetType() == typeof(ExternalException) ? [] : ForbiddenText)
                if (x.Message.Contains(text, StringComparison.Ordinal))
                    problems.Add($"message{(x == e ? "" : " of an inner exception")} contains '{text}'");
        if (string.IsNullOrWhiteSpace(e.Message)) problems.Add("empty message");
        return problems;
    }

    public static string Describe(object? r) => r switch
    {
        null => "null",
        Tensor t when t.IsInvalid => "a disposed tensor",
        Tensor t => $"tensor {t.dtype} {Fmt.Shape(t.shape)}{(Verify.AllFinite(t) ? "" : " with non-finite values")}",
        ValueTuple<Tensor, Tensor> p => $"({Describe(p.Item1)}, {Describe(p.Item2)})",
        byte[] b => $"{b.Length} bytes",
        string s => $"string of {s.Length} chars",
        _ => r.GetType().Name,
    };

    public static string OneLine(string s)
    {
        var one = s.ReplaceLineEndings(" ⏎ ");
        return one.Length > 400 ? one[..400] + "…" : one;
    }
}
