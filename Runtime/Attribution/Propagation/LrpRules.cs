using AttrDsl.Decomposition;
using Pair = AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Attribution;

/// <summary>
/// Layer-wise relevance propagation as gradient × input with modified linear layers (Montavon et al. 2019, §10.2.2):
/// each Linear/Conv1d/Conv2d layer z = w·x + b is replaced, in the backward only, by its rule's map z_ρ = ρ(w)·x (+ ρ(b))
/// rescaled to z's value — z_ρ · (z / z_ρ).detach() — so the gradient carries R_j / z_ρ,j through ρ(w) and
/// x · gradient is the rule's relevance. ε adds ε·sign(z) to the denominator, γ uses w + γ·w⁺, α1β0 (z⁺) uses w⁺
/// and z^B (the first layer, inputs in [low, high]) subtracts low·w⁺ + high·w⁻, whose own gradients
/// <see cref="Lrp"/> adds. Non-linearities, pooling and normalisation keep their gradient (the ε → 0 rule).
/// </summary>
internal sealed class LrpRules(string method, Func<string, nn.Module, LrpRule> ruleFor, ZBounds? bounds) : Interpretation
{
    internal override string Method => method;

    internal override Pair Elementwise(Pair d, Func<Tensor, Tensor> f, bool isRelu)
    {
        Tensor reference;
        using (no_grad()) reference = OnReference(d.Irrelevant, f);
        return new Pair(f(d.Relevant), reference);
    }

    internal override Pair? Leaf(nn.Module module, Pair d)
    {
        if (module is not (Linear or Conv1d or Conv2d)) return null;
        var rule = ruleFor(ContextualDecomposition.InnermostPath(), module);
        using var scope = NewDisposeScope();
        var x = d.Relevant;
        Tensor z, reference;
        using (no_grad())
        {
            z = Apply(module, x.detach(), w => w, b => b);
            reference = OnReference(d.Irrelevant, r => Apply(module, r, w => w, b => b));
        }
        Tensor zr;
        switch (rule.Kind)
        {
            case LrpRuleKind.Epsilon:
                zr = Apply(module, x, w => w, b => b);
                var stabilised = z + rule.Parameter * where(z >= 0, ones_like(z), -ones_like(z));
                return new Pair(Rescale(zr, z, stabilised), reference).MoveToOuterDisposeScope();
            case LrpRuleKind.Gamma:
                zr = Apply(module, x, w => w + rule.Parameter * w.clamp_min(0), b => b + rule.Parameter * b.clamp_min(0));
                break;
            case LrpRuleKind.Alpha1Beta0:
                zr = Apply(module, x, w => w.clamp_min(0), b => b.clamp_min(0));
                break;
            case LrpRuleKind.ZB:
                if (bounds is null)
                    throw new InvalidOperationException($"{method}: the z^B rule at {ContextualDecomposition.InnermostPath()} needs the input's bounds; pass low and high to Lrp.Attribute.");
                zr = Apply(module, x, w => w, _ => null) - Apply(module, bounds.Low, w => w.clamp_min(0), _ => null) - Apply(module, bounds.High, w => w.clamp_max(0), _ => null);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(module), rule.Kind, $"{method}: unknown LRP rule");
        }
        return new Pair(Rescale(zr, z, zr.detach()), reference).MoveToOuterDisposeScope();
    }

    // z_ρ · (z / denominator).detach(): the value z, the gradient ρ's map scaled by z / denominator.
    private static Tensor Rescale(Tensor zr, Tensor z, Tensor denominator)
    {
        var safe = where(denominator.abs() < 1e-12, full_like(denominator, 1e-12), denominator);
        var ratio = (z / safe).detach();
        // Where the rule's denominator vanishes no relevance flows (the rule's 0/0), and the value is still z.
        var y = zr * ratio;
        return y + (z - y.detach()).detach();
    }

    private static Tensor Apply(nn.Module module, Tensor x, Func<Tensor, Tensor> weight, Func<Tensor, Tensor?> bias) => module switch
    {
        Linear l => nn.functional.linear(x, weight(l.weight!), l.bias is null ? null : bias(l.bias)),
        Conv1d c when c.padding_mode == PaddingModes.Zeros && c.padding_type is null =>
            nn.functional.conv1d(x, weight(c.weight!), c.bias is null ? null : bias(c.bias), c.stride[0], c.padding![0], c.dilation[0], c.groups),
        Conv2d c when c.padding_mode == PaddingModes.Zeros && c.padding_type is null =>
            nn.functional.conv2d(x, weight(c.weight!), c.bias is null ? null : bias(c.bias), c.stride, c.padding, c.dilation, c.groups),
        _ => throw new NotSupportedException(
            $"LRP: the convolution at {ContextualDecomposition.InnermostPath()} pads with {((Convolution)module).padding_mode} or 'same' padding; LRP's rules take zero padding with explicit sizes."),
    };
}

/// <summary>The z^B rule's bounds on the input, broadcast to its shape.</summary>
internal sealed record ZBounds(Tensor Low, Tensor High);
