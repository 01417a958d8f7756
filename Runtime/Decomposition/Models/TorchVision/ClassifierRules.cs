namespace AttrDsl.Decomposition;

/// <summary>AlexNet and VGG: <c>classifier(flatten(avgpool(features(x)), 1))</c>.</summary>
internal static class ClassifierRules
{
    internal static Decomposition FeaturesPoolClassifier(nn.Module model, Decomposition d)
    {
        d = TorchVisionRules.Run(model, "features", d);
        d = TorchVisionRules.Run(model, "avgpool", d);
        d = CdFunctional.flatten(d, 1);
        return TorchVisionRules.Run(model, "classifier", d);
    }
}
