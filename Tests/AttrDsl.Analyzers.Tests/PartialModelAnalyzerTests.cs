using AttrDsl.Analyzers.Tests.Infrastructure;
using V = AttrDsl.Analyzers.Tests.Infrastructure.Verify<AttrDsl.Analyzers.PartialModelAnalyzer>;

namespace AttrDsl.Analyzers.Tests;

public sealed class PartialModelAnalyzerTests
{
    [Fact]
    public Task A_model_that_is_not_partial_is_reported_at_its_name() => V.Analyzer("""
        [Explainable]
        public class {|ATTR001:Net|} : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc = nn.Linear(4, 2);
            public Net() : base("n") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(x);
        }
        """);

    [Fact]
    public Task A_partial_model_is_fine() => V.Analyzer("""
        [Explainable]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc = nn.Linear(4, 2);
            public Net() : base("n") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(x);
        }
        """);
}
