using AttrDsl.Analyzers.CodeFixes;
using V = AttrDsl.Analyzers.Tests.Infrastructure.Verify<AttrDsl.Analyzers.TrainEgFlagAnalyzer>;

namespace AttrDsl.Analyzers.Tests;

/// <summary>ATTR004/ATTR005: the output given to ExpectedGradients followed back to its forward call.</summary>
public sealed class TrainEgFlagAnalyzerTests
{
    private const string Model = """
        [Explainable]
        public partial class Net : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc = nn.Linear(4, 2);
            public Net() : base("n") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(x);
        }

        """;

    private static Task Check(string body, string extraMembers = "") => V.Analyzer(Model + $$"""
        public static class Use
        {
            public static Tensor Run(Net model, Tensor x, Tensor y, bool flag, int n)
            {
        {{body}}
            }
        {{extraMembers}}
        }
        """);

    [Fact]
    public Task Direct_plain_forward() => Check("""
                return model.ExpectedGradients({|ATTR004:model.forward(x)|}, y);
        """);

    [Fact]
    public Task Direct_train_eg_forward_is_silent() => Check("""
                return model.ExpectedGradients(model.forward(x, trainEg: true), y);
        """);

    [Fact]
    public Task Through_a_local() => Check("""
                var output = {|ATTR004:model.forward(x)|};
                return model.ExpectedGradients(output, y);
        """);

    [Fact]
    public Task Through_a_chain_of_locals() => Check("""
                var output = {|ATTR004:model.call(x)|};
                var copy = output;
                Tensor again = copy;
                return model.ExpectedGradients(again, y);
        """);

    [Fact]
    public Task Reassigned_to_a_train_eg_forward_before_use_is_silent() => Check("""
                var output = model.forward(x);
                output = model.forward(x, trainEg: true);
                return model.ExpectedGradients(output, y);
        """);

    [Fact]
    public Task Reassigned_to_a_plain_forward_before_use() => Check("""
                var output = model.forward(x, trainEg: true);
                output = {|ATTR004:model.forward(x)|};
                return model.ExpectedGradients(output, y);
        """);

    [Fact]
    public Task Both_branches_plain() => Check("""
                Tensor output;
                if (n > 0) output = {|ATTR004:model.forward(x)|};
                else output = {|ATTR004:model.forward(x, false)|};
                return model.ExpectedGradients(output, y);
        """);

    [Fact]
    public Task One_branch_plain() => Check("""
                Tensor output;
                if (n > 0) output = model.forward(x, trainEg: true);
                else output = {|ATTR004:model.forward(x)|};
                return model.ExpectedGradients(output, y);
        """);

    [Fact]
    public Task Both_branches_correct_is_silent() => Check("""
                var output = n > 0 ? model.forward(x, trainEg: true) : model.forward(x * 2, trainEg: true);
                return model.ExpectedGradients(output, y);
        """);

    [Fact]
    public Task A_conditional_expression_with_a_plain_arm() => Check("""
                var output = n > 0 ? model.forward(x, trainEg: true) : {|ATTR004:model.forward(x)|};
                return model.ExpectedGradients(output, y);
        """);

    [Fact]
    public Task A_variable_flag_gets_the_softer_warning() => Check("""
                var output = {|ATTR005:model.forward(x, trainEg: flag)|};
                return model.ExpectedGradients(output, y);
        """);

    [Fact]
    public Task Inside_a_lambda() => Check("""
                System.Func<Tensor> explain = () =>
                {
                    var output = {|ATTR004:model.forward(x)|};
                    return model.ExpectedGradients(output, y);
                };
                return explain();
        """);

    [Fact]
    public Task A_lambda_that_captures_a_plain_output() => Check("""
                var output = {|ATTR004:model.forward(x)|};
                System.Func<Tensor> explain = () => model.ExpectedGradients(output, y);
                return explain();
        """);

    [Fact]
    public Task A_helper_methods_return() => Check("""
                return model.ExpectedGradients({|ATTR004:Predict(model, x)|}, y);
        """, """
            private static Tensor Predict(Net model, Tensor x) => model.forward(x);
        """);

    [Fact]
    public Task A_helper_that_returns_a_train_eg_forward_is_silent() => Check("""
                return model.ExpectedGradients(Interpolated(model, x), y);
        """, """
            private static Tensor Interpolated(Net model, Tensor x) => model.forward(x, trainEg: true);
        """);

    [Fact]
    public Task A_loop_that_replaces_the_output_with_a_plain_forward() => Check("""
                var output = model.forward(x, trainEg: true);
                Tensor sum = y;
                for (var i = 0; i < n; i++)
                {
                    sum = model.ExpectedGradients(output, y);
                    output = {|ATTR004:model.forward(x)|};
                }
                return sum;
        """);

    [Fact]
    public Task A_loop_with_a_train_eg_forward_each_time_is_silent() => Check("""
                Tensor sum = y;
                for (var i = 0; i < n; i++)
                {
                    var output = model.forward(x, trainEg: true);
                    sum = model.ExpectedGradients(output, y);
                }
                return sum;
        """);

    [Fact]
    public Task An_output_from_a_parameter_is_not_judged() => Check("""
                return model.ExpectedGradients(x, y);
        """);

    [Fact]
    public Task The_fix_adds_the_flag_to_forward_and_call() => V.Fix<AddTrainEgFlagCodeFixProvider>(Model + """
        public static class Use
        {
            public static Tensor Run(Net model, Tensor x, Tensor y)
            {
                var a = model.ExpectedGradients({|ATTR004:model.forward(x)|}, y);
                var b = model.ExpectedGradients({|ATTR004:model.call(x)|}, y);
                return model.ExpectedGradients({|ATTR004:model.forward(x, trainEg: false)|}, a + b);
            }
        }
        """, Model + """
        public static class Use
        {
            public static Tensor Run(Net model, Tensor x, Tensor y)
            {
                var a = model.ExpectedGradients(model.forward(x, trainEg: true), y);
                var b = model.ExpectedGradients(model.forward(x, trainEg: true), y);
                return model.ExpectedGradients(model.forward(x, trainEg: true), a + b);
            }
        }
        """);
}
