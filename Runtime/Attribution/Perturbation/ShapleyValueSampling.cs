using AttrDsl.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// Shapley value sampling (Castro et al. 2009; Captum's <c>ShapleyValueSampling</c>): for each of
/// <c>nSamples</c> random orderings of the feature groups, start from the baseline and add the groups of
/// the input one at a time; each group is credited with the change of the selected output when it was
/// added. The estimate is the mean over orderings, which is unbiased for the Shapley value, and each
/// ordering's credits sum exactly to f(x) − f(baseline).
/// <para>
/// Orderings come from <c>torch.randperm</c> on the global generator, so <c>torch.manual_seed</c> makes
/// the result reproducible. As in Captum, one ordering is shared by all samples of the batch.
/// </para>
/// </summary>
public sealed class ShapleyValueSampling
{
    private const string Name = nameof(ShapleyValueSampling);
    private readonly Func<Tensor, Tensor> _forward;

    /// <summary>Shapley value sampling of a model given as a function from a batch to its outputs [B, ...].</summary>
    public ShapleyValueSampling(Func<Tensor, Tensor> forward) => _forward = ModelCall.Guard(forward ?? throw new ArgumentNullException(nameof(forward)), nameof(ShapleyValueSampling));

    /// <summary>Shapley value sampling of a module (its <c>forward</c>; set eval mode yourself where it matters).</summary>
    public ShapleyValueSampling(torch.nn.Module<Tensor, Tensor> model) : this((model ?? throw new ArgumentNullException(nameof(model))).call) { }

    /// <summary>
    /// Estimated Shapley values shaped like <paramref name="inputs"/>; every element carries the value of
    /// the group it belongs to.
    /// </summary>
    /// <param name="inputs">A batch [B, ...].</param>
    /// <param name="target">Which output to explain (one value per sample).</param>
    /// <param name="featureMask">Integer group ids (int64, or int32) broadcastable to the input; default one group per element.</param>
    /// <param name="baselines">The "absent" value of a feature: a constant (default 0) or a tensor broadcastable to the input.</param>
    /// <param name="nSamples">Number of random orderings (Captum's default 25).</param>
    /// <param name="perturbationsPerEval">How many steps of an ordering are evaluated in one forward pass (B·k rows).</param>
    /// <param name="cancellationToken">Checked before any work and before every forward pass of <paramref name="perturbationsPerEval"/> steps: once it is cancelled,
    /// <see cref="OperationCanceledException"/> is thrown and nothing is returned.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Tensor Attribute(Tensor inputs, Target target, Tensor? featureMask = null, AblationBaseline baselines = default,
        int nSamples = 25, int perturbationsPerEval = 1, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        AttributionArgs.CheckBatch(inputs, Name);
        ArgumentNullException.ThrowIfNull(target);
        if (nSamples < 1)
            throw new ArgumentOutOfRangeException(nameof(nSamples), nSamples, $"{Name}: nSamples must be at least 1");
        if (perturbationsPerEval < 1)
            throw new ArgumentOutOfRangeException(nameof(perturbationsPerEval), perturbationsPerEval, $"{Name}: perturbationsPerEval must be at least 1");

        Checks.Finite(inputs, Name, nameof(inputs));
        baselines.CheckFinite(Name);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = inputs.detach();
        var shape = x.shape;
        var b = shape[0];
        var rank = shape.Length;
        var mask = AblationEngine.ExpandFeatureMask(featureMask, x, Name);
        var (ids, groupIndex) = AblationEngine.Groups(mask);
        var groups = (long)ids.Length;
        var baseline = baselines.Materialize(x, $"{Name}: baselines");
        var fBase = AblationEngine.Eval(_forward, target, baseline, Name);
        var accType = AblationEngine.AccumulationType(fBase);
        var sum = zeros([b, AttributionArgs.Product(shape[1..])], accType, x.device);
        var flatIndex = groupIndex.reshape(-1);

        for (var sample = 0; sample < nSamples; sample++)
        {
            using var sampleScope = NewDisposeScope();
            var permutation = randperm(groups, device: x.device);                       // step → group index
            var position = permutation.argsort(0);                    // group index → step
            var step = position.index_select(0, flatIndex).reshape(shape); // each element's step, [B, ...]
            var previous = fBase.to(accType);
            for (long start = 0; start < groups; start += perturbationsPerEval)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var chunkScope = NewDisposeScope();
                var k = Math.Min(perturbationsPerEval, groups - start);
                var steps = AttributionArgs.AlongDim1(arange(start, start + k, device: x.device), rank + 1);
                var stepOfElement = step.unsqueeze(1);                                     // [B, 1, ...]
                var absent = stepOfElement > steps;                                         // not added yet: baseline
                var outputs = AblationEngine.EvalMasked(_forward, target, x, baseline, absent, Name).to(accType); // [B, k]
                var before = cat([previous.unsqueeze(1), outputs.narrow(1, 0, k - 1)], 1);
                var gain = outputs - before;                                                // [B, k]
                var added = stepOfElement.eq(steps);                                        // the group added at each step
                sum.add_(AblationEngine.Spread(gain, added));
                var last = outputs.select(1, k - 1).contiguous();
                previous = last.MoveToOuterDisposeScope();
            }
        }
        return (sum / nSamples).reshape(shape).MoveToOuterDisposeScope();
    }
}
