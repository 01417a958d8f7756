namespace AttrDsl.Decomposition.Penalties;

/// <summary>
/// A decomposition of the model's output on <paramref name="x"/> into the contribution of the region
/// <paramref name="mask"/> marks (relevant, β) and of the rest (irrelevant, γ), with β + γ = the logits, both
/// [B, classes] and differentiable in the model's weights. Contextual decomposition plugs in as
/// <c>(model, x, m) =&gt; ContextualDecomposition.Decompose(model, x, m)</c>.
/// </summary>
/// <param name="model">The model.</param>
/// <param name="x">The inputs [B, ...].</param>
/// <param name="mask">The relevant region (1 inside), shaped like <paramref name="x"/> or broadcastable to it, in x's dtype and on its device.</param>
public delegate (Tensor Relevant, Tensor Irrelevant) Decomposer(nn.Module<Tensor, Tensor> model, Tensor x, Tensor mask);
