using AttrDsl.Decomposition;
using TorchSharp.Modules;
using Dec = global::AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Attribution.Captum;

/// <summary>Captum's MultiRelu (tests/helpers/basic_models.py): two ReLU modules, one per argument.</summary>
internal sealed class CaptumMultiRelu : nn.Module
{
    public readonly ReLU relu1, relu2;

    public CaptumMultiRelu(bool inplace) : base(nameof(CaptumMultiRelu))
    {
        relu1 = nn.ReLU(inplace);
        relu2 = nn.ReLU(inplace);
        RegisterComponents();
    }
}

/// <summary>
/// Captum's BasicModel_MultiLayer (tests/helpers/basic_models.py), float32: linear0 = I₃ (bias 0), linear1 = ones(4, 3)
/// with bias (−10, 1, 1, 1), ReLU, linear2 = ones(2, 4) with bias (−1, 1). With <c>multiInputModule</c> the ReLU is
/// Captum's MultiRelu of (linear1(linear0(x)), linear1_alt(x)) whose two outputs are added; Captum's tuple of the two
/// outputs is here the two modules "multi_relu.relu1" and "multi_relu.relu2".
/// </summary>
internal sealed class CaptumMultiLayer : nn.Module<Tensor, Tensor>, IDecomposable
{
    private readonly Linear linear0 = nn.Linear(3, 3);
    private readonly Linear linear1 = nn.Linear(3, 4);
    private readonly Linear linear1_alt = nn.Linear(3, 4);
    private readonly CaptumMultiRelu multi_relu;
    private readonly ReLU relu;
    private readonly Linear linear2 = nn.Linear(4, 2);
    private readonly bool _multiInputModule;

    public CaptumMultiLayer(bool inplace = false, bool multiInputModule = false) : base(nameof(CaptumMultiLayer))
    {
        _multiInputModule = multiInputModule;
        multi_relu = new CaptumMultiRelu(inplace);
        relu = nn.ReLU(inplace);
        using (no_grad())
        {
            linear0.weight!.copy_(eye(3));
            linear0.bias!.zero_();
            foreach (var l in new[] { linear1, linear1_alt })
            {
                l.weight!.fill_(1);
                l.bias!.copy_(tensor(new float[] { -10, 1, 1, 1 }));
            }
            linear2.weight!.fill_(1);
            linear2.bias!.copy_(tensor(new float[] { -1, 1 }));
        }
        RegisterComponents();
        eval();
    }

    public override Tensor forward(Tensor x)
    {
        var lin1 = linear1.call(linear0.call(x));
        var r = _multiInputModule ? multi_relu.relu1.call(lin1) + multi_relu.relu2.call(linear1_alt.call(x)) : relu.call(lin1);
        return linear2.call(r);
    }

    public Dec Decompose(Dec d)
    {
        var lin1 = CdFunctional.module(linear1, CdFunctional.module(linear0, d));
        var r = _multiInputModule
            ? CdFunctional.add(CdFunctional.module(multi_relu.relu1, lin1), CdFunctional.module(multi_relu.relu2, CdFunctional.module(linear1_alt, d)))
            : CdFunctional.module(relu, lin1);
        return CdFunctional.module(linear2, r);
    }
}

/// <summary>
/// Captum's BasicModel_MultiLayer_MultiInput, forward(x1, x2, x3, scale) = model(scale · (x1 + x2 + x3)), with the three
/// inputs stacked on dimension 1 ([B, 3, 3]: Captum's tuple). Where Captum passes an input as an additional forward
/// argument (not attributed), the tests put it in its slot with a baseline equal to itself, so it never moves.
/// </summary>
internal sealed class CaptumMultiLayerMultiInput : nn.Module<Tensor, Tensor>
{
    private readonly CaptumMultiLayer model = new();
    private readonly double _scale;

    public CaptumMultiLayerMultiInput(double scale) : base(nameof(CaptumMultiLayerMultiInput))
    {
        _scale = scale;
        RegisterComponents();
        eval();
    }

    public override Tensor forward(Tensor x) => model.call(_scale * x.sum(1));
}

/// <summary>
/// Captum's ReLULinearModel: l3(relu(cat(l1(x1), x3 · l2(x2)))), l1 = (3, 1, 0), l2 = (2, 3, 0), l3 = (1, 1), no biases,
/// x3 = 1; the two inputs stacked on dimension 1 ([B, 2, 3]).
/// </summary>
internal sealed class CaptumReluLinear : nn.Module<Tensor, Tensor>, IDecomposable
{
    private readonly Linear l1 = nn.Linear(3, 1, hasBias: false);
    private readonly Linear l2 = nn.Linear(3, 1, hasBias: false);
    private readonly ReLU relu;
    private readonly Linear l3 = nn.Linear(2, 1, hasBias: false);

    public CaptumReluLinear(bool inplace = false) : base(nameof(CaptumReluLinear))
    {
        relu = nn.ReLU(inplace);
        using (no_grad())
        {
            l1.weight!.copy_(tensor(new float[,] { { 3, 1, 0 } }));
            l2.weight!.copy_(tensor(new float[,] { { 2, 3, 0 } }));
            l3.weight!.copy_(tensor(new float[,] { { 1, 1 } }));
        }
        RegisterComponents();
        eval();
    }

    public override Tensor forward(Tensor x) => l3.call(relu.call(cat([l1.call(x[.., 0]), l2.call(x[.., 1])], 1)));

    public Dec Decompose(Dec d) => CdFunctional.module(l3, CdFunctional.module(relu,
        CdFunctional.cat([CdFunctional.module(l1, CdFunctional.select(d, 1, 0)), CdFunctional.module(l2, CdFunctional.select(d, 1, 1))], 1)));
}

/// <summary>Captum's BasicModel_MaxPool_ReLU: relu(maxpool(x)).sum(dim=1), MaxPool1d(3).</summary>
internal sealed class CaptumMaxPoolRelu : nn.Module<Tensor, Tensor>, IDecomposable
{
    private readonly MaxPool1d maxpool = nn.MaxPool1d(3);
    private readonly ReLU relu;

    public CaptumMaxPoolRelu(bool inplace = false) : base(nameof(CaptumMaxPoolRelu))
    {
        relu = nn.ReLU(inplace);
        RegisterComponents();
        eval();
    }

    public override Tensor forward(Tensor x) => relu.call(maxpool.call(x)).sum(1);

    public Dec Decompose(Dec d) => CdFunctional.sum(CdFunctional.module(relu, CdFunctional.module(maxpool, d)), 1L);
}

internal static class CaptumBasicModels
{
    /// <summary>
    /// Captum's BasicModel_ConvNet_One_Conv: conv 1→2 of 3×3 with weights 1 and biases −50, −75, ReLU ("relu1"), flatten
    /// to 8, linear 8→4 ("fc1") with weights (1,1,1,1,1,−1,−1,−1) per row and no bias, ReLU ("relu2").
    /// </summary>
    public static Sequential OneConvNet(bool inplace = false)
    {
        var conv = nn.Conv2d(1, 2, 3);
        var fc = nn.Linear(8, 4);
        using (no_grad())
        {
            conv.weight!.fill_(1);
            conv.bias!.copy_(tensor(new float[] { -50, -75 }));
            fc.weight!.copy_(cat([ones(4, 5), -ones(4, 3)], 1));
            fc.bias!.zero_();
        }
        var model = nn.Sequential(("conv1", conv), ("relu1", nn.ReLU(inplace)), ("flat", nn.Flatten()), ("fc1", fc), ("relu2", nn.ReLU(inplace)));
        model.eval();
        return model;
    }

    /// <summary>
    /// Captum's SimpleLRPModel: linear 3→3 (weights 2, no bias), ReLU, linear2 3→1 (weights 3, no bias), dropout(0.01)
    /// (eval mode: the identity).
    /// </summary>
    public static Sequential SimpleLrp(bool inplace = false)
    {
        var linear = nn.Linear(3, 3, hasBias: false);
        var linear2 = nn.Linear(3, 1, hasBias: false);
        using (no_grad())
        {
            linear.weight!.fill_(2);
            linear2.weight!.fill_(3);
        }
        var model = nn.Sequential(("linear", linear), ("relu", nn.ReLU(inplace)), ("linear2", linear2), ("dropout", nn.Dropout(0.01)));
        model.eval();
        return model;
    }

    /// <summary>The three inputs stacked on dimension 1: [B, 3, 3].</summary>
    public static Tensor Stack(float[,] x1, float[,] x2, float[,] x3) => stack([tensor(x1), tensor(x2), tensor(x3)], 1);

    /// <summary>A float32 tensor from nested rows.</summary>
    public static Tensor F(float[,] rows) => tensor(rows);

    /// <summary>Asserts |actual − expected| ≤ delta elementwise (flattened), with the shapes' element counts equal.</summary>
    public static void Near(Tensor actual, double[] expected, double delta, string what = "")
    {
        var a = actual.detach().to(float64).reshape(-1).data<double>().ToArray();
        Assert.True(a.Length == expected.Length, $"{what}: {a.Length} values, expected {expected.Length}");
        var worst = a.Zip(expected, (x, e) => Math.Abs(x - e)).Max();
        Assert.True(worst <= delta, $"{what}: max |Δ| = {worst:G6} > {delta}; got [{string.Join(", ", a.Select(v => v.ToString("G6")))}], expected [{string.Join(", ", expected)}]");
    }
}
