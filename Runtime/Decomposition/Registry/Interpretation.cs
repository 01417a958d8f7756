namespace AttrDsl.Decomposition;

/// <summary>
/// Another reading of the decomposition rules than contextual decomposition. The rules that know a model's forward —
/// the walk of <see cref="ContextualDecomposition"/> over containers and leaves, the registry's model-family rules
/// (<see cref="DecompositionRules"/>), <see cref="IDecomposable"/> and generated decompositions, with their functional
/// steps — are written once over a pair of tensors (<see cref="Decomposition"/>). Under an interpretation that pair means
/// (the input's activation, the reference's activation): the steps that act on each part alone (adds, concatenations,
/// reshapes, bias-free linear maps) mean the same in both readings, and the few primitives that mix the parts (bias
/// sharing, element-wise non-linearities, max pooling, products) ask the running interpretation first. The input's part
/// carries an autograd graph whose backward is the method's rule (a DeepLift multiplier, a guided ReLU, an LRP
/// denominator), so plain autograd computes the method — for functional non-linearities, reused modules and in-place
/// ReLUs alike, which hook-based implementations miss.
/// </summary>
internal abstract class Interpretation
{
    [ThreadStatic] private static Interpretation? current;

    /// <summary>The interpretation running on this thread; null while the rules compute contextual decomposition.</summary>
    internal static Interpretation? Current => current;

    /// <summary>The public method's name, for messages.</summary>
    internal abstract string Method { get; }

    /// <summary>Runs the walk of <paramref name="model"/> over the pair (input, reference) under this interpretation.</summary>
    internal Decomposition Walk(nn.Module model, Tensor input, Tensor reference)
    {
        var saved = current;
        current = this;
        try { return ContextualDecomposition.RunPair(model, new Decomposition(input, reference)); }
        finally
        {
            current = saved;
            Finish();
        }
    }

    /// <summary>
    /// <paramref name="f"/> of the reference part. A reference that is one row broadcast over the batch (stride 0 along
    /// it: the default zero reference, a baseline shaped like one sample) gives the same row for every sample all the way
    /// through the model, so <paramref name="f"/> runs on that one row and its result is broadcast again (a view, no copy):
    /// the reference then costs one row's forward, not the batch's. Any other reference runs whole.
    /// </summary>
    internal static Tensor OnReference(Tensor reference, Func<Tensor, Tensor> f)
    {
        if (!IsBroadcastRow(reference)) return f(reference);
        using var row = reference.narrow(0, 0, 1);
        return Broadcast(f(row), reference.size(0)) ?? f(reference);
    }

    /// <summary><see cref="OnReference(Tensor, Func{Tensor, Tensor})"/> for an operation with two results (max pooling's values and indices).</summary>
    internal static (Tensor, Tensor) OnReference(Tensor reference, Func<Tensor, (Tensor, Tensor)> f)
    {
        if (!IsBroadcastRow(reference)) return f(reference);
        using var row = reference.narrow(0, 0, 1);
        var (a, b) = f(row);
        var n = reference.size(0);
        return Broadcast(a, n) is { } a2 && Broadcast(b, n) is { } b2 ? (a2, b2) : f(reference);
    }

    private static bool IsBroadcastRow(Tensor t) => t.dim() > 0 && t.size(0) > 1 && t.stride(0) == 0;

    // A one-row result viewed as n rows; null when the operation did not keep the batch dimension first.
    private static Tensor? Broadcast(Tensor row, long n)
    {
        if (row.dim() == 0 || row.size(0) != 1) return null;
        var shape = row.shape;
        shape[0] = n;
        return row.expand(shape);
    }

    /// <summary>Called when the walk ends (also after an error): frees what the interpretation kept across steps.</summary>
    internal virtual void Finish() { }

    /// <summary>
    /// Called with every module and its output pair as the walk leaves the module, for the layer and neuron methods: it
    /// returns the pair the walk continues with (the same one, or one whose input part is a fresh leaf that cuts the graph
    /// at a layer). Null: the walk is not read.
    /// </summary>
    internal Func<nn.Module, Decomposition, Decomposition>? Tap { get; init; }

    /// <summary>
    /// A dense affine map x·Wᵀ + b (a <see cref="Linear"/> module or the functional linear) read by this interpretation
    /// (DeepLift's RevealCancel keeps the positive and negative parts of its output difference), or null for the shared rule.
    /// </summary>
    internal virtual Decomposition? Affine(Decomposition d, Tensor weight, Tensor? bias) => null;

    /// <summary>A leaf module's own rule (LRP's linear layers), or null for the shared one.</summary>
    internal virtual Decomposition? Leaf(nn.Module module, Decomposition d) => null;

    /// <summary>y = f(x) element-wise; <paramref name="isRelu"/> marks ReLU itself (guided backprop's and deconvolution's rule).</summary>
    internal abstract Decomposition Elementwise(Decomposition d, Func<Tensor, Tensor> f, bool isRelu);

    /// <summary>Max pooling; <paramref name="pool"/> returns the pooled values and the flat spatial indices of the maxima.</summary>
    internal virtual Decomposition MaxPool(Decomposition d, Func<Tensor, (Tensor Values, Tensor Indices)> pool)
    {
        // The plain gradient: the maximum's position receives the gradient (guided backprop, deconvolution, LRP).
        using var scope = NewDisposeScope();
        var (o, _) = pool(d.Relevant);
        Tensor o0;
        using (no_grad()) (o0, _) = OnReference(d.Irrelevant, pool);
        return new Decomposition(o, o0).MoveToOuterDisposeScope();
    }

    /// <summary>The element-wise product of two activations (squeeze-and-excitation, gating).</summary>
    internal virtual Decomposition Product(Decomposition a, Decomposition b) => new(a.Relevant * b.Relevant, a.Irrelevant * b.Irrelevant);

    /// <summary>
    /// The error for an operation this interpretation has no rule for (softmax, attention, layer normalisation, LSTM),
    /// naming the module whose rule uses it; a no-op under contextual decomposition.
    /// </summary>
    internal static void Refuse(string operation)
    {
        if (current is not { } i) return;
        var path = ContextualDecomposition.InnermostPath();
        throw new NotSupportedException(
            $"{i.Method}: the model uses {operation} (in module {path}), which {i.Method} has no rule for: only element-wise non-linearities, " +
            "max pooling, products and affine maps (linear, convolution, batch normalisation, pooling, adds, concatenations, reshapes) propagate the method. " +
            "Explain this model with a path method instead (IntegratedGradients, GradientShap).");
    }
}
