namespace AttrDsl.Torch;

/// <summary>
/// Base of the optimizers: holds parameter groups, zeroes gradients, and runs the per-parameter
/// update under no_grad inside a dispose scope so a step leaves no temporaries behind.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly Dictionary<Parameter, Dictionary<string, Tensor>> _state = new(ReferenceEqualityComparer.Instance);

    /// <summary>The parameter groups, each with resolved hyperparameters.</summary>
    public IReadOnlyList<ParamGroup> param_groups { get; }

    private protected Optimizer(IEnumerable<ParamGroup> groups, double defaultLr)
    {
        if (!(defaultLr >= 0) || double.IsInfinity(defaultLr)) throw new ArgumentOutOfRangeException("lr", defaultLr, "learning rate must be a finite number ≥ 0");
        param_groups = groups.ToList();
        if (param_groups.Count == 0 || param_groups.All(g => g.Parameters.Count == 0))
            throw new ArgumentException("the optimizer got no parameters; pass model.parameters()");
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var g in param_groups)
        {
            g.lr ??= defaultLr;
            g.InitialLr = g.lr.Value;
            foreach (var p in g.Parameters)
                if (!seen.Add(p)) throw new ArgumentException("a parameter appears in more than one parameter group");
        }
    }

    /// <summary>Clears every parameter's gradient (set to none).</summary>
    public void zero_grad()
    {
        foreach (var g in param_groups)
        foreach (var p in g.Parameters)
            p.grad = null;
    }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public void step()
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        foreach (var g in param_groups)
        foreach (var p in g.Parameters)
        {
            using var grad = p.grad;
            if (grad is null) continue;
            Update(g, p, grad, State(p));
        }
    }

    /// <summary>Updates one parameter in place; runs under no_grad inside a dispose scope.</summary>
    private protected abstract void Update(ParamGroup group, Parameter p, Tensor grad, Dictionary<string, Tensor> state);

    /// <summary>Per-parameter state tensors (momentum buffers, moments), kept out of dispose scopes.</summary>
    private protected Dictionary<string, Tensor> State(Parameter p)
    {
        if (!_state.TryGetValue(p, out var s)) _state[p] = s = [];
        return s;
    }

    /// <summary>Stores a state tensor that must outlive the current step.</summary>
    private protected static Tensor Keep(Dictionary<string, Tensor> state, string name, Tensor t)
    {
        t.DetachFromDisposeScope();
        if (state.TryGetValue(name, out var old)) old.Dispose();
        state[name] = t;
        return t;
    }

    /// <summary>Frees the optimizer state.</summary>
    public void Dispose()
    {
        foreach (var s in _state.Values)
        foreach (var t in s.Values)
            t.Dispose();
        _state.Clear();
    }
}
