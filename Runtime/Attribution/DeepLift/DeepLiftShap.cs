namespace AttrDsl.Attribution;

/// <summary>
/// DeepLift SHAP (Lundberg &amp; Lee 2017; Captum's <c>DeepLiftShap</c>): the mean of <see cref="DeepLift"/>'s
/// attributions over a background set of references, an approximation of SHAP values whose sum is
/// f(x) − mean_k f(x₀_k) exactly. Follows the model's forward through the decomposition rules, as
/// <see cref="DeepLift"/> does.
/// </summary>
public sealed class DeepLiftShap
{
    private const string AttributeName = "DeepLiftShap.Attribute";
    private const string WithDeltaName = "DeepLiftShap.AttributeWithDelta";
    private readonly DeepLift _deepLift;

    /// <summary>Explains <paramref name="model"/> (in eval mode).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="model"/> was disposed.</exception>
    public DeepLiftShap(nn.Module<Tensor, Tensor> model) => _deepLift = new DeepLift(PairKit.Model(model, nameof(DeepLiftShap)));

    /// <summary>The mean DeepLift attribution over the references, shaped like <paramref name="inputs"/>.</summary>
    /// <param name="inputs">The batch to explain [B, ...], floating point, finite.</param>
    /// <param name="target">Which output to explain.</param>
    /// <param name="baselines">The background set [K, ...] (K ≥ 1, each row shaped like a sample), finite.</param>
    /// <param name="multiplyByInputs">Multiply by (x − x₀) (default); false averages the multipliers alone.</param>
    /// <param name="cancellationToken">Checked before the call and before each reference.</param>
    /// <exception cref="ArgumentException">The inputs or the baselines are empty, not floating point, not finite, or the
    /// baselines' rows are not shaped like a sample.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Tensor Attribute(Tensor inputs, Target target, Tensor baselines, bool multiplyByInputs = true, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var scope = NewDisposeScope();
        return Compute(AttributeName, inputs, target, baselines, multiplyByInputs, cancellationToken).Attributions.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The mean attribution and its convergence delta per sample, δ_b = Σ_i a_i − (f(x_b) − mean_k f(x₀_k)) ([B]),
    /// zero up to rounding.
    /// </summary>
    /// <inheritdoc cref="Attribute(Tensor, Target, Tensor, bool, CancellationToken)"/>
    public (Tensor Attributions, Tensor Delta) AttributeWithDelta(Tensor inputs, Target target, Tensor baselines, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var scope = NewDisposeScope();
        var (a, delta) = Compute(WithDeltaName, inputs, target, baselines, true, cancellationToken);
        return (a.MoveToOuterDisposeScope(), delta.MoveToOuterDisposeScope());
    }

    private (Tensor Attributions, Tensor Delta) Compute(string method, Tensor inputs, Target target, Tensor baselines, bool multiplyByInputs, CancellationToken cancellationToken)
    {
        PathKit.CheckBatch(inputs, target, method);
        ArgumentNullException.ThrowIfNull(baselines);
        Checks.Live(baselines, method, nameof(baselines));
        Checks.FloatingReference(baselines, inputs.dtype, method, nameof(baselines));
        if (baselines.dim() != inputs.dim() || !baselines.shape.Skip(1).SequenceEqual(inputs.shape.Skip(1)) || baselines.size(0) < 1)
            throw new ArgumentException(
                $"{method}: baselines {PathKit.Shape(baselines)} must be a background set [K, {string.Join(", ", inputs.shape.Skip(1))}] of K ≥ 1 rows shaped like a sample of the inputs {PathKit.Shape(inputs)}.", nameof(baselines));
        Checks.Finite(baselines, method, nameof(baselines));
        var k = baselines.size(0);
        Tensor? sum = null, sumDelta = null;
        for (long i = 0; i < k; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var reference = baselines[i].unsqueeze(0);
            var (a, fx, f0) = _deepLift.Compute(method, inputs, target, reference, multiplyByInputs);
            var d = a.flatten(1).sum(1) - (fx - f0);
            sum = sum is null ? a : sum + a;
            sumDelta = sumDelta is null ? d : sumDelta + d;
        }
        return (sum! / k, sumDelta! / k);
    }
}
