using System.Runtime.CompilerServices;
using AttrDsl.Attribution;
using AttrDsl.Internal;
using AttrDsl.Training;

namespace AttrDsl;

/// <summary>
/// The per-model state behind the members that AttrDsl's source generator adds to an
/// <see cref="ExplainableAttribute">[Explainable]</see> model: the background set, the interpolation batches of
/// <c>forward(x, trainEg: true)</c> (so <c>ExpectedGradients(output)</c> can find the batch an output came from) and the
/// trainer of <c>TrainStep</c>/<c>Fit</c>. Generated code holds one in a field; it is public so that generated code in
/// the user's assembly can call it, not for direct use.
/// </summary>
public sealed class ExplainableState
{
    // Output tensor object → the interpolation batch it was computed from. Weak keys: an output the user drops takes
    // its entry with it, so nothing here grows over a training loop.
    private readonly ConditionalWeakTable<Tensor, InterpolationBatch> _batches = new();
    private readonly int _references;
    private readonly TargetSelection _target;
    private Tensor? _background;
    private AttributionPriorTrainer? _trainer;
    private optim.Optimizer? _trainerOptimizer;
    private Tensor? _trainerBackground;
    private IGradientAverager? _averager;
    private long _referenceSeed;
    private bool _trainerStale;

    /// <summary>Creates the state for a model that draws <paramref name="references"/> references per sample.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="references"/> &lt; 1.</exception>
    public ExplainableState(int references, TargetSelection target)
    {
        if (references < 1)
            throw new ArgumentOutOfRangeException(nameof(references), references, "[Explainable(References = k)] needs k ≥ 1 references per sample");
        (_references, _target) = (references, target);
    }

    /// <summary>The background set given to <see cref="UseBackground"/>, or null.</summary>
    public Tensor? Background => _background is { IsInvalid: false } b ? b : null;

    /// <summary>Sets the background set [N, ...] that references are drawn from (usually the training inputs).</summary>
    /// <exception cref="ArgumentException">It is disposed, empty, not floating point, or holds NaN/±Inf.</exception>
    public void UseBackground(Tensor background)
    {
        ArgumentNullException.ThrowIfNull(background);
        const string method = "UseBackground";
        if (background.IsInvalid) throw new ObjectDisposedException(nameof(background), $"{method}: the background set was disposed; pass a live tensor");
        if (background.dim() < 1 || background.size(0) == 0)
            throw new ArgumentException($"{method}: the background set of shape {Format.Shape(background.shape)} holds no samples; pass [N ≥ 1, ...] (usually the training inputs)", nameof(background));
        if (!background.is_floating_point())
            throw new ArgumentException($"{method}: the background set is {background.dtype}; pass floating-point samples shaped like the model's inputs", nameof(background));
        Checks.Finite(background, method, "the background set");
        _background = background;
    }

    /// <summary>
    /// Trains the generated <c>TrainStep</c>/<c>Fit</c> data-parallel with <paramref name="averager"/> (e.g.
    /// <see cref="AttrDsl.ScaleOut.Mpi.MpiCommunicator.World"/>), or in one process again when it is null: see
    /// <see cref="PriorTrainingOptions.GradientAverager"/> and <see cref="PriorTrainingOptions.ReferenceSeed"/>. Every
    /// process then passes the same global batches, trains on its share and applies the same averaged update; the
    /// trainer is rebuilt at the next step, which copies rank 0's weights to every process.
    /// </summary>
    public void UseGradientAverager(IGradientAverager? averager, long referenceSeed = 0)
    {
        (_averager, _referenceSeed, _trainerStale) = (averager, referenceSeed, true);
    }

    /// <summary>
    /// The train-EG forward: draws k references per sample from the background set and α ~ U(0, 1), runs
    /// <paramref name="model"/> on the interpolation batch x' + α(x − x') [B·k, ...] (a fresh leaf that requires grad)
    /// and remembers which batch the output came from.
    /// </summary>
    /// <exception cref="InvalidOperationException">No background set was given (call <c>UseBackground</c> first).</exception>
    public Tensor Forward(nn.Module<Tensor, Tensor> model, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(model);
        Checks.Live(model, $"{model.GetType().Name}.forward(x, trainEg: true)");
        Checks.Live(x, $"{model.GetType().Name}.forward(x, trainEg: true)", nameof(x));
        var background = Background ?? throw new InvalidOperationException(
            $"{model.GetName()}.forward(x, trainEg: true) needs a background set to draw references from: call UseBackground(trainInputs) once before training");
        var batch = InterpolationBatch.Sample(x, background, _references, null, false, $"{model.GetName()}.forward(x, trainEg: true)");
        var output = ModelCall.Call(model, batch.Inputs, $"{model.GetName()}.forward(x, trainEg: true)");
        _batches.AddOrUpdate(output, batch);
        return output;
    }

    /// <summary>
    /// Expected-gradients attributions [B, ...] for an output of <see cref="Forward"/>: the true class of each sample when
    /// <paramref name="labels"/> are given, else as the model's <see cref="ExplainableAttribute.Target"/> says. Keeps the
    /// graph (create_graph), so a loss on the attributions trains the weights.
    /// </summary>
    /// <exception cref="InvalidOperationException">The output did not come from <c>forward(x, trainEg: true)</c> — the
    /// reference implementation silently returns plain gradients at α = 1 then.</exception>
    public Tensor ExpectedGradients(nn.Module<Tensor, Tensor> model, Tensor output, Tensor? labels)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!_batches.TryGetValue(output, out var batch))
            throw new InvalidOperationException(
                $"{model.GetName()}.ExpectedGradients was given an output that forward(x, trainEg: true) did not return (the output of a plain forward(x)?). " +
                "Compute the output with forward(x, trainEg: true) and pass that tensor; expected gradients need the interpolation batch it was computed on.");
        Target target = labels is not null ? Target.PerSample(labels)
            : _target == TargetSelection.Predicted ? Target.Max
            : throw new ArgumentNullException(nameof(labels), $"{model.GetName()} explains the true class ([Explainable(Target = TargetSelection.Label)]): pass the labels");
        return batch.Attributions(output, target, createGraph: true);
    }

    /// <summary>
    /// The trainer of the generated <c>TrainStep</c>/<c>Fit</c>: built on first use and again whenever the optimizer or
    /// the background set or the gradient averager changes (cross-entropy task loss; the priors, schedule and k from the
    /// attributes).
    /// </summary>
    /// <exception cref="InvalidOperationException">No background set was given.</exception>
    public AttributionPriorTrainer Trainer(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, IReadOnlyList<PriorTerm> priors, PriorSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(priors);
        Checks.Live(model, $"{model.GetType().Name}.TrainStep");
        var background = Background ?? throw new InvalidOperationException(
            $"{model.GetName()}.TrainStep trains attribution priors on expected gradients, which draw references from a background set: call UseBackground(trainInputs) once before training");
        if (_trainer is null || _trainerStale || !ReferenceEquals(_trainerOptimizer, optimizer) || !ReferenceEquals(_trainerBackground, background))
        {
            var options = new PriorTrainingOptions
            {
                Priors = priors,
                Background = background,
                References = _references,
                Schedule = schedule,
                TargetFromLabels = _target == TargetSelection.Predicted ? _ => Target.Max : null,
                GradientAverager = _averager,
                ReferenceSeed = _referenceSeed,
            };
            _trainer = new AttributionPriorTrainer(model, static (o, y) => nn.functional.cross_entropy(o, y), optimizer, options);
            (_trainerOptimizer, _trainerBackground, _trainerStale) = (optimizer, background, false);
        }
        return _trainer;
    }
}
