using AttrDsl.Internal;

namespace AttrDsl.Internal;

/// <summary>
/// Small conveniences over TorchSharp's API that the runtime uses everywhere: single-dimension reductions and copies
/// to .NET arrays that work for tensors on any device.
/// </summary>
internal static class TensorExtensions
{
    /// <summary>Mean over one dimension (TorchSharp only offers the <c>long[]</c> overload).</summary>
    public static Tensor mean(this Tensor t, long dim, bool keepdim = false) => t.mean([dim], keepdim);

    /// <summary>The elements in row-major order, copied to the CPU first when needed.</summary>
    public static T[] ToArray<T>(this Tensor t) where T : unmanaged
    {
        using var scope = NewDisposeScope();
        var cpu = t.detach();
        if (cpu.device_type != DeviceType.CPU) cpu = cpu.cpu();
        return cpu.contiguous().data<T>().ToArray();
    }

    /// <summary>The p-norm over <paramref name="dim"/> in the tensor's own precision.</summary>
    public static Tensor norm(this Tensor t, double p, long dim, bool keepdim = false) =>
        linalg.vector_norm(t, p, [dim], keepdim);
}
