namespace AttrDsl.Torch;

/// <summary>
/// Collects every tensor created on this thread while it is the innermost scope and frees them
/// all when disposed — the deterministic way to release native memory in a training loop
/// (<c>using var scope = torch.NewDisposeScope();</c>). Move results you keep out with
/// <see cref="Tensor.MoveToOuterDisposeScope"/> or <see cref="Tensor.DetachFromDisposeScope"/>.
/// Finalizers remain only as the last resort for tensors created outside any scope.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? t_current;

    private readonly HashSet<Tensor> _tensors = new(ReferenceEqualityComparer.Instance);
    private readonly DisposeScope? _outer;
    private bool _disposed;

    internal DisposeScope()
    {
        _outer = t_current;
        t_current = this;
    }

    internal static DisposeScope? Current => t_current;

    /// <summary>The scope that was current when this one was opened.</summary>
    public DisposeScope? Outer => _outer;

    /// <summary>How many tensors this scope will free.</summary>
    public int Count => _tensors.Count;

    internal void Register(Tensor t) => _tensors.Add(t);

    internal bool Remove(Tensor t) => _tensors.Remove(t);

    /// <summary>Keeps <paramref name="tensors"/> alive past this scope by handing them to the outer scope (or to no scope).</summary>
    public void MoveToOuter(params Tensor[] tensors)
    {
        foreach (var t in tensors)
        {
            if (!_tensors.Remove(t)) continue;
            t.OwningScope = _outer;
            _outer?.Register(t);
        }
    }

    /// <summary>Frees every tensor still registered here and makes the outer scope current again.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in _tensors)
        {
            t.OwningScope = null;
            t.Dispose();
        }
        _tensors.Clear();
        // Scopes nest; only the innermost hands "current" back. Disposing an outer scope first leaves
        // the inner one current (its tensors stay alive until it is disposed).
        if (ReferenceEquals(t_current, this)) t_current = _outer;
    }
}
