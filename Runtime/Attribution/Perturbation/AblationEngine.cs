using TorchSharp;
using static TorchSharp.torch;

using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>The batched forward pass every perturbation method shares.</summary>
internal static class AblationEngine
{
    /// <summary>
    /// For k masks at once: the selected output of <c>where(mask, replacement, x)</c>, one value per
    /// (sample, mask) as [B, k]. <paramref name="mask"/> is bool [1 or B, k, ...features]; the k copies
    /// of each sample are fed sample-major ([B·k] rows, sample 0's copies first), matching
    /// <see cref="Target.Repeat"/>.
    /// </summary>
    internal static Tensor EvalMasked(Func<Tensor, Tensor> forward, Target target, Tensor x, Tensor replacement, Tensor mask, string method)
    {
        using var scope = NewDisposeScope();
        var b = x.size(0);
        var k = mask.size(1);
        var feat = x.shape[1..];
        var mixed = where(mask, replacement.unsqueeze(1), x.unsqueeze(1));           // [B, k, ...]
        var rows = mixed.reshape([b * k, .. feat]);
        var perRow = AttributionArgs.Select(k == 1 ? target : target.Repeat(k), forward(rows), b * k, method);
        return perRow.view(b, k).MoveToOuterDisposeScope();
    }

    /// <summary>The selected output of <paramref name="x"/> itself, [B].</summary>
    internal static Tensor Eval(Func<Tensor, Tensor> forward, Target target, Tensor x, string method)
    {
        using var scope = NewDisposeScope();
        return AttributionArgs.Select(target, forward(x), x.size(0), method).MoveToOuterDisposeScope();
    }

    /// <summary>Σ_k values[b, k] · mask[b, k, ...] as [B, D] (mask bool [1 or B, k, ...]).</summary>
    internal static Tensor Spread(Tensor values, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var b = values.size(0);
        var mb = mask.size(0);
        var k = mask.size(1);
        // bmm, not matmul: libtorch's matmul kills the process on a shape mismatch, bmm throws. The shapes are ours,
        // so a mismatch is a bug here; say so instead of leaving it to libtorch.
        if (values.dim() != 2 || values.size(1) != k || (mb != 1 && mb != b))
            throw new InvalidOperationException($"internal error: {AttributionArgs.Str(values.shape)} values cannot be spread over a mask of shape {AttributionArgs.Str(mask.shape)}");
        var maskF = mask.to(values.dtype).reshape(mb, k, -1);                         // [Bm, k, D]
        if (mb != b) maskF = maskF.expand(b, k, maskF.size(2));
        return values.unsqueeze(1).bmm(maskF).squeeze(1).MoveToOuterDisposeScope();   // [B, 1, k]·[B, k, D]
    }

    /// <summary>The dtype attributions are accumulated in: the outputs' when floating point, else float32.</summary>
    internal static ScalarType AccumulationType(Tensor outputs) =>
        is_floating_point(outputs.dtype) ? outputs.dtype : ScalarType.Float32;

    /// <summary>
    /// Checks a feature mask and returns it expanded to the input's shape as int64 (contiguous). <paramref name="name"/> and
    /// <paramref name="of"/> are what errors call the mask and the tensor it groups (a layer method's <c>layerMask</c> groups the layer's output).
    /// </summary>
    internal static Tensor ExpandFeatureMask(Tensor? featureMask, Tensor x, string method, string name = "featureMask", string of = "the input")
    {
        if (featureMask is null)
        {
            // One group per element, the same ids for every sample.
            var d = AttributionArgs.Product(x.shape[1..]);
            using var ids = arange(d, device: x.device);
            using var shaped = ids.reshape([1, .. x.shape[1..]]);
            return shaped.expand(x.shape).contiguous();
        }
        Checks.Live(featureMask, method, name);
        if (featureMask.is_floating_point() || featureMask.dtype == ScalarType.Bool)
            throw new ArgumentException($"{method}: {name} must hold integer group ids (int64), not {featureMask.dtype}", name);
        AttributionArgs.CheckBroadcastable(featureMask.shape, x.shape, $"{method}: {name}", of);
        using var asLong = featureMask.detach().@long();
        // Group ids are 0 .. n−1, as in Captum: a negative id is almost always a sentinel or an off-by-one, not a group.
        using (var negative = asLong.lt(0))
            if (negative.any().item<bool>())
                throw new ArgumentOutOfRangeException(name,
                    $"{method}: {name} holds the group id {asLong.reshape(-1)[negative.reshape(-1).nonzero()[0, 0]].item<long>()}; group ids are 0 .. n−1 (one id per group of features ablated together)");
        using var expanded = asLong.expand(x.shape);
        return expanded.contiguous();
    }

    /// <summary>The distinct group ids of an expanded mask, ascending, and each element's group index into that list.</summary>
    internal static (long[] ids, Tensor groupIndex) Groups(Tensor expandedMask)
    {
        var values = expandedMask.ToArray<long>();
        var ids = values.Distinct().Order().ToArray();
        var position = new Dictionary<long, long>(ids.Length);
        for (var i = 0; i < ids.Length; i++) position[ids[i]] = i;
        var index = new long[values.Length];
        for (var i = 0; i < values.Length; i++) index[i] = position[values[i]];
        return (ids, tensor(index, expandedMask.shape, device: expandedMask.device));
    }
}
