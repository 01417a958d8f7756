namespace AttrDsl;

/// <summary>The input-attribution methods that generated <c>Explain</c> (and <see cref="Explainer"/>) run.</summary>
public enum AttributionMethod
{
    /// <summary>Integrated gradients from a zero baseline (Sundararajan et al. 2017), 50 Gauss–Legendre steps.</summary>
    IntegratedGradients,
    /// <summary>Expected gradients over the background set (Erion et al. 2021).</summary>
    ExpectedGradients,
    /// <summary>|∂f/∂x| (Simonyan et al. 2014).</summary>
    Saliency,
    /// <summary>x ⊙ ∂f/∂x.</summary>
    InputXGradient,
    /// <summary>SmoothGrad: saliency averaged over noisy copies of the input (Smilkov et al. 2017).</summary>
    SmoothGrad,
    /// <summary>GradientSHAP over the background set (Lundberg and Lee 2017).</summary>
    GradientShap,
    /// <summary>Occlusion with a sliding window (Zeiler and Fergus 2014): 4×4 patches for images, single features otherwise.</summary>
    Occlusion,
    /// <summary>Feature ablation, one feature at a time, to zero.</summary>
    FeatureAblation,
    /// <summary>Shapley value sampling over single features.</summary>
    ShapleyValueSampling,
    /// <summary>KernelSHAP (Lundberg and Lee 2017) over 4×4 patches for images (single features otherwise), 200 coalitions, seed 0, zero baseline.</summary>
    KernelShap,
    /// <summary>LIME (Ribeiro et al. 2016) over 4×4 patches for images (single features otherwise), 200 samples, seed 0, zero baseline.</summary>
    Lime,
    /// <summary>Feature permutation (Breiman 2001; Captum's <c>FeaturePermutation</c>): each feature permuted across the batch (at least 2 samples), seed 0.</summary>
    FeaturePermutation,
    /// <summary>DeepLift, Rescale rule (Shrikumar et al. 2017), from a zero baseline, through the model's decomposition rules (functional and in-place ReLUs included).</summary>
    DeepLift,
    /// <summary>DeepLift SHAP: DeepLift averaged over 16 references drawn (seed 0) from the background set.</summary>
    DeepLiftShap,
    /// <summary>Layer-wise relevance propagation (Bach et al. 2015) with the default rules per layer type (see <see cref="AttrDsl.Attribution.Lrp"/>).</summary>
    Lrp,
    /// <summary>Guided backpropagation (Springenberg et al. 2015): only positive gradients pass back through every ReLU.</summary>
    GuidedBackprop,
    /// <summary>Deconvolution (Zeiler and Fergus 2014): the gradient passes back through every ReLU as ReLU of itself.</summary>
    Deconvolution,
}
