using TorchSharp.Modules;

namespace AttrDsl.Tests.Decomposition.Composition;

/// <summary>Small random float64 networks, one per supported layer type (each in eval mode), with their input shapes.</summary>
internal static class CdNetworks
{
    public static readonly string[] Names =
    [
        "linear", "conv1d", "conv2d", "conv2d_reflect", "batchnorm1d", "batchnorm2d", "layernorm", "relu", "leaky_relu", "gelu",
        "tanh", "sigmoid", "softplus", "maxpool1d", "maxpool2d", "avgpool1d", "avgpool2d", "adaptive_avgpool2d", "dropout", "flatten",
    ];

    public static (Sequential Model, long[] InputShape) Build(string name)
    {
        Sequential m;
        long[] shape;
        switch (name)
        {
            case "linear": m = nn.Sequential(nn.Linear(6, 5), nn.Linear(5, 3)); shape = [4, 6]; break;
            case "conv1d": m = nn.Sequential(nn.Conv1d(2, 3, 3, padding: 1), nn.Flatten(), nn.Linear(24, 3)); shape = [4, 2, 8]; break;
            case "conv2d": m = nn.Sequential(nn.Conv2d(2, 3, 3, stride: 2, padding: 1), nn.Flatten(), nn.Linear(48, 3)); shape = [4, 2, 8, 8]; break;
            case "conv2d_reflect": m = nn.Sequential(nn.Conv2d(2, 3, 3, padding: 1, padding_mode: PaddingModes.Reflect), nn.Flatten(), nn.Linear(75, 3)); shape = [4, 2, 5, 5]; break;
            case "batchnorm1d": m = nn.Sequential(nn.Linear(6, 5), Rules.NormalizationRulesTests.Randomised(nn.BatchNorm1d(5)), nn.Linear(5, 3)); shape = [4, 6]; break;
            case "batchnorm2d": m = nn.Sequential(nn.Conv2d(2, 3, 3), Rules.NormalizationRulesTests.Randomised(nn.BatchNorm2d(3)), nn.Flatten(), nn.Linear(27, 3)); shape = [4, 2, 5, 5]; break;
            case "layernorm": m = nn.Sequential(nn.Linear(6, 5), nn.LayerNorm(5), nn.Linear(5, 3)); shape = [4, 6]; break;
            case "relu": m = Mlp(nn.ReLU()); shape = [4, 6]; break;
            case "leaky_relu": m = Mlp(nn.LeakyReLU(0.1)); shape = [4, 6]; break;
            case "gelu": m = Mlp(nn.GELU()); shape = [4, 6]; break;
            case "tanh": m = Mlp(nn.Tanh()); shape = [4, 6]; break;
            case "sigmoid": m = Mlp(nn.Sigmoid()); shape = [4, 6]; break;
            case "softplus": m = Mlp(nn.Softplus(1.5)); shape = [4, 6]; break;
            case "maxpool1d": m = nn.Sequential(nn.Conv1d(2, 3, 3), nn.MaxPool1d(2), nn.Flatten(), nn.Linear(9, 3)); shape = [4, 2, 8]; break;
            case "maxpool2d": m = nn.Sequential(nn.Conv2d(2, 3, 3), nn.MaxPool2d(3, stride: 2, padding: 1), nn.Flatten(), nn.Linear(27, 3)); shape = [4, 2, 7, 7]; break;
            case "avgpool1d": m = nn.Sequential(nn.Conv1d(2, 3, 3), nn.AvgPool1d(2), nn.Flatten(), nn.Linear(9, 3)); shape = [4, 2, 8]; break;
            case "avgpool2d": m = nn.Sequential(nn.Conv2d(2, 3, 3), nn.AvgPool2d(2), nn.Flatten(), nn.Linear(12, 3)); shape = [4, 2, 6, 6]; break;
            case "adaptive_avgpool2d": m = nn.Sequential(nn.Conv2d(2, 3, 3), nn.AdaptiveAvgPool2d([2, 3]), nn.Flatten(), nn.Linear(18, 3)); shape = [4, 2, 7, 7]; break;
            case "dropout": m = nn.Sequential(nn.Linear(6, 5), nn.Dropout(0.4), nn.Linear(5, 3)); shape = [4, 6]; break;
            case "flatten": m = nn.Sequential(nn.Flatten(), nn.Linear(12, 3)); shape = [4, 3, 4]; break;
            default: throw new ArgumentOutOfRangeException(nameof(name));
        }
        m.to(float64);
        m.eval();
        return (m, shape);
    }

    // Linear → activation → Linear; the weights are scaled up so pre-activations reach the nonlinear range.
    private static Sequential Mlp(nn.Module<Tensor, Tensor> act)
    {
        var l1 = nn.Linear(6, 5);
        using (no_grad()) l1.weight!.mul_(3.0);
        return nn.Sequential(l1, act, nn.Linear(5, 3));
    }
}
