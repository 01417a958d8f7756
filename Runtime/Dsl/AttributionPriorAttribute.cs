namespace AttrDsl;

/// <summary>
/// Declares an attribution prior Ω that the generated <c>TrainStep</c>/<c>Fit</c> add to the task loss with weight
/// <see cref="Lambda"/>. Repeatable: several priors add up. The prior type implements
/// <see cref="AttrDsl.Priors.IAttributionPrior"/> and has a public parameterless constructor (for priors that need
/// arguments, e.g. a graph, train through <see cref="AttrDsl.Training.AttributionPriorTrainer"/> directly).
/// Requires <see cref="ExplainableAttribute"/> on the same class.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AttributionPriorAttribute : Attribute
{
    /// <summary>Declares the prior <paramref name="priorType"/>.</summary>
    public AttributionPriorAttribute(Type priorType) => PriorType = priorType;

    /// <summary>The prior's type, an <see cref="AttrDsl.Priors.IAttributionPrior"/> with a public parameterless constructor.</summary>
    public Type PriorType { get; }

    /// <summary>λ, the prior's weight: positive and finite.</summary>
    public double Lambda { get; set; } = 1e-3;
}
