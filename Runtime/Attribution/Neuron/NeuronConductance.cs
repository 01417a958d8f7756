using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// Neuron conductance (Dhamdhere et al. 2018; Captum's <c>NeuronConductance</c>): how much of the model's output flows
/// through one neuron y of a layer, split over the inputs: for input i,
/// (x_i − x'_i) ∫₀¹ ∂f/∂y · ∂y/∂x_i at x' + α(x − x') dα, integrated with the same rule as integrated gradients. Summed
/// over the inputs it is the neuron's conductance ∫ ∂f/∂y dy along the path; where f is linear in the layer
/// (∂f/∂y = w constant) it is w times the neuron's integrated gradients.
/// </summary>
public sealed class NeuronConductance
{
    private const string Name = nameof(NeuronConductance);
    private readonly LayerSplit _split;
    private readonly long[] _index;

    /// <summary>A neuron of the layer a split is cut at.</summary>
    public NeuronConductance(LayerSplit split, long[] neuronIndex)
    {
        _split = split ?? throw new ArgumentNullException(nameof(split));
        _index = Neuron.CheckIndex(neuronIndex, Name);
    }

    /// <summary>A neuron of the layer between <paramref name="bottom"/> (input → z) and <paramref name="top"/> (z → output).</summary>
    public NeuronConductance(Func<Tensor, Tensor> bottom, Func<Tensor, Tensor> top, long[] neuronIndex) : this(new LayerSplit(bottom, top), neuronIndex) { }

    /// <summary>A neuron of the layer of <paramref name="model"/> with module path <paramref name="layerPath"/> (see <see cref="LayerSplit.At"/>).</summary>
    public NeuronConductance(torch.nn.Module<Tensor, Tensor> model, string layerPath, long[] neuronIndex) : this(LayerSplit.At(model, layerPath), neuronIndex) { }

    /// <summary>The neuron's conductance split over the inputs, shaped like <paramref name="inputs"/>.</summary>
    /// <param name="inputs">A batch [B, ...], floating point.</param>
    /// <param name="target">Which output the conductance is of (one value per sample).</param>
    /// <param name="baselines">The path's start: null for zeros, or a tensor broadcastable to the inputs.</param>
    /// <param name="nSteps">Integration points (Gauss–Legendre); all B·nSteps points go through the model in one pass.</param>
    /// <param name="cancellationToken">Checked before any work: once it is cancelled, <see cref="OperationCanceledException"/> is thrown.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Tensor Attribute(Tensor inputs, Target target, Tensor? baselines = null, int nSteps = 50, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        LayerCore.CheckInputs(inputs, Name);
        ArgumentNullException.ThrowIfNull(target);
        Checks.TargetCount(target, inputs.size(0), Name);
        var (alphas, weights) = LayerCore.Rule(IntegrationMethod.GaussLegendre, nSteps, Name);
        var b = inputs.size(0);
        Checks.FitsInMemory(b * nSteps, inputs, Name, nameof(nSteps), nSteps, $"B·nSteps = {b}·{nSteps} = {b * nSteps} path points",
            "lower nSteps, or explain the batch in smaller pieces");

        using var scope = NewDisposeScope();
        var x = inputs.detach();
        var xBase = LayerCore.InputBaseline(x, baselines, Name);
        var rows = LayerCore.PathRows(x, xBase, alphas);                                          // [B·n, ...]
        // ∂f/∂y at each point: the top gradient at the layer, read at the neuron.
        var (_, top) = LayerCore.ActivationsAndGradients(_split, rows, nSteps == 1 ? target : target.Repeat(nSteps), Name);
        var dfdy = Neuron.Select(top, _index, Name);                                             // [B·n, 1]
        // ∂y/∂x at each point.
        var dydx = Gradients.Of(z => Neuron.Select(Neuron.Layer(_split, z, Name), _index, Name), rows, Target.Output, method: Name);
        var perPoint = dydx * dfdy.reshape([b * nSteps, .. Enumerable.Repeat(1L, (int)x.dim() - 1)]);
        var integral = LayerCore.WeightedSum(perPoint.reshape([b, nSteps, .. x.shape[1..]]), weights);
        return ((x - xBase) * integral).MoveToOuterDisposeScope();
    }
}
