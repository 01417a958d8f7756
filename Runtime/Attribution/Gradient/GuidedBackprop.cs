namespace AttrDsl.Attribution;

/// <summary>
/// Guided backpropagation (Springenberg et al. 2015; Captum's <c>GuidedBackprop</c>): the gradient of the target with
/// every ReLU's backward replaced by relu(gradient) at positive inputs. Every ReLU counts — modules, a module used twice,
/// in-place ReLUs and <c>functional.relu</c> in a forward — because the model is followed through its decomposition rules,
/// not hooked (Captum overrides ReLU modules only).
/// </summary>
public sealed class GuidedBackprop
{
    private readonly nn.Module<Tensor, Tensor> _model;

    /// <summary>Explains <paramref name="model"/> (in eval mode).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="model"/> was disposed.</exception>
    public GuidedBackprop(nn.Module<Tensor, Tensor> model) => _model = PairKit.Model(model, nameof(GuidedBackprop));

    /// <summary>The guided gradient of <paramref name="target"/>, shaped like <paramref name="inputs"/>.</summary>
    /// <param name="inputs">The batch [B, ...], floating point, finite.</param>
    /// <param name="target">Which output to explain.</param>
    /// <param name="cancellationToken">Checked before the call does any work.</param>
    /// <exception cref="ArgumentException">The inputs are empty, not floating point or not finite; per-sample targets do not match.</exception>
    /// <exception cref="Decomposition.UnsupportedModuleException">A module has no rule (its path named).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Tensor Attribute(Tensor inputs, Target target, CancellationToken cancellationToken = default) =>
        Guided.Attribute(_model, inputs, target, deconvolution: false, "GuidedBackprop.Attribute", cancellationToken);
}

/// <summary>
/// Deconvolution (Zeiler &amp; Fergus 2014; Captum's <c>Deconvolution</c>): the gradient of the target with every ReLU's
/// backward replaced by relu(gradient), whatever the ReLU's input. Every ReLU counts, as for <see cref="GuidedBackprop"/>.
/// </summary>
public sealed class Deconvolution
{
    private readonly nn.Module<Tensor, Tensor> _model;

    /// <summary>Explains <paramref name="model"/> (in eval mode).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="model"/> was disposed.</exception>
    public Deconvolution(nn.Module<Tensor, Tensor> model) => _model = PairKit.Model(model, nameof(Deconvolution));

    /// <summary>The deconvolution map of <paramref name="target"/>, shaped like <paramref name="inputs"/>.</summary>
    /// <inheritdoc cref="GuidedBackprop.Attribute(Tensor, Target, CancellationToken)"/>
    public Tensor Attribute(Tensor inputs, Target target, CancellationToken cancellationToken = default) =>
        Guided.Attribute(_model, inputs, target, deconvolution: true, "Deconvolution.Attribute", cancellationToken);
}

internal static class Guided
{
    internal static Tensor Attribute(nn.Module<Tensor, Tensor> model, Tensor inputs, Target target, bool deconvolution, string method, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        PairKit.CheckBatch(inputs, target, method);
        using var scope = NewDisposeScope();
        var x = inputs.detach();
        var (g, _, _) = PairKit.Run(model, new GuidedRules(method, deconvolution), x, PairKit.ZeroReference(x), target, method);
        return g[0].MoveToOuterDisposeScope();
    }
}
