namespace AttrDsl.Decomposition;

/// <summary>
/// A module that knows how to decompose its own forward pass: given the decomposition of its input it returns the
/// decomposition of its output, with β + γ equal to what <c>forward</c> computes. Implement it on a block whose
/// forward is not a plain chain (a residual block, a model with functional ops) by writing the forward again with
/// <see cref="CdFunctional"/> and <see cref="ContextualDecomposition.Propagate(nn.Module, Decomposition)"/> for its
/// child modules; <see cref="ContextualDecomposition"/> then uses it wherever the block sits (inside a
/// <c>Sequential</c>, as the whole model, ...). The source generator implements it for users' modules.
/// </summary>
public interface IDecomposable
{
    /// <summary>The decomposition of this module's output for the decomposition <paramref name="input"/> of its input.</summary>
    Decomposition Decompose(Decomposition input);
}
