namespace AttrDsl.Torch;

/// <summary>Runs child modules in order; children are named "0", "1", ... unless named explicitly.</summary>
public sealed class Sequential : torch.nn.Module<Tensor, Tensor>
{
    private readonly List<torch.nn.Module<Tensor, Tensor>> _layers = [];

    /// <summary>Creates the chain.</summary>
    public Sequential(params torch.nn.Module<Tensor, Tensor>[] modules) : base(nameof(Sequential))
    {
        foreach (var m in modules) append(m);
    }

    /// <summary>Creates the chain with named children.</summary>
    public Sequential(params (string name, torch.nn.Module<Tensor, Tensor> module)[] modules) : base(nameof(Sequential))
    {
        foreach (var (name, m) in modules) { register_module(name, m); _layers.Add(m); }
    }

    /// <summary>Adds a module at the end.</summary>
    public Sequential append(torch.nn.Module<Tensor, Tensor> module)
    {
        register_module(_layers.Count.ToString(), module);
        _layers.Add(module);
        return this;
    }

    /// <summary>Number of children.</summary>
    public int Count => _layers.Count;

    /// <summary>The child at <paramref name="index"/>.</summary>
    public torch.nn.Module<Tensor, Tensor> this[int index] => _layers[index];

    /// <summary>A new Sequential sharing children start..end−1 (a split point for layer attribution).</summary>
    public Sequential Slice(int start, int end) => new(_layers.Skip(start).Take(end - start).ToArray());

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        if (_layers.Count == 0) return input.alias();
        var x = input;
        for (var i = 0; i < _layers.Count; i++)
        {
            var y = _layers[i].forward(x);
            // Intermediate results are ours to free; the caller's input is not.
            if (!ReferenceEquals(x, input) && !ReferenceEquals(x, y) && x.OwningScope is null) x.Dispose();
            x = y;
        }
        return x;
    }
}
