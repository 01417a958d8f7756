using AttrDsl.Decomposition;
using TorchSharp.Modules;
using Dec = global::AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Attribution.Propagation;

/// <summary>Captum's ReLUDeepLiftModel with its two inputs as the columns of one: 2·relu(x₁) + 2·relu(x₂ − 1.5), functional ReLUs.</summary>
internal sealed class ReluDeepLiftModel : nn.Module<Tensor, Tensor>, IDecomposable
{
    public ReluDeepLiftModel() : base(nameof(ReluDeepLiftModel)) { }

    public override Tensor forward(Tensor x) => 2 * nn.functional.relu(x[.., 0]) + 2 * nn.functional.relu(x[.., 1] - 1.5);

    public Dec Decompose(Dec d) => CdFunctional.add(
        CdFunctional.mul(CdFunctional.relu(CdFunctional.select(d, 1, 0)), 2.0),
        CdFunctional.mul(CdFunctional.relu(CdFunctional.sub(CdFunctional.select(d, 1, 1), 1.5)), 2.0));
}

/// <summary>Captum's LinearMaxPoolLinearModel: lin2(pool1(lin1(x.unsqueeze(1)))[:, 0, :]), lin1 = I₄, pool 4, lin2 = 1.</summary>
internal sealed class LinearMaxPoolLinearModel : nn.Module<Tensor, Tensor>, IDecomposable
{
    private readonly Linear lin1 = nn.Linear(4, 4, hasBias: false);
    private readonly MaxPool1d pool1 = nn.MaxPool1d(4);
    private readonly Linear lin2 = nn.Linear(1, 1, hasBias: false);

    public LinearMaxPoolLinearModel() : base(nameof(LinearMaxPoolLinearModel))
    {
        using (no_grad())
        {
            lin1.weight!.copy_(eye(4));
            lin2.weight!.fill_(1);
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => lin2.call(pool1.call(lin1.call(x.unsqueeze(1)))[.., 0, ..]);

    public Dec Decompose(Dec d) =>
        CdFunctional.module(lin2, CdFunctional.select(CdFunctional.module(pool1, CdFunctional.module(lin1, CdFunctional.unsqueeze(d, 1))), 1, 0));
}

/// <summary>
/// fc4(relu(fc3(relu(fc2(relu(fc1(x))))))) written the ways hooks miss: the first ReLU functional, the other two one
/// in-place ReLU module called twice.
/// </summary>
internal sealed class HookHostileMlp : nn.Module<Tensor, Tensor>, IDecomposable
{
    private readonly Linear fc1, fc2, fc3, fc4;
    private readonly ReLU relu = nn.ReLU(inplace: true);

    public HookHostileMlp(Sequential reference) : base(nameof(HookHostileMlp))
    {
        var layers = reference.children().OfType<Linear>().ToArray();
        (fc1, fc2, fc3, fc4) = (layers[0], layers[1], layers[2], layers[3]);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => fc4.call(relu.call(fc3.call(relu.call(fc2.call(nn.functional.relu(fc1.call(x)))))));

    public Dec Decompose(Dec d) =>
        CdFunctional.module(fc4, CdFunctional.module(relu, CdFunctional.module(fc3, CdFunctional.module(relu, CdFunctional.module(fc2, CdFunctional.relu(CdFunctional.module(fc1, d)))))));
}

internal static class PropagationNets
{
    /// <summary>Linear–ReLU ×3 then Linear, one ReLU module per non-linearity, float64.</summary>
    public static Sequential Mlp(bool bias = true, long seed = 3)
    {
        manual_seed(seed);
        var m = nn.Sequential(("fc1", nn.Linear(6, 8, hasBias: bias)), ("r1", nn.ReLU()), ("fc2", nn.Linear(8, 8, hasBias: bias)), ("r2", nn.ReLU()),
            ("fc3", nn.Linear(8, 7, hasBias: bias)), ("r3", nn.ReLU()), ("fc4", nn.Linear(7, 3, hasBias: bias)));
        m.to(float64);
        m.eval();
        return m;
    }

    /// <summary>Conv–ReLU–MaxPool(2) ×2, Linear, float64, [B, 1, 8, 8] inputs.</summary>
    public static Sequential Cnn(bool bias = true, long seed = 5)
    {
        manual_seed(seed);
        var m = nn.Sequential(("conv1", nn.Conv2d(1, 4, 3, padding: 1, bias: bias)), ("r1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(4, 6, 3, padding: 1, bias: bias)), ("r2", nn.ReLU()), ("pool2", nn.MaxPool2d(3, stride: 2, padding: 1)),
            ("flat", nn.Flatten()), ("fc", nn.Linear(24, 5, hasBias: bias)));
        m.to(float64);
        m.eval();
        return m;
    }
}
