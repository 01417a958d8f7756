using AttrDsl.Internal;
using AttrDsl.Attribution;

namespace AttrDsl.Decomposition;

/// <summary>
/// Contextual decomposition (Murdoch et al. 2018; Singh et al., ACD 2019) of a TorchSharp model: the input is split
/// into a relevant part β and an irrelevant part γ and both are carried through the model layer by layer with the
/// rules of <see cref="LinearRules"/>, <see cref="NormalizationRules"/>, <see cref="ActivationRules"/>,
/// <see cref="PoolingRules"/>, <see cref="ResamplingRules"/>, <see cref="ShapeRules"/>, <see cref="EmbeddingRules"/> and
/// <see cref="CombinationRules"/>, so that β + γ equals the model's output at every layer.
/// <para>
/// The model is walked, not hooked: a module implementing <see cref="IDecomposable"/> decomposes itself; a module with a
/// rule in <see cref="DecompositionRules"/> (TorchVision's models and blocks, TorchSharp's transformer layers, rules you
/// register) uses it; <c>Sequential</c> runs its children in order (and so does a <c>ModuleList</c>, which cannot sit in a Sequential but
/// can be handed to <see cref="Propagate"/> by the block that owns it); the supported layers use their rules. Any other
/// module raises <see cref="UnsupportedModuleException"/> naming it and its path — nothing is skipped silently.
/// BatchNorm and Dropout must be in eval mode (call <c>model.eval()</c>).
/// </para>
/// </summary>
public static class ContextualDecomposition
{
    private const string Method = "ContextualDecomposition.Decompose";

    // The modules being decomposed, innermost last, with their paths: lets a hand-written IDecomposable call
    // Propagate(child, d) and still have errors name the child's full path.
    [ThreadStatic] private static List<(nn.Module Module, string Path)>? stack;

    /// <summary>
    /// Decomposes <paramref name="model"/>'s output (its logits) for input <paramref name="x"/> [N, ...] and mask
    /// <paramref name="mask"/>: β = m ⊙ x, γ = (1 − m) ⊙ x at the input. The mask must broadcast to x; to score M masks
    /// of one input in a single pass, give x as [1, ...] and the masks as [M, ...] — β and γ are then [M, ...] and the
    /// result has M rows. Masks need not be 0/1 (a fractional m splits a feature in proportion).
    /// </summary>
    /// <returns>β and γ of the output, with β + γ = model(x) (broadcast to the masks' rows); in the caller's dispose scope if it has one, else the caller disposes them.</returns>
    public static Decomposition Decompose(nn.Module<Tensor, Tensor> model, Tensor x, Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckInput(x);
        Checks.Live(mask, Method, nameof(mask));
        var shape = MaskedShape(x.shape, mask.shape, nameof(mask), nameof(x));
        Checks.Finite(mask, Method, nameof(mask));   // a NaN mask element would make β and γ NaN there without a word
        using var scope = NewDisposeScope();
        var m = mask.to(x.dtype, x.device);
        var beta = (m * x).expand(shape);
        var gamma = (x - beta).expand(shape);
        return Run(model, new Decomposition(beta, gamma)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Decomposes <paramref name="model"/>'s output for input <paramref name="x"/> with the relevant part given by a
    /// transform: β = T(x), γ = x − β (e.g. a low-pass filter for "the low frequencies are relevant").
    /// </summary>
    public static Decomposition Decompose(nn.Module<Tensor, Tensor> model, Tensor x, Func<Tensor, Tensor> relevantPart)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckInput(x);
        ArgumentNullException.ThrowIfNull(relevantPart);
        using var scope = NewDisposeScope();
        var beta = ModelCall.Run(() => relevantPart(x), $"{Method} (relevantPart)", x) ?? throw new ArgumentException("The transform relevantPart returned null; return T(x), the relevant part of x.", nameof(relevantPart));
        if (beta.IsInvalid) throw new ArgumentException("The transform relevantPart returned a disposed tensor; return T(x) alive.", nameof(relevantPart));
        if (!Checks.AllFinite(beta))
            throw new ArgumentException("The transform relevantPart returned NaN or ±Inf for a finite x; β = T(x) must be finite.", nameof(relevantPart));
        if (!beta.shape.SequenceEqual(x.shape))
            throw new ArgumentException($"The transform returned shape [{string.Join(", ", beta.shape)}] for input [{string.Join(", ", x.shape)}]; T(x) must have x's shape (γ = x − T(x)).", nameof(relevantPart));
        return Run(model, new Decomposition(beta, x - beta)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Decomposes a model over an already split input (β, γ) — e.g. from a previous part of a network.
    /// </summary>
    public static Decomposition Decompose(nn.Module<Tensor, Tensor> model, Decomposition input)
    {
        ArgumentNullException.ThrowIfNull(model);
        CdGuard.Check(input, nameof(input));
        Checks.Live(input.Relevant, Method, "input.Relevant");
        Checks.Live(input.Irrelevant, Method, "input.Irrelevant");
        Checks.Finite(input.Relevant, Method, "input.Relevant");
        Checks.Finite(input.Irrelevant, Method, "input.Irrelevant");
        using var scope = NewDisposeScope();
        return Run(model, input).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Decomposes a model whose first layer is an <see cref="Embedding"/>, for token indices <paramref name="tokens"/>
    /// [N, T] and a per-token mask broadcastable to them ([M, T] with N = 1 for M masks at once): each relevant token's
    /// embedding goes to β, the others' to γ (<see cref="EmbeddingRules"/>).
    /// </summary>
    public static Decomposition DecomposeTokens(nn.Module<Tensor, Tensor> model, Tensor tokens, Tensor tokenMask)
    {
        ArgumentNullException.ThrowIfNull(model);
        Checks.Live(model, "ContextualDecomposition.DecomposeTokens");
        Checks.Live(tokens, "ContextualDecomposition.DecomposeTokens", nameof(tokens));
        if (tokens.numel() == 0)
            throw new ArgumentException($"DecomposeTokens: tokens {Format.Shape(tokens)} is empty; pass at least one token of one sample", nameof(tokens));
        Checks.Live(tokenMask, "ContextualDecomposition.DecomposeTokens", nameof(tokenMask));
        if (tokens.is_floating_point() || tokens.dtype == ScalarType.Bool)
            throw new ArgumentException($"DecomposeTokens takes integer token indices, not {tokens.dtype}; for real-valued inputs call Decompose(model, x, mask).", nameof(tokens));
        MaskedShape(tokens.shape, tokenMask.shape, nameof(tokenMask), nameof(tokens));
        Checks.Finite(tokenMask, "ContextualDecomposition.DecomposeTokens", nameof(tokenMask));
        var first = FirstLeaf(model, "");
        if (first.Module is not Embedding embedding)
            throw new ArgumentException($"DecomposeTokens needs an Embedding as the model's first layer (reached through Sequential containers); the first layer is {Describe(first.Path, first.Module)}. " +
                                        "Decompose the embedding yourself with EmbeddingRules.Embedding and pass the result to Decompose(model, decomposition).", nameof(model));
        using var scope = NewDisposeScope();
        var embedded = EmbeddingRules.Embedding(embedding, tokens, tokenMask);
        return RunSkippingFirstLeaf(model, embedded).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The first step of a token model's decomposition: <paramref name="layer"/> applied to token indices
    /// <paramref name="tokens"/> [N, T] with a per-token mask broadcastable to them (generated code of models whose
    /// forward starts with an Embedding calls it).
    /// </summary>
    /// <exception cref="ArgumentException">The tokens are not integers, or the mask does not broadcast to them.</exception>
    public static Decomposition EmbedTokens(Embedding layer, Tensor tokens, Tensor tokenMask)
    {
        ArgumentNullException.ThrowIfNull(layer);
        Checks.Live(layer, "ContextualDecomposition.EmbedTokens", nameof(layer));
        Checks.Live(tokens, "ContextualDecomposition.EmbedTokens", nameof(tokens));
        if (tokens.numel() == 0)
            throw new ArgumentException($"EmbedTokens: tokens {Format.Shape(tokens)} is empty; pass at least one token of one sample", nameof(tokens));
        Checks.Live(tokenMask, "ContextualDecomposition.EmbedTokens", nameof(tokenMask));
        if (tokens.is_floating_point() || tokens.dtype == ScalarType.Bool)
            throw new ArgumentException($"The model's forward starts with an Embedding, so its decomposition takes integer token indices, not {tokens.dtype}.", nameof(tokens));
        MaskedShape(tokens.shape, tokenMask.shape, nameof(tokenMask), nameof(tokens));
        Checks.Finite(tokenMask, "ContextualDecomposition.EmbedTokens", nameof(tokenMask));
        return EmbeddingRules.Embedding(layer, tokens, tokenMask);
    }

    /// <summary>
    /// Decomposes a child module inside a running decomposition (from a hand-written <see cref="IDecomposable"/>, or
    /// generated code): dispatches on its type like the entry points and names it by its path in errors.
    /// </summary>
    public static Decomposition Propagate(nn.Module module, Decomposition d)
    {
        ArgumentNullException.ThrowIfNull(module);
        var s = stack ??= [];
        var path = s.Count == 0 ? "" : ChildPath(s[^1], module);
        return Visit(module, path, d);
    }

    /// <summary>The walk of <paramref name="model"/> over a pair under a running <see cref="Interpretation"/>.</summary>
    internal static Decomposition RunPair(nn.Module model, Decomposition d) => Run(model, d);

    /// <summary>The path of the module being walked now ("(model)" for the root or outside a walk).</summary>
    internal static string InnermostPath() => stack is { Count: > 0 } s && s[^1].Path.Length > 0 ? s[^1].Path : "(model)";

    private static Decomposition Run(nn.Module model, Decomposition d)
    {
        Checks.Live(model, Method);
        var s = stack ??= [];
        var saved = s.ToList();
        s.Clear();   // a decomposition started inside another one (e.g. a nested call in a test) has its own root
        try { return Finite(Visit(model, "", d)); }
        finally { s.Clear(); s.AddRange(saved); }
    }

    /// <summary>
    /// β or γ with NaN/±Inf for finite inputs means the model's own output is not finite (NaN weights after a diverged
    /// run, an overflow): an error naming the first such output, not a NaN decomposition.
    /// </summary>
    private static Decomposition Finite(Decomposition d)
    {
        if (d.RelevantOrNull is null || d.IrrelevantOrNull is null) return d;
        if (Checks.AllFinite(d.Relevant) && Checks.AllFinite(d.Irrelevant)) return d;
        using (var scope = NewDisposeScope())
        {
            var sum = d.Relevant.detach() + d.Irrelevant.detach();
            if (!Checks.AllFinite(sum)) Checks.NonFiniteOutput(sum, Method);
        }
        throw new InvalidOperationException(
            $"{Method}: the model's output is finite but its decomposition is not (β or γ holds ±Inf or NaN): the relevant and irrelevant parts " +
            "overflowed in opposite directions. Use float64 inputs and model (model.to(ScalarType.Float64)), or a mask that splits fewer features.");
    }

    private static Decomposition RunSkippingFirstLeaf(nn.Module model, Decomposition embedded)
    {
        // The first leaf (the Embedding) is already applied: walk the Sequential chain from the leaf onward.
        skipFirstLeaf = true;
        try { return Run(model, embedded); }
        finally { skipFirstLeaf = false; }
    }

    [ThreadStatic] private static bool skipFirstLeaf;

    private static Decomposition Visit(nn.Module module, string path, Decomposition d)
    {
        var result = VisitModule(module, path, d);
        // A layer method reads (or cuts) the walk at its layer's output.
        return Interpretation.Current?.Tap is { } tap ? tap(module, result) : result;
    }

    private static Decomposition VisitModule(nn.Module module, string path, Decomposition d)
    {
        var s = stack!;
        s.Add((module, path));
        try
        {
            if (skipFirstLeaf && module is Embedding)
            {
                skipFirstLeaf = false;
                return d;
            }
            if (module is IDecomposable self) return self.Decompose(d);
            if (DecompositionRules.Find(module) is { } rule) return rule(module, d);
            if (module is Sequential || IsModuleList(module))
            {
                foreach (var (name, child) in module.named_children())
                    d = Visit(child, Join(path, name), d);
                return d;
            }
            if (Interpretation.Current?.Leaf(module, d) is { } interpreted) return interpreted;
            return Leaf(module, path, d);
        }
        catch (Exception e) when (LibTorch.IsNative(e))
        {
            // The innermost module that failed names the error; the translated exception is not native, so the
            // enclosing modules' frames let it pass unchanged.
            throw new InvalidOperationException(
                $"{Method}: decomposing {Describe(path, module)} failed on a decomposition of shape {(d.RelevantOrNull is { IsInvalid: false } shown ? Format.Shape(shown) : "(unknown)")}: {LibTorch.Statement(e)}" +
                (LibTorch.Advice(LibTorch.Statement(e)) is { } advice ? $". What to do: {advice}." : ""), e);
        }
        finally { s.RemoveAt(s.Count - 1); }
    }

    private static Decomposition Leaf(nn.Module module, string path, Decomposition d) => module switch
    {
        Linear l => LinearRules.Linear(l, d),
        Conv1d c => LinearRules.Conv1d(c, d),
        Conv2d c => LinearRules.Conv2d(c, d),
        ConvTranspose1d c => LinearRules.ConvTranspose1d(c, d),
        ConvTranspose2d c => LinearRules.ConvTranspose2d(c, d),
        BatchNorm1d or BatchNorm2d => NormalizationRules.BatchNorm((NormBase)module, d),
        LayerNorm ln => NormalizationRules.LayerNorm(ln, d),
        GroupNorm gn => NormalizationRules.GroupNorm(gn, d),
        InstanceNorm1d or InstanceNorm2d => NormalizationRules.InstanceNorm((InstanceNorm)module, d),
        ReLU => ActivationRules.Relu(d),
        LeakyReLU lr => ActivationRules.LeakyRelu(d, lr.negative_slope),
        GELU g => ActivationRules.Gelu(d, g.approximate),
        Softplus sp => ActivationRules.Softplus(d, sp.beta, sp.threshold),
        SiLU => ActivationRules.Silu(d),
        ReLU6 => ActivationRules.Relu6(d),
        ELU e => ActivationRules.Elu(d, e.alpha),
        Mish => ActivationRules.Mish(d),
        Hardtanh h => ActivationRules.Hardtanh(d, h.min_val, h.max_val),
        Hardsigmoid => ActivationRules.Hardsigmoid(d),
        Hardswish => ActivationRules.Hardswish(d),
        // Element-wise activations without a rule of their own: ReLU's rule over the module's own forward.
        CELU or SELU or PReLU => ActivationRules.ReluStyle(d, x => ((nn.Module<Tensor, Tensor>)module).forward(x)),
        LogSoftmax ls => SoftmaxRules.LogSoftmax(d, ls.dim),
        GLU g => CdFunctional.glu(d, g.dim),
        Tanh => ActivationRules.Tanh(d),
        Sigmoid => ActivationRules.Sigmoid(d),
        MaxPool1d mp => PoolingRules.MaxPool1d(mp, d),
        MaxPool2d mp => PoolingRules.MaxPool2d(mp, d),
        AvgPool1d ap => PoolingRules.AvgPool1d(ap, d),
        AvgPool2d ap => PoolingRules.AvgPool2d(ap, d),
        AdaptiveAvgPool2d ap => PoolingRules.AdaptiveAvgPool2d(ap, d),
        AdaptiveMaxPool1d mp => PoolingRules.AdaptiveMaxPool1d(mp, d),
        AdaptiveMaxPool2d mp => PoolingRules.AdaptiveMaxPool2d(mp, d),
        Upsample u => ResamplingRules.Upsample(u, d),
        ZeroPad2d or ConstantPad1d or ConstantPad2d or ConstantPad3d or ReflectionPad1d or ReflectionPad2d or ReflectionPad3d
            or ReplicationPad1d or ReplicationPad2d or ReplicationPad3d => ResamplingRules.Pad((PadBase)module, d),
        Dropout => ShapeRules.Dropout(module, d),
        Identity => d,
        Flatten f => ShapeRules.Flatten(f, d),
        Embedding => throw new InvalidOperationException(
            $"{Describe(path, module)} takes token indices, but it receives a real-valued decomposition here; an Embedding can only be the first layer, decomposed with DecomposeTokens."),
        _ => throw new UnsupportedModuleException(path.Length == 0 ? "(model)" : path, module.GetType()),
    };

    /// <summary>The path of <paramref name="module"/> in the running decomposition ("(model)" for the root, its type name when it is not on the walk).</summary>
    internal static string CurrentPath(nn.Module module)
    {
        var s = stack;
        if (s is not null)
            for (var i = s.Count - 1; i >= 0; i--)
                if (ReferenceEquals(s[i].Module, module)) return s[i].Path.Length == 0 ? "(model)" : s[i].Path;
        return $"<{module.GetType().Name}>";
    }

    private static (nn.Module Module, string Path) FirstLeaf(nn.Module module, string path)
    {
        if (module is Sequential || IsModuleList(module))
            foreach (var (name, child) in module.named_children())
                return FirstLeaf(child, Join(path, name));
        return (module, path);
    }

    private static bool IsModuleList(nn.Module m) => m.GetType() is { IsGenericType: true } t && t.GetGenericTypeDefinition() == typeof(ModuleList<>);

    private static string ChildPath((nn.Module Module, string Path) parent, nn.Module child)
    {
        foreach (var (name, c) in parent.Module.named_children())
            if (ReferenceEquals(c, child)) return Join(parent.Path, name);
        return Join(parent.Path, $"<{child.GetType().Name}>");   // not a registered child: still say where it was called from
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static string Describe(string path, nn.Module m) => $"{(path.Length == 0 ? "(model)" : path)} ({m.GetType().FullName})";

    private static void CheckInput(Tensor x)
    {
        Checks.Live(x, Method, nameof(x));
        if (!x.is_floating_point())
            throw new ArgumentException($"Decompose takes a floating-point input, not {x.dtype}; for token indices into an Embedding call DecomposeTokens.", nameof(x));
        if (x.dim() == 0) throw new ArgumentException("The input is 0-dim; give it a batch dimension ([N, ...]).", nameof(x));
        Checks.NotEmpty(x, Method, "x");
        Checks.Finite(x, Method, "x");
    }

    // The shape of β and γ: x's shape with the batch dimension broadcast against the mask's (M masks of one input).
    private static long[] MaskedShape(long[] x, long[] mask, string maskName, string inputName)
    {
        if (mask.Length > x.Length)
            throw new ArgumentException($"{maskName} {Format.Shape(mask)} has {mask.Length} dimensions but {inputName} {Format.Shape(x)} only {x.Length}; give a mask broadcastable to {inputName} (or [M, ...] masks for a [1, ...] input).", maskName);
        var shape = (long[])x.Clone();
        for (var k = 1; k <= mask.Length; k++)
        {
            long a = x[^k], b = mask[^k];
            var isBatch = k == x.Length;
            if (a == b || b == 1) continue;
            if (isBatch && a == 1) { shape[0] = b; continue; }
            throw new ArgumentException($"{maskName} {Format.Shape(mask)} does not broadcast to {inputName} {Format.Shape(x)} (dimension {x.Length - k}: {b} vs {a}). " +
                                        $"Give a mask broadcastable to {inputName}, or M masks [M, ...] for one input [1, ...].", maskName);
        }
        return shape;
    }
}
