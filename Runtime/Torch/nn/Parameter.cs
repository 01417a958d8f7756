namespace AttrDsl.Torch;

/// <summary>
/// A trainable tensor owned by a module: a leaf that requires grad (unless told otherwise) and is
/// never collected by a <see cref="DisposeScope"/> — it lives as long as its module.
/// </summary>
public sealed class Parameter : Tensor
{
    /// <summary>Makes a parameter from <paramref name="data"/>'s values (detached; <paramref name="data"/> stays yours).</summary>
    public Parameter(Tensor data, bool requires_grad = true) : base(DetachedHandle(data), registerInScope: false)
    {
        if (requires_grad) this.requires_grad = true;
    }

    private static nint DetachedHandle(Tensor data)
    {
        using var d = data.detach();
        return d.StealHandle();
    }

    /// <summary>Replaces the values (and possibly dtype/shape) while keeping this object's identity.</summary>
    internal void SetData(Tensor value)
    {
        var requiresGrad = requires_grad;
        ReplaceHandle(DetachedHandle(value));
        if (requiresGrad) this.requires_grad = true;
    }
}

/// <summary>A module's non-trainable state (e.g. batch-norm running statistics), also outside dispose scopes.</summary>
public sealed class BufferTensor : Tensor
{
    /// <summary>Makes a buffer from <paramref name="data"/>'s values (detached).</summary>
    public BufferTensor(Tensor data) : base(Detached(data), registerInScope: false) { }

    private static nint Detached(Tensor data)
    {
        using var d = data.detach();
        return d.StealHandle();
    }

    internal void SetData(Tensor value) => ReplaceHandle(Detached(value));
}
