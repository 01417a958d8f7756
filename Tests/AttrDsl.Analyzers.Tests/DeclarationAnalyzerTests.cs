using AttrDsl.Analyzers.CodeFixes;
using Partial = AttrDsl.Analyzers.Tests.Infrastructure.Verify<AttrDsl.Analyzers.PartialModelAnalyzer>;
using Module = AttrDsl.Analyzers.Tests.Infrastructure.Verify<AttrDsl.Analyzers.TensorModuleAnalyzer>;
using PriorCheck = AttrDsl.Analyzers.Tests.Infrastructure.Verify<AttrDsl.Analyzers.PriorDeclarationAnalyzer>;

namespace AttrDsl.Analyzers.Tests;

/// <summary>ATTR001, ATTR002, ATTR003, ATTR006, ATTR009, ATTR010, ATTR012: the declaration of an annotated model.</summary>
public sealed class DeclarationAnalyzerTests
{
    private const string Body = """
        {
            private readonly Linear fc = nn.Linear(4, 2);
            public Net() : base("n") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(x);
        }
        """;

    [Fact]
    public Task ATTR001_fix_makes_the_class_and_its_container_partial() => Partial.Fix<MakePartialCodeFixProvider>("""
        public class {|ATTR001:Outer|}
        {
            [Explainable]
            public class {|ATTR001:Net|} : nn.Module<Tensor, Tensor>
            {
                public Net() : base("n") { }
                public override Tensor forward(Tensor x) => x;
            }
        }
        """, """
        public partial class Outer
        {
            [Explainable]
            public partial class Net : nn.Module<Tensor, Tensor>
            {
                public Net() : base("n") { }
                public override Tensor forward(Tensor x) => x;
            }
        }
        """);

    [Fact]
    public Task ATTR001_fix_on_a_class_without_modifiers() => Partial.Fix<MakePartialCodeFixProvider>("""
        [Decomposable]
        class {|ATTR001:Block|} : nn.Module<Tensor, Tensor>
        {
            public Block() : base("b") { }
            public override Tensor forward(Tensor x) => x;
        }
        """, """
        [Decomposable]
        partial class Block : nn.Module<Tensor, Tensor>
        {
            public Block() : base("b") { }
            public override Tensor forward(Tensor x) => x;
        }
        """);

    [Fact]
    public Task ATTR002_a_class_that_is_no_tensor_module() => Module.Analyzer("""
        [{|ATTR002:Explainable|}]
        public partial class NotAModel
        {
        }

        [Explainable]
        public partial class Net : nn.Module<Tensor, Tensor>
        """ + Body);

    [Fact]
    public Task ATTR003_a_type_that_is_no_prior_or_has_no_parameterless_constructor() => PriorCheck.Analyzer("""
        public sealed class NeedsArgs : IAttributionPrior
        {
            public NeedsArgs(int k) { }
            public string Name => "needs";
            public Tensor Loss(Tensor attributions, PriorContext context) => attributions.sum();
        }

        [Explainable]
        [AttributionPrior({|ATTR003:typeof(string)|})]
        [AttributionPrior({|ATTR003:typeof(NeedsArgs)|})]
        [AttributionPrior(typeof(TotalVariation))]
        public partial class Net : nn.Module<Tensor, Tensor>
        """ + Body);

    [Fact]
    public Task ATTR006_priors_without_explainable_and_its_fix() => PriorCheck.Fix<AddExplainableCodeFixProvider>("""
        [{|ATTR006:AttributionPrior(typeof(TotalVariation), Lambda = 0.01)|}]
        public partial class Net : nn.Module<Tensor, Tensor>
        """ + Body, """
        [Explainable]
        [AttributionPrior(typeof(TotalVariation), Lambda = 0.01)]
        public partial class Net : nn.Module<Tensor, Tensor>
        """ + Body);

    [Fact]
    public Task ATTR009_lambda_not_positive_and_finite() => PriorCheck.Analyzer("""
        [Explainable]
        [AttributionPrior(typeof(TotalVariation), {|ATTR009:Lambda = 0|})]
        [AttributionPrior(typeof(L1Attribution), {|ATTR009:Lambda = -1e-3|})]
        [AttributionPrior(typeof(L2Attribution), {|ATTR009:Lambda = double.PositiveInfinity|})]
        [AttributionPrior(typeof(GiniSparsity), Lambda = 1e-3)]
        public partial class Net : nn.Module<Tensor, Tensor>
        """ + Body);

    [Fact]
    public Task ATTR010_references_below_one() => PriorCheck.Analyzer("""
        [Explainable({|ATTR010:References = 0|})]
        public partial class Net : nn.Module<Tensor, Tensor>
        """ + Body);

    [Fact]
    public Task ATTR012_the_same_prior_twice() => PriorCheck.Analyzer("""
        [Explainable(References = 2)]
        [AttributionPrior(typeof(L1Attribution), Lambda = 1e-3)]
        [{|ATTR012:AttributionPrior(typeof(L1Attribution), Lambda = 1e-2)|}]
        public partial class Net : nn.Module<Tensor, Tensor>
        """ + Body);

    [Fact]
    public Task A_correct_declaration_is_silent() => PriorCheck.Analyzer("""
        [Explainable(References = 3, Schedule = AttrDsl.Training.PriorSchedule.Alternating)]
        [AttributionPrior(typeof(TotalVariation), Lambda = 1e-3)]
        [AttributionPrior(typeof(L2Attribution), Lambda = 1e-4)]
        public partial class Net : nn.Module<Tensor, Tensor>
        """ + Body);
}
