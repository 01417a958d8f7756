using AttrDsl.Torch;
using static AttrDsl.Torch.torch;

namespace AttrDsl.Samples.MnistTrain;

/// <summary>The CNN of the attribution-priors MNIST experiment (and of DSL.md): two 5×5 convolutions, two linear layers.</summary>
public sealed class MnistNet : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = nn.Conv2d(1, 32, 5);
    private readonly Conv2d conv2 = nn.Conv2d(32, 64, 5);
    private readonly Linear fc1 = nn.Linear(1024, 128);
    private readonly Linear fc2 = nn.Linear(128, 10);

    public MnistNet() : base(nameof(MnistNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = functional.max_pool2d(functional.relu(conv1.forward(x)), 2);
        x = functional.max_pool2d(functional.relu(conv2.forward(x)), 2);
        x = x.flatten(1);
        x = functional.relu(fc1.forward(x));
        return fc2.forward(x);
    }
}
