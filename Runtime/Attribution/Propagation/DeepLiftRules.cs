using AttrDsl.Decomposition;
using Pair = AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Attribution;

/// <summary>
/// DeepLift's Rescale rule (Shrikumar et al. 2017) as an interpretation of the decomposition rules: each non-linearity
/// y = f(x) passes f(x) forward with the multiplier m = (f(x) − f(x₀)) / (x − x₀) as its derivative (f′(x) where
/// |x − x₀| &lt; <see cref="Epsilon"/>, as Captum), so the chain rule through the model's linear parts gives DeepLift's
/// multipliers and Σ (x − x₀)·∂f/∂x = f(x) − f(x₀) exactly. Max pooling takes Captum's rule; products the symmetric
/// (Shapley) rule Δ(ab) = ā·Δb + b̄·Δa with ā the mean of a and a₀.
/// </summary>
internal sealed class DeepLiftRules(string method) : Interpretation
{
    /// <summary>Captum's threshold below which a difference counts as zero and the plain gradient is used.</summary>
    internal const double Epsilon = 1e-10;

    internal override string Method => method;

    internal override Pair Elementwise(Pair d, Func<Tensor, Tensor> f, bool isRelu)
    {
        using var scope = NewDisposeScope();
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

    // ReLU's derivative is known, so the multiplier is computed without a graph through f and one autograd node carries it:
    // forward relu(x), backward the incoming gradient times m.
    private static Tensor Relu(Tensor a, Tensor f0, Tensor a0)
    {
        Tensor m, fa;
        using (no_grad())
        {
            var x = a.detach();
            fa = x.relu();
            var delta = x - a0;
            // In place where the temporaries are this rule's own (a few passes fewer over the activation); the division
            // gives ±Inf/NaN only where |Δ| < ε, which the derivative then replaces.
            m = (fa - f0).div_(delta);
            var small = delta.abs_() < Epsilon;
            // relu(x)'s sign is ReLU's derivative (1 where x > 0, else 0), without a comparison and a cast.
            m = where(small, fa.sign(), m);
        }
        return Multiplied.apply(a, fa, m);
    }

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
    /// its credit over its own difference (the plain gradient where that difference vanishes). Overlapping windows add
    /// their credits (Captum's unpooling keeps one), so the sum stays exact for ResNet's 3×3/2 pooling too.
    /// </summary>
    internal override Pair MaxPool(Pair d, Func<Tensor, (Tensor Values, Tensor Indices)> pool)
    {
        using var scope = NewDisposeScope();
        var a = d.Relevant;
        Tensor o, ix, o0, i0, k;
        using (no_grad())
        {
            (o, ix) = pool(a.detach());
            (o0, i0) = OnReference(d.Irrelevant, pool);
            // The differences are needed at the two maxima only: gathered there, every step below runs on the pooled size.
            var delta1 = o - Gather(d.Irrelevant, ix);
            var delta2 = Gather(a.detach(), i0) - o0;
            var top = maximum(o, o0);
            // Credits per output, moved onto the input's and the reference's maxima and divided by their differences;
            // where the input's maximum has no difference its plain gradient (1) passes instead.
            var small1 = delta1.abs() < Epsilon;
            var k1 = delta1.reciprocal_().masked_fill_(small1, 0).mul_(top - o0).add_(small1.to(a.dtype));
            var small2 = delta2.abs() < Epsilon;
            var k2 = delta2.reciprocal_().masked_fill_(small2, 0).mul_(o - top);
            k = cat([k1.flatten(2), k2.flatten(2)], 2);
        }
        // a at both maxima, in one gather (its backward one scatter into the input), weighted by the credits.
        var shape = o.shape;
        var both = a.flatten(2).gather(2, cat([ix.flatten(2), i0.flatten(2)], 2)) * k;
        var t = both.narrow(2, 0, both.size(2) / 2) + both.narrow(2, both.size(2) / 2, both.size(2) / 2);
        return new Pair(o + (t - t.detach()).view(shape), o0).MoveToOuterDisposeScope();
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
