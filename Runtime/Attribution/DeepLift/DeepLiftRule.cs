namespace AttrDsl.Attribution;

/// <summary>How <see cref="DeepLift"/> assigns a non-linearity's output difference to its input difference (Shrikumar et al. 2017).</summary>
public enum DeepLiftRule
{
    /// <summary>
    /// The multiplier (f(x) − f(x₀)) / (x − x₀) for every non-linearity (Captum's DeepLift): exact summation to
    /// f(x) − f(x₀) on any network the rules follow.
    /// </summary>
    Rescale,

    /// <summary>
    /// RevealCancel for a non-linearity that directly follows a dense (linear) layer: the positive and negative parts of
    /// its input difference get separate multipliers, so contributions that cancel each other are both revealed (the
    /// paper's y = min(x₁, x₂) example). Every other non-linearity (after a convolution, a pooling, a sum) keeps Rescale,
    /// as DeepLIFT's own implementation recommends for convolutional layers. The attributions still add up to
    /// f(x) − f(x₀) exactly.
    /// </summary>
    RevealCancel,
}
