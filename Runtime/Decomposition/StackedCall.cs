namespace AttrDsl.Decomposition;

/// <summary>
/// Runs one batch-wise operation on β and γ together: they are stacked along the batch dimension, sent through
/// the operation in ONE call and split again, so a linear or convolutional layer costs one (twice as large)
/// call instead of the reference's three forwards.
/// </summary>
internal static class StackedCall
{
    public static Decomposition Apply(Decomposition d, Func<Tensor, Tensor> op)
    {
        using var scope = NewDisposeScope();
        if (d.Relevant.dim() == 0) throw new ArgumentException("A 0-dim activation has no batch dimension to stack β and γ along; give the layer a batch dimension.");
        if (Interpretation.Current is not null)
        {
            // Two activations (input's, reference's): only the input's needs a graph, so the reference runs on its own.
            var input = op(d.Relevant);
            Tensor reference;
            using (no_grad()) reference = Interpretation.OnReference(d.Irrelevant, op);
            return new Decomposition(input, reference).MoveToOuterDisposeScope();
        }
        var n = d.Relevant.shape[0];
        var both = op(cat([d.Relevant, d.Irrelevant], 0));
        var parts = both.split([n, n], 0);
        return new Decomposition(parts[0], parts[1]).MoveToOuterDisposeScope();
    }
}
