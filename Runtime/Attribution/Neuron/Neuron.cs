using AttrDsl.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// One neuron of a layer, the object the neuron methods explain: the layer's output (the bottom part of a
/// <see cref="LayerSplit"/>) at one index of its per-sample shape, as a function of the input, [B] → [B, 1].
/// </summary>
internal static class Neuron
{
    /// <summary>
    /// The function x ↦ h(x)[:, index…] as [B, 1] (a model with one output, explained with <see cref="Target.Output"/>),
    /// checking <paramref name="neuronIndex"/> against the layer's output shape on the first call.
    /// </summary>
    internal static Func<Tensor, Tensor> Output(LayerSplit split, long[] neuronIndex, string method) => x => Select(Layer(split, x, method), neuronIndex, method);

    /// <summary>
    /// The layer's output at <paramref name="x"/>, differentiable with respect to x: by name it is captured inside the graph
    /// (the split's own Bottom detaches it, as the layer methods differentiate only after the layer).
    /// </summary>
    internal static Tensor Layer(LayerSplit split, Tensor x, string method) =>
        split.Named is { } layer ? ModelCall.Run(() => layer.ActivationsWithGraph(x), method, x, layer.Root) : split.Bottom(x);

    /// <summary>The neuron's column [B, 1] of a layer output z [B, ...], the index checked against z's per-sample shape.</summary>
    internal static Tensor Select(Tensor z, long[] neuronIndex, string method)
    {
        if (z is null)
            throw new InvalidOperationException($"{method}: the layer returned null; it must return its activations [B, ...]");
        var perSample = z.shape[1..];
        if (neuronIndex.Length != perSample.Length)
            throw new ArgumentException($"{method}: neuronIndex has {neuronIndex.Length} indices ({AttributionArgs.Str(neuronIndex)}) but the layer's output per sample has shape {AttributionArgs.Str(perSample)}; give one index per dimension after the batch", nameof(neuronIndex));
        for (var d = 0; d < perSample.Length; d++)
            if (neuronIndex[d] < 0 || neuronIndex[d] >= perSample[d])
                throw new ArgumentOutOfRangeException(nameof(neuronIndex), $"{method}: neuronIndex {AttributionArgs.Str(neuronIndex)} is outside the layer's output per sample {AttributionArgs.Str(perSample)} (dimension {d + 1} has size {perSample[d]})");
        var flat = 0L;
        for (var d = 0; d < perSample.Length; d++) flat = flat * perSample[d] + neuronIndex[d];
        return z.reshape(z.size(0), -1).narrow(1, flat, 1);
    }

    /// <summary>Checks the index itself (not null, at least one dimension); its range is checked against the layer's output.</summary>
    internal static long[] CheckIndex(long[]? neuronIndex, string method)
    {
        ArgumentNullException.ThrowIfNull(neuronIndex);
        if (neuronIndex.Length == 0)
            throw new ArgumentException($"{method}: neuronIndex is empty; give the neuron's index in the layer's output per sample (e.g. [3] for unit 3 of a [B, 8] layer, [c, h, w] for a convolution)", nameof(neuronIndex));
        return (long[])neuronIndex.Clone();
    }
}
