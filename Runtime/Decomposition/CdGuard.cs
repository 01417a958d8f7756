using AttrDsl.Internal;
using System.Runtime.InteropServices;

namespace AttrDsl.Decomposition;

/// <summary>
/// Argument checks shared by the CD rules. libtorch reports a bad argument as an <see cref="ExternalException"/> whose
/// message carries a C++ frame dump, and some of its calls (matmul on shapes that do not fit, a slice with step 0) kill
/// the process instead (docs/torchsharp.md): the rules check first and throw .NET exceptions that name the argument and
/// the shapes.
/// </summary>
internal static class CdGuard
{
    /// <summary>"[2, 3, 4]".</summary>
    public static string Shape(long[] shape) => Format.Shape(shape);

    /// <summary>"[2, 3, 4]" for a tensor.</summary>
    public static string Shape(Tensor t) => Shape(t.shape);

    /// <summary>Both parts present (a default <see cref="Decomposition"/> has none) and of one shape.</summary>
    public static void Check(Decomposition d, string name)
    {
        var (relevant, irrelevant) = (d.RelevantOrNull, d.IrrelevantOrNull);
        if (relevant is null || irrelevant is null)
            throw new ArgumentException($"'{name}' is an empty Decomposition (its {(relevant is null ? "Relevant (β)" : "Irrelevant (γ)")} part is null, as in default(Decomposition)); build it with new Decomposition(relevant, irrelevant).", name);
        if (relevant.IsInvalid || irrelevant.IsInvalid)
            throw new ObjectDisposedException(name,
                $"'{name}' is a Decomposition whose {(relevant.IsInvalid ? "Relevant (β)" : "Irrelevant (γ)")} part was disposed; keep both parts alive (MoveToOuterDisposeScope()) until the decomposition is done.");
        if (!d.Relevant.shape.SequenceEqual(d.Irrelevant.shape))
            throw new ArgumentException($"'{name}' is not a valid Decomposition: β is {Shape(d.Relevant)} but γ is {Shape(d.Irrelevant)}.", name);
    }

    /// <summary><paramref name="d"/> itself, after <see cref="Check"/> (for rules that pass their input through unchanged).</summary>
    public static Decomposition Checked(Decomposition d, string name)
    {
        Check(d, name);
        return d;
    }

    /// <summary>The shape that <paramref name="a"/> and <paramref name="b"/> broadcast to, or an ArgumentException naming both.</summary>
    public static long[] Broadcast(long[] a, long[] b, string op, string aName, string bName)
    {
        var n = Math.Max(a.Length, b.Length);
        var result = new long[n];
        for (var i = 1; i <= n; i++)
        {
            var x = i <= a.Length ? a[^i] : 1;
            var y = i <= b.Length ? b[^i] : 1;
            if (x != y && x != 1 && y != 1)
                throw new ArgumentException($"{op}: '{aName}' {Shape(a)} and '{bName}' {Shape(b)} do not broadcast (size {x} vs {y} at dimension -{i}).");
            result[^i] = x == 1 ? y : x;
        }
        return result;
    }

    /// <summary>
    /// Checks torch.matmul's shape rules before the call, which kills the process on a mismatch: 1-D operands are
    /// vectors, the inner sizes must agree and the batch dimensions (all but the last two) must broadcast.
    /// </summary>
    public static void Matmul(long[] a, long[] b, string op, string aName, string bName)
    {
        if (a.Length == 0 || b.Length == 0)
            throw new ArgumentException($"{op}: both operands need at least one dimension; '{aName}' is {Shape(a)} and '{bName}' is {Shape(b)}.");
        var inner = b.Length == 1 ? b[0] : b[^2];
        if (a[^1] != inner)
            throw new ArgumentException($"{op}: '{aName}' {Shape(a)} cannot be multiplied by '{bName}' {Shape(b)}: the last size of '{aName}' ({a[^1]}) must equal the {(b.Length == 1 ? "size" : "second-to-last size")} of '{bName}' ({inner}).");
        if (a.Length > 2 && b.Length > 2) Broadcast(a[..^2], b[..^2], op + " (batch dimensions)", aName, bName);
    }

    /// <summary>torch.bmm's shapes: [B, N, M] and [B, M, P].</summary>
    public static void Bmm(long[] a, long[] b, string aName, string bName)
    {
        if (a.Length != 3 || b.Length != 3 || a[0] != b[0] || a[2] != b[1])
            throw new ArgumentException($"bmm: needs '{aName}' [B, N, M] and '{bName}' [B, M, P]; got {Shape(a)} and {Shape(b)}.");
    }

    /// <summary>
    /// Applies a shape or reduction op to β and then γ; a libtorch error on β (the same op on γ, of the same shape,
    /// would fail alike) becomes an ArgumentException naming the op and the shape.
    /// </summary>
    public static Decomposition Both(Decomposition d, Func<Tensor, Tensor> f, string op, string name = "input")
    {
        Check(d, name);
        using var scope = NewDisposeScope();
        var beta = Call(() => f(d.Relevant), op, d.Relevant, name);
        return new Decomposition(beta, f(d.Irrelevant)).MoveToOuterDisposeScope();
    }

    /// <summary>As <see cref="Both"/> for ops returning several tensors (chunk, split): the i-th β with the i-th γ.</summary>
    public static Decomposition[] BothMany(Decomposition d, Func<Tensor, Tensor[]> f, string op, string name = "input")
    {
        Check(d, name);
        var beta = Call(() => f(d.Relevant), op, d.Relevant, name);
        var gamma = f(d.Irrelevant);
        return beta.Zip(gamma, (b, g) => new Decomposition(b, g)).ToArray();
    }

    /// <summary>Runs a guarded libtorch call, translating its error into an ArgumentException with context.</summary>
    public static T Call<T>(Func<T> f, string op, Tensor input, string name)
    {
        try { return f(); }
        catch (ExternalException ex)
        {
            throw new ArgumentException($"{op} cannot be applied to '{name}' of shape {Shape(input)}: {LibTorch.Statement(ex)}", name, ex);
        }
    }
}
