namespace AttrDsl.Decomposition;

/// <summary>GoogLeNet (eval: the auxiliary classifiers are not part of the forward) and its Inception block.</summary>
internal static class GoogLeNetRules
{
    internal static Decomposition GoogLeNet(nn.Module model, Decomposition d)
    {
        d = TorchVisionRules.TransformInput(model, d);
        d = RuleParts.Chain(model, d, "conv1", "maxpool1", "conv2", "conv3", "maxpool2", "inception3a", "inception3b", "maxpool3",
            "inception4a", "inception4b", "inception4c", "inception4d", "inception4e", "maxpool4", "inception5a", "inception5b", "avgpool");
        d = CdFunctional.flatten(d, 1);
        return RuleParts.Chain(model, d, "dropout", "fc");
    }

    /// <summary>Four branches on the same input, concatenated along the channels.</summary>
    internal static Decomposition Inception(nn.Module block, Decomposition x) =>
        CdFunctional.cat(
        [
            RuleParts.Run(block, "branch1", x),
            RuleParts.Run(block, "branch2", x),
            RuleParts.Run(block, "branch3", x),
            RuleParts.Run(block, "branch4", x),
        ], 1);
}
