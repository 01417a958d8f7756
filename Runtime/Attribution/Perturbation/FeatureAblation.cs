using AttrDsl.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// Feature ablation (Captum's <c>FeatureAblation</c>): the features are split into groups by an integer
/// feature mask; each group in turn is replaced by the baseline, and every element of the group is
/// attributed the whole group's effect, f(x) − f(x with its group ablated), for the selected output.
/// Several groups are evaluated in one forward pass (<c>perturbationsPerEval</c>).
/// </summary>
public sealed class FeatureAblation
{
    private const string Name = nameof(FeatureAblation);
    private readonly Func<Tensor, Tensor> _forward;

    /// <summary>Feature ablation of a model given as a function from a batch to its outputs [B, ...].</summary>
    public FeatureAblation(Func<Tensor, Tensor> forward) => _forward = ModelCall.Guard(forward ?? throw new ArgumentNullException(nameof(forward)), nameof(FeatureAblation));

    /// <summary>Feature ablation of a module (its <c>forward</c>; set eval mode yourself where it matters).</summary>
    public FeatureAblation(torch.nn.Module<Tensor, Tensor> model) : this((model ?? throw new ArgumentNullException(nameof(model))).call) { }

    /// <summary>
    /// Attributions shaped like <paramref name="inputs"/>: each element gets f(x) − f(x with the group
    /// it belongs to replaced by the baseline).
    /// </summary>
    /// <param name="inputs">A batch [B, ...].</param>
    /// <param name="target">Which output to explain (one value per sample).</param>
    /// <param name="featureMask">
    /// Integer group ids (int64, or int32), broadcastable to the input: elements with the same id are
    /// ablated together. With a batch dimension of B the grouping may differ per sample. Default: every
    /// element is its own group.
    /// </param>
    /// <param name="baselines">What ablated elements become: a constant (default 0) or a tensor broadcastable to the input.</param>
    /// <param name="perturbationsPerEval">How many groups are ablated in one forward pass (B·k rows).</param>
    /// <param name="cancellationToken">Checked before any work and before every forward pass of <paramref name="perturbationsPerEval"/> groups: once it is cancelled,
    /// <see cref="OperationCanceledException"/> is thrown and nothing is returned.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Tensor Attribute(Tensor inputs, Target target, Tensor? featureMask = null, AblationBaseline baselines = default, int perturbationsPerEval = 1,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        AttributionArgs.CheckBatch(inputs, Name);
        ArgumentNullException.ThrowIfNull(target);
        if (perturbationsPerEval < 1)
            throw new ArgumentOutOfRangeException(nameof(perturbationsPerEval), perturbationsPerEval, $"{Name}: perturbationsPerEval must be at least 1");

        Checks.Finite(inputs, Name, nameof(inputs));
        baselines.CheckFinite(Name);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = inputs.detach();
        var shape = x.shape;
        var b = shape[0];
        var mask = AblationEngine.ExpandFeatureMask(featureMask, x, Name);
        var (ids, groupIndex) = AblationEngine.Groups(mask);
        var replacement = baselines.Materialize(x, $"{Name}: baselines");
        var f0 = AblationEngine.Eval(_forward, target, x, Name);
        var accType = AblationEngine.AccumulationType(f0);
        var sum = zeros([b, AttributionArgs.Product(shape[1..])], accType, x.device);
        var rank = shape.Length;

        for (long start = 0; start < ids.Length; start += perturbationsPerEval)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var chunkScope = NewDisposeScope();
            var k = Math.Min(perturbationsPerEval, ids.Length - start);
            var chunk = arange(start, start + k, device: x.device);                                            // group indices
            var groupMask = groupIndex.unsqueeze(1).eq(AttributionArgs.AlongDim1(chunk, rank + 1)); // [B, k, ...]
            var outputs = AblationEngine.EvalMasked(_forward, target, x, replacement, groupMask, Name);
            var drop = f0.to(accType).unsqueeze(1) - outputs.to(accType);
            sum.add_(AblationEngine.Spread(drop, groupMask));
        }
        return sum.reshape(shape).MoveToOuterDisposeScope();
    }
}
