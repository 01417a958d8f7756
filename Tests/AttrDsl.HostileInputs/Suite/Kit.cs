using TorchSharp.Modules;

namespace AttrDsl.HostileInputs;

/// <summary>Formatting shared by the suite.</summary>
public static class Fmt
{
    public static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";
}

/// <summary>Validators for answers (null: valid; otherwise why not).</summary>
public static class Verify
{
    public static bool AllFinite(Tensor t)
    {
        if (!t.is_floating_point()) return true;
        using var _ = no_grad();
        return t.detach().isfinite().all().item<bool>();
    }

    /// <summary>A live, finite tensor of <paramref name="shape"/> (any shape when null).</summary>
    public static string? Tensor(object? r, long[]? shape, ScalarType? dtype = null)
    {
        if (r is not Tensor t) return $"expected a tensor, got {Evaluator.Describe(r)}";
        if (t.IsInvalid) return "the returned tensor is disposed";
        if (shape is not null && !t.shape.SequenceEqual(shape)) return $"shape {Fmt.Shape(t.shape)}, expected {Fmt.Shape(shape)}";
        if (dtype is { } d && t.dtype != d) return $"dtype {t.dtype}, expected {d}";
        if (!AllFinite(t)) return "contains non-finite values";
        return null;
    }

    /// <summary>A live finite tensor close to <paramref name="truth"/> (relative tolerance on the largest entry).</summary>
    public static string? Close(object? r, Tensor truth, double rtol = 1e-3)
    {
        if (Tensor(r, truth.shape) is { } bad) return bad;
        using var _ = no_grad();
        var t = ((Tensor)r!).detach().to(float64);
        var u = truth.detach().to(float64);
        var err = (t - u).abs().max().item<double>();
        var scale = Math.Max(1e-6, u.abs().max().item<double>());
        return err <= rtol * scale + 1e-6 ? null : $"differs from the truth by {err:G3} (scale {scale:G3}); got {Flat(t)}, expected {Flat(u)}";
    }

    private static string Flat(Tensor t) => "[" + string.Join(", ", t.reshape(-1).data<double>().Take(8).Select(v => v.ToString("G4"))) + (t.numel() > 8 ? ", …" : "") + "]";

    /// <summary>Σ attribution per sample ≈ f(x)[c] − f(baseline)[c] (completeness of IG-style methods).</summary>
    public static string? Completeness(object? r, Tensor expectedPerRow, double rtol = 0.02)
    {
        if (r is not Tensor t || t.IsInvalid) return $"expected a tensor, got {Evaluator.Describe(r)}";
        if (!AllFinite(t)) return "contains non-finite values";
        using var _ = no_grad();
        var sums = t.detach().to(float64).reshape(t.size(0), -1).sum(1);
        return Close(sums, expectedPerRow.to(float64), rtol) is { } why ? $"completeness fails: {why}" : null;
    }
}

/// <summary>A module whose forward is <c>post(fc(x))</c>: a model that misbehaves in one chosen way.</summary>
public sealed class Fn : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc;
    private readonly Func<Tensor, Tensor> _post;

    public Fn(string name, Func<Tensor, Tensor> post, long inFeatures = 4, long outFeatures = 3) : base(name)
    {
        fc = nn.Linear(inFeatures, outFeatures);
        _post = post;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => _post(fc.forward(x));
}

/// <summary>Small models and inputs. Every case runs after <c>manual_seed(0)</c>, so they are deterministic.</summary>
public static class M
{
    public const long In = 4, Out = 3, B = 2;

    /// <summary>fc1 Linear(4,3), plus a registered child "unused" that forward never calls.</summary>
    public sealed class WithUnusedChild : nn.Module<Tensor, Tensor>
    {
        private readonly Linear fc1 = nn.Linear(In, Out);
        private readonly ReLU unused = nn.ReLU();

        public WithUnusedChild() : base(nameof(WithUnusedChild)) => RegisterComponents();

        public override Tensor forward(Tensor x) => fc1.call(x);
    }

    /// <summary>fc1 Linear(4,5) → relu → fc2 Linear(5,3).</summary>
    public static Sequential Mlp(ScalarType dtype = ScalarType.Float32)
    {
        var m = nn.Sequential(("fc1", nn.Linear(In, 5)), ("relu", nn.ReLU()), ("fc2", nn.Linear(5, Out)));
        return dtype == ScalarType.Float32 ? m : m.to(dtype);
    }

    /// <summary>One Linear(4,3) named fc: every attribution of it has a closed form.</summary>
    public static Sequential Lin(ScalarType dtype = ScalarType.Float32)
    {
        var m = nn.Sequential(("fc", nn.Linear(In, Out)));
        return dtype == ScalarType.Float32 ? m : m.to(dtype);
    }

    public static Tensor W(Sequential lin) => ((Linear)lin.named_children().First().module).weight!.detach();

    public static Tensor Bias(Sequential lin) => ((Linear)lin.named_children().First().module).bias!.detach();

    /// <summary>A model whose first Linear expects 7 features (the inputs have 4).</summary>
    public static Sequential WrongIn() => nn.Sequential(("fc1", nn.Linear(7, 5)), ("relu", nn.ReLU()), ("fc2", nn.Linear(5, Out)));

    /// <summary>fc1 with one NaN weight: every output is NaN.</summary>
    public static Sequential NanWeight()
    {
        var m = Mlp();
        using (no_grad()) ((Linear)m.named_children().First().module).weight![0, 0] = float.NaN;
        return m;
    }

    public static Sequential Disposed()
    {
        var m = Mlp();
        m.Dispose();
        return m;
    }

    public static nn.Module<Tensor, Tensor> NanOut() => new Fn("nan_out", y => y * tensor(new[] { 1f, float.NaN, 1f }));
    public static nn.Module<Tensor, Tensor> InfOut() => new Fn("inf_out", y => y * tensor(new[] { 1f, 1f, float.PositiveInfinity }) + 1e-3f);
    public static nn.Module<Tensor, Tensor> IntOut() => new Fn("int_out", y => y.argmax(1));
    public static nn.Module<Tensor, Tensor> ScalarOut() => new Fn("scalar_out", y => y.sum());
    public static nn.Module<Tensor, Tensor> BatchOut() => new Fn("batch_out", y => y.mean([0], keepdim: true));
    public static nn.Module<Tensor, Tensor> Throws() => new Fn("throws", _ => throw new InvalidOperationException("user forward bug 7c1f"));
    public static nn.Module<Tensor, Tensor> NullOut() => new Fn("null_out", _ => null!);
    public static nn.Module<Tensor, Tensor> DisposedOut() => new Fn("disposed_out", y => { var z = y * 2; z.Dispose(); return z; });

    /// <summary>conv Conv2d(1,2,3,pad 1) → relu → flat → fc Linear(32,3), on [B,1,4,4].</summary>
    public static Sequential Conv() => nn.Sequential(("conv", nn.Conv2d(1, 2, 3, padding: 1)), ("relu", nn.ReLU()), ("flat", nn.Flatten()), ("fc", nn.Linear(32, Out)));

    public static Tensor X(long b = B) => randn(b, In);
    public static Tensor Img(long b = B) => randn(b, 1, 4, 4);

    public static Tensor Dead(Tensor t)
    {
        t.Dispose();
        return t;
    }

    public static Tensor WithNaN(Tensor t, double v = double.NaN)
    {
        using (no_grad()) t.reshape(-1)[t.numel() - 1] = v;
        return t;
    }

    public static Tensor Forward(nn.Module<Tensor, Tensor> m, Tensor x)
    {
        using var _ = no_grad();
        return m.call(x);
    }
}
