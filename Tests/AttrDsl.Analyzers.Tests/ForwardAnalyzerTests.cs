using AttrDsl.Analyzers.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using AttrDsl.Analyzers.CodeFixes;
using V = AttrDsl.Analyzers.Tests.Infrastructure.Verify<AttrDsl.Analyzers.ForwardAnalyzer>;

namespace AttrDsl.Analyzers.Tests;

/// <summary>ATTR007, ATTR008, ATTR011: the model's forward, through the generator's translation.</summary>
public sealed class ForwardAnalyzerTests
{
    [Fact]
    public Task ATTR007_names_the_construct_without_a_rule_at_its_span() => V.Analyzer("""
        [Explainable]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc = nn.Linear(4, 2);
            public Net() : base("n") => RegisterComponents();
            public override Tensor forward(Tensor x)
            {
                var h = fc.forward(x);
                return {|ATTR007:h.cumsum(1)|};
            }
        }
        """);

    [Fact]
    public Task ATTR007_a_lambda_over_a_decomposed_value_inside_a_branch() => V.Analyzer("""
        [Decomposable]
        public partial class Block : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc = nn.Linear(4, 4);
            public Block() : base("b") => RegisterComponents();
            public override Tensor forward(Tensor x)
            {
                if (x.dim() > 2) x = x.flatten(1);
                System.Func<Tensor> later = {|ATTR007:() => x.relu()|};
                return fc.forward(later());
            }
        }
        """);

    [Fact]
    public Task ATTR007_a_model_whose_decomposable_block_cannot_be_decomposed_names_the_block() => V.Analyzer("""
        [Decomposable]
        public partial class Bad : nn.Module<Tensor, Tensor>
        {
            public Bad() : base("b") { }
            public override Tensor forward(Tensor x) => {|#0:x.cumsum(1)|};
        }

        [Explainable]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            private readonly Bad block = new();
            private readonly Linear fc = nn.Linear(4, 2);
            public Net() : base("n") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward({|#1:block.forward(x)|});
        }
        """,
        new DiagnosticResult(DiagnosticDescriptors.NoDecompositionRule).WithLocation(0).WithArguments("'Tensor.cumsum' has no contextual-decomposition rule; give the block that uses it an IDecomposable implementation, or write the operation with ones that have rules", "Bad"),
        new DiagnosticResult(DiagnosticDescriptors.NoDecompositionRule).WithLocation(1).WithArguments("The block Bad called here cannot be decomposed: its forward has a construct with no rule ('Tensor.cumsum' has no contextual-decomposition rule; give the block that uses it an IDecomposable implementation, or write the operation with ones that have rules)", "Net"));

    [Fact]
    public Task Branches_loops_helpers_and_arithmetic_are_silent() => V.Analyzer("""
        [Decomposable]
        public partial class Block : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc = nn.Linear(4, 4);
            private readonly ModuleList<Linear> layers = nn.ModuleList(nn.Linear(4, 4), nn.Linear(4, 4));
            private readonly bool gated = true;
            public Block() : base("b") => RegisterComponents();
            public override Tensor forward(Tensor x)
            {
                if (x.dim() > 2) x = x.flatten(1);
                foreach (var layer in layers) x = x + Scaled(layer.call(x), 0.5);
                for (var i = 0; i < layers.Count; i++) x = layers[i].forward(x).relu_();
                if (!gated) return fc.forward(x);
                var parts = x.chunk(2, -1);
                Tensor Gate(Tensor a, Tensor b) => a * nn.functional.sigmoid(b);
                return fc.forward(torch.cat(new[] { Gate(parts[0], parts[1]), parts[1] }, 1) / System.Math.Sqrt(x.shape[1]));
            }
            private static Tensor Scaled(Tensor t, double s) => t * s;
        }
        """);

    [Fact]
    public Task A_translatable_forward_is_silent() => V.Analyzer("""
        [Explainable]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            private readonly Conv2d conv = nn.Conv2d(1, 4, 3);
            private readonly Linear fc = nn.Linear(4 * 13 * 13, 2);
            public Net() : base("n") => RegisterComponents();
            public override Tensor forward(Tensor x)
            {
                x = nn.functional.max_pool2d(conv.forward(x).relu(), 2);
                return fc.forward(x.flatten(1));
            }
        }
        """);

    private const string UserBlock = """
        public class Block : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc = nn.Linear(4, 4);
            public Block() : base("b") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(x) + x;
        }

        """;

    private const string UserBlockFixed = """
        [Decomposable]
        public partial class Block : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc = nn.Linear(4, 4);
            public Block() : base("b") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(x) + x;
        }

        """;

    private const string Net = """
        [Explainable]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            private readonly Block block = new();
            private readonly Linear fc = nn.Linear(4, 2);
            public Net() : base("n") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(NET_CALL);
        }
        """;

    [Fact]
    public Task ATTR008_a_user_block_without_decomposable_and_its_fix() => V.Fix<MarkDecomposableCodeFixProvider>(
        UserBlock + Net.Replace("NET_CALL", "{|ATTR008:block.forward(x)|}"),
        UserBlockFixed + Net.Replace("NET_CALL", "block.forward(x)"));

    [Fact]
    public Task ATTR011_total_variation_on_a_tabular_model() => V.Analyzer("""
        [Explainable]
        [{|ATTR011:AttributionPrior(typeof(TotalVariation))|}]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc = nn.Linear(4, 2);
            public Net() : base("n") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(x);
        }
        """);

    [Fact]
    public Task Total_variation_on_an_image_model_is_silent() => V.Analyzer("""
        [Explainable]
        [AttributionPrior(typeof(TotalVariation))]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            private readonly Conv2d conv = nn.Conv2d(1, 2, 3);
            public Net() : base("n") => RegisterComponents();
            public override Tensor forward(Tensor x) => conv.forward(x).flatten(1);
        }
        """);
}
