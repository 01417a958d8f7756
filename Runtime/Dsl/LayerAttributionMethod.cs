namespace AttrDsl;

/// <summary>The layer-attribution methods that generated <c>Explain(layer, ...)</c> runs at a split point of the model.</summary>
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
}
