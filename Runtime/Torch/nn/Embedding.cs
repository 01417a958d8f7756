namespace AttrDsl.Torch;

/// <summary>A lookup table of <c>num_embeddings</c> vectors, initialised N(0, 1) as in PyTorch.</summary>
public sealed class Embedding : torch.nn.Module<Tensor, Tensor>
{
    /// <summary>[num_embeddings, embedding_dim].</summary>
    public Parameter weight { get; }
    private readonly long _paddingIdx;

    /// <summary>Creates the table; the row at <paramref name="padding_idx"/> (if any) starts at zero and gets no gradient.</summary>
    public Embedding(long num_embeddings, long embedding_dim, long? padding_idx = null, ScalarType? dtype = null) : base(nameof(Embedding))
    {
        if (num_embeddings <= 0 || embedding_dim <= 0) throw new ArgumentOutOfRangeException(nameof(num_embeddings), "Embedding sizes must be positive");
        _paddingIdx = padding_idx is { } p ? (p < 0 ? p + num_embeddings : p) : -1;
        using var scope = torch.NewDisposeScope();
        weight = new Parameter(torch.randn([num_embeddings, embedding_dim], dtype));
        if (_paddingIdx >= 0)
            using (torch.no_grad()) { using var row = weight[_paddingIdx]; row.zero_(); }
        register_parameter(nameof(weight), weight);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        if (input.dtype is not (ScalarType.Int64 or ScalarType.Int32))
            throw new ArgumentException($"Embedding expects int64 indices, got {input.dtype}; convert with .@long()");
        if (input.numel() > 0)
        {
            using var lo = input.min();
            using var hi = input.max();
            var (min, max) = (lo.to(ScalarType.Int64).item<long>(), hi.to(ScalarType.Int64).item<long>());
            var rows = weight.size(0);
            if (min < 0 || max >= rows)
                throw new ArgumentOutOfRangeException(nameof(input), $"Embedding indices must lie in [0, {rows}) for a table of shape [{rows}, {weight.size(1)}]; got values from {min} to {max}");
        }
        return functional.embedding(input, weight, _paddingIdx);
    }
}
