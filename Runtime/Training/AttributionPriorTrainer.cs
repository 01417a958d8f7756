using System.Diagnostics;
using AttrDsl.Attribution;
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
/// lives in its own dispose scope, and gradients are taken with <c>autograd.grad</c> on the interpolated leaf
/// (never <c>backward(create_graph)</c> on parameters), so no reference cycle or leak builds up across steps.
/// </summary>
public sealed class AttributionPriorTrainer
{
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly Func<Tensor, Tensor, Tensor> _taskLoss;
    private readonly optim.Optimizer _optimizer;
    private readonly optim.Optimizer _priorOptimizer;
    private readonly PriorTrainingOptions _options;
    private long _step;

    /// <summary>Creates the trainer.</summary>
    /// <param name="model">The model being trained.</param>
    /// <param name="taskLoss">Task loss of (output, labels), e.g. <c>(o, y) => functional.cross_entropy(o, y)</c>.</param>
    /// <param name="optimizer">The task optimizer (also used for the prior step unless <paramref name="priorOptimizer"/> is given).</param>
    /// <param name="options">Priors, references, schedule, warm-up.</param>
    /// <param name="priorOptimizer">The prior step's own optimizer (alternating schedule; the seed's TF1 code used two Adams).</param>
    public AttributionPriorTrainer(nn.Module<Tensor, Tensor> model, Func<Tensor, Tensor, Tensor> taskLoss, optim.Optimizer optimizer,
        PriorTrainingOptions options, optim.Optimizer? priorOptimizer = null)
    {
        options.Validate();
        if (priorOptimizer is not null && options.Schedule == PriorSchedule.Summed)
            throw new ArgumentException("a separate prior optimizer only applies to the alternating schedule");
        (_model, _taskLoss, _optimizer, _options) = (model, taskLoss, optimizer, options);
        _priorOptimizer = priorOptimizer ?? optimizer;
    }

    /// <summary>Raised after every step, with its report.</summary>
    public event Action<StepReport>? StepCompleted;

    /// <summary>Raised by <see cref="Fit"/> after every epoch (step learning-rate schedulers, evaluate, checkpoint here).</summary>
    public event Action<EpochReport>? EpochCompleted;

    /// <summary>One training step on the batch (<paramref name="x"/>, <paramref name="y"/>) in epoch <paramref name="epoch"/>.</summary>
    public StepReport Step(Tensor x, Tensor y, int epoch = 0)
    {
        using var scope = NewDisposeScope();
        _model.train();
        var withPrior = epoch >= _options.WarmupEpochs;
        double task, prior = 0;
        Dictionary<string, double> parts = [];
        AttributionStats? stats = null;

        if (!withPrior || _options.Schedule == PriorSchedule.Alternating)
        {
            _optimizer.zero_grad();
            var loss = _taskLoss(_model.forward(x), y);
            loss.backward();
            _optimizer.step();
            task = loss.ToDouble();
            if (withPrior)
            {
                _priorOptimizer.zero_grad();
                var (omega, attr) = PriorLoss(x, y, parts);
                omega.backward();
                _priorOptimizer.step();
                prior = omega.ToDouble();
                stats = _options.ComputeStatistics ? Stats(attr) : null;
            }
        }
        else
        {
            _optimizer.zero_grad();
            var loss = _taskLoss(_model.forward(x), y);
            var (omega, attr) = PriorLoss(x, y, parts);
            (loss + omega).backward();
            _optimizer.step();
            task = loss.ToDouble();
            prior = omega.ToDouble();
            stats = _options.ComputeStatistics ? Stats(attr) : null;
        }
        if (!double.IsFinite(task) || !double.IsFinite(prior))
            throw new InvalidOperationException($"training diverged at step {_step}: task loss {task}, prior loss {prior}. Lower the learning rate or λ.");
        var report = new StepReport(epoch, _step++, task, prior, parts, stats);
        StepCompleted?.Invoke(report);
        return report;
    }

    /// <summary>
    /// Trains for <paramref name="epochs"/> epochs over <paramref name="batches"/> — any re-enumerable sequence of
    /// (inputs, labels) pairs, e.g. <see cref="AttrDsl.Data.Batches"/> or a projection of TorchSharp's DataLoader —
    /// with a console progress bar when <paramref name="progress"/>.
    /// </summary>
    public List<EpochReport> Fit(IEnumerable<(Tensor Inputs, Tensor Labels)> batches, int epochs, bool progress = false)
    {
        var reports = new List<EpochReport>();
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            using var bar = progress ? new ConsoleProgressBar($"epoch {epoch + 1}/{epochs}", batches.TryGetNonEnumeratedCount(out var n) ? n : 0) : null;
            var sw = Stopwatch.StartNew();
            double taskSum = 0, priorSum = 0;
            var steps = 0;
            foreach (var (inputs, labels) in batches)
            {
                var r = Step(inputs, labels, epoch);
                taskSum += r.TaskLoss;
                priorSum += r.PriorLoss;
                steps++;
                bar?.Advance($"task {taskSum / steps:F4} prior {priorSum / steps:G4}");
            }
            var report = new EpochReport(epoch, steps, taskSum / Math.Max(1, steps), priorSum / Math.Max(1, steps), sw.Elapsed.TotalSeconds);
            reports.Add(report);
            EpochCompleted?.Invoke(report);
        }
        return reports;
    }

    /// <summary>Σ λ·Ω on the batch's attributions (differentiable in the weights), and the attributions.</summary>
    private (Tensor Loss, Tensor Attributions) PriorLoss(Tensor x, Tensor y, Dictionary<string, double> parts)
    {
        var target = _options.TargetFromLabels?.Invoke(y)
            ?? (y.dtype is ScalarType.Int64 or ScalarType.Int32 ? Target.PerSample(y) : Target.Output);
        Tensor attributions;
        if (_options.Source == AttributionSource.ExpectedGradients)
        {
            var batch = InterpolationBatch.Sample(x, _options.Background!, _options.References);
            var output = _model.forward(batch.Inputs);
            attributions = batch.Attributions(output, target, createGraph: true);
        }
        else
        {
            attributions = Gradients.Of(_model.forward, x, target, createGraph: true);
        }
        var context = new PriorContext(x, y);
        Tensor? total = null;
        foreach (var term in _options.Priors)
        {
            var omega = term.Prior.Loss(attributions, context);
            parts[term.Prior.Name] = omega.ToDouble();
            var weighted = omega * term.Lambda;
            total = total is null ? weighted : total + weighted;
        }
        return (total!, attributions);
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
