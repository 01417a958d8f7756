using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// The value an ablated (occluded, removed) feature is replaced by: one number for every element, or a
/// tensor broadcastable to the input (e.g. [1, C, H, W] for one reference image, or [B, ...] per sample).
/// Converts implicitly from <see cref="double"/>, <see cref="int"/> and <see cref="Tensor"/>, so callers
/// write <c>baselines: 0.5</c> or <c>baselines: meanImage</c>. The default is 0.
/// </summary>
public readonly struct AblationBaseline
{
    private readonly double _value;
    private readonly Tensor? _tensor;

    private AblationBaseline(double value, Tensor? tensor)
    {
        _value = value;
        _tensor = tensor;
    }

    /// <summary>A constant baseline.</summary>
    /// <remarks>A NaN or infinite value is refused by the method it is given to, before the model runs, in that method's name.</remarks>
    public static AblationBaseline Constant(double value) => new(value, null);

    /// <summary>A tensor baseline, broadcast to the input's shape.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="baseline"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="baseline"/> was disposed.</exception>
    public static AblationBaseline FromTensor(Tensor baseline)
    {
        Checks.Live(baseline, "AblationBaseline.FromTensor (the baselines of an ablation)", nameof(baseline));
        return new(0, baseline);
    }

    /// <summary>The constant (0 when this baseline is a tensor).</summary>
    public double Value => _value;

    /// <summary>The tensor, or null for a constant baseline.</summary>
    public Tensor? Tensor => _tensor;

#pragma warning disable CS1591
    public static implicit operator AblationBaseline(double value) => Constant(value);
    public static implicit operator AblationBaseline(int value) => Constant(value);
    public static implicit operator AblationBaseline(Tensor baseline) => FromTensor(baseline);
#pragma warning restore CS1591

    /// <inheritdoc/>
    public override string ToString() => _tensor is null ? _value.ToString("G6") : $"tensor {_tensor}";

    /// <summary>
    /// Rejects a NaN or infinite baseline (a constant or any element of a tensor): every ablated element would take
    /// that value and the attributions would silently be NaN.
    /// </summary>
    internal void CheckFinite(string method, string name = "baselines")
    {
        if (_tensor is not null)
        {
            Checks.Live(_tensor, method, name);
            Checks.FloatingReference(_tensor, null, method, name);
            Checks.Finite(_tensor, method, name);
            return;
        }
        if (!double.IsFinite(_value))
            throw new ArgumentException(
                $"{method}: {name} is the constant {_value}; attributions would be NaN. Pass a finite baseline value (the default is 0).", name);
    }

    /// <summary>The baseline expanded to <paramref name="inputs"/>' shape and dtype (a new tensor in the current scope).</summary>
    internal Tensor Materialize(Tensor inputs, string what = "baselines")
    {
        if (_tensor is null) return torch.full_like(inputs, _value);
        AttributionArgs.CheckBroadcastable(_tensor.shape, inputs.shape, what, "the input");
        using var converted = _tensor.detach().to(inputs.dtype);
        return converted.expand(inputs.shape);
    }
}
