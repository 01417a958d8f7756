namespace AttrDsl.Attribution;

/// <summary>Which LRP rule a linear or convolutional layer uses (Montavon et al. 2019).</summary>
public enum LrpRuleKind
{
    /// <summary>LRP-ε: R_i = Σ_j x_i w_ij R_j / (z_j + ε·sign z_j).</summary>
    Epsilon,

    /// <summary>LRP-γ: positive weights favoured, w + γ·w⁺.</summary>
    Gamma,

    /// <summary>LRP-α1β0 (z⁺): positive weights only — for layers whose inputs are non-negative (after a ReLU).</summary>
    Alpha1Beta0,

    /// <summary>z^B: for the first layer, with the inputs bounded in [low, high] (pixels).</summary>
    ZB,
}

/// <summary>An LRP rule for a linear or convolutional layer: its kind and parameter (ε or γ).</summary>
public sealed record LrpRule
{
    private LrpRule(LrpRuleKind kind, double parameter) => (Kind, Parameter) = (kind, parameter);

    /// <summary>The rule.</summary>
    public LrpRuleKind Kind { get; }

    /// <summary>ε for <see cref="LrpRuleKind.Epsilon"/>, γ for <see cref="LrpRuleKind.Gamma"/>, 0 otherwise.</summary>
    public double Parameter { get; }

    /// <summary>LRP-ε (default ε = 1e-9, Captum's).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epsilon"/> is negative or not finite.</exception>
    public static LrpRule Epsilon(double epsilon = 1e-9) =>
        double.IsFinite(epsilon) && epsilon >= 0 ? new(LrpRuleKind.Epsilon, epsilon)
            : throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "LRP-ε needs a finite ε ≥ 0 (e.g. 1e-9; larger ε absorbs weak or contradictory relevance).");

    /// <summary>LRP-γ (default γ = 0.25, Captum's).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> is negative or not finite.</exception>
    public static LrpRule Gamma(double gamma = 0.25) =>
        double.IsFinite(gamma) && gamma >= 0 ? new(LrpRuleKind.Gamma, gamma)
            : throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "LRP-γ needs a finite γ ≥ 0 (e.g. 0.25).");

    /// <summary>LRP-α1β0 (z⁺).</summary>
    public static LrpRule Alpha1Beta0 { get; } = new(LrpRuleKind.Alpha1Beta0, 0);

    /// <summary>z^B, for the first layer; <see cref="Lrp.Attribute"/> takes the bounds.</summary>
    public static LrpRule ZB { get; } = new(LrpRuleKind.ZB, 0);
}
