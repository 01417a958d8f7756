namespace AttrDsl;

/// <summary>
/// The layer-attribution methods that generated <c>Explain(layer, ...)</c> and <see cref="Explainer"/>.ExplainLayer
/// run at a split point of the model.
/// </summary>
public enum LayerAttributionMethod
{
    /// <summary>Grad-CAM (Selvaraju et al. 2017): ReLU of the gradient-weighted channel sum of the layer's activation.</summary>
    GradCam,
    /// <summary>The layer's activation itself.</summary>
    Activation,
    /// <summary>Internal influence: integrated gradients of the output with respect to the layer's activation.</summary>
    InternalInfluence,
    /// <summary>Layer conductance (Dhamdhere et al. 2018).</summary>
    Conductance,
    /// <summary>Layer integrated gradients: integrated gradients of the output along the straight path between the layer's activations for the baseline (zeros) and for the input.</summary>
    IntegratedGradients,
    /// <summary>The layer's activation times the output's gradient with respect to it.</summary>
    GradientXActivation,
    /// <summary>Layer feature ablation: each element of the layer's activation set to zero in turn, attributed the change of the output.</summary>
    FeatureAblation,
    /// <summary>Layer GradientSHAP: expected layer gradient × (activation − baseline activation) over the background set's layer activations (needs a background set).</summary>
    GradientShap,
    /// <summary>
    /// Layer DeepLift (<see cref="Attribution.LayerDeepLift"/>) with the all-zero reference input: the Rescale-rule
    /// multipliers from the output back to the layer times the change of the layer's activation from the reference.
    /// It follows the model's forward through its decomposition rules and reads the layer at its module, so it needs
    /// the model and the layer's module path (a split made by <see cref="Attribution.LayerSplit.At"/>, or a generated
    /// layer whose module forward calls once).
    /// </summary>
    DeepLift,
    /// <summary>
    /// Layer-wise relevance propagation to the layer (<see cref="Attribution.LayerLrp"/>) with the default rules
    /// (LRP-ε, ε = 1e-9, for every linear and convolution layer). Like <see cref="DeepLift"/> it needs the model and
    /// the layer's module path.
    /// </summary>
    Lrp,
}
