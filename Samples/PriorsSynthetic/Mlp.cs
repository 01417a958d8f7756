using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Samples.PriorsSynthetic;

/// <summary>
/// The small MLP of both synthetic experiments, as a TorchSharp user writes it: D → hidden… → 1 with ReLU between the
/// linear layers; one output (a regression value or a logit).
/// </summary>
internal sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Linear> layers;

    /// <summary>A freshly initialised MLP (TorchSharp's default Linear initialisation, layer by layer, seeded by <c>manual_seed</c>).</summary>
    /// <param name="features">Input width D.</param>
    /// <param name="hidden">Hidden widths in order (empty: a linear model).</param>
    public Mlp(long features, IReadOnlyList<int> hidden) : base(nameof(Mlp))
    {
        var widths = new List<long> { features };
        widths.AddRange(hidden.Select(h => (long)h));
        widths.Add(1);
        layers = nn.ModuleList(widths.Zip(widths.Skip(1), (i, o) => nn.Linear(i, o)).ToArray());
        RegisterComponents();   // without it the module has no parameters
    }

    /// <summary>The first linear layer (its weight [hidden, D] is what the L1 baseline penalises).</summary>
    public Linear FirstLayer => layers[0];

    /// <summary>Outputs [B, 1] for inputs [B, D].</summary>
    public override Tensor forward(Tensor x)
    {
        for (var i = 0; i < layers.Count - 1; i++)
            x = nn.functional.relu(layers[i].forward(x));
        return layers[layers.Count - 1].forward(x);
    }
}
