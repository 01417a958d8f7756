using AttrDsl.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// Permutation feature importance (Breiman 2001; Captum's <c>FeaturePermutation</c>): each feature group in turn is
/// shuffled across the rows of the batch, and every element of the group is attributed f(x) − f(x with its group taken
/// from another row), for the selected output. Unlike ablation it needs no baseline: the batch is the reference
/// distribution, so it needs at least two rows. Several groups are evaluated in one forward pass
/// (<c>perturbationsPerEval</c>); with <c>nPermutations</c> &gt; 1 the result is the mean over that many shuffles.
/// As in Captum, a permutation is never the identity, and one permutation is shared by all groups.
/// </summary>
public sealed class FeaturePermutation
{
    private const string Name = nameof(FeaturePermutation);
    private readonly Func<Tensor, Tensor> _forward;

    /// <summary>Permutation importance of a model given as a function from a batch to its outputs [B, ...].</summary>
    public FeaturePermutation(Func<Tensor, Tensor> forward) => _forward = ModelCall.Guard(forward ?? throw new ArgumentNullException(nameof(forward)), nameof(FeaturePermutation));

    /// <summary>Permutation importance of a module (its <c>forward</c>; set eval mode yourself where it matters).</summary>
    public FeaturePermutation(torch.nn.Module<Tensor, Tensor> model) : this((model ?? throw new ArgumentNullException(nameof(model))).call) { }

    /// <summary>
    /// Attributions shaped like <paramref name="inputs"/>: each element gets f(x) − f(x with its group's values taken from
    /// the row the permutation assigns), averaged over <paramref name="nPermutations"/> permutations.
    /// </summary>
    /// <param name="inputs">A batch [B, ...] with B ≥ 2: the rows are permuted among themselves.</param>
    /// <param name="target">Which output to explain (one value per sample).</param>
    /// <param name="featureMask">Integer group ids (int64, or int32) broadcastable to the input: elements with the same id
    /// are permuted together. Default: every element is its own group.</param>
    /// <param name="perturbationsPerEval">How many groups are permuted in one forward pass (B·k rows).</param>
    /// <param name="nPermutations">How many random permutations are averaged (Captum uses one).</param>
    /// <param name="seed">Seed of the permutations; default: drawn from torch's global generator, so <c>torch.manual_seed</c> also makes the result reproducible.</param>
    /// <param name="cancellationToken">Checked before any work and before every forward pass: once it is cancelled,
    /// <see cref="OperationCanceledException"/> is thrown and nothing is returned.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Tensor Attribute(Tensor inputs, Target target, Tensor? featureMask = null, int perturbationsPerEval = 1, int nPermutations = 1,
        int? seed = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        AttributionArgs.CheckBatch(inputs, Name);
        ArgumentNullException.ThrowIfNull(target);
        if (inputs.size(0) < 2)
            throw new ArgumentException($"{Name}: inputs has a batch of {inputs.size(0)} row; permutation importance shuffles features across the rows, so pass a batch of at least 2 (e.g. the sample with some background rows)", nameof(inputs));
        if (perturbationsPerEval < 1)
            throw new ArgumentOutOfRangeException(nameof(perturbationsPerEval), perturbationsPerEval, $"{Name}: perturbationsPerEval must be at least 1");
        if (nPermutations < 1)
            throw new ArgumentOutOfRangeException(nameof(nPermutations), nPermutations, $"{Name}: nPermutations must be at least 1");
        var rng = SurrogateEngine.Rng(seed);
        var b = (int)inputs.size(0);
        var permutations = new List<long[]>(nPermutations);
        for (var p = 0; p < nPermutations; p++)
        {
            var order = new long[b];
            for (var i = 0; i < b; i++) order[i] = i;
            // As Captum, never the identity: it would attribute 0 to every feature whatever the model.
            do rng.Shuffle(order); while (order.Select((row, i) => row == i).All(same => same));
            permutations.Add(order);
        }
        return Attribute(inputs, target, featureMask, perturbationsPerEval, permutations, cancellationToken);
    }

    /// <summary>
    /// The attributions for given permutations (row b takes the permuted group from row <c>permutation[b]</c>); the public
    /// overload draws them, the tests pass fixed ones.
    /// </summary>
    internal Tensor Attribute(Tensor inputs, Target target, Tensor? featureMask, int perturbationsPerEval, IReadOnlyList<long[]> permutations,
        CancellationToken cancellationToken)
    {
        Checks.Finite(inputs, Name, nameof(inputs));

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = inputs.detach();
        var shape = x.shape;
        var b = shape[0];
        var rank = shape.Length;
        var mask = AblationEngine.ExpandFeatureMask(featureMask, x, Name);
        var (ids, groupIndex) = AblationEngine.Groups(mask);
        var f0 = AblationEngine.Eval(_forward, target, x, Name);
        var accType = AblationEngine.AccumulationType(f0);
        var sum = zeros([b, AttributionArgs.Product(shape[1..])], accType, x.device);

        foreach (var permutation in permutations)
        {
            using var permutationScope = NewDisposeScope();
            var shuffled = x.index_select(0, tensor(permutation, device: x.device));
            for (long start = 0; start < ids.Length; start += perturbationsPerEval)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var chunkScope = NewDisposeScope();
                var k = Math.Min(perturbationsPerEval, ids.Length - start);
                var chunk = arange(start, start + k, device: x.device);
                var groupMask = groupIndex.unsqueeze(1).eq(AttributionArgs.AlongDim1(chunk, rank + 1)); // [B, k, ...]
                var outputs = AblationEngine.EvalMasked(_forward, target, x, shuffled, groupMask, Name);
                var drop = f0.to(accType).unsqueeze(1) - outputs.to(accType);
                sum.add_(AblationEngine.Spread(drop, groupMask));
            }
        }
        return (sum / permutations.Count).reshape(shape).MoveToOuterDisposeScope();
    }
}
