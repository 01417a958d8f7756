namespace AttrDsl.Decomposition;

/// <summary>MobileNet v2 and v3, their inverted residual blocks and TorchVision's squeeze-and-excitation.</summary>
internal static class MobileNetRules
{
    /// <summary><c>classifier(flatten(adaptive_avg_pool2d(features(x), 1), 1))</c>.</summary>
    internal static Decomposition MobileNetV2(nn.Module model, Decomposition d)
    {
        d = RuleParts.Run(model, "features", d);
        d = CdFunctional.adaptive_avg_pool2d(d, 1);
        d = CdFunctional.flatten(d, 1);
        return RuleParts.Run(model, "classifier", d);
    }

    /// <summary><c>classifier(flatten(avgpool(features(x)), 1))</c>.</summary>
    internal static Decomposition MobileNetV3(nn.Module model, Decomposition d)
    {
        d = RuleParts.Chain(model, d, "features", "avgpool");
        d = CdFunctional.flatten(d, 1);
        return RuleParts.Run(model, "classifier", d);
    }

    /// <summary><c>x + conv(x)</c> when the block keeps its shape (<c>use_res_connect</c>), else <c>conv(x)</c>.</summary>
    internal static Decomposition InvertedResidualV2(nn.Module block, Decomposition x) => Residual(block, x, RuleParts.Run(block, "conv", x));

    /// <summary><c>block(x) + x</c> when the block keeps its shape (<c>use_res_connect</c>), else <c>block(x)</c>.</summary>
    internal static Decomposition InvertedResidualV3(nn.Module block, Decomposition x) => Residual(block, x, RuleParts.Run(block, "block", x));

    /// <summary>
    /// <c>x · scale_activation(fc2(activation(fc1(avgpool(x)))))</c>: the product of two decompositions of the same input,
    /// split by <see cref="ProductRules.Mul"/>.
    /// </summary>
    internal static Decomposition SqueezeExcitation(nn.Module se, Decomposition x)
    {
        using var scope = NewDisposeScope();
        var scale = RuleParts.Chain(se, x, "avgpool", "fc1", "activation", "fc2", "scale_activation");
        return ProductRules.Mul(scale, x).MoveToOuterDisposeScope();
    }

    private static Decomposition Residual(nn.Module block, Decomposition x, Decomposition d)
    {
        if (!RuleParts.Field<bool>(block, "use_res_connect")) return d;
        using var scope = NewDisposeScope();
        return ArithmeticRules.Add(x, d).MoveToOuterDisposeScope();
    }
}
