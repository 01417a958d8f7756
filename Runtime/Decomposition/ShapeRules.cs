namespace AttrDsl.Decomposition;

/// <summary>
/// CD rules for layers that move values without mixing them: eval-mode Dropout (the identity) and the shape
/// operations, which apply to β and γ separately.
/// </summary>
public static class ShapeRules
{
    /// <summary>CD of <see cref="Dropout"/> in eval mode: the identity. In training mode it would drop β and γ at random; that is refused.</summary>
    public static Decomposition Dropout(nn.Module layer, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer.training)
            throw new InvalidOperationException($"{layer.GetType().Name} is in training mode, where it zeroes random units; call model.eval() before decomposing.");
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
    public static Decomposition view(Decomposition d, params long[] shape) => new(d.Relevant.view(shape), d.Irrelevant.view(shape));

    /// <summary>Reshapes β and γ.</summary>
    public static Decomposition reshape(Decomposition d, params long[] shape) => new(d.Relevant.reshape(shape), d.Irrelevant.reshape(shape));

    /// <summary>Permutes the dimensions of β and γ.</summary>
    public static Decomposition permute(Decomposition d, params long[] permutation) => new(d.Relevant.permute(permutation), d.Irrelevant.permute(permutation));

    /// <summary>Selects index <paramref name="index"/> along <paramref name="dim"/> in β and γ (e.g. an LSTM's last time step).</summary>
    public static Decomposition select(Decomposition d, long dim, long index) => new(d.Relevant.select(dim, index), d.Irrelevant.select(dim, index));

    /// <summary>Removes a size-1 dimension (all of them when <paramref name="dim"/> is null) from β and γ.</summary>
    public static Decomposition squeeze(Decomposition d, long? dim = null) => new(d.Relevant.squeeze(dim), d.Irrelevant.squeeze(dim));

    /// <summary>Inserts a size-1 dimension at <paramref name="dim"/> in β and γ.</summary>
    public static Decomposition unsqueeze(Decomposition d, long dim) => new(d.Relevant.unsqueeze(dim), d.Irrelevant.unsqueeze(dim));
}
