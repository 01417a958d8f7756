using AttrDsl.Torch.Native;

namespace AttrDsl.Torch;

// Elementwise math, comparisons and C# operators. Broadcasting and type promotion are libtorch's.
public unsafe partial class Tensor
{
    internal static readonly Scalar One = 1L;

    internal static int Opt(ScalarType? t) => t.HasValue ? (int)t.Value : -1;

    /// <summary>Elementwise sum, <c>this + alpha·other</c>.</summary>
    public Tensor add(Tensor other, Scalar? alpha = null) { var a = alpha ?? One; return new(NativeOps.add_Tensor(Handle, other.Handle, &a)); }
    /// <summary>Adds a scalar.</summary>
    public Tensor add(Scalar other) { var a = One; return new(NativeOps.add_Scalar(Handle, &other, &a)); }
    /// <summary>Elementwise difference, <c>this − alpha·other</c>.</summary>
    public Tensor sub(Tensor other, Scalar? alpha = null) { var a = alpha ?? One; return new(NativeOps.sub_Tensor(Handle, other.Handle, &a)); }
    /// <summary>Subtracts a scalar.</summary>
    public Tensor sub(Scalar other) { var a = One; return new(NativeOps.sub_Scalar(Handle, &other, &a)); }
    /// <summary>Elementwise product.</summary>
    public Tensor mul(Tensor other) => new(NativeOps.mul_Tensor(Handle, other.Handle));
    /// <summary>Multiplies by a scalar.</summary>
    public Tensor mul(Scalar other) => new(NativeOps.mul_Scalar(Handle, &other));
    /// <summary>Elementwise true division (<paramref name="rounding_mode"/>: null, "trunc" or "floor").</summary>
    public Tensor div(Tensor other, string? rounding_mode = null)
    {
        if (rounding_mode is null) return new(NativeOps.div_Tensor(Handle, other.Handle));
        var bytes = System.Text.Encoding.UTF8.GetBytes(rounding_mode);
        fixed (byte* p = bytes) return new(NativeOps.div_Tensor_mode(Handle, other.Handle, p, bytes.Length));
    }
    /// <summary>Divides by a scalar.</summary>
    public Tensor div(Scalar other) => new(NativeOps.div_Scalar(Handle, &other));
    /// <summary>Python-style remainder (sign of the divisor).</summary>
    public Tensor remainder(Tensor other) => new(NativeOps.remainder_Tensor(Handle, other.Handle));
    /// <summary>Python-style remainder by a scalar.</summary>
    public Tensor remainder(Scalar other) => new(NativeOps.remainder_Scalar(Handle, &other));
    /// <summary>−x.</summary>
    public Tensor neg() => new(NativeOps.neg(Handle));
    /// <summary>|x|.</summary>
    public Tensor abs() => new(NativeOps.abs(Handle));
    /// <summary>x^exponent.</summary>
    public Tensor pow(Scalar exponent) => new(NativeOps.pow_Tensor_Scalar(Handle, &exponent));
    /// <summary>x^exponent elementwise.</summary>
    public Tensor pow(Tensor exponent) => new(NativeOps.pow_Tensor_Tensor(Handle, exponent.Handle));
    /// <summary>√x.</summary>
    public Tensor sqrt() => new(NativeOps.sqrt(Handle));
    /// <summary>1/√x.</summary>
    public Tensor rsqrt() => new(NativeOps.rsqrt(Handle));
    /// <summary>x².</summary>
    public Tensor square() => new(NativeOps.square(Handle));
    /// <summary>eˣ.</summary>
    public Tensor exp() => new(NativeOps.exp(Handle));
    /// <summary>ln x.</summary>
    public Tensor log() => new(NativeOps.log(Handle));
    /// <summary>ln(1 + x).</summary>
    public Tensor log1p() => new(NativeOps.log1p(Handle));
    /// <summary>eˣ − 1.</summary>
    public Tensor expm1() => new(NativeOps.expm1(Handle));
    /// <summary>log₂ x.</summary>
    public Tensor log2() => new(NativeOps.log2(Handle));
    /// <summary>sin x.</summary>
    public Tensor sin() => new(NativeOps.sin(Handle));
    /// <summary>cos x.</summary>
    public Tensor cos() => new(NativeOps.cos(Handle));
    /// <summary>tanh x.</summary>
    public Tensor tanh() => new(NativeOps.tanh(Handle));
    /// <summary>1/(1 + e⁻ˣ).</summary>
    public Tensor sigmoid() => new(NativeOps.sigmoid(Handle));
    /// <summary>max(x, 0).</summary>
    public Tensor relu() => new(NativeOps.relu(Handle));
    /// <summary>1/x.</summary>
    public Tensor reciprocal() => new(NativeOps.reciprocal(Handle));
    /// <summary>−1, 0 or 1.</summary>
    public Tensor sign() => new(NativeOps.sign(Handle));
    /// <summary>⌊x⌋.</summary>
    public Tensor floor() => new(NativeOps.floor(Handle));
    /// <summary>⌈x⌉.</summary>
    public Tensor ceil() => new(NativeOps.ceil(Handle));
    /// <summary>Round half to even.</summary>
    public Tensor round() => new(NativeOps.round(Handle));
    /// <summary>The error function.</summary>
    public Tensor erf() => new(NativeOps.erf(Handle));

    /// <summary>Limits values to [min, max]; either bound may be null.</summary>
    public Tensor clamp(Scalar? min = null, Scalar? max = null)
    {
        if (min is null && max is null) throw new ArgumentException("clamp needs at least one of min or max");
        var lo = min.GetValueOrDefault();
        var hi = max.GetValueOrDefault();
        return new(NativeOps.clamp(Handle, min.HasValue ? &lo : null, max.HasValue ? &hi : null));
    }
    /// <summary>Limits values elementwise to [min, max] tensors; either may be null.</summary>
    public Tensor clamp(Tensor? min, Tensor? max) => new(NativeOps.clamp_Tensor(Handle, min?.Handle ?? 0, max?.Handle ?? 0));
    /// <summary>Same as <see cref="clamp(Scalar?, Scalar?)"/>.</summary>
    public Tensor clip(Scalar? min = null, Scalar? max = null) => clamp(min, max);
    /// <summary>Elementwise maximum.</summary>
    public Tensor maximum(Tensor other) => new(NativeOps.maximum(Handle, other.Handle));
    /// <summary>Elementwise minimum.</summary>
    public Tensor minimum(Tensor other) => new(NativeOps.minimum(Handle, other.Handle));
    /// <summary>this + weight·(end − this).</summary>
    public Tensor lerp(Tensor end, Scalar weight) => new(NativeOps.lerp_Scalar(Handle, end.Handle, &weight));
    /// <summary>this + value·t1·t2.</summary>
    public Tensor addcmul(Tensor t1, Tensor t2, Scalar? value = null) { var v = value ?? One; return new(NativeOps.addcmul(Handle, t1.Handle, t2.Handle, &v)); }
    /// <summary>this + value·t1/t2.</summary>
    public Tensor addcdiv(Tensor t1, Tensor t2, Scalar? value = null) { var v = value ?? One; return new(NativeOps.addcdiv(Handle, t1.Handle, t2.Handle, &v)); }

    /// <summary>Elementwise ==.</summary>
    public Tensor eq(Tensor other) => new(NativeOps.eq_Tensor(Handle, other.Handle));
    /// <summary>Elementwise == scalar.</summary>
    public Tensor eq(Scalar other) => new(NativeOps.eq_Scalar(Handle, &other));
    /// <summary>Elementwise !=.</summary>
    public Tensor ne(Tensor other) => new(NativeOps.ne_Tensor(Handle, other.Handle));
    /// <summary>Elementwise != scalar.</summary>
    public Tensor ne(Scalar other) => new(NativeOps.ne_Scalar(Handle, &other));
    /// <summary>Elementwise &lt;.</summary>
    public Tensor lt(Tensor other) => new(NativeOps.lt_Tensor(Handle, other.Handle));
    /// <summary>Elementwise &lt; scalar.</summary>
    public Tensor lt(Scalar other) => new(NativeOps.lt_Scalar(Handle, &other));
    /// <summary>Elementwise &lt;=.</summary>
    public Tensor le(Tensor other) => new(NativeOps.le_Tensor(Handle, other.Handle));
    /// <summary>Elementwise &lt;= scalar.</summary>
    public Tensor le(Scalar other) => new(NativeOps.le_Scalar(Handle, &other));
    /// <summary>Elementwise &gt;.</summary>
    public Tensor gt(Tensor other) => new(NativeOps.gt_Tensor(Handle, other.Handle));
    /// <summary>Elementwise &gt; scalar.</summary>
    public Tensor gt(Scalar other) => new(NativeOps.gt_Scalar(Handle, &other));
    /// <summary>Elementwise &gt;=.</summary>
    public Tensor ge(Tensor other) => new(NativeOps.ge_Tensor(Handle, other.Handle));
    /// <summary>Elementwise &gt;= scalar.</summary>
    public Tensor ge(Scalar other) => new(NativeOps.ge_Scalar(Handle, &other));
    /// <summary>Elementwise logical not.</summary>
    public Tensor logical_not() => new(NativeOps.logical_not(Handle));
    /// <summary>Elementwise logical and.</summary>
    public Tensor logical_and(Tensor other) => new(NativeOps.logical_and(Handle, other.Handle));
    /// <summary>Elementwise logical or.</summary>
    public Tensor logical_or(Tensor other) => new(NativeOps.logical_or(Handle, other.Handle));
    /// <summary>Elementwise logical xor.</summary>
    public Tensor logical_xor(Tensor other) => new(NativeOps.logical_xor(Handle, other.Handle));
    /// <summary>True where NaN.</summary>
    public Tensor isnan() => new(NativeOps.isnan(Handle));
    /// <summary>True where ±∞.</summary>
    public Tensor isinf() => new(NativeOps.isinf(Handle));
    /// <summary>True where finite.</summary>
    public Tensor isfinite() => new(NativeOps.isfinite(Handle));

    /// <summary>Picks from this where <paramref name="condition"/> holds, else from <paramref name="other"/>.</summary>
    public Tensor where(Tensor condition, Tensor other) => new(NativeOps.where_self(condition.Handle, Handle, other.Handle));

    // ---------------------------------------------------------------- in place (optimizers, init)

    /// <summary>In place: this += alpha·other.</summary>
    public Tensor add_(Tensor other, Scalar? alpha = null) { var a = alpha ?? One; NativeOps.add__Tensor(Handle, other.Handle, &a); return this; }
    /// <summary>In place: this += s.</summary>
    public Tensor add_(Scalar other) { var a = One; NativeOps.add__Scalar(Handle, &other, &a); return this; }
    /// <summary>In place: this −= alpha·other.</summary>
    public Tensor sub_(Tensor other, Scalar? alpha = null) { var a = alpha ?? One; NativeOps.sub__Tensor(Handle, other.Handle, &a); return this; }
    /// <summary>In place: this *= other.</summary>
    public Tensor mul_(Tensor other) { NativeOps.mul__Tensor(Handle, other.Handle); return this; }
    /// <summary>In place: this *= s.</summary>
    public Tensor mul_(Scalar other) { NativeOps.mul__Scalar(Handle, &other); return this; }
    /// <summary>In place: this /= other.</summary>
    public Tensor div_(Tensor other) { NativeOps.div__Tensor(Handle, other.Handle); return this; }
    /// <summary>In place: this /= s.</summary>
    public Tensor div_(Scalar other) { NativeOps.div__Scalar(Handle, &other); return this; }
    /// <summary>In place: this += value·t1·t2.</summary>
    public Tensor addcmul_(Tensor t1, Tensor t2, Scalar? value = null) { var v = value ?? One; NativeOps.addcmul_(Handle, t1.Handle, t2.Handle, &v); return this; }
    /// <summary>In place: this += value·t1/t2.</summary>
    public Tensor addcdiv_(Tensor t1, Tensor t2, Scalar? value = null) { var v = value ?? One; NativeOps.addcdiv_(Handle, t1.Handle, t2.Handle, &v); return this; }
    /// <summary>In place: this += weight·(end − this).</summary>
    public Tensor lerp_(Tensor end, Scalar weight) { NativeOps.lerp__Scalar(Handle, end.Handle, &weight); return this; }
    /// <summary>In place clamp.</summary>
    public Tensor clamp_(Scalar? min = null, Scalar? max = null)
    {
        var lo = min.GetValueOrDefault();
        var hi = max.GetValueOrDefault();
        NativeOps.clamp_(Handle, min.HasValue ? &lo : null, max.HasValue ? &hi : null);
        return this;
    }
    /// <summary>In place √x.</summary>
    public Tensor sqrt_() { NativeOps.sqrt_(Handle); return this; }
    /// <summary>In place −x.</summary>
    public Tensor neg_() { NativeOps.neg_(Handle); return this; }
    /// <summary>In place eˣ.</summary>
    public Tensor exp_() { NativeOps.exp_(Handle); return this; }
    /// <summary>In place max(x, 0).</summary>
    public Tensor relu_() { NativeOps.relu_(Handle); return this; }
    /// <summary>In place: copies <paramref name="src"/> (broadcast) into this.</summary>
    public Tensor copy_(Tensor src) { NativeOps.copy_(Handle, src.Handle, 0); return this; }
    /// <summary>In place: sets every element to <paramref name="value"/>.</summary>
    public Tensor fill_(Scalar value) { NativeOps.fill__Scalar(Handle, &value); return this; }
    /// <summary>In place: sets every element to 0.</summary>
    public Tensor zero_() { NativeOps.zero_(Handle); return this; }
    /// <summary>In place: samples U(from, to) from the global generator.</summary>
    public Tensor uniform_(double from = 0, double to = 1) { NativeOps.uniform_(Handle, from, to); return this; }
    /// <summary>In place: samples N(mean, std²) from the global generator.</summary>
    public Tensor normal_(double mean = 0, double std = 1) { NativeOps.normal_(Handle, mean, std); return this; }
    /// <summary>In place: fills with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public Tensor masked_fill_(Tensor mask, Scalar value) { NativeOps.masked_fill__Scalar(Handle, mask.Handle, &value); return this; }

    // ---------------------------------------------------------------- operators

#pragma warning disable CS1591
    public static Tensor operator +(Tensor a, Tensor b) => a.add(b);
    public static Tensor operator +(Tensor a, Scalar b) => a.add(b);
    public static Tensor operator +(Scalar a, Tensor b) => b.add(a);
    public static Tensor operator -(Tensor a, Tensor b) => a.sub(b);
    public static Tensor operator -(Tensor a, Scalar b) => a.sub(b);
    public static Tensor operator -(Scalar a, Tensor b) { var one = One; return new(NativeOps.rsub_Scalar(b.Handle, &a, &one)); }
    public static Tensor operator *(Tensor a, Tensor b) => a.mul(b);
    public static Tensor operator *(Tensor a, Scalar b) => a.mul(b);
    public static Tensor operator *(Scalar a, Tensor b) => b.mul(a);
    public static Tensor operator /(Tensor a, Tensor b) => a.div(b);
    public static Tensor operator /(Tensor a, Scalar b) => a.div(b);
    public static Tensor operator /(Scalar a, Tensor b) { using var r = b.reciprocal(); return r.mul(a); }
    public static Tensor operator %(Tensor a, Tensor b) => a.remainder(b);
    public static Tensor operator %(Tensor a, Scalar b) => a.remainder(b);
    public static Tensor operator -(Tensor a) => a.neg();
    public static Tensor operator <(Tensor a, Tensor b) => a.lt(b);
    public static Tensor operator <(Tensor a, Scalar b) => a.lt(b);
    public static Tensor operator >(Tensor a, Tensor b) => a.gt(b);
    public static Tensor operator >(Tensor a, Scalar b) => a.gt(b);
    public static Tensor operator <=(Tensor a, Tensor b) => a.le(b);
    public static Tensor operator <=(Tensor a, Scalar b) => a.le(b);
    public static Tensor operator >=(Tensor a, Tensor b) => a.ge(b);
    public static Tensor operator >=(Tensor a, Scalar b) => a.ge(b);
    public static Tensor operator <(Scalar a, Tensor b) => b.gt(a);
    public static Tensor operator >(Scalar a, Tensor b) => b.lt(a);
    public static Tensor operator <=(Scalar a, Tensor b) => b.ge(a);
    public static Tensor operator >=(Scalar a, Tensor b) => b.le(a);
    public static Tensor operator &(Tensor a, Tensor b) => a.logical_and(b);
    public static Tensor operator |(Tensor a, Tensor b) => a.logical_or(b);
    public static Tensor operator ^(Tensor a, Tensor b) => a.logical_xor(b);
    public static Tensor operator !(Tensor a) => a.logical_not();
#pragma warning restore CS1591
}
