using AttrDsl.Training;

namespace AttrDsl;

/// <summary>
/// Marks a TorchSharp model (<c>partial class M : nn.Module&lt;Tensor, Tensor&gt;</c>) for AttrDsl's source generator, which
/// adds to the class: <c>forward(x, trainEg)</c> with the expected-gradients interpolation plumbing,
/// <c>UseBackground</c>, <c>ExpectedGradients(output, labels)</c>, <c>TrainStep</c> and <c>Fit</c> for the declared
/// <see cref="AttributionPriorAttribute">priors</see> and <see cref="Schedule"/>, <c>Explain</c>, the layer map
/// (<c>Layer</c>, <c>ForwardTo</c>, <c>ForwardFrom</c>) and <c>ContextualDecomposition</c> translated from
/// <c>forward</c>. See docs/dsl.md.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ExplainableAttribute : Attribute
{
    /// <summary>k: references drawn from the background set per sample for expected gradients (≥ 1; the papers use 1 in training).</summary>
    public int References { get; set; } = 1;

    /// <summary>How the priors enter training: one summed step (default) or a task step followed by a prior step.</summary>
    public PriorSchedule Schedule { get; set; } = PriorSchedule.Summed;

    /// <summary>Which output the attributions explain during training and in <c>Explain</c> when no target is given.</summary>
    public TargetSelection Target { get; set; } = TargetSelection.Label;

    /// <summary>The method <c>Explain(x, target)</c> uses when none is named.</summary>
    public AttributionMethod Method { get; set; } = AttributionMethod.IntegratedGradients;
}
