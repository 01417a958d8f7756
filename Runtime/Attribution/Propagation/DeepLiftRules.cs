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
        using (no_grad()) f0 = f(d.Irrelevant);
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

    // ReLU's derivative is known, so the multiplier is built without a graph through f: one product carries it.
    private static Tensor Relu(Tensor a, Tensor f0, Tensor a0)
    {
        Tensor m, rest;
        using (no_grad())
        {
            var x = a.detach();
            var delta = x - a0;
            var fa = x.relu();
            // In place where the temporaries are this rule's own (a few passes fewer over the activation); the division
            // gives ±Inf/NaN only where |Δ| < ε, which the derivative then replaces.
            m = (fa - f0).div_(delta);
            var small = delta.abs_() < Epsilon;
            m = where(small, x.gt(0).to(x.dtype), m);
            rest = fa.sub_(x * m);
        }
        return a * m + rest;
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
        Tensor o, ix, o0, i0;
        using (no_grad())
        {
            (o, ix) = pool(a.detach());
            (o0, i0) = pool(d.Irrelevant);
        }
        Tensor k1, k2;
        using (no_grad())
        {
            var delta = a.detach() - d.Irrelevant;
            var small = delta.abs() < Epsilon;
            var inverse = delta.reciprocal_().masked_fill_(small, 0);
            var top = maximum(o, o0);
            // Credits per output, moved onto the input's and the reference's maxima and divided by their differences;
            // where the input's maximum has no difference its plain gradient (1) passes instead.
            k1 = Gather(inverse, ix) * (top - o0) + Gather(small, ix).to(a.dtype);
            k2 = Gather(inverse, i0) * (o - top);
        }
        // pool(a) is a gathered at the input's maxima, with that gather's gradient.
        var t = pool(a).Values * k1 + Gather(a, i0) * k2;
        return new Pair(o + (t - t.detach()), o0).MoveToOuterDisposeScope();
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
