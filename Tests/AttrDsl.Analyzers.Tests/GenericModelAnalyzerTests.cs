using AttrDsl.Analyzers.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using V = AttrDsl.Analyzers.Tests.Infrastructure.Verify<AttrDsl.Analyzers.GenericModelAnalyzer>;

namespace AttrDsl.Analyzers.Tests;

/// <summary>ATTR013: the generator skips generic classes, so an annotated generic class is reported on its name.</summary>
public sealed class GenericModelAnalyzerTests
{
    [Fact]
    public Task A_generic_explainable_model() => V.Analyzer("""
        [Explainable]
        public partial class {|#0:Net|}<T> : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc = nn.Linear(4, 2);
            public Net() : base("n") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(x);
        }
        """, new DiagnosticResult(DiagnosticDescriptors.GenericModel).WithLocation(0)
            .WithArguments("Net", "Explainable", "Net<T>", "Net<float>"));

    [Fact]
    public Task A_decomposable_block_nested_in_a_generic_type() => V.Analyzer("""
        public partial class Outer<T>
        {
            [Decomposable]
            public partial class {|ATTR013:Block|} : nn.Module<Tensor, Tensor>
            {
                private readonly Linear fc = nn.Linear(4, 4);
                public Block() : base("b") => RegisterComponents();
                public override Tensor forward(Tensor x) => fc.forward(x);
            }
        }
        """);

    [Fact]
    public Task A_non_generic_model_derived_from_a_generic_one_is_silent_and_gets_its_members() => V.Analyzer("""
        public class Net<T> : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc = nn.Linear(4, 2);
            public Net() : base("n") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(x);
        }

        [Explainable]
        public partial class FloatNet : Net<float> { }

        public static class Use
        {
            public static Tensor Run(FloatNet model, Tensor x, Tensor y) => model.ExpectedGradients(model.forward(x, trainEg: true), y);
        }
        """);

    [Fact]
    public Task A_non_generic_model_is_silent() => V.Analyzer("""
        [Explainable]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc = nn.Linear(4, 2);
            public Net() : base("n") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(x);
        }
        """);
}
