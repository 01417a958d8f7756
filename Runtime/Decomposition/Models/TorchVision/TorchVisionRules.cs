namespace AttrDsl.Decomposition;

/// <summary>
/// The decomposition rules for the models of TorchVision 0.107's <c>torchvision.models</c>, registered by type name so
/// the runtime needs no reference to TorchVision. Each rule restates that model's forward (read in TorchVision's
/// source) over the existing rules: the layers it calls keep their own rules, the rule adds only what the forward does
/// between them (residual adds, concatenations, flattening, squeeze-and-excitation products).
/// </summary>
internal static class TorchVisionRules
{
    internal const string Namespace = "TorchSharp.Modules.";

    internal static void RegisterAll()
    {
        DecompositionRules.Register(Namespace + "AlexNet", ClassifierRules.FeaturesPoolClassifier);
        DecompositionRules.Register(Namespace + "VGG", ClassifierRules.FeaturesPoolClassifier);
        DecompositionRules.Register(Namespace + "ResNet", ResNetRules.ResNet);
        DecompositionRules.Register(Namespace + "ResNet+BasicBlock", ResNetRules.BasicBlock);
        DecompositionRules.Register(Namespace + "ResNet+Bottleneck", ResNetRules.Bottleneck);
        DecompositionRules.Register(Namespace + "GoogleNet", GoogLeNetRules.GoogLeNet);
        DecompositionRules.Register(Namespace + "GoogleNet+Inception", GoogLeNetRules.Inception);
        DecompositionRules.Register(Namespace + "InceptionV3", InceptionV3Rules.InceptionV3);
        DecompositionRules.Register(Namespace + "InceptionV3+InceptionA", InceptionV3Rules.InceptionA);
        DecompositionRules.Register(Namespace + "InceptionV3+InceptionB", InceptionV3Rules.InceptionB);
        DecompositionRules.Register(Namespace + "InceptionV3+InceptionC", InceptionV3Rules.InceptionC);
        DecompositionRules.Register(Namespace + "InceptionV3+InceptionD", InceptionV3Rules.InceptionD);
        DecompositionRules.Register(Namespace + "InceptionV3+InceptionE", InceptionV3Rules.InceptionE);
        DecompositionRules.Register(Namespace + "MobileNetV2", MobileNetRules.MobileNetV2);
        DecompositionRules.Register(Namespace + "MobileNetV2+InvertedResidual", MobileNetRules.InvertedResidualV2);
        DecompositionRules.Register(Namespace + "MobileNetV3", MobileNetRules.MobileNetV3);
        DecompositionRules.Register(Namespace + "MobileNetV3+InvertedResidual", MobileNetRules.InvertedResidualV3);
        DecompositionRules.Register("TorchSharp.torchvision+SqueezeExcitation", MobileNetRules.SqueezeExcitation);
    }

    /// <summary>
    /// GoogLeNet's and Inception v3's optional input transform (<c>transform_input</c>): each channel c becomes
    /// x_c · s_c + t_c, ImageNet's normalisation re-expressed for inputs normalised to [−1, 1].
    /// </summary>
    internal static Decomposition TransformInput(nn.Module module, Decomposition d)
    {
        if (!RuleParts.Field<bool>(module, "transform_input")) return d;
        using var scope = NewDisposeScope();
        var x = d.Relevant;
        // The forward multiplies and adds float32 scalars per channel; the same numbers here, as tensors on x's device.
        var scale = tensor(new[] { 0.229f / 0.5f, 0.224f / 0.5f, 0.225f / 0.5f }).to(x.dtype, x.device).view(1, 3, 1, 1);
        var shift = tensor(new[] { (0.485f - 0.5f) / 0.5f, (0.456f - 0.5f) / 0.5f, (0.406f - 0.5f) / 0.5f }).to(x.dtype, x.device).view(1, 3, 1, 1);
        return ArithmeticRules.AddConstant(ArithmeticRules.Scale(d, scale), shift).MoveToOuterDisposeScope();
    }
}
