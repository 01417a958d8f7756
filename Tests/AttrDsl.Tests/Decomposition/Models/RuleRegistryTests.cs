using AttrDsl.Decomposition;
using TorchSharp.Modules;


namespace AttrDsl.Tests.Decomposition.Models;

/// <summary>
/// Rules registered for modules of another assembly (here TorchVision's <c>Permute</c>, which has no built-in rule):
/// before registration the walker refuses the module naming its path and the registry; after it, the rule is used
/// (by type or by type name) and the decomposition is exact; removing it restores the refusal.
/// </summary>
[Collection(RuleRegistryCollection.Name)]
public class RuleRegistryTests
{
    private static Sequential Model()
    {
        manual_seed(3);
        var model = nn.Sequential(("conv", nn.Conv2d(2, 4, 3, dtype: float64)), ("channels_last", torchvision.ops.Permute(0, 2, 3, 1)), ("head", nn.Linear(4, 3, dtype: float64)));
        model.eval();
        return model;
    }

    private static AttrDsl.Decomposition.Decomposition PermuteRule(nn.Module module, AttrDsl.Decomposition.Decomposition d)
    {
        var dims = RuleParts.Field<long[]>(module, "dims");
        return new AttrDsl.Decomposition.Decomposition(d.Relevant.permute(dims), d.Irrelevant.permute(dims));
    }

    [Fact]
    public void AModuleWithoutARuleIsRefusedWithItsPathAndTheRegistry()
    {
        using var model = Model();
        var x = randn(1, 2, 5, 5, dtype: float64);
        var e = Assert.Throws<UnsupportedModuleException>(() => ContextualDecomposition.Decompose(model, x, ones(1, 1, 5, 5, dtype: float64)));
        Assert.Equal("channels_last", e.ModulePath);
        Assert.Equal(typeof(torchvision.Permute), e.ModuleType);
        Assert.Contains("channels_last (TorchSharp.torchvision+Permute)", e.Message);
        Assert.Contains("DecompositionRules.Register(\"TorchSharp.torchvision+Permute\"", e.Message);
    }

    [Fact]
    public void ARuleRegisteredByTypeIsUsedAndExact()
    {
        using var model = Model();
        DecompositionRules.Register<torchvision.Permute>((p, d) => PermuteRule(p, d));
        try
        {
            Assert.Contains("TorchSharp.torchvision+Permute", DecompositionRules.Registered);
            var x = randn(2, 2, 5, 5, dtype: float64);
            var mask = (rand(2, 1, 5, 5) > 0.5).to(float64);
            var d = ContextualDecomposition.Decompose(model, x, mask);
            using var noGrad = no_grad();
            var y = model.forward(x);
            Assert.Equal(new long[] { 2, 3, 3, 3 }, d.Relevant.shape);
            Assert.True((d.Total() - y).abs().max().item<double>() < 1e-12);
            Assert.True(d.Relevant.abs().sum().item<double>() > 0 && d.Irrelevant.abs().sum().item<double>() > 0);
        }
        finally { Assert.True(DecompositionRules.Remove(typeof(torchvision.Permute))); }
        Assert.Throws<UnsupportedModuleException>(() => ContextualDecomposition.Decompose(model, randn(1, 2, 5, 5, dtype: float64), ones(1, 1, 5, 5, dtype: float64)));
    }

    [Fact]
    public void ARuleRegisteredByTypeNameIsUsed()
    {
        using var model = Model();
        var calls = 0;
        DecompositionRules.Register("TorchSharp.torchvision+Permute", (m, d) => { calls++; return PermuteRule(m, d); });
        try
        {
            var x = randn(1, 2, 5, 5, dtype: float64);
            var d = ContextualDecomposition.Decompose(model, x, ones(1, 1, 5, 5, dtype: float64));
            Assert.Equal(1, calls);
            using var noGrad = no_grad();
            Assert.True((d.Total() - model.forward(x)).abs().max().item<double>() < 1e-12);
            Assert.True(d.Irrelevant.abs().max().item<double>() < 1e-12, "a full mask leaves γ = 0");
        }
        finally { Assert.True(DecompositionRules.Remove("TorchSharp.torchvision+Permute")); }
    }

    [Fact]
    public void ARuleThatExpectsAMissingChildNamesTheModuleAndWhatIsMissing()
    {
        using var model = nn.Sequential(("block", new Block()));
        DecompositionRules.Register<Block>((b, d) => RuleParts.Chain(b, d, "conv", "missing"));
        try
        {
            var e = Assert.Throws<UnsupportedModuleException>(() => ContextualDecomposition.Decompose(model, randn(1, 1, 4, 4, dtype: float64), ones(1, 1, 4, 4, dtype: float64)));
            Assert.Equal("block", e.ModulePath);
            Assert.Contains("expects a child module 'missing'", e.Message);
            Assert.Contains("its children are [conv]", e.Message);
        }
        finally { DecompositionRules.Remove(typeof(Block)); }
    }

    [Fact]
    public void RegisteringANonModuleTypeIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => DecompositionRules.Register(typeof(string), (m, d) => d));
        Assert.Contains("not a TorchSharp module", e.Message);
    }

    private sealed class Block : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d conv = nn.Conv2d(1, 1, 3, padding: 1, dtype: float64);

        public Block() : base(nameof(Block)) => RegisterComponents();

        public override Tensor forward(Tensor x) => conv.call(x);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RuleRegistryCollection
{
    public const string Name = "The global rule registry";
}
