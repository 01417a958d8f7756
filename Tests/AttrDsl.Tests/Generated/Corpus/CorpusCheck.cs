using AttrDsl.Decomposition;
using TorchSharp.Modules;
using Cd = AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Generated.Corpus;

/// <summary>
/// Shared checks of the corpus tests: every corpus model in float64 and eval mode, its generated decomposition against
/// its forward (completeness), against a decomposition written by hand in the test with the runtime's rules, at full and
/// empty masks, and its layer map's split points.
/// </summary>
internal static class CorpusCheck
{
    public const double Complete = 1e-8;
    public const double SameAsHandWritten = 1e-6;

    /// <summary>A model made after seeding the global generator, in float64 and eval mode.</summary>
    public static T Make<T>(Func<T> make, int seed = 5) where T : nn.Module
    {
        manual_seed(seed);
        var model = make();
        model.to(float64);
        model.eval();
        return model;
    }

    public static Tensor Rand(long[] shape, int seed) => randn(shape, dtype: float64, generator: new Generator((ulong)seed));

    public static Tensor Tokens(long vocabulary, long[] shape, int seed) => randint(0, vocabulary, shape, generator: new Generator((ulong)seed));

    /// <summary>A random 0/1 mask (about 40 % ones).</summary>
    public static Tensor Mask(long[] shape, int seed) => (rand(shape, dtype: float64, generator: new Generator((ulong)seed)) > 0.6).to(float64);

    /// <summary>The input decomposition of a real-valued model: β = m ⊙ x, γ = x − β.</summary>
    public static Cd Input(Tensor x, Tensor mask) => new(mask * x, x - mask * x);

    /// <summary>A (possibly nested, dot-separated) child module.</summary>
    public static T Child<T>(nn.Module module, string path) where T : nn.Module
    {
        nn.Module current = module;
        foreach (var name in path.Split('.'))
            current = current.named_children().Single(c => c.name == name).module;
        return (T)current;
    }

    public static nn.Module Child(nn.Module module, string path) => Child<nn.Module>(module, path);

    public static Tensor Parameter(nn.Module module, string name) => module.named_parameters().Single(p => p.name == name).parameter;

    public static Tensor Buffer(nn.Module module, string name) => module.named_buffers().Single(b => b.name == name).buffer;

    /// <summary>A leaf (or Sequential) module by the runtime's rules.</summary>
    public static Cd P(nn.Module module, Cd d) => ContextualDecomposition.Propagate(module, d);

    public static double Max(Tensor t) => t.abs().max().item<double>();

    /// <summary>β + γ is the output, within <see cref="Complete"/>; both parts carry something.</summary>
    public static void AssertComplete(Tensor output, Cd d, string what = "")
    {
        Assert.Equal(output.shape, d.Relevant.shape);
        var error = Max(d.Relevant + d.Irrelevant - output);
        Assert.True(error <= Complete, $"β + γ differs from forward(x) by {error:E3} {what}");
    }

    /// <summary>Generated and hand-written decompositions agree within <see cref="SameAsHandWritten"/>.</summary>
    public static void AssertSame(Cd expected, Cd actual, string what = "")
    {
        Assert.Equal(expected.Relevant.shape, actual.Relevant.shape);
        var r = Max(expected.Relevant - actual.Relevant);
        var i = Max(expected.Irrelevant - actual.Irrelevant);
        Assert.True(r <= SameAsHandWritten && i <= SameAsHandWritten, $"generated and hand-written decompositions differ: β by {r:E3}, γ by {i:E3} {what}");
    }

    /// <summary>
    /// For several random masks: the generated decomposition is complete and equals the hand-written one; the two parts
    /// both carry something for at least one mask (so the comparison is not of zeros).
    /// </summary>
    public static void AssertMasks(Tensor output, Func<Tensor, Cd> generated, Func<Tensor, Cd> handWritten, long[] maskShape, int seed = 100, int masks = 3)
    {
        var nonTrivial = false;
        for (var k = 0; k < masks; k++)
        {
            var mask = Mask(maskShape, seed + k);
            var g = generated(mask);
            AssertComplete(output, g, $"(mask {k})");
            AssertSame(handWritten(mask), g, $"(mask {k})");
            nonTrivial |= Max(g.Relevant) > 1e-6 && Max(g.Irrelevant) > 1e-6;
        }
        Assert.True(nonTrivial, "every mask left β or γ all zero: the comparison proves nothing");
    }

    /// <summary>
    /// A full mask leaves γ at most <paramref name="fullTolerance"/> and an empty mask leaves β at most
    /// <paramref name="emptyTolerance"/>: the CD bias rule gives a bias wholly to the part that is non-zero, and ReLU-style
    /// rules with f(0) = 0 keep a zero part zero, so the shares are exact up to rounding unless a model says otherwise.
    /// </summary>
    public static void AssertFullAndEmpty(Tensor output, Func<Tensor, Cd> generated, long[] maskShape, double fullTolerance = 1e-10, double emptyTolerance = 1e-10)
    {
        var full = generated(ones(maskShape, dtype: float64));
        AssertComplete(output, full, "(full mask)");
        var gamma = Max(full.Irrelevant);
        Assert.True(gamma <= fullTolerance, $"full mask: γ reaches {gamma:E3}");
        var empty = generated(zeros(maskShape, dtype: float64));
        AssertComplete(output, empty, "(empty mask)");
        var beta = Max(empty.Relevant);
        Assert.True(beta <= emptyTolerance, $"empty mask: β reaches {beta:E3}");
    }

    /// <summary>ForwardFrom(l, ForwardTo(l, x)) is forward(x) exactly for every layer forward reaches; returns the layers' names.</summary>
    public static IReadOnlyList<string> AssertSplits<TLayer>(nn.Module<Tensor, Tensor> model, Tensor x, IReadOnlyList<TLayer> layers,
        Func<TLayer, Tensor, Tensor> to, Func<TLayer, Tensor, Tensor> from)
    {
        using var noGrad = no_grad();
        var expected = model.forward(x);
        Assert.NotEmpty(layers);
        foreach (var layer in layers)
        {
            var activation = to(layer, x);
            var output = from(layer, activation);
            Assert.True(output.shape.SequenceEqual(expected.shape) && equal(expected, output).all().item<bool>(),
                $"ForwardFrom({layer}, ForwardTo({layer}, x)) differs from forward(x)");
        }
        return layers.Select(l => l!.ToString()!).ToList();
    }

    /// <summary><see cref="AssertSplits"/> for a model whose generated layer map is looked up by reflection (it may be missing).</summary>
    public static IReadOnlyList<string> AssertSplitsByReflection(nn.Module<Tensor, Tensor> model, Tensor x)
    {
        var type = model.GetType();
        var list = type.GetMethod("ListLayers");
        Assert.True(list is not null, $"{type.Name} has no generated layer map (ListLayers, ForwardTo, ForwardFrom)");
        var to = type.GetMethods().Single(m => m.Name == "ForwardTo");
        var from = type.GetMethods().Single(m => m.Name == "ForwardFrom");
        var layers = ((System.Collections.IEnumerable)list!.Invoke(model, [x])!).Cast<object>().ToList();
        return AssertSplits<object>(model, x, layers, (l, v) => (Tensor)to.Invoke(model, [l, v])!, (l, a) => (Tensor)from.Invoke(model, [l, a])!);
    }

    /// <summary>forward(x) without gradients.</summary>
    public static Tensor Forward(nn.Module<Tensor, Tensor> model, Tensor x)
    {
        using var noGrad = no_grad();
        return model.forward(x);
    }

    /// <summary>A layer explanation ran and produced finite values of some size.</summary>
    public static void AssertExplained(Tensor attribution)
    {
        Assert.True(attribution.numel() > 0);
        Assert.True(attribution.isfinite().all().item<bool>());
    }

    // Shorthands for the hand-written decompositions.
    public static Cd Conv(nn.Module m, string name, Cd d) => LinearRules.Conv2d(Child<Conv2d>(m, name), d);
    public static Cd Lin(nn.Module m, string name, Cd d) => LinearRules.Linear(Child<Linear>(m, name), d);
    public static Cd BN(nn.Module m, string name, Cd d) => NormalizationRules.BatchNorm(Child<NormBase>(m, name), d);
    public static Cd LN(nn.Module m, string name, Cd d) => NormalizationRules.LayerNorm(Child<LayerNorm>(m, name), d);
}
