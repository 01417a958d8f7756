namespace AttrDsl.Torch;

/// <summary>
/// Changes the learning rate of every parameter group once per <see cref="step"/> (call it once per
/// epoch). The rate is computed in closed form from the initial one, so it never drifts.
/// </summary>
public abstract class LRScheduler
{
    private readonly Optimizer _optimizer;
    private readonly double[] _base;

    /// <summary>Number of completed <see cref="step"/> calls.</summary>
    public int last_epoch { get; private set; }

    private protected LRScheduler(Optimizer optimizer)
    {
        _optimizer = optimizer;
        _base = optimizer.param_groups.Select(g => g.InitialLr).ToArray();
    }

    /// <summary>Advances one epoch and sets the new learning rates.</summary>
    public void step()
    {
        last_epoch++;
        for (var i = 0; i < _base.Length; i++) _optimizer.param_groups[i].lr = _base[i] * Factor(last_epoch);
    }

    /// <summary>The current learning rate of each group.</summary>
    public double[] get_last_lr() => _optimizer.param_groups.Select(g => g.lr!.Value).ToArray();

    /// <summary>Multiplier of the initial rate after <paramref name="epoch"/> steps.</summary>
    private protected abstract double Factor(int epoch);
}

/// <summary>Multiplies the rate by γ every <c>step_size</c> epochs.</summary>
public sealed class StepLR : LRScheduler
{
    private readonly int _stepSize;
    private readonly double _gamma;

    internal StepLR(Optimizer optimizer, int step_size, double gamma) : base(optimizer)
    {
        if (step_size < 1) throw new ArgumentOutOfRangeException(nameof(step_size), step_size, "step_size must be ≥ 1");
        (_stepSize, _gamma) = (step_size, gamma);
    }

    private protected override double Factor(int epoch) => Math.Pow(_gamma, epoch / _stepSize);
}

/// <summary>Multiplies the rate by γ every epoch.</summary>
public sealed class ExponentialLR : LRScheduler
{
    private readonly double _gamma;
    internal ExponentialLR(Optimizer optimizer, double gamma) : base(optimizer) => _gamma = gamma;
    private protected override double Factor(int epoch) => Math.Pow(_gamma, epoch);
}
