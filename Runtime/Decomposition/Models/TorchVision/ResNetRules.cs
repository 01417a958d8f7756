namespace AttrDsl.Decomposition;

/// <summary>ResNet, ResNeXt and Wide-ResNet (one class, <c>TorchSharp.Modules.ResNet</c>) and their two blocks.</summary>
internal static class ResNetRules
{
    internal static Decomposition ResNet(nn.Module model, Decomposition d) =>
        RuleParts.Chain(model, d, "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "flatten", "fc");

    /// <summary><c>relu(bn2(conv2(relu1(bn1(conv1(x))))) + downsample?(x))</c> — the add and the last ReLU are in place in the forward.</summary>
    internal static Decomposition BasicBlock(nn.Module block, Decomposition x)
    {
        var d = RuleParts.Chain(block, x, "conv1", "bn1", "relu1", "conv2", "bn2");
        return Residual(block, x, d);
    }

    /// <summary>Three convolutions (1×1, 3×3 grouped, 1×1) with their norms, then the residual add and ReLU.</summary>
    internal static Decomposition Bottleneck(nn.Module block, Decomposition x)
    {
        var d = RuleParts.Chain(block, x, "conv1", "bn1", "relu1", "conv2", "bn2", "relu2", "conv3", "bn3");
        return Residual(block, x, d);
    }

    private static Decomposition Residual(nn.Module block, Decomposition x, Decomposition d)
    {
        using var scope = NewDisposeScope();
        var identity = RuleParts.OptionalChild(block, "downsample") is { } downsample ? ContextualDecomposition.Propagate(downsample, x) : x;
        return ActivationRules.Relu(ArithmeticRules.Add(d, identity)).MoveToOuterDisposeScope();
    }
}
