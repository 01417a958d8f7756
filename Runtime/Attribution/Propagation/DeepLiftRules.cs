using AttrDsl.Decomposition;
using Pair = AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Attribution;

/// <summary>
/// DeepLift's Rescale rule (Shrikumar et al. 2017) as an interpretation of the decomposition rules: each non-linearity
/// y = f(x) passes f(x) forward with the multiplier m = (f(x) − f(x₀)) / (x − x₀) as its derivative (f′(x) where
/// |x − x₀| &lt; <see cref="Epsilon"/>, as Captum; for ReLU and max pooling, whose quotients stay in [0, 1], where x = x₀
/// exactly), so the chain rule through the model's linear parts gives DeepLift's
/// multipliers and Σ (x − x₀)·∂f/∂x = f(x) − f(x₀) exactly. Max pooling takes Captum's rule; products the symmetric
/// (Shapley) rule Δ(ab) = ā·Δb + b̄·Δa with ā the mean of a and a₀. With <c>revealCancel</c>, a non-linearity that
/// directly follows a dense layer takes the RevealCancel rule instead (<see cref="Affine"/> keeps that layer's positive
/// and negative parts for it).
/// </summary>
internal sealed class DeepLiftRules(string method, bool revealCancel = false) : Interpretation
{
    // RevealCancel: the positive and negative parts (Δz⁺, Δz⁻, with their graphs) of each dense layer's output
    // difference, keyed by the output tensor the walk carries to the next step.
    private readonly Dictionary<Tensor, (Tensor Positive, Tensor Negative)> _parts = new(ReferenceEqualityComparer.Instance);

    /// <summary>Captum's threshold below which a difference counts as zero and the plain gradient is used.</summary>
    internal const double Epsilon = 1e-10;

    internal override string Method => method;

    internal override Pair Elementwise(Pair d, Func<Tensor, Tensor> f, bool isRelu)
    {
        using var scope = NewDisposeScope();
        if (revealCancel && _parts.Remove(d.Relevant, out var parts))
        {
            // The parts' handles were kept out of the dispose scopes until this step; the graph built here holds them now.
            using (parts.Positive)
            using (parts.Negative)
                return RevealCancel(d, parts.Positive, parts.Negative, f).MoveToOuterDisposeScope();
        }
        var a = d.Relevant;
        Tensor f0;
        using (no_grad()) f0 = OnReference(d.Irrelevant, f);
        if (isRelu) return new Pair(Relu(a, f0, d.Irrelevant), f0).MoveToOuterDisposeScope();
        var fa = f(a);
        var delta = (a.detach() - d.Irrelevant).detach();
        var small = delta.abs() < Epsilon;
        var m = (fa.detach() - f0) / where(small, ones_like(delta), delta);
        var am = a * m;
        // Value f(x), derivative m; where the difference vanishes, f itself (its own derivative).
        var surrogate = am + (fa.detach() - am.detach());
        return new Pair(where(small, fa, surrogate), f0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// RevealCancel's dense layer: Δz = W·Δa split into Δz⁺ = W⁺Δa⁺ + W⁻Δa⁻ (the inputs' positive contributions) and
    /// Δz⁻ = W⁺Δa⁻ + W⁻Δa⁺, each input on the side of the sign of its difference, so that ∂Δz^±/∂a_j is w_j where
    /// w_j·Δa_j has that sign and 0 otherwise (Shrikumar et al. 2017, §3.5.1). The parts are kept for the non-linearity
    /// that follows; the output is z₀ + Δz⁺ + Δz⁻ = W·a + b.
    /// </summary>
    internal override Pair? Affine(Pair d, Tensor weight, Tensor? bias)
    {
        if (!revealCancel) return null;
        using var scope = NewDisposeScope();
        var a = d.Relevant;
        Tensor z0, up, w, wp, wn;
        using (no_grad())
        {
            z0 = OnReference(d.Irrelevant, r => nn.functional.linear(r, weight, bias));
            // Which side each input difference is on, without a graph (at Δ = 0 the input goes to the negative side only,
            // so its derivative is w_j once, not twice).
            up = (a.detach() - d.Irrelevant).gt(0).to(a.dtype);
            w = weight.detach();
            wp = w.clamp_min(0);
            wn = w.clamp_max(0);
        }
        var delta = a - d.Irrelevant;
        var dp = delta * up;
        var dn = delta - dp;
        var positive = nn.functional.linear(dp, wp) + nn.functional.linear(dn, wn);
        var negative = nn.functional.linear(dp, wn) + nn.functional.linear(dn, wp);
        var z = z0 + (positive + negative);
        // Kept past this rule's (and the layer's) dispose scopes for the non-linearity that reads them (Finish frees the rest).
        _parts[z] = (positive.DetachFromDisposeScope(), negative.DetachFromDisposeScope());
        return new Pair(z, z0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// RevealCancel's non-linearity y = f(x) after a dense layer: Δy⁺ = ½(f(x₀ + Δx⁺) − f(x₀)) + ½(f(x) − f(x₀ + Δx⁻)) and
    /// Δy⁻ = ½(f(x₀ + Δx⁻) − f(x₀)) + ½(f(x) − f(x₀ + Δx⁺)), which add up to f(x) − f(x₀) exactly, with the multipliers
    /// Δy^±/Δx^± on the two parts (f′(x) where a part is below <see cref="Epsilon"/>), so positive and negative
    /// contributions that cancel in x are not both silenced or both passed as Rescale would.
    /// </summary>
    private static Pair RevealCancel(Pair d, Tensor positive, Tensor negative, Func<Tensor, Tensor> f)
    {
        Tensor fx, f0, mp, mn;
        using (no_grad())
        {
            var x0 = d.Irrelevant;
            var p = positive.detach();
            var n = negative.detach();
            fx = f(d.Relevant.detach());
            f0 = OnReference(x0, f);
            var fp = f(x0 + p);
            var fn = f(x0 + n);
            var dyp = (fp - f0 + fx - fn) / 2;
            var dyn = (fn - f0 + fx - fp) / 2;
            var slope = Derivative(f, d.Relevant.detach());
            mp = where(p.abs() < Epsilon, slope, dyp / p);
            mn = where(n.abs() < Epsilon, slope, dyn / n);
        }
        var t = mp * positive + mn * negative;
        // Value f(x), derivative through the two parts with their multipliers.
        return new Pair(fx + (t - t.detach()), f0);
    }

    /// <summary>Frees the parts no non-linearity read (a dense layer followed by another dense layer or the output).</summary>
    internal override void Finish()
    {
        foreach (var (positive, negative) in _parts.Values)
        {
            positive.Dispose();
            negative.Dispose();
        }
        _parts.Clear();
    }

    // f′ of an element-wise f at x, by autograd (an element-wise map's Jacobian is diagonal: the gradient of Σ f is f′).
    private static Tensor Derivative(Func<Tensor, Tensor> f, Tensor x)
    {
        using var grad = enable_grad();
        var leaf = x.detach().requires_grad_();
        var y = f(leaf);
        return y.requires_grad ? autograd.grad([y.sum()], [leaf])[0].detach() : zeros_like(x);
    }

    // ReLU's derivative is known, so the multiplier is computed without a graph through f and one autograd node carries it:
    // forward relu(x), backward the incoming gradient times m.
    private static Tensor Relu(Tensor a, Tensor f0, Tensor a0)
    {
        Tensor m, fa;
        using (no_grad())
        {
            var x = a.detach();
            fa = x.relu();
            var tiny = Tiny(x.dtype);
            if (tiny > 0)
            {
                // m = (relu(x) − relu(x₀) + ε·s₀) / (x − x₀ + ε), with ε the dtype's smallest normal number and s₀ = sign(relu(x₀)),
                // ReLU's derivative at x = x₀: wherever x ≠ x₀ (by more than ~1e-30) adding ε changes neither difference, so m
                // is the Rescale quotient exactly; where x = x₀ it is ε·s₀/ε = s₀, the gradient. Six passes of plain
                // arithmetic, without the comparisons and the select a threshold costs (each slower than two of them).
                var slope = OnReference(f0, r => r.sign().mul_(tiny));
                m = (fa - f0).add_(slope).div_((x - a0).add_(tiny));
            }
            else
            {
                // float16's normal range is too narrow for that: the quotient, with the derivative where it is 0/0.
                m = (fa - f0).div_(x - a0);
                m = where(m.isnan(), OnReference(f0, r => r.sign()), m);
            }
        }
        return Multiplied.apply(a, fa, m);
    }

    // The smallest positive normal number of a floating dtype; 0 for float16 (and any other), where the ReLU rule selects instead.
    private static double Tiny(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 or ScalarType.BFloat16 => 1.1754943508222875e-38,   // 2^-126
        ScalarType.Float64 => 2.2250738585072014e-308,                          // 2^-1022
        _ => 0,
    };

    /// <summary>An element-wise step whose value is given and whose derivative is the given multiplier: forward returns
    /// the value, backward the incoming gradient times the multiplier.</summary>
    private sealed class Multiplied : autograd.SingleTensorFunction<Multiplied>
    {
        public override string Name => "DeepLiftMultiplier";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            ctx.save_for_backward([(Tensor)vars[2]]);
            // A fresh tensor (not the value's own handle): the autograd function owns its output.
            return ((Tensor)vars[1]).alias();
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output) =>
            [grad_output * ctx.get_saved_variables()[0], null!, null!];
    }

    /// <summary>
    /// Captum's max-pool rule: the output difference max(x) − max(x₀) is split into max(o, o₀) − o₀, credited at the
    /// input's maximum, and o − max(o, o₀), credited at the reference's maximum; each input position's multiplier is
    /// its credit over its own difference (the plain gradient where that difference is zero). Overlapping windows add
    /// their credits (Captum's unpooling keeps one), so the sum stays exact for ResNet's 3×3/2 pooling too.
    /// </summary>
    internal override Pair MaxPool(Pair d, Func<Tensor, (Tensor Values, Tensor Indices)> pool)
    {
        using var scope = NewDisposeScope();
        var a = d.Relevant;
        Tensor o, ix, o0, i0, k1, k2;
        using (no_grad())
        {
            (o, ix) = pool(a.detach());
            (o0, i0) = OnReference(d.Irrelevant, pool);
            // The differences are needed at the two maxima only: gathered there, every step below runs on the pooled size.
            var delta1 = o - Gather(d.Irrelevant, ix);
            var delta2 = Gather(a.detach(), i0) - o0;
            var top = maximum(o, o0);
            // Each credit is at most its difference in size (o₀ ≥ x₀ at the input's maximum, o ≥ x at the reference's), so
            // the quotients lie in [0, 1] and are 0/0 = NaN exactly where a difference is zero: there the input's maximum
            // passes the plain gradient (1) and the reference's maximum nothing.
            k1 = (top - o0).div_(delta1).nan_to_num_(1.0);
            k2 = (o - top).div_(delta2).nan_to_num_(0.0);
        }
        return new Pair(PoolCredit.apply(a, o, ix, i0, k1, k2), o0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Max pooling with the rule's credits as its derivative: forward returns the pooled values, backward sends the
    /// incoming gradient times k₁ to the input's maxima and times k₂ to the reference's (added where windows overlap).
    /// </summary>
    private sealed class PoolCredit : autograd.SingleTensorFunction<PoolCredit>
    {
        public override string Name => "DeepLiftMaxPool";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var input = (Tensor)vars[0];
            var ix = ((Tensor)vars[2]).flatten(2);
            var i0 = ((Tensor)vars[3]).flatten(2);
            ctx.save_for_backward([cat([ix, i0], 2), cat([((Tensor)vars[4]).flatten(2), ((Tensor)vars[5]).flatten(2)], 2)]);
            ctx.save_data("shape", input.shape);
            return ((Tensor)vars[1]).alias();
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            var saved = ctx.get_saved_variables();
            var shape = (long[])ctx.get_data("shape");
            var g = grad_output.flatten(2);
            var credited = cat([g, g], 2).mul_(saved[1]);
            var input = zeros(shape[0], shape[1], Spatial(shape), dtype: grad_output.dtype, device: grad_output.device);
            return [input.scatter_add_(2, saved[0], credited).view(shape), null!, null!, null!, null!, null!];
        }

        private static long Spatial(long[] shape)
        {
            long n = 1;
            for (var i = 2; i < shape.Length; i++) n *= shape[i];
            return n;
        }
    }

    /// <summary>Δ(ab) = (b + b₀)/2 · Δa + (a + a₀)/2 · Δb: exact, and symmetric in the two factors.</summary>
    internal override Pair Product(Pair a, Pair b)
    {
        using var scope = NewDisposeScope();
        var p = a.Relevant;
        var q = b.Relevant;
        var pMean = ((p.detach() + a.Irrelevant) / 2).detach();
        var qMean = ((q.detach() + b.Irrelevant) / 2).detach();
        var s = p * qMean + q * pMean;
        var value = (p.detach() * q.detach()).detach();
        return new Pair(value + (s - s.detach()), a.Irrelevant * b.Irrelevant).MoveToOuterDisposeScope();
    }

    // Pooling indices index the flattened spatial positions of each (sample, channel) plane.
    internal static Tensor Gather(Tensor x, Tensor indices) => x.flatten(2).gather(2, indices.flatten(2)).view(indices.shape);
}
