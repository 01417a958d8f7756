using System.Diagnostics;
using AttrDsl.Attribution;
using AttrDsl.Decomposition.Penalties;
using AttrDsl.Priors;
using TorchSharp;
using static TorchSharp.torch;

using AttrDsl.Internal;

namespace AttrDsl.Training;

/// <summary>
/// Trains a model on task loss plus attribution priors: the train steps the attribution-priors papers'
/// users write by hand, and the ones the DSL's generated <c>TrainStep</c> calls.
/// Each step draws k references per sample from the background set with α ~ U(0, 1) per pair, feeds the
/// interpolation batch (a fresh leaf) to the model, takes expected gradients with create_graph, and trains
/// Σ λ·Ω into the weights — alternating with the task step, or summed with it. Everything a step creates
/// lives in its own dispose scope, and gradients are taken with <see cref="AttrDsl.Autograd.GuardedAutograd"/> on the interpolated leaf
/// (never <c>backward(create_graph)</c> on parameters), so no reference cycle or leak builds up across steps.
/// </summary>
/// <remarks>
/// <para>
/// Nothing non-finite ever reaches the weights. Before a step trains anything it checks the batch (NaN/±Inf in the
/// inputs or float labels is reported with the tensor's name and the first bad index), the model's output (null,
/// integer, 0-dim or wrong-row outputs), and that the priors apply to the batch's sample shape; before every
/// <c>optimizer.step()</c> it checks the losses and every gradient it is about to apply, and after it every weight: an
/// update that is itself non-finite (Adam with eps = 0 on an exactly-zero gradient component, an overflowing learning
/// rate, an optimizer subclass's own arithmetic) is undone from a copy taken before the step, weights and optimizer
/// state alike — which costs one extra copy of the parameters and of the optimizer state (Adam: two tensors per
/// parameter) while the step runs. A failing check throws and
/// applies no update: with the summed schedule (and during warm-up) the weights are bitwise as before the step; with
/// the alternating schedule, the task update of the step is complete when the prior phase starts, so a failure there
/// keeps that (finite) task update and applies no prior update — the message says which phase failed.
/// </para>
/// <para>
/// Shape mistakes surface when training is set up, not after the warm-up epochs: with a background set (expected
/// gradients) the priors check its sample shape in the constructor (<see cref="IAttributionPrior.CheckSampleShape"/>,
/// e.g. total variation rejects non-image inputs); without one (input gradients) they check the first batch's shape
/// in <see cref="Step(Tensor, Tensor, int)"/>, before that step trains anything, even in a warm-up epoch.
/// </para>
/// <para>
/// Explanation penalties (<see cref="PriorTrainingOptions.Penalties"/>: CDEP, RRR, the masked expected-gradients
/// penalty) add λ·penalty to the same prior term — same schedule, same warm-up, same checks (a non-scalar, integer,
/// graph-less or non-finite penalty throws before any update). They need the mask of each batch, so with penalties
/// train through <see cref="Step(Tensor, Tensor, Tensor, int)"/> or <see cref="Fit(IEnumerable{ValueTuple{Tensor, Tensor, Tensor}}, int, IProgress{TrainingProgress}?, CancellationToken)"/>;
/// the mask is checked with the batch (shape, NaN/±Inf) before anything trains. Options may hold penalties alone
/// (no priors): the reports then carry no attribution statistics.
/// </para>
/// </remarks>
public sealed class AttributionPriorTrainer
{
    private const string Name = nameof(AttributionPriorTrainer);

    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly Func<Tensor, Tensor, Tensor> _taskLoss;
    private readonly optim.Optimizer _optimizer;
    private readonly optim.Optimizer _priorOptimizer;
    private readonly PriorTrainingOptions _options;
    private readonly Dictionary<Tensor, string> _parameterNames = new(ReferenceEqualityComparer.Instance);
    private bool _secondOrderChecked;
    private long[]? _checkedSampleShape;
    private long _step;
    // The data-parallel step in progress (Step with a BatchShard): keyed reference draws, and the loss weight
    // B·size/N that makes the averaged gradients the global batch's mean-loss gradients.
    private BatchShard? _shard;
    private double _weight = 1;
    private bool _splitGlobalBatch;   // the shard is this process's share of a global batch given to Step or Fit

    /// <summary>Creates the trainer.</summary>
    /// <param name="model">The model being trained.</param>
    /// <param name="taskLoss">Task loss of (output, labels), e.g. <c>(o, y) => functional.cross_entropy(o, y)</c>.</param>
    /// <param name="optimizer">The task optimizer (also used for the prior step unless <paramref name="priorOptimizer"/> is given).</param>
    /// <param name="options">Priors, references, schedule, warm-up.</param>
    /// <param name="priorOptimizer">The prior step's own optimizer (alternating schedule; the seed's TF1 code used two Adams).</param>
    /// <exception cref="ArgumentException">Invalid options; a background set that is empty, holds NaN/±Inf, or whose
    /// samples a prior cannot apply to (e.g. total variation on non-image inputs); a
    /// <see cref="PriorTrainingOptions.GradientAverager"/> with explanation penalties (not trained data-parallel) or with
    /// a rank outside [0, size).</exception>
    /// <remarks>With a <see cref="PriorTrainingOptions.GradientAverager"/> the constructor is a collective call: every
    /// process creates its trainer, and every process's model takes rank 0's parameters and floating-point buffers.</remarks>
    /// <exception cref="ObjectDisposedException">The model or the background set was disposed.</exception>
    public AttributionPriorTrainer(nn.Module<Tensor, Tensor> model, Func<Tensor, Tensor, Tensor> taskLoss, optim.Optimizer optimizer,
        PriorTrainingOptions options, optim.Optimizer? priorOptimizer = null)
    {
        Checks.Live(model, Name, nameof(model));
        ArgumentNullException.ThrowIfNull(taskLoss);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (priorOptimizer is not null && options.Schedule == PriorSchedule.Summed)
            throw new ArgumentException("a separate prior optimizer only applies to the alternating schedule");
        CheckOptimizerTrains(model, optimizer, nameof(optimizer));
        if (priorOptimizer is not null) CheckOptimizerTrains(model, priorOptimizer, nameof(priorOptimizer));
        (_model, _taskLoss, _optimizer, _options) = (model, taskLoss, optimizer, options);
        _priorOptimizer = priorOptimizer ?? optimizer;
        foreach (var (name, parameter) in model.named_parameters()) _parameterNames.TryAdd(parameter, name);

        if (options.Background is { } background)
        {
            Checks.Live(background, Name, "options.Background");
            if (background.dim() < 1 || background.size(0) == 0)
                throw new ArgumentException($"{Name}: the Background set of shape {Format.Shape(background.shape)} is empty (it holds no samples); pass [N ≥ 1, ...] (usually the training inputs)", nameof(options));
            Checks.Finite(background, Name, "the Background set");
            CheckPriorsApply(background.shape[1..], "the Background set's samples");
        }
        if (options.GradientAverager is { } averager) StartDataParallel(averager);
    }

    /// <summary>Raised after every step, with its report.</summary>
    public event Action<StepReport>? StepCompleted;

    /// <summary>Raised by <c>Fit</c> after every epoch (step learning-rate schedulers, evaluate, checkpoint here).</summary>
    public event Action<EpochReport>? EpochCompleted;

    /// <summary>One training step on the batch (<paramref name="x"/>, <paramref name="y"/>) in epoch <paramref name="epoch"/>.</summary>
    /// <exception cref="ArgumentException">The batch is empty, holds NaN/±Inf (the message names the tensor and the first
    /// bad index), has integer inputs, has labels for another number of samples, class labels outside [0, classes) of the
    /// model's output (named with the value and its index), labels the task loss refuses (their shape and dtype, with
    /// libtorch's statement), or has samples the priors or the background set do not fit. Nothing was trained.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="x"/>, <paramref name="y"/> or the trainer's model was disposed. Nothing was trained.</exception>
    /// <exception cref="InvalidOperationException">The model, the task loss or a prior returned something unusable
    /// (null, an integer tensor, the wrong shape, a value without a gradient), or a loss or gradient was NaN/±Inf
    /// (training diverged), or the model's forward failed in libtorch (the message names the failing submodule and the
    /// input's shape). No update with it was applied (see the class remarks for the alternating schedule).</exception>
    /// <exception cref="TrainingDivergedException">An optimizer update made a weight NaN/±Inf although its inputs were finite
    /// (e.g. Adam with eps = 0): the update was undone, weights and optimizer state are bitwise as before it.</exception>
    /// <remarks>With a <see cref="PriorTrainingOptions.GradientAverager"/> (data-parallel training), (<paramref name="x"/>,
    /// <paramref name="y"/>) is the global batch, the same on every process: each process trains on its contiguous share
    /// (<see cref="BatchShard.Split"/> by its rank), gradients are averaged over the processes and every process applies the
    /// same update — as <see cref="StepShard"/> does for a process that loads only its own share. Every process must call it
    /// for every step. <c>Fit</c> steps this way too.</remarks>
    public StepReport Step(Tensor x, Tensor y, int epoch = 0) => StepWithoutMask(x, y, epoch, batch: null);

    /// <summary>
    /// One data-parallel training step: this process's part (<paramref name="x"/>, <paramref name="y"/>) of a global batch,
    /// placed in it by <paramref name="shard"/>. The task loss and Σ λ·Ω (which must be means over the batch's samples, as
    /// cross-entropy and the built-in priors are) are weighted by B·size/N, every gradient is averaged over the processes by
    /// <see cref="PriorTrainingOptions.GradientAverager"/> in one flat buffer after the whole backward pass (second-order
    /// terms included), and each process then applies the same update: the weights stay equal on every process and equal
    /// (up to rounding) to a one-process step on the global batch. Expected-gradient references are drawn per sample from
    /// a generator keyed by <see cref="PriorTrainingOptions.ReferenceSeed"/>, the step and the sample's global index.
    /// The report's losses are the global batch's.
    /// </summary>
    /// <param name="x">This process's inputs [B, ...], the global samples shard.Offset … shard.Offset + B − 1.</param>
    /// <param name="y">Their labels.</param>
    /// <param name="shard">Where the batch lies in the global batch.</param>
    /// <param name="epoch">The epoch (warm-up epochs train the task alone).</param>
    /// <remarks>Every process must call it for every step (the averaging is a collective call). A step that fails on one
    /// process only (bad data there) throws there before the averaging: end that process (mpirun then ends the job) or
    /// abort the job, or the others wait for it.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="shard"/> is null.</exception>
    /// <exception cref="ArgumentException">As <see cref="Step(Tensor, Tensor, int)"/>; also a batch that runs past the
    /// global batch (shard.Offset + B &gt; shard.GlobalCount), or options with explanation penalties. Nothing was trained.</exception>
    /// <exception cref="InvalidOperationException">As <see cref="Step(Tensor, Tensor, int)"/>.</exception>
    public StepReport StepShard(Tensor x, Tensor y, BatchShard shard, int epoch = 0)
    {
        ArgumentNullException.ThrowIfNull(shard);
        Checks.Live(x, $"{Name}.StepShard", nameof(x));
        if (x.dim() >= 1 && shard.Offset + x.size(0) > shard.GlobalCount)
            throw new ArgumentException(
                $"{Name}.StepShard: the batch's {x.size(0)} samples start at global index {shard.Offset} and so run past the global batch of {shard.GlobalCount}; " +
                "give each process the shard of its own samples (BatchShard.Split)", nameof(shard));
        _shard = shard;
        _weight = x.dim() >= 1 ? (double)x.size(0) * (_options.GradientAverager?.Size ?? 1) / shard.GlobalCount : 1;
        try { return StepWithoutMask(x, y, epoch, batch: null); }
        finally { (_shard, _weight) = (null, 1); }
    }

    private StepReport StepWithoutMask(Tensor x, Tensor y, int epoch, int? batch)
    {
        if (_options.Penalties.Count > 0)
            throw new ArgumentException(
                $"{MethodName(epoch, batch)}: the options hold explanation penalties ({string.Join(", ", _options.Penalties.Select(p => p.Penalty.Name))}), " +
                "which need the mask of each batch; call Step(x, y, mask, epoch) or Fit over (inputs, labels, masks) batches", nameof(x));
        return StepCore(x, y, null, epoch, batch, withMask: false);
    }

    // Messages name the public call: the step, or the epoch and batch of Fit.
    /// <summary>"first: NaN at output index [0, 1] of [64, 2]" for a model output with a non-finite value.</summary>
    private static string NonFiniteOutputText(Tensor output)
    {
        var bad = Checks.FirstNonFinite(output)!.Value;
        return $"first: {bad.Value} at output index {bad.IndexText} of {Format.Shape(output)}";
    }

    /// <summary>
    /// An optimizer that holds none of the model's parameters would step other weights and leave this model untrained
    /// without a word (an optimizer built for another model, or before the model's layers were replaced).
    /// </summary>
    private static void CheckOptimizerTrains(nn.Module model, optim.Optimizer optimizer, string name)
    {
        var own = new HashSet<IntPtr>(model.parameters().Select(p => p.Handle));
        if (own.Count == 0) return;
        var held = optimizer.parameters().ToList();
        if (held.Count > 0 && !held.Any(p => own.Contains(p.Handle)))
            throw new ArgumentException(
                $"{Name}: the {name} holds {held.Count} parameters, none of them the model's ({model.GetType().Name}, {own.Count} parameters): it would step another model's weights. " +
                $"Build it from this model's parameters (e.g. optim.Adam(model.parameters())).", name);
    }

    private string MethodName(int epoch, int? batch) =>
        batch is { } b ? $"{Name}.Fit (epoch {epoch}, batch {b}, step {_step})" : $"{Name}.{(_shard is null || _splitGlobalBatch ? "Step" : "StepShard")} (step {_step}, epoch {epoch})";

    /// <summary>
    /// One training step on the batch (<paramref name="x"/>, <paramref name="y"/>) whose explanation penalties
    /// (<see cref="PriorTrainingOptions.Penalties"/>) keep the model away from <paramref name="mask"/>.
    /// </summary>
    /// <param name="x">The inputs [B, ...].</param>
    /// <param name="y">The labels [B] or targets.</param>
    /// <param name="mask">Where the model must not look, 1 inside: [B, ...] shaped like <paramref name="x"/>, or
    /// broadcastable to it (size 1 along the dimensions it does not vary in); used by the penalties only.</param>
    /// <param name="epoch">The epoch (warm-up epochs train the task alone).</param>
    /// <exception cref="ArgumentException">As <see cref="Step(Tensor, Tensor, int)"/>; also a mask that is disposed, does not
    /// fit the inputs, or holds NaN/±Inf. Nothing was trained.</exception>
    /// <exception cref="InvalidOperationException">As <see cref="Step(Tensor, Tensor, int)"/>, including a penalty that
    /// returned something unusable or non-finite. No update with it was applied.</exception>
    public StepReport Step(Tensor x, Tensor y, Tensor mask, int epoch = 0)
    {
        ArgumentNullException.ThrowIfNull(mask);
        return StepCore(x, y, mask, epoch, batch: null, withMask: true);
    }

    private StepReport StepCore(Tensor x, Tensor y, Tensor? rawMask, int epoch, int? batch, bool withMask)
    {
        var method = MethodName(epoch, batch);
        if (epoch < 0)
            throw new ArgumentOutOfRangeException(nameof(epoch), epoch, $"{method}: epoch must be 0 or more (it decides the warm-up: epochs below WarmupEpochs train the task alone)");
        if (withMask) Checks.Live(rawMask, method, "mask");
        if (_options.GradientAverager is { } averager && _shard is null) return GlobalBatchStep(averager, x, y, rawMask, epoch, batch, withMask, method);
        CheckBatch(x, y, method);

        using var scope = NewDisposeScope();
        // The mask is checked with the batch, before anything trains (shape, NaN/±Inf), and brought to x's dtype and device.
        var mask = rawMask is null ? null : PenaltyMasks.Check(x, rawMask, method);
        _model.train();
        var withPrior = epoch >= _options.WarmupEpochs;
        double task, prior = 0;
        Dictionary<string, double> parts = [];
        AttributionStats? stats = null;
        try
        {
            // Before the first update with a prior: every operation on the prior's path needs a second derivative.
            if (withPrior && !_secondOrderChecked) CheckSecondOrder(x, y, mask, method);
            if (!withPrior || _options.Schedule == PriorSchedule.Alternating)
            {
                _optimizer.zero_grad();
                var loss = TaskLoss(x, y, method, out task);
                (_weight == 1 ? loss : loss * _weight).backward(retain_graph: false);
                const string none = "No weights were updated by this step.";
                var phase = withPrior ? "task phase" : "task step";
                task = AverageGradients(_optimizer, [task], null)[0];
                CheckGradients(_optimizer, phase, method, none);
                ApplyUpdate(_optimizer, phase, method, none);
                if (withPrior)
                {
                    const string applied = "The step's task update (alternating schedule) was applied; its prior update was not.";
                    _priorOptimizer.zero_grad();
                    var (omega, attr) = PriorLoss(x, y, mask, parts, method, applied, out prior);
                    Backward(_weight == 1 ? omega : omega * _weight, _priorOptimizer);
                    prior = AverageGradients(_priorOptimizer, [prior], parts)[0];
                    CheckGradients(_priorOptimizer, "prior phase", method, applied);
                    ApplyUpdate(_priorOptimizer, "prior phase", method, applied);
                    stats = _options.ComputeStatistics && attr is not null ? Stats(attr) : null;
                }
            }
            else
            {
                const string applied = "No weights were updated by this step.";
                _optimizer.zero_grad();
                var loss = TaskLoss(x, y, method, out task);
                var (omega, attr) = PriorLoss(x, y, mask, parts, method, applied, out prior);
                Backward(_weight == 1 ? loss + omega : (loss + omega) * _weight, _optimizer);
                var averaged = AverageGradients(_optimizer, [task, prior], parts);
                (task, prior) = (averaged[0], averaged[1]);
                CheckGradients(_optimizer, "task + prior", method, applied);
                ApplyUpdate(_optimizer, "task + prior", method, applied);
                stats = _options.ComputeStatistics && attr is not null ? Stats(attr) : null;
            }
        }
        catch
        {
            // Gradients of a failed step must not leak into the next one (or into a caller's own optimizer step).
            _optimizer.zero_grad();
            _priorOptimizer.zero_grad();
            throw;
        }
        var report = new StepReport(epoch, _step++, task, prior, parts, stats);
        StepCompleted?.Invoke(report);
        return report;
    }

    /// <summary>
    /// Data-parallel step on a global batch that every process holds (<see cref="Step(Tensor, Tensor, int)"/>, <c>Fit</c>,
    /// the generated <c>TrainStep</c>/<c>Fit</c>): this process trains on its contiguous share
    /// (<see cref="BatchShard.Split"/> by its rank). The whole global batch is checked first, on every process: bad data
    /// then fails every process alike, before any collective call, instead of one process while the others wait for it in
    /// the all-reduce.
    /// </summary>
    private StepReport GlobalBatchStep(IGradientAverager averager, Tensor x, Tensor y, Tensor? rawMask, int epoch, int? batch, bool withMask, string method)
    {
        CheckBatch(x, y, method);
        var global = x.size(0);
        var (shard, count) = BatchShard.Split(global, averager.Rank, averager.Size);
        if (shard is null)
            throw new ArgumentException(
                $"{method}: the global batch holds {global} sample{(global == 1 ? "" : "s")} for {averager.Size} processes, so process {averager.Rank} would get none; " +
                $"every process trains on at least one sample: use batches of at least {averager.Size} samples (or fewer processes)", nameof(x));
        using var scope = NewDisposeScope();
        var xs = x.narrow(0, shard.Offset, count);
        var ys = y.narrow(0, shard.Offset, count);
        // A mask of one row per sample is split with the batch; one that broadcasts along the batch (size 1) is shared.
        var mask = rawMask is { } m && m.dim() >= 1 && m.size(0) == global && global > 1 ? m.narrow(0, shard.Offset, count) : rawMask;
        (_shard, _weight, _splitGlobalBatch) = (shard, (double)count * averager.Size / global, true);
        try { return StepCore(xs, ys, mask, epoch, batch, withMask); }
        finally { (_shard, _weight, _splitGlobalBatch) = (null, 1, false); }
    }

    /// <summary>
    /// Trains for <paramref name="epochs"/> epochs over <paramref name="batches"/> — any re-enumerable sequence of
    /// (inputs, labels) pairs, e.g. <see cref="AttrDsl.Data.Batches"/> or a projection of TorchSharp's DataLoader.
    /// Draws nothing: <paramref name="progress"/>, when given, gets a <see cref="TrainingProgress"/> after every step.
    /// </summary>
    /// <param name="batches">The batches of one epoch, enumerated once per epoch.</param>
    /// <param name="epochs">Passes over <paramref name="batches"/> (at least 1).</param>
    /// <param name="progress">Told after every step, synchronously on the training thread (so a handler may cancel
    /// <paramref name="cancellationToken"/> and training stops after that step); null reports nothing. A
    /// <see cref="Progress{T}"/> posts its reports to a synchronization context or the thread pool instead, so they may
    /// arrive after later steps.</param>
    /// <param name="cancellationToken">Checked before every step: once it is cancelled, no further step starts and
    /// <see cref="OperationCanceledException"/> is thrown. The weights and the optimizer's state are those after the last
    /// completed step (a step is never stopped half-way); epochs that completed have raised <see cref="EpochCompleted"/>.</param>
    /// <returns>One report per epoch.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="batches"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epochs"/> is below 1.</exception>
    /// <exception cref="ArgumentException">An epoch got no batches; or a batch is invalid, as for <see cref="Step(Tensor, Tensor, int)"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public List<EpochReport> Fit(IEnumerable<(Tensor Inputs, Tensor Labels)> batches, int epochs,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(batches);
        return FitCore(batches, BatchCount(batches), epochs, progress, cancellationToken,
            (batch, epoch, index) => StepWithoutMask(batch.Inputs, batch.Labels, epoch, index));
    }

    /// <summary>
    /// Trains for <paramref name="epochs"/> epochs over (inputs, labels, masks) batches — what the explanation
    /// penalties (<see cref="PriorTrainingOptions.Penalties"/>) need: each step is
    /// <see cref="Step(Tensor, Tensor, Tensor, int)"/>. E.g. <c>DecoySet.ToMaskedBatches</c> of the DecoyMNIST sample data.
    /// </summary>
    /// <inheritdoc cref="Fit(IEnumerable{ValueTuple{Tensor, Tensor}}, int, IProgress{TrainingProgress}?, CancellationToken)"/>
    public List<EpochReport> Fit(IEnumerable<(Tensor Inputs, Tensor Labels, Tensor Masks)> batches, int epochs,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(batches);
        var count = batches is IReadOnlyCollection<(Tensor, Tensor, Tensor)> collection ? collection.Count
            : batches.TryGetNonEnumeratedCount(out var n) ? n : 0;
        return FitCore(batches, count, epochs, progress, cancellationToken,
            (batch, epoch, index) => StepCore(batch.Inputs, batch.Labels, batch.Masks, epoch, index, withMask: true));
    }

    private List<EpochReport> FitCore<TBatch>(IEnumerable<TBatch> batches, long count, int epochs, IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken, Func<TBatch, int, int, StepReport> step)
    {
        if (epochs < 1)
            throw new ArgumentOutOfRangeException(nameof(epochs), epochs, $"{Name}.Fit: epochs must be at least 1, got {epochs}");
        var reports = new List<EpochReport>();
        var clock = Stopwatch.StartNew();
        long? perEpoch = count > 0 ? count : null;   // a one-shot sequence's length is known after its first epoch
        long done = 0;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            var sw = Stopwatch.StartNew();
            double taskSum = 0, priorSum = 0;
            var steps = 0;
            foreach (var batch in batches)
            {
                // Between steps only: a step either completes (and is reported) or never starts.
                cancellationToken.ThrowIfCancellationRequested();
                var r = step(batch, epoch, steps);
                taskSum += r.TaskLoss;
                priorSum += r.PriorLoss;
                steps++;
                done++;
                if (progress is not null) progress.Report(Progress(r, epoch, epochs, steps, perEpoch, taskSum, priorSum, done, clock.Elapsed));
            }
            // An epoch without a batch trains nothing and reports NaN-free zeros: it is a mistake (an exhausted
            // enumerator, an empty data set), so it is said, not reported as a trained epoch.
            if (steps == 0)
                throw new ArgumentException($"{Name}.Fit: batches is empty (epoch {epoch + 1} got no batches); pass a non-empty data set, and a collection rather than a one-shot enumerator when training for several epochs", nameof(batches));
            perEpoch ??= steps;
            var report = new EpochReport(epoch, steps, taskSum / Math.Max(1, steps), priorSum / Math.Max(1, steps), sw.Elapsed.TotalSeconds);
            reports.Add(report);
            EpochCompleted?.Invoke(report);
        }
        return reports;
    }

    /// <summary>The progress after a step: epoch means so far, the call's rate, and the time left at that rate.</summary>
    private static TrainingProgress Progress(StepReport last, int epoch, int epochs, int steps, long? perEpoch, double taskSum, double priorSum,
        long done, TimeSpan elapsed)
    {
        var seconds = elapsed.TotalSeconds;
        var rate = seconds > 0 ? done / seconds : 0;
        TimeSpan? remaining = null;
        if (perEpoch is { } n && rate > 0)
        {
            var left = Math.Max(0, (epochs - epoch - 1) * n + Math.Max(0, n - steps));
            remaining = TimeSpan.FromSeconds(left / rate);
        }
        return new TrainingProgress(epoch, epochs, steps, perEpoch, taskSum / steps, priorSum / steps, rate, elapsed, remaining, last);
    }

    /// <summary>Batches per epoch when known without enumerating (<see cref="AttrDsl.Data.Batches"/>, lists, a DataLoader's projection); else 0.</summary>
    internal static long BatchCount(IEnumerable<(Tensor Inputs, Tensor Labels)> batches) =>
        batches is IReadOnlyCollection<(Tensor, Tensor)> collection ? collection.Count
        : batches.TryGetNonEnumeratedCount(out var n) ? n : 0;

    // ------------------------------------------------------------------ checks before anything trains

    /// <summary>The batch rules, before any forward pass: live, non-empty, aligned, finite, and shaped as the priors and background need.</summary>
    private void CheckBatch(Tensor x, Tensor y, string method)
    {
        Checks.Live(x, method, nameof(x));
        Checks.Live(y, method, nameof(y));
        // The model given to the constructor may have been disposed since (a 'using' that ended): say so, not "empty handle".
        Checks.Live(_model, method, "model");
        Checks.NotEmpty(x, method, nameof(x));
        if (x.dim() < 1) throw new ArgumentException($"{method}: x is a 0-dim tensor; pass a batch of inputs [B, ...]", nameof(x));
        if (!x.is_floating_point())
            throw new ArgumentException(
                $"{method}: the inputs x are a {x.dtype} tensor of shape {Format.Shape(x.shape)}; the priors and penalties differentiate the model " +
                "with respect to its inputs, which needs floating-point values. Convert them (x.to(ScalarType.Float32)) — token ids and other " +
                "indices cannot be trained with input attributions.", nameof(x));
        if (y.dim() < 1 || y.size(0) != x.size(0))
            throw new ArgumentException(
                $"{method}: the labels y of shape {Format.Shape(y.shape)} give {(y.dim() < 1 ? "no rows (a 0-dim tensor)" : $"{y.size(0)} row{(y.size(0) == 1 ? "" : "s")}")} " +
                $"for the {x.size(0)} samples of the inputs x {Format.Shape(x.shape)}; pass one label per sample (y.size(0) == x.size(0)), from the same batch", nameof(y));

        var sampleShape = x.shape[1..];
        if (_checkedSampleShape is null || !_checkedSampleShape.AsSpan().SequenceEqual(sampleShape))
        {
            if (_options.Source == AttributionSource.ExpectedGradients && _options.Background is { } background &&
                !background.shape.AsSpan(1).SequenceEqual(sampleShape))
                throw new ArgumentException(
                    $"{method}: the inputs' samples have shape {Format.Shape(sampleShape)} but the Background set's have {Format.Shape(background.shape[1..])} " +
                    $"(Background {Format.Shape(background.shape)}); expected gradients draw references from it, so both must hold samples of one shape", nameof(x));
            CheckPriorsApply(sampleShape, "the inputs' samples");
            _checkedSampleShape = sampleShape;
        }

        // NaN/Inf in a batch would reach every weight through the first update; naming the tensor and index here
        // points at the data rather than at the learning rate. One reduction per tensor and step.
        Checks.Finite(x, method, "inputs");
        Checks.Finite(y, method, "labels");
    }

    private void CheckPriorsApply(long[] sampleShape, string what)
    {
        foreach (var term in _options.Priors)
        {
            try { term.Prior.CheckSampleShape(sampleShape); }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{Name}: {what} do not fit the {term.Prior.Name} prior: {e.Message}", e);
            }
        }
    }

    // ------------------------------------------------------------------ losses

    /// <summary>
    /// Integer labels of a model with one output per class are class indices — the task loss's and, by default, the
    /// attribution target's: each must lie in [0, classes). Checked after the forward pass (which tells the number of
    /// classes) and before the loss, so a bad label is named with its index instead of failing inside libtorch.
    /// </summary>
    private static void CheckClassLabels(Tensor output, Tensor y, string method)
    {
        if (y.dim() != 1 || output.dim() != 2 || y.dtype is not (ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte))
            return;
        var classes = output.size(1);
        if (Checks.First(y, v => v.lt(0).logical_or(v.ge(classes))) is not { } bad) return;
        throw new ArgumentException(
            $"{method}: the labels y hold {bad.Value} at index [{bad.Flat}]{(bad.Count > 1 ? $" ({bad.Count} labels are out of range)" : "")}, but the model gives {classes} " +
            $"outputs per sample, so class labels must lie in [0, {classes - 1}]. Fix the labels (class indices count from 0) or the size of the model's last layer. " +
            "No weights were updated by this step.", nameof(y));
    }

    /// <summary>A libtorch error inside the user's task loss: the labels (the only other thing it gets) and the output, described.</summary>
    private static ArgumentException TaskLossFailed(Exception e, Tensor output, Tensor y, string method)
    {
        var statement = LibTorch.Statement(e);
        var classLoss = statement.Contains("Long", StringComparison.Ordinal) || statement.Contains("class probabilities", StringComparison.Ordinal);
        var advice = y.is_floating_point() && classLoss
            ? $"a class loss (cross_entropy, nll_loss) takes int64 class indices: pass the labels as y.to(ScalarType.Int64), or use a loss for {y.dtype} targets"
            : LibTorch.Advice(statement) is { } known && !known.Contains("model's weights", StringComparison.Ordinal)
                ? known
                : "pass labels the task loss accepts: int64 class indices [B] for cross_entropy, targets shaped like the output for regression losses";
        return new ArgumentException(
            $"{method}: the task loss failed on labels y of shape {Format.Shape(y.shape)} ({y.dtype}) and the model's output of shape " +
            $"{Format.Shape(output.shape)} ({output.dtype}): {statement}. What to do: {advice}. No weights were updated by this step.", nameof(y), e);
    }


    private Tensor TaskLoss(Tensor x, Tensor y, string method, out double value)
    {
        var output = Checks.Output(ModelCall.Call(_model, x, method), x.size(0), method, requireFinite: false);
        CheckClassLabels(output, y, method);
        Tensor? raw;
        try { raw = _taskLoss(output, y); }
        catch (Exception e) when (LibTorch.IsNative(e)) { throw TaskLossFailed(e, output, y, method); }
        var loss = Scalar(raw, "the task loss", method);
        value = loss.ToDouble();
        if (!double.IsFinite(value))
            throw Diverged(method, Checks.AllFinite(output)
                ? $"the task loss is {value}"
                : $"the task loss is {value} because the model's output holds NaN or ±Inf ({NonFiniteOutputText(output)})", "No weights were updated by this step.");
        return loss;
    }

    /// <summary>
    /// Σ λ·Ω on the batch's attributions plus Σ λ·penalty of the explanation penalties (differentiable in the weights),
    /// and the attributions (null when there are no priors).
    /// </summary>
    private (Tensor Loss, Tensor? Attributions) PriorLoss(Tensor x, Tensor y, Tensor? mask, Dictionary<string, double> parts, string method, string applied, out double value)
    {
        Tensor? total = null;
        value = 0;
        Tensor? attributions = null;
        if (_options.Priors.Count > 0)
            (total, attributions) = AttributionPriorLoss(x, y, parts, method, applied, ref value);
        foreach (var term in _options.Penalties)
        {
            var name = term.Penalty.Name;
            var penalty = Scalar(term.Penalty.Loss(_model, x, y, mask!), $"the {name} penalty", method);
            var v = penalty.ToDouble();
            parts[name] = v;
            if (!double.IsFinite(v))
                throw Diverged(method, $"the {name} penalty is {v}", applied);
            var weighted = penalty * term.Lambda;
            total = total is null ? weighted : total + weighted;
            value += v * term.Lambda;
        }
        if (!double.IsFinite(value))
            throw Diverged(method, $"Σ λ·Ω + Σ λ·penalty is {value}", applied);
        return (total!, attributions);
    }

    /// <summary>Σ λ·Ω of the attribution priors on the batch's attributions, and the attributions.</summary>
    private (Tensor Loss, Tensor Attributions) AttributionPriorLoss(Tensor x, Tensor y, Dictionary<string, double> parts, string method, string applied, ref double value)
    {
        var target = _options.TargetFromLabels?.Invoke(y)
            ?? (y.dtype is ScalarType.Int64 or ScalarType.Int32 ? Target.PerSample(y) : Target.Output);
        Tensor attributions;
        if (_options.Source == AttributionSource.ExpectedGradients)
        {
            var batch = _shard is { } shard
                ? KeyedReferences.Sample(x, _options.Background!, _options.References, _options.ReferenceSeed, _step, shard.Offset, method)
                : InterpolationBatch.Sample(x, _options.Background!, _options.References, null, false, method);
            var output = Checks.Output(ModelCall.Call(_model, batch.Inputs, method), batch.Inputs.size(0), method, requireFinite: false);
            attributions = batch.Attributions(output, target, createGraph: true);
        }
        else
        {
            attributions = Gradients.Of(t => Checks.Output(ModelCall.Call(_model, t, method), t.size(0), method, requireFinite: false), x, target, createGraph: true, method, requireFinite: false, inputChecked: true);
        }
        var context = new PriorContext(x, y);
        Tensor? total = null;
        foreach (var term in _options.Priors)
        {
            // A CustomPrior's lambda runs raw here: this step checks every Ω itself (Scalar, then the divergence check
            // below), with messages that name the prior and keep the weights unchanged.
            var raw = term.Prior is CustomPrior custom ? custom.Compute(attributions, context) : term.Prior.Loss(attributions, context);
            var omega = Scalar(raw, $"the {term.Prior.Name} prior's Ω", method);
            var v = omega.ToDouble();
            parts[term.Prior.Name] = v;
            if (!double.IsFinite(v))
                throw Diverged(method, $"the {term.Prior.Name} prior's Ω is {v}", applied);
            var weighted = omega * term.Lambda;
            total = total is null ? weighted : total + weighted;
            value += v * term.Lambda;
        }
        if (!double.IsFinite(value))
            throw Diverged(method, $"Σ λ·Ω is {value}", applied);
        return (total!, attributions);
    }

    /// <summary>A loss must be one floating-point value that carries a gradient to the weights.</summary>
    private static Tensor Scalar(Tensor? loss, string what, string method)
    {
        if (loss is null)
            throw new InvalidOperationException($"{method}: {what} is null; return it as a 0-dim floating-point tensor (e.g. a mean over the batch)");
        if (loss.IsInvalid)
            throw new InvalidOperationException($"{method}: {what} was disposed before the trainer could use it; don't dispose it (or move it out of your dispose scope)");
        if (!loss.is_floating_point())
            throw new InvalidOperationException($"{method}: {what} is a {loss.dtype} tensor; it must be floating point so it can be differentiated (no argmax, counts or casts to integers)");
        if (loss.numel() != 1)
            throw new InvalidOperationException($"{method}: {what} has shape {Format.Shape(loss.shape)}; it must be one value (reduce it with mean() or sum())");
        if (!loss.requires_grad)
            throw new InvalidOperationException(
                $"{method}: {what} does not depend on the model's weights (it carries no gradient); compute it from the model's output or the " +
                "attributions with differentiable operations — not under no_grad(), not via detach(), item() or ToArray()");
        return loss;
    }

    /// <summary>
    /// A prior trains through the gradient of the model (a second derivative), and libtorch has none for some operations
    /// (e.g. <c>aten::hardsigmoid_backward</c>, behind Hardsigmoid and Hardswish). One prior loss on two rows of the first
    /// batch is backpropagated before any update: an operation without a second derivative fails here, with an error that
    /// names it, the modules that use it and what to do, and nothing has been trained. Its gradients are discarded.
    /// </summary>
    private void CheckSecondOrder(Tensor x, Tensor y, Tensor? mask, string method)
    {
        using var scope = NewDisposeScope();
        var rows = Math.Min(2, x.size(0));
        var (xs, ys) = (x.narrow(0, 0, rows), y.narrow(0, 0, rows));
        var ms = mask is null ? null : mask.size(0) == x.size(0) ? mask.narrow(0, 0, rows) : mask;
        const string none = "No weights were updated by this step.";
        // The probe draws expected-gradient references like a step does: the generator's state is restored after it, so
        // training draws exactly what it would have drawn without the probe.
        using var rngState = get_rng_state().DetachFromDisposeScope();
        try
        {
            var (omega, _) = PriorLoss(xs, ys, ms, [], method, none, out _);
            Backward(omega, _priorOptimizer);
        }
        catch (Exception e) when (e is not System.Runtime.InteropServices.ExternalException || MissingSecondDerivative(e.Message) is null)
        {
            // Any other problem (a prior that returns something unusable, a non-finite penalty) is reported by the step
            // itself, in its own terms and at its own phase: the probe only looks for missing second derivatives.
            return;
        }
        catch (System.Runtime.InteropServices.ExternalException e) when (MissingSecondDerivative(e.Message) is { } op)
        {
            var users = ModulesUsing(op);
            throw new NotSupportedException(
                $"{method}: the prior trains through the model's gradient, and libtorch has no second derivative for {op}" +
                (users.Count > 0 ? $", used by {string.Join(", ", users.Take(5))}{(users.Count > 5 ? $" and {users.Count - 5} more" : "")}" : " (an operation in the model's forward)") +
                ". Replace it with an operation that has one (Sigmoid for Hardsigmoid, SiLU for Hardswish, ReLU or Softplus for " +
                "piecewise functions), or train this model without the prior. No weights were updated.",
                e);
        }
        finally
        {
            _priorOptimizer.zero_grad();
            _optimizer.zero_grad();
            set_rng_state(rngState);
        }
        _secondOrderChecked = true;
    }

    // libtorch's "derivative for aten::hardsigmoid_backward is not implemented": the operation, or null.
    private static string? MissingSecondDerivative(string message)
    {
        var match = System.Text.RegularExpressions.Regex.Match(message, @"derivative for (aten::\w+) is not implemented");
        return match.Success ? match.Groups[1].Value : null;
    }

    // The model's modules whose type is named after the operation (aten::hardsigmoid_backward → Hardsigmoid, and the
    // Hardswish that is built on it), as "path (Type)".
    private List<string> ModulesUsing(string op)
    {
        var name = op.Substring(op.IndexOf("::", StringComparison.Ordinal) + 2).Replace("_backward", "").Replace("_", "");
        var names = name == "hardsigmoid" ? new[] { "hardsigmoid", "hardswish" } : [name];
        return _model.named_modules()
            .Where(m => names.Contains(m.module.GetType().Name.ToLowerInvariant()))
            .Select(m => $"{(m.name.Length == 0 ? "(model)" : m.name)} ({m.module.GetType().Name})")
            .ToList();
    }

    /// <summary>
    /// Backpropagates <paramref name="loss"/> into the gradients of the optimizer's parameters only. Naming them as the
    /// backward pass's inputs lets autograd skip what nothing will use — the gradient with respect to the interpolated
    /// input leaf in the double-backward graph of a prior step (2–3 ms of a 50 ms MNIST CNN step) — and leaves every
    /// other tensor's <c>.grad</c> alone.
    /// </summary>
    private static void Backward(Tensor loss, optim.Optimizer optimizer)
    {
        var trainable = optimizer.parameters().Where(p => p.requires_grad).Cast<Tensor>().ToList();
        if (trainable.Count == 0)
            throw new InvalidOperationException($"{Name}: the optimizer holds no parameter that requires grad; build it from model.parameters()");
        autograd.backward([loss], retain_graph: false, inputs: trainable);
    }

    // ------------------------------------------------------------------ data parallel

    /// <summary>
    /// Data-parallel training: after the whole backward pass, every gradient of the optimizer's parameters is averaged
    /// over the processes in ONE flat buffer (one all-reduce per optimizer step: its latency, not the number of
    /// parameters, sets the cost), with the step's reported loss values appended (weighted like the losses, so their
    /// averages are the global batch's). Returns the averaged values and updates <paramref name="parts"/> alike; with no
    /// averager, returns <paramref name="values"/> unchanged. A parameter without a gradient takes part as zeros and
    /// keeps none.
    /// </summary>
    private double[] AverageGradients(optim.Optimizer optimizer, double[] values, Dictionary<string, double>? parts)
    {
        if (_options.GradientAverager is not { } averager) return values;
        var keys = parts?.Keys.ToArray() ?? [];
        // Two checks travel with the values, unweighted: the global batch size and the step number (mod 2¹⁶, exact in
        // float32 for any job size). Their mean equals a process's own value on every process only when all agree, so a
        // process that sized its global batch differently or skipped a step (caught an exception and went on) is found at
        // the next all-reduce, before anything is applied, instead of training on silently mismatched gradients.
        var globalCount = _shard?.GlobalCount ?? 0;
        var stepKey = _step % 65536;
        var extra = values.Select(v => v * _weight).Concat(keys.Select(k => parts![k] * _weight)).Append(globalCount).Append(stepKey).ToArray();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var parameters = optimizer.parameters().Where(p => p.requires_grad).Cast<Tensor>().ToList();
        var wide = parameters.Any(p => p.dtype == ScalarType.Float64);
        var dtype = wide ? ScalarType.Float64 : ScalarType.Float32;
        var pieces = parameters.Select(p => p.grad is { IsInvalid: false } g ? g.detach().reshape(-1).to(dtype, CPU) : zeros(p.numel(), dtype)).ToList();
        pieces.Add(tensor(extra).to(dtype));
        var flat = cat(pieces, 0).contiguous();
        if (wide)
        {
            var buffer = flat.data<double>().ToArray();
            averager.AverageInPlace(buffer);
            flat = tensor(buffer);
        }
        else
        {
            var buffer = flat.data<float>().ToArray();
            averager.AverageInPlace(buffer);
            flat = tensor(buffer);
        }
        long at = 0;
        foreach (var p in parameters)
        {
            var n = p.numel();
            if (p.grad is { IsInvalid: false } g) g.copy_(flat.narrow(0, at, n).view(p.shape));
            at += n;
        }
        var averaged = flat.narrow(0, at, extra.Length).to(ScalarType.Float64).data<double>().ToArray();
        var (meanCount, meanStep) = (averaged[^2], averaged[^1]);
        if (Math.Abs(meanCount - globalCount) > 1e-3 * Math.Max(1, globalCount) || Math.Abs(meanStep - stepKey) > 1e-3)
            throw new InvalidOperationException(
                $"{Name}: the processes of the data-parallel job are out of step: this process (rank {averager.Rank} of {averager.Size}) is at step {_step} " +
                $"with a global batch of {globalCount} samples, but the mean over the processes is step {meanStep:0.###} (mod 65536) with {meanCount:0.###} samples. " +
                "Every process must run every step on the same global batch (the same BatchShard.GlobalCount); a process that caught an exception " +
                "must end (or abort the job) rather than go on. No update was applied.");
        for (var i = 0; i < keys.Length; i++) parts![keys[i]] = averaged[values.Length + i];
        return averaged[..values.Length];
    }

    /// <summary>
    /// Data-parallel set-up, when the trainer is created: explanation penalties are refused (their masks and draws are not
    /// keyed by sample, so a split batch would train something else than the whole), and every process starts from rank 0's
    /// parameters and floating-point buffers (one broadcast), as DistributedDataParallel does, so that processes whose
    /// models were initialised differently still step identically.
    /// </summary>
    private void StartDataParallel(IGradientAverager averager)
    {
        if (averager.Size < 1 || averager.Rank < 0 || averager.Rank >= averager.Size)
            throw new ArgumentException($"{Name}: the GradientAverager says rank {averager.Rank} of {averager.Size}; a job has at least 1 process and ranks 0 to size − 1", "options");
        if (_options.Penalties.Count > 0)
            throw new ArgumentException(
                $"{Name}: explanation penalties ({string.Join(", ", _options.Penalties.Select(p => p.Penalty.Name))}) are not trained data-parallel; " +
                "train them in one process (no GradientAverager), or train the priors alone data-parallel", "options");
        if (averager.Size == 1) return;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var tensors = _model.parameters().Cast<Tensor>().Concat(_model.buffers()).Where(t => t.is_floating_point()).ToList();
        if (tensors.Count == 0) return;
        var wide = tensors.Any(t => t.dtype == ScalarType.Float64);
        var dtype = wide ? ScalarType.Float64 : ScalarType.Float32;
        var flat = cat(tensors.Select(t => t.detach().reshape(-1).to(dtype, CPU)).ToList(), 0).contiguous();
        if (wide)
        {
            var buffer = flat.data<double>().ToArray();
            averager.BroadcastInPlace(buffer);
            flat = tensor(buffer);
        }
        else
        {
            var buffer = flat.data<float>().ToArray();
            averager.BroadcastInPlace(buffer);
            flat = tensor(buffer);
        }
        long at = 0;
        foreach (var t in tensors)
        {
            var n = t.numel();
            t.copy_(flat.narrow(0, at, n).view(t.shape));
            at += n;
        }
    }

    // ------------------------------------------------------------------ divergence

    /// <summary>
    /// Checks every gradient the optimizer is about to apply, with one read-back for all of them; on a NaN/±Inf names
    /// the first parameter that has one.
    /// </summary>
    private void CheckGradients(optim.Optimizer optimizer, string phase, string method, string applied)
    {
        CheckOptions(optimizer, phase, method, applied);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var parameters = optimizer.parameters().ToList();
        var withGrad = parameters.Where(p => p.grad is { IsInvalid: false }).ToList();
        if (withGrad.Count == 0) return;
        var finite = stack(withGrad.Select(p => p.grad!.isfinite().all()).ToArray());
        if (finite.all().item<bool>()) return;
        var flags = finite.ToArray<bool>();
        var bad = withGrad[Array.IndexOf(flags, false)];
        var name = _parameterNames.TryGetValue(bad, out var n) ? $"'{n}'" : $"#{parameters.IndexOf(bad)} of the optimizer";
        var count = bad.grad!.isfinite().logical_not().sum().item<long>();
        throw Diverged(method, $"the {phase} gradient of parameter {name} {Format.Shape(bad.shape)} holds {count} NaN/±Inf value{(count == 1 ? "" : "s")} although the losses are finite", applied);
    }

    /// <summary>
    /// Runs <c>optimizer.step()</c> and refuses an update that made a weight non-finite although the losses, gradients
    /// and settings it was given were finite — Adam with <c>eps = 0</c> dividing an exactly-zero gradient component by
    /// zero, a learning rate large enough to overflow, an optimizer subclass's own arithmetic. Before the step, everything
    /// it may change (parameter values and the optimizer's state) is copied (<see cref="OptimizerSnapshot"/>: one extra copy
    /// of the parameters and of the optimizer state, on their device, for the duration of the step); after it, every
    /// parameter is checked with one read-back. On a non-finite weight the copies are written back in place, so the weights
    /// and the optimizer state are bitwise as before the step, and the error names the parameter, the element and the optimizer.
    /// </summary>
    private void ApplyUpdate(optim.Optimizer optimizer, string phase, string method, string applied)
    {
        using var snapshot = OptimizerSnapshot.Take(optimizer);
        optimizer.step();

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var parameters = optimizer.parameters().Where(p => p is { IsInvalid: false }).Cast<Tensor>().ToList();
        if (parameters.Count == 0) return;
        var finite = stack(parameters.Select(p => p.isfinite().all()).ToArray());
        if (finite.all().item<bool>()) return;

        var bad = parameters[Array.IndexOf(finite.ToArray<bool>(), false)];
        var (count, _, index, value) = Checks.FirstNonFinite(bad)!.Value;
        var name = _parameterNames.TryGetValue(bad, out var n) ? $"'{n}'" : $"#{parameters.IndexOf(bad)} of the optimizer";
        var type = optimizer.GetType().Name;
        snapshot.Restore();
        var undone = snapshot.StateRestorable
            ? "The update was undone: the weights and the optimizer's state are bitwise as before it."
            : $"The weights were put back as before it; {type} keeps its state in native code, which could not be restored — rebuild the optimizer before training on.";
        throw new TrainingDivergedException(
            $"{method}: the {phase} update of {type} made parameter {name} {Format.Shape(bad.shape)} non-finite ({value} at index " +
            $"[{string.Join(", ", index)}]{(count > 1 ? $", {count} values" : "")}) although the losses, gradients and optimizer settings were finite. {undone} {applied} " +
            "What to do: lower the learning rate; give Adam, AdamW or RMSprop a positive eps (with eps = 0 a gradient component that is exactly 0 " +
            "gives 0/0); for an optimizer of your own, check its step for division by zero or overflow.", step: _step);
    }

    /// <summary>
    /// The optimizer's own numbers: a NaN or infinite learning rate (or β, ε, weight decay, momentum) turns every
    /// weight NaN in one <c>step()</c> although the losses and gradients are finite, so they are checked before it.
    /// </summary>
    private static void CheckOptions(optim.Optimizer optimizer, string phase, string method, string applied)
    {
        var index = 0;
        foreach (var group in optimizer.ParamGroups)
        {
            var values = new List<(string Name, double Value)> { ("learning rate", group.LearningRate) };
            if (group is TorchSharp.Modules.ParamGroup { Options: { } options })
            {
                // TorchSharp's option classes hold their settings as public double? fields (eps, beta1, momentum, ...).
                foreach (var field in options.GetType().GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
                    if (field.GetValue(options) is double value)
                        values.Add((field.Name, value));
            }
            foreach (var (name, value) in values)
                if (!double.IsFinite(value))
                    throw new InvalidOperationException(
                        $"{method}: the {phase} optimizer's {name} is {value} (parameter group {index}); one step would make every weight it updates NaN. " +
                        $"Give the optimizer finite settings. {applied}");
            index++;
        }
    }

    /// <summary>
    /// The divergence error. Inputs and labels were checked before, so the cause lies in the weights or the loss
    /// functions; the message names a weight that is already non-finite (corrupted before this step) when there is one.
    /// </summary>
    private TrainingDivergedException Diverged(string method, string what, string applied)
    {
        string? corrupted = null;
        using (var scope = NewDisposeScope())
        using (var noGrad = no_grad())
        {
            foreach (var (name, parameter) in _model.named_parameters())
            {
                var count = parameter.isfinite().logical_not().sum().item<long>();
                if (count == 0) continue;
                corrupted = $"parameter '{name}' {Format.Shape(parameter.shape)} holds {count} NaN/±Inf value{(count == 1 ? "" : "s")}";
                break;
            }
        }
        var cause = corrupted is not null
            ? $"The weights were already non-finite before this step ({corrupted}): they were corrupted before it (a loaded checkpoint, an update outside this trainer, or an optimizer update that overflowed) — restore them from a checkpoint."
            : "The inputs and labels are finite, so training diverged: lower the learning rate or λ, or look for log(0), division by zero or " +
              "sqrt at 0 in the task loss and the priors.";
        return new TrainingDivergedException($"{method}: {what}. {applied} {cause}", step: _step);
    }

    private static AttributionStats Stats(Tensor attributions)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = attributions.detach().abs();
        var phi = a.reshape(a.size(0), -1).mean(0);
        return new AttributionStats(a.mean().ToDouble(), a.max().ToDouble(), GiniSparsity.Gini(phi.to(ScalarType.Float64)).ToDouble());
    }

}
