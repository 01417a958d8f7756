namespace AttrDsl.Decomposition;

/// <summary>AlexNet and VGG: <c>classifier(flatten(avgpool(features(x)), 1))</c>.</summary>
internal static class ClassifierRules
{
    internal static Decomposition FeaturesPoolClassifier(nn.Module model, Decomposition d)
    {
        d = RuleParts.Run(model, "features", d);
        d = RuleParts.Run(model, "avgpool", d);
        d = CdFunctional.flatten(d, 1);
        return RuleParts.Run(model, "classifier", d);
    }
}
