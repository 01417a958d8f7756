using System.Runtime.CompilerServices;

namespace AttrDsl.Decomposition;

/// <summary>
/// Rules for TorchSharp's transformer modules: <c>MultiheadAttention</c>, <c>TransformerEncoderLayer</c>,
/// <c>TransformerEncoder</c>, <c>TransformerDecoderLayer</c> and <c>TransformerDecoder</c>. They are libtorch's C++
/// modules behind a handle: sequence-first ([S, N, E]), post-norm (<c>norm1(x + attention(x))</c>, then
/// <c>norm2(x + linear2(act(linear1(x))))</c>; the decoder attends to the memory between the two), with their weights
/// reachable only as named parameters. TorchSharp does not expose a layer's number of heads or its activation, so the rule finds them
/// once per module instance: it runs the module's own forward on a small probe and keeps the (heads, activation) pair
/// whose decomposition reproduces it; a module that no pair reproduces is refused with a clear error rather than
/// decomposed wrongly. Attention follows <see cref="AttentionRules"/> (weights from the full query and key).
/// </summary>
public static class TransformerRules
{
    private enum Activation { Relu, Gelu }

    private sealed record Config(long Heads, Activation Activation);

    private static readonly ConditionalWeakTable<nn.Module, Config> Configs = new();

    internal static void RegisterAll()
    {
        DecompositionRules.Register<TransformerEncoderLayer>((layer, d) => EncoderStack(layer, d, [""]));
        DecompositionRules.Register<TransformerEncoder>((encoder, d) => EncoderStack(encoder, d, LayerPrefixes(encoder)));
    }

    /// <summary>
    /// CD of <c>MultiheadAttention</c> (no masks, no dropout) on sequence-first inputs [L, N, E] / [S, N, E]: the input
    /// projections and the output projection are linear (their biases shared as by <see cref="LinearRules"/>); the
    /// per-head attention weights come from the full query and key.
    /// </summary>
    /// <param name="attention">The module.</param>
    /// <param name="query">β and γ of the query [L, N, E].</param>
    /// <param name="key">β and γ of the key [S, N, E].</param>
    /// <param name="value">β and γ of the value [S, N, E].</param>
    /// <param name="heads">
    /// The number of heads the module was built with. TorchSharp does not expose it: when null, it is found once per
    /// module by reproducing the module's own forward on a probe (as for the encoder layers).
    /// </param>
    /// <param name="keyPaddingMask">Optional [N, S] bool mask, true where a key position is padding (PyTorch's convention).</param>
    /// <returns>β and γ of the attention's output [L, N, E] (the first element of the module's result).</returns>
    public static Decomposition MultiheadAttention(MultiheadAttention attention, Decomposition query, Decomposition key, Decomposition value, long? heads = null,
        Tensor? keyPaddingMask = null)
    {
        ArgumentNullException.ThrowIfNull(attention);
        var p = Parameters(attention);
        if (!p.ContainsKey("in_proj_weight"))
            throw new ArgumentException("This MultiheadAttention has separate query/key/value projections (kdim or vdim differ from the embedding size); its rule covers the shared in_proj_weight form only.", nameof(attention));
        var e = p["in_proj_weight"].size(1);
        if (heads is { } h && (h < 1 || e % h != 0))
            throw new ArgumentOutOfRangeException(nameof(heads), heads, $"The attention's embedding size {e} must be a multiple of the number of heads.");
        if (query.Relevant.dim() != 3)
            throw new ArgumentException($"MultiheadAttention takes sequence-first inputs [L, N, E]; the query has shape [{string.Join(", ", query.Relevant.shape)}].", nameof(query));
        var count = heads ?? Configs.GetValue(attention, m => Identify(m, p, "in_proj_weight",
            (probe, c) => Attention(p, "", Plain(probe), Plain(probe), Plain(probe), c.Heads, null),
            probe => ((MultiheadAttention)m).forward(probe, probe, probe, null, false, null).Item1)).Heads;
        using var scope = NewDisposeScope();
        return Attention(p, "", query, key, value, count, keyPaddingMask).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// CD of a <c>TransformerDecoderLayer</c> or <c>TransformerDecoder</c> (no masks) on sequence-first inputs: the
    /// target [T, N, E] and the encoder's memory [S, N, E], each with its own β and γ (e.g. the memory from the
    /// decomposition of the encoder). The head count and activation are found as for the encoder.
    /// </summary>
    /// <returns>β and γ of the decoder's output [T, N, E].</returns>
    /// <exception cref="ArgumentException">The module is not a decoder (layer), or the inputs are not [L, N, E].</exception>
    public static Decomposition TransformerDecoder(nn.Module decoder, Decomposition target, Decomposition memory)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        var prefixes = decoder switch
        {
            TransformerDecoderLayer => [""],
            TorchSharp.Modules.TransformerDecoder => LayerPrefixes(decoder),
            _ => throw new ArgumentException($"TransformerDecoder decomposes TorchSharp's TransformerDecoderLayer or TransformerDecoder, not {decoder.GetType().FullName}.", nameof(decoder)),
        };
        CheckStack(decoder, target, "target");
        if (memory.Relevant.dim() != 3)
            throw new ArgumentException($"The memory must be sequence-first [S, N, E]; its decomposition has shape [{string.Join(", ", memory.Relevant.shape)}].", nameof(memory));
        var p = Parameters(decoder);
        var config = Configs.GetValue(decoder, m => Identify(m, p, prefixes[0] + "self_attn.in_proj_weight",
            (probe, c) => DecoderStack(p, prefixes, Plain(probe), Plain(probe.narrow(0, 0, 2)), c),
            probe => ((nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor>)m).forward(probe, probe.narrow(0, 0, 2), null!, null!, null!, null!)));
        using var scope = NewDisposeScope();
        return DecoderStack(p, prefixes, target, memory, config).MoveToOuterDisposeScope();
    }

    private static Decomposition DecoderStack(IReadOnlyDictionary<string, Tensor> p, IReadOnlyList<string> prefixes, Decomposition x, Decomposition memory, Config config)
    {
        foreach (var prefix in prefixes)
        {
            var e = x.Relevant.size(-1);
            x = Norm(p, prefix + "norm1.", ArithmeticRules.Add(x, Attention(p, prefix + "self_attn.", x, x, x, config.Heads, null)), e);
            x = Norm(p, prefix + "norm2.", ArithmeticRules.Add(x, Attention(p, prefix + "multihead_attn.", x, memory, memory, config.Heads, null)), e);
            x = Norm(p, prefix + "norm3.", ArithmeticRules.Add(x, FeedForward(p, prefix, x, config)), e);
        }
        return x;
    }

    private static void CheckStack(nn.Module module, Decomposition d, string what)
    {
        if (module.training)
            throw new InvalidOperationException($"{ContextualDecomposition.CurrentPath(module)} ({module.GetType().Name}) is in training mode, where its dropout zeroes random units; call model.eval() before decomposing.");
        if (d.Relevant.dim() != 3)
            throw new ArgumentException($"{ContextualDecomposition.CurrentPath(module)} ({module.GetType().Name}) takes a sequence-first {what} [S, N, E]; its decomposition has shape [{string.Join(", ", d.Relevant.shape)}].");
    }

    private static Decomposition Plain(Tensor x) => new(x, zeros_like(x));

    private static Decomposition EncoderStack(nn.Module module, Decomposition d, IReadOnlyList<string> prefixes)
    {
        CheckStack(module, d, "input");
        var p = Parameters(module);
        var config = Configs.GetValue(module, m => Identify(m, p, prefixes[0] + "self_attn.in_proj_weight",
            (probe, c) => EncoderLayers(p, prefixes, Plain(probe), c), probe => ((nn.IModule<Tensor, Tensor>)m).call(probe)));
        using var scope = NewDisposeScope();
        return EncoderLayers(p, prefixes, d, config).MoveToOuterDisposeScope();
    }

    private static Decomposition EncoderLayers(IReadOnlyDictionary<string, Tensor> p, IReadOnlyList<string> prefixes, Decomposition x, Config config)
    {
        foreach (var prefix in prefixes)
        {
            var e = x.Relevant.size(-1);
            x = Norm(p, prefix + "norm1.", ArithmeticRules.Add(x, Attention(p, prefix + "self_attn.", x, x, x, config.Heads, null)), e);
            x = Norm(p, prefix + "norm2.", ArithmeticRules.Add(x, FeedForward(p, prefix, x, config)), e);
        }
        return x;
    }

    private static Decomposition FeedForward(IReadOnlyDictionary<string, Tensor> p, string prefix, Decomposition x, Config config)
    {
        var hidden = LinearRules.linear(x, p[prefix + "linear1.weight"], p[prefix + "linear1.bias"]);
        hidden = config.Activation == Activation.Relu ? ActivationRules.Relu(hidden) : ActivationRules.Gelu(hidden);
        return LinearRules.linear(hidden, p[prefix + "linear2.weight"], p[prefix + "linear2.bias"]);
    }

    // libtorch's LayerNorm of these layers: over the embedding, ε = 1e-5 (TorchSharp does not let it be changed).
    private static Decomposition Norm(IReadOnlyDictionary<string, Tensor> p, string prefix, Decomposition x, long e) =>
        NormalizationRules.layer_norm(x, [e], p[prefix + "weight"], p[prefix + "bias"], 1e-5);

    // libtorch's multi-head attention: project, split the embedding into heads, softmax(q kᵀ / √d) v per head, join, project.
    private static Decomposition Attention(IReadOnlyDictionary<string, Tensor> p, string prefix, Decomposition query, Decomposition key, Decomposition value,
        long heads, Tensor? keyPaddingMask)
    {
        var w = p[prefix + "in_proj_weight"];
        var b = p.GetValueOrDefault(prefix + "in_proj_bias");
        var e = w.size(1);
        var (wq, wk, wv) = (w.narrow(0, 0, e), w.narrow(0, e, e), w.narrow(0, 2 * e, e));
        var (bq, bk, bv) = b is null ? (null, null, null) : (b.narrow(0, 0, e), b.narrow(0, e, e), b.narrow(0, 2 * e, e));
        // The attention weights come from the full query and key (AttentionRules), so only their totals are projected;
        // the value is decomposed. Self-attention passes one decomposition three times: its total is formed once.
        var queryTotal = query.Total();
        var keyTotal = ReferenceEquals(key.Relevant, query.Relevant) && ReferenceEquals(key.Irrelevant, query.Irrelevant) ? queryTotal : key.Total();
        var q = SplitHeads(nn.functional.linear(queryTotal, wq, bq), heads);
        var k = SplitHeads(nn.functional.linear(keyTotal, wk, bk), heads);
        var v = Heads(LinearRules.linear(value, wv, bv), heads);
        Tensor? mask = null;
        if (keyPaddingMask is not null)
            mask = keyPaddingMask.to(ScalarType.Bool).logical_not().view(keyPaddingMask.size(0), 1, 1, keyPaddingMask.size(1));   // true = may attend
        var attended = AttentionRules.Weighted(AttentionRules.Weights(q, k, mask), v);                  // [N, H, L, Dh]
        var joined = new Decomposition(JoinHeads(attended.Relevant), JoinHeads(attended.Irrelevant));
        return LinearRules.linear(joined, p[prefix + "out_proj.weight"], p.GetValueOrDefault(prefix + "out_proj.bias"));
    }

    // [L, N, E] → [N, H, L, E/H]
    private static Decomposition Heads(Decomposition d, long heads) => new(SplitHeads(d.Relevant, heads), SplitHeads(d.Irrelevant, heads));

    private static Tensor SplitHeads(Tensor t, long heads) => t.view(t.size(0), t.size(1), heads, t.size(2) / heads).permute(1, 2, 0, 3);

    // [N, H, L, Dh] → [L, N, H·Dh]
    private static Tensor JoinHeads(Tensor t) => t.permute(2, 0, 1, 3).reshape(t.size(2), t.size(0), t.size(1) * t.size(3));

    private static Dictionary<string, Tensor> Parameters(nn.Module module) =>
        module.named_parameters().ToDictionary(np => np.name, np => (Tensor)np.parameter);

    private static List<string> LayerPrefixes(nn.Module encoder)
    {
        var indices = encoder.named_parameters()
            .Select(np => np.name.Split('.'))
            .Where(parts => parts.Length > 2 && parts[0] == "layers" && int.TryParse(parts[1], out _))
            .Select(parts => int.Parse(parts[1])).Distinct().Order().ToList();
        return indices.Select(i => $"layers.{i}.").ToList();
    }

    // Runs the module's own forward on a small probe and finds the (heads, activation) whose decomposition reproduces it.
    private static Config Identify(nn.Module module, IReadOnlyDictionary<string, Tensor> p, string firstProjection,
        Func<Tensor, Config, Decomposition> decompose, Func<Tensor, Tensor> forward)
    {
        var w = p[firstProjection];
        var e = w.size(1);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var probe = arange(3 * 2 * e, dtype: w.dtype, device: w.device).mul(0.37).sin().view(3, 2, e);   // deterministic, no RNG draw
        var expected = forward(probe);
        foreach (var activation in new[] { Activation.Relu, Activation.Gelu })
            for (long h = 1; h <= e; h++)
            {
                if (e % h != 0) continue;
                var config = new Config(h, activation);
                if (decompose(probe, config).Total().allclose(expected, rtol: 1e-4, atol: 1e-5)) return config;
            }
        throw new UnsupportedModuleException(ContextualDecomposition.CurrentPath(module), module.GetType(),
            $"The decomposition rule for {module.GetType().Name} at {ContextualDecomposition.CurrentPath(module)} could not reproduce the module's own forward with any number of heads and a ReLU or GELU activation " +
            "(TorchSharp exposes neither, so the rule identifies them from the module's output). Register a rule of your own for it with DecompositionRules.Register.");
    }
}
