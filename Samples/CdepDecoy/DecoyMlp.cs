using AttrDsl.Decomposition;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Samples.CdepDecoy;

/// <summary>
/// The multilayer perceptron of Ross et al.'s DecoyMNIST experiment: the 784 pixels flattened, two hidden ReLU layers
/// (50 units each by default), 10 logits. Unlike a CNN it has a separate weight for every corner pixel, which no clean
/// digit ever lights up, so the decoy patch is free signal it picks up readily. It decomposes itself for contextual
/// decomposition (<see cref="IDecomposable"/>), one CD rule per statement of <see cref="forward"/>.
/// </summary>
public sealed class DecoyMlp : nn.Module<Tensor, Tensor>, IDecomposable
{
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly Linear fc3;

    /// <summary>A freshly initialised MLP (TorchSharp's default Linear initialisation, seeded by <c>manual_seed</c>).</summary>
    /// <param name="hidden">Units of each of the two hidden layers.</param>
    /// <param name="inputs">Flattened input size (28·28 grey pixels, or 3·28·28 for ColorMNIST).</param>
    public DecoyMlp(int hidden = 50, int inputs = 28 * 28) : base(nameof(DecoyMlp))
    {
        fc1 = nn.Linear(inputs, hidden);
        fc2 = nn.Linear(hidden, hidden);
        fc3 = nn.Linear(hidden, 10);
        RegisterComponents();   // without it the module has no parameters
    }

    /// <summary>Logits [B, 10] for images [B, C, 28, 28].</summary>
    public override Tensor forward(Tensor x)
    {
        x = x.flatten(1);
        x = nn.functional.relu(fc1.forward(x));
        x = nn.functional.relu(fc2.forward(x));
        return fc3.forward(x);
    }

    /// <summary>The relevant and irrelevant parts of the logits, statement by statement as <see cref="forward"/>.</summary>
    public Decomposition.Decomposition Decompose(Decomposition.Decomposition d)
    {
        d = CdFunctional.flatten(d, 1);
        d = CdFunctional.relu(CdFunctional.module(fc1, d));
        d = CdFunctional.relu(CdFunctional.module(fc2, d));
        return CdFunctional.module(fc3, d);
    }
}
