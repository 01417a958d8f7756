namespace AttrDsl.Decomposition;

/// <summary>
/// Inception v3 (eval: <c>AuxLogits</c> is not part of the forward) and its blocks A–E. The blocks pool their input
/// with functional average (3×3, stride 1, padding 1) or max (3×3, stride 2) pooling besides their convolution branches.
/// </summary>
internal static class InceptionV3Rules
{
    internal static Decomposition InceptionV3(nn.Module model, Decomposition d)
    {
        d = TorchVisionRules.TransformInput(model, d);
        d = RuleParts.Chain(model, d, "Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "maxpool1", "Conv2d_3b_1x1", "Conv2d_4a_3x3", "maxpool2",
            "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c",
            "avgpool", "dropout");
        d = CdFunctional.flatten(d, 1);
        return RuleParts.Run(model, "fc", d);
    }

    internal static Decomposition InceptionA(nn.Module b, Decomposition x) => CdFunctional.cat(
    [
        RuleParts.Run(b, "branch1x1", x),
        RuleParts.Chain(b, x, "branch5x5_1", "branch5x5_2"),
        RuleParts.Chain(b, x, "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"),
        RuleParts.Run(b, "branch_pool", AvgPool(x)),
    ], 1);

    internal static Decomposition InceptionB(nn.Module b, Decomposition x) => CdFunctional.cat(
    [
        RuleParts.Run(b, "branch3x3", x),
        RuleParts.Chain(b, x, "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"),
        MaxPool(x),
    ], 1);

    internal static Decomposition InceptionC(nn.Module b, Decomposition x) => CdFunctional.cat(
    [
        RuleParts.Run(b, "branch1x1", x),
        RuleParts.Chain(b, x, "branch7x7_1", "branch7x7_2", "branch7x7_3"),
        RuleParts.Chain(b, x, "branch7x7dbl_1", "branch7x7dbl_2", "branch7x7dbl_3", "branch7x7dbl_4", "branch7x7dbl_5"),
        RuleParts.Run(b, "branch_pool", AvgPool(x)),
    ], 1);

    internal static Decomposition InceptionD(nn.Module b, Decomposition x) => CdFunctional.cat(
    [
        RuleParts.Chain(b, x, "branch3x3_1", "branch3x3_2"),
        RuleParts.Chain(b, x, "branch7x7x3_1", "branch7x7x3_2", "branch7x7x3_3", "branch7x7x3_4"),
        MaxPool(x),
    ], 1);

    internal static Decomposition InceptionE(nn.Module b, Decomposition x)
    {
        var b3 = RuleParts.Run(b, "branch3x3_1", x);
        var b3dbl = RuleParts.Chain(b, x, "branch3x3dbl_1", "branch3x3dbl_2");
        return CdFunctional.cat(
        [
            RuleParts.Run(b, "branch1x1", x),
            CdFunctional.cat([RuleParts.Run(b, "branch3x3_2a", b3), RuleParts.Run(b, "branch3x3_2b", b3)], 1),
            CdFunctional.cat([RuleParts.Run(b, "branch3x3dbl_3a", b3dbl), RuleParts.Run(b, "branch3x3dbl_3b", b3dbl)], 1),
            RuleParts.Run(b, "branch_pool", AvgPool(x)),
        ], 1);
    }

    private static Decomposition AvgPool(Decomposition x) => PoolingRules.avg_pool2d(x, 3, 1, 1);

    private static Decomposition MaxPool(Decomposition x) => PoolingRules.max_pool2d(x, 3, 2);
}
