namespace AttrDsl.Decomposition;

/// <summary>
/// CD rules for layers that move values without mixing them: eval-mode Dropout (the identity) and the shape
/// operations (views, transposes, slices, indexing, chunks, repeats), which apply to β and γ separately, so
/// β' + γ' is the op on β + γ exactly. Masked fills and selections by a condition are here too: a filled value is a
/// constant that enters on its own (shared 50/50, <see cref="CombinationRules.Constant(Tensor)"/>).
/// </summary>
public static class ShapeRules
{
    /// <summary>CD of <see cref="Dropout"/> in eval mode: the identity. In training mode it would drop β and γ at random; that is refused.</summary>
    public static Decomposition Dropout(nn.Module layer, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer.training)
            throw new InvalidOperationException($"{layer.GetType().Name} is in training mode, where it zeroes random units; call model.eval() before decomposing.");
        CdGuard.Check(d, nameof(d));
        return d;
    }

    /// <summary>CD of <see cref="Flatten"/>.</summary>
    public static Decomposition Flatten(Flatten layer, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return flatten(d, layer.start_dim, layer.end_dim);
    }

    /// <summary>Flattens β and γ alike.</summary>
    public static Decomposition flatten(Decomposition d, long startDim = 0, long endDim = -1) =>
        new(d.Relevant.flatten(startDim, endDim), d.Irrelevant.flatten(startDim, endDim));

    /// <summary>Views β and γ with a new shape.</summary>
    public static Decomposition view(Decomposition d, params long[] shape) => CdGuard.Both(d, x => x.view(shape), $"view to {CdGuard.Shape(shape)}", nameof(d));

    /// <summary>Reshapes β and γ.</summary>
    public static Decomposition reshape(Decomposition d, params long[] shape) => CdGuard.Both(d, x => x.reshape(shape), $"reshape to {CdGuard.Shape(shape)}", nameof(d));

    /// <summary>Permutes the dimensions of β and γ.</summary>
    public static Decomposition permute(Decomposition d, params long[] permutation) => CdGuard.Both(d, x => x.permute(permutation), $"permute {CdGuard.Shape(permutation)}", nameof(d));

    /// <summary>Selects index <paramref name="index"/> along <paramref name="dim"/> in β and γ (e.g. an LSTM's last time step).</summary>
    public static Decomposition select(Decomposition d, long dim, long index) => CdGuard.Both(d, x => x.select(dim, index), $"select(dim: {dim}, index: {index})", nameof(d));

    /// <summary>Removes a size-1 dimension (all of them when <paramref name="dim"/> is null) from β and γ.</summary>
    public static Decomposition squeeze(Decomposition d, long? dim = null) => CdGuard.Both(d, x => x.squeeze(dim), $"squeeze({dim})", nameof(d));

    /// <summary>Inserts a size-1 dimension at <paramref name="dim"/> in β and γ.</summary>
    public static Decomposition unsqueeze(Decomposition d, long dim) => CdGuard.Both(d, x => x.unsqueeze(dim), $"unsqueeze({dim})", nameof(d));

    /// <summary>Swaps dimensions <paramref name="dim0"/> and <paramref name="dim1"/> of β and γ.</summary>
    public static Decomposition transpose(Decomposition d, long dim0, long dim1) => CdGuard.Both(d, x => x.transpose(dim0, dim1), "transpose");

    /// <summary>The transpose of a (≤ 2-D) β and γ.</summary>
    public static Decomposition t(Decomposition d) => CdGuard.Both(d, x => x.t(), "t");

    /// <summary>Contiguous copies (or the tensors themselves when already contiguous) of β and γ.</summary>
    public static Decomposition contiguous(Decomposition d) => CdGuard.Both(d, x => x.contiguous(), "contiguous");

    /// <summary>Copies of β and γ.</summary>
    public static Decomposition clone(Decomposition d) => CdGuard.Both(d, x => x.clone(), "clone");

    /// <summary>β and γ detached from the autograd graph.</summary>
    public static Decomposition detach(Decomposition d) => CdGuard.Both(d, x => x.detach(), "detach");

    /// <summary>Splits β and γ into <paramref name="chunks"/> pieces along <paramref name="dim"/>; piece i pairs the i-th β and γ.</summary>
    public static Decomposition[] chunk(Decomposition d, long chunks, long dim = 0) => CdGuard.BothMany(d, x => x.chunk(chunks, dim), "chunk");

    /// <summary>Splits β and γ into pieces of <paramref name="size"/> along <paramref name="dim"/>.</summary>
    public static Decomposition[] split(Decomposition d, long size, long dim = 0) => CdGuard.BothMany(d, x => x.split(size, (int)dim), "split");

    /// <summary>Splits β and γ into pieces of the given <paramref name="sizes"/> along <paramref name="dim"/>.</summary>
    public static Decomposition[] split(Decomposition d, long[] sizes, long dim = 0)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        return CdGuard.BothMany(d, x => x.split(sizes, dim), "split");
    }

    /// <summary>The slice [start, start + length) along <paramref name="dim"/> of β and γ.</summary>
    public static Decomposition narrow(Decomposition d, long dim, long start, long length) => CdGuard.Both(d, x => x.narrow(dim, start, length), "narrow");

    /// <summary>β and γ expanded (broadcast) to <paramref name="sizes"/> (−1 keeps a size).</summary>
    public static Decomposition expand(Decomposition d, long[] sizes, bool isImplicit = false)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        return CdGuard.Both(d, x => x.expand(sizes, isImplicit), "expand");
    }

    /// <summary>β and γ tiled <paramref name="sizes"/> times per dimension.</summary>
    public static Decomposition repeat(Decomposition d, params long[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        return CdGuard.Both(d, x => x.repeat(sizes), "repeat");
    }

    /// <summary>Dimension <paramref name="dim"/> of β and γ unflattened into <paramref name="sizes"/>.</summary>
    public static Decomposition unflatten(Decomposition d, long dim, params long[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        return CdGuard.Both(d, x => x.unflatten(dim, sizes), "unflatten");
    }

    /// <summary>
    /// β and γ indexed alike (TorchSharp's <c>Tensor.index</c>: integers, slices, ellipsis, None, index or bool
    /// tensors). A slice with a step ≤ 0 is refused here: libtorch kills the process on step 0 (docs/torchsharp.md).
    /// </summary>
    public static Decomposition index(Decomposition d, TensorIndex[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        foreach (var i in indices)
        {
            if (StepField?.GetValue(i) is long step && step <= 0)
                throw new ArgumentException($"A slice step must be positive; got {step}.", nameof(indices));
        }
        return CdGuard.Both(d, x => x.index(indices), "index");
    }

    /// <summary>β and γ indexed alike by index or bool tensors.</summary>
    public static Decomposition index(Decomposition d, Tensor[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        foreach (var i in indices) ArgumentNullException.ThrowIfNull(i, nameof(indices));
        return CdGuard.Both(d, x => x.index(indices), "index");
    }

    /// <summary>
    /// masked_fill: where <paramref name="mask"/> is true the result is the constant <paramref name="value"/>, which
    /// no feature caused: shared 50/50 (the bias rule with β = γ = 0 there); elsewhere β and γ are kept.
    /// </summary>
    public static Decomposition masked_fill(Decomposition d, Tensor mask, double value)
    {
        ArgumentNullException.ThrowIfNull(mask);
        CdGuard.Check(d, nameof(d));
        if (mask.dtype != ScalarType.Bool)
            throw new ArgumentException($"masked_fill needs a bool mask; got {mask.dtype}.", nameof(mask));
        var shape = CdGuard.Broadcast(d.Relevant.shape, mask.shape, "masked_fill", "input", "mask");
        if (!shape.SequenceEqual(d.Relevant.shape))
            throw new ArgumentException($"masked_fill: the mask {CdGuard.Shape(mask)} must broadcast to the input {CdGuard.Shape(d.Relevant)} without enlarging it.", nameof(mask));
        return new(d.Relevant.masked_fill(mask, value / 2), d.Irrelevant.masked_fill(mask, value / 2));
    }

    /// <summary>where(condition, x, y): β and γ selected alike from x and y (broadcasting as torch.where).</summary>
    public static Decomposition where(Tensor condition, Decomposition x, Decomposition y)
    {
        ArgumentNullException.ThrowIfNull(condition);
        CdGuard.Check(x, nameof(x));
        CdGuard.Check(y, nameof(y));
        if (condition.dtype != ScalarType.Bool)
            throw new ArgumentException($"where needs a bool condition; got {condition.dtype}.", nameof(condition));
        CdGuard.Broadcast(CdGuard.Broadcast(condition.shape, x.Relevant.shape, "where", "condition", "x"), y.Relevant.shape, "where", "condition and x", "y");
        return new(torch.where(condition, x.Relevant, y.Relevant), torch.where(condition, x.Irrelevant, y.Irrelevant));
    }

    // TensorIndex keeps a slice's step in a private field; read it (when this TorchSharp version has it) to refuse a
    // step of 0 before libtorch aborts on it.
    private static readonly System.Reflection.FieldInfo? StepField =
        typeof(TensorIndex).GetField("step", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic);
}
