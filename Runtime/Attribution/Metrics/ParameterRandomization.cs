using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>
/// The model-parameter randomisation test (Adebayo et al. 2018, "Sanity checks for saliency maps"): the layers of a
/// copy of the model are re-initialised one after another from the output down (cascading: the earlier ones stay
/// random), the explanation is recomputed after each, and its similarity to the original explanation is reported. An
/// explanation that explains the model must change once what the model learned is gone; one that stays alike explains
/// the input (an edge detector does), not the model. The caller's model is never changed: the copy is a new instance
/// from <c>createModel</c> with the model's weights loaded into it.
/// </summary>
public static class ParameterRandomization
{
    private const string Name = nameof(ParameterRandomization);

    /// <summary>
    /// The default pass threshold: a method passes when, with every layer randomised, its similarity to the original
    /// explanation (by default the Spearman rank correlation of the absolute values) is below 0.5, half-way between
    /// identical (1) and unrelated (0).
    /// </summary>
    public const double DefaultThreshold = 0.5;

    /// <summary>
    /// The randomisation cascade. Each listed layer's own parameters are re-drawn uniformly from
    /// ±1/√fan_in (TorchSharp's default initialisation of Linear and Conv layers; fan_in: a weight's elements per output,
    /// from the layer's first parameter of two or more dimensions) with a generator seeded by <paramref name="seed"/>.
    /// </summary>
    /// <param name="model">The trained model; it is only read (explained and its weights copied), never changed.</param>
    /// <param name="createModel">Creates a new instance of the model's architecture (e.g. <c>() =&gt; new MnistNet()</c>); the
    /// model's weights are loaded into it and its layers are randomised. It must not share parameters with <paramref name="model"/>.</param>
    /// <param name="explain">The explanation method under test: (model, inputs, target) → explanation [B, ...], called with
    /// <paramref name="model"/> first, then with the copy after each step.</param>
    /// <param name="inputs">The explained batch [B, ...].</param>
    /// <param name="target">The output explained.</param>
    /// <param name="layers">The layers to randomise, in cascade order (paths as in <c>named_modules</c>); null: every module with
    /// parameters of its own, output side first (<see cref="Layers"/>).</param>
    /// <param name="seed">Seeds the re-initialisation, so the test is reproducible.</param>
    /// <param name="threshold">The pass threshold on the last step's <paramref name="measure"/>, in (−1, 1]; see <see cref="DefaultThreshold"/>.</param>
    /// <param name="measure">The similarity the pass rule reads (all three are reported either way). The absolute-value
    /// Spearman correlation ties every zero attribution: for methods that multiply by the input (integrated gradients,
    /// input × gradient) on images with a black background and a black baseline, the background is zero in every
    /// explanation and keeps the correlation high whatever the network; the signed measure or SSIM then tells more.</param>
    /// <param name="cancellationToken">Checked before any work and before every step: once it is cancelled,
    /// <see cref="OperationCanceledException"/> is thrown and nothing is returned.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static RandomizationResult Run(nn.Module<Tensor, Tensor> model, Func<nn.Module<Tensor, Tensor>> createModel,
        Func<nn.Module<Tensor, Tensor>, Tensor, Target, Tensor> explain, Tensor inputs, Target target,
        IReadOnlyList<string>? layers = null, int seed = 0, double threshold = DefaultThreshold, RandomizationMeasure measure = RandomizationMeasure.SpearmanAbsolute,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Checks.Live(model, Name, nameof(model));
        ArgumentNullException.ThrowIfNull(createModel);
        ArgumentNullException.ThrowIfNull(explain);
        AttributionArgs.CheckBatch(inputs, Name);
        Checks.Finite(inputs, Name, nameof(inputs));
        ArgumentNullException.ThrowIfNull(target);
        Checks.TargetCount(target, inputs.size(0), Name);
        if (!(threshold > -1 && threshold <= 1))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"{Name}: threshold is a rank correlation; pass a value in (−1, 1], e.g. {DefaultThreshold}");
        Checks.Defined(measure, nameof(measure), Name);
        var cascade = CheckLayers(model, layers);

        using var scope = NewDisposeScope();
        var b = inputs.size(0);
        var original = Explain(explain, model, inputs, target, b);
        if (measure == RandomizationMeasure.Ssim && original.Maps.Length == 0)
            throw new ArgumentException($"{Name}: measure Ssim compares 2-D maps, but the explanations have shape [{b}, {original.Values[0].Length}]; pick SpearmanAbsolute or SpearmanSigned", nameof(measure));
        using var copy = Copy(model, createModel);
        var modules = copy.named_modules().ToDictionary(m => m.name, m => m.module);
        using var generator = new Generator((ulong)(uint)seed);
        var steps = new List<RandomizationStep>(cascade.Length);
        foreach (var layer in cascade)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var stepScope = NewDisposeScope();
            Reinitialise(modules[layer], generator);
            var randomised = Explain(explain, copy, inputs, target, b);
            if (randomised.Values[0].Length != original.Values[0].Length)
                throw new InvalidOperationException($"{Name}: the explanation function explain returned {randomised.Values[0].Length} values per sample after randomising '{layer}' but {original.Values[0].Length} for the model; it must return explanations of one shape");
            steps.Add(Compare(layer, original, randomised));
        }
        return new RandomizationResult(steps, threshold, measure);
    }

    /// <summary>
    /// The default cascade of <paramref name="model"/>: the paths of its modules that hold parameters of their own, in
    /// reverse registration order (for a network whose layers are registered input to output, the output layer first).
    /// </summary>
    public static IReadOnlyList<string> Layers(nn.Module<Tensor, Tensor> model)
    {
        Checks.Live(model, Name, nameof(model));
        return [.. model.named_modules().Where(m => m.module.named_parameters(recurse: false).Any()).Select(m => m.name).Reverse()];
    }

    private static string[] CheckLayers(nn.Module<Tensor, Tensor> model, IReadOnlyList<string>? layers)
    {
        var available = Layers(model);
        if (layers is null)
        {
            if (available.Count == 0)
                throw new ArgumentException($"{Name}: the model ({model.GetType().Name}) has no submodule with parameters of its own, so there is nothing to randomise; register its layers as submodules (RegisterComponents)", nameof(model));
            return [.. available];
        }
        if (layers.Count == 0)
            throw new ArgumentException($"{Name}: layers is empty; name the layers to randomise (output layer first), or pass null for all of them: {string.Join(", ", available)}", nameof(layers));
        foreach (var layer in layers)
            if (layer is null || !available.Contains(layer))
                throw new ArgumentException($"{Name}: layers names '{layer}', which is not a module of the model with parameters of its own; the model's are: {string.Join(", ", available)}", nameof(layers));
        if (layers.Distinct().Count() != layers.Count)
            throw new ArgumentException($"{Name}: layers names a layer twice ({string.Join(", ", layers)}); each is randomised once", nameof(layers));
        return [.. layers];
    }

    /// <summary>A new instance from <paramref name="createModel"/> holding a copy of the model's weights and buffers.</summary>
    private static nn.Module<Tensor, Tensor> Copy(nn.Module<Tensor, Tensor> model, Func<nn.Module<Tensor, Tensor>> createModel)
    {
        var copy = createModel() ?? throw new InvalidOperationException($"{Name}: createModel returned null; return a new instance of the model's architecture (e.g. () => new MyNet())");
        // Checked before anything is written, and never disposed when it fails: an instance that is or shares the model
        // owns the caller's weights.
        if (ReferenceEquals(copy, model))
            throw new InvalidOperationException($"{Name}: createModel returned the model itself; it must return a new instance, so that randomising it leaves the model's weights alone");
        var own = model.named_parameters().Select(p => p.parameter.Handle).ToHashSet();
        foreach (var (path, p) in copy.named_parameters())
            if (own.Contains(p.Handle))
                throw new InvalidOperationException($"{Name}: the instance createModel returned shares the parameter '{path}' with the model; return a new instance with its own layers");
        try
        {
            var state = model.state_dict();
            var target = copy.state_dict();
            var missing = state.Keys.Except(target.Keys).Concat(target.Keys.Except(state.Keys)).ToArray();
            if (missing.Length > 0)
                throw new InvalidOperationException($"{Name}: the instance createModel returned does not have the model's parameters ({string.Join(", ", missing.Take(5))} differ); return an instance of the same architecture");
            using var noGrad = no_grad();
            foreach (var (key, value) in state)
            {
                var into = target[key];
                if (!into.shape.SequenceEqual(value.shape))
                    throw new InvalidOperationException($"{Name}: '{key}' has shape {AttributionArgs.Str(into.shape)} in the instance createModel returned but {AttributionArgs.Str(value.shape)} in the model; return an instance of the same architecture");
                into.copy_(value);
            }
            copy.to(model.parameters().FirstOrDefault()?.device ?? CPU);
            copy.eval();
            if (model.training) copy.train();
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    private static void Reinitialise(nn.Module layer, Generator generator)
    {
        var own = layer.named_parameters(recurse: false).Select(p => p.parameter).ToArray();
        var weight = own.FirstOrDefault(p => p.dim() >= 2);
        using var noGrad = no_grad();
        foreach (var p in own)
        {
            var fanIn = weight is null ? p.numel() : weight.numel() / weight.size(0);
            var bound = 1 / Math.Sqrt(Math.Max(fanIn, 1));
            using var draw = rand(p.shape, ScalarType.Float64, generator: generator);
            using var scaled = draw.mul(2 * bound).sub_(bound);
            p.copy_(scaled);
        }
    }

    private sealed record Explained(double[][] Values, double[][] Maps, int H, int W);

    private static Explained Explain(Func<nn.Module<Tensor, Tensor>, Tensor, Target, Tensor> explain, nn.Module<Tensor, Tensor> model, Tensor inputs, Target target, long b)
    {
        var e = ModelCall.Run(() => explain(model, inputs, target), Name + " (the explanation function)", inputs);
        if (e is null) throw new InvalidOperationException($"{Name}: the explanation function explain returned null; it must return an explanation [B, ...]");
        if (e.IsInvalid) throw new InvalidOperationException($"{Name}: the explanation function explain returned a disposed tensor; return it out of its dispose scope");
        if (e.dim() < 2 || e.size(0) != b)
            throw new InvalidOperationException($"{Name}: the explanation function explain returned shape {AttributionArgs.Str(e.shape)} for {b} samples; expected [{b}, ...] (one explanation per sample)");
        if (!e.is_floating_point())
            throw new InvalidOperationException($"{Name}: the explanation function explain returned a {e.dtype} tensor; explanations are floating point");
        if (!Checks.AllFinite(e))
            throw new InvalidOperationException($"{Name}: the explanation function explain returned NaN or ±Inf values; the similarity of a NaN explanation means nothing — check the explained model and method");
        using var scope = NewDisposeScope();
        var values = AttributionValues.Rows(e, Name, "the explanation");
        // The 2-D map SSIM compares: |e| summed over the channels of [B, C, H, W], or |e| itself for [B, H, W].
        if (e.dim() < 3) return new Explained(values, [], 0, 0);
        var maps = e.dim() == 3 ? e.detach().abs() : e.detach().abs().reshape(b, -1, e.size(-2), e.size(-1)).sum(1);
        return new Explained(values, AttributionValues.Rows(maps, Name, "the explanation"), (int)e.size(-2), (int)e.size(-1));
    }

    private static RandomizationStep Compare(string layer, Explained original, Explained randomised)
    {
        var n = original.Values.Length;
        double abs = 0, signed = 0, ssim = 0;
        for (var s = 0; s < n; s++)
        {
            abs += ExplanationSimilarity.Spearman([.. original.Values[s].Select(Math.Abs)], [.. randomised.Values[s].Select(Math.Abs)]);
            signed += ExplanationSimilarity.Spearman(original.Values[s], randomised.Values[s]);
            if (original.Maps.Length > 0) ssim += ExplanationSimilarity.Ssim(original.Maps[s], randomised.Maps[s], original.H, original.W);
        }
        return new RandomizationStep(layer, abs / n, signed / n, original.Maps.Length > 0 ? ssim / n : double.NaN);
    }
}
