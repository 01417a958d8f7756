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

    // Local functions: followed like helper methods, with the variables they capture.

    [Fact]
    public Task A_local_function_that_returns_a_plain_forward() => Check("""
                Tensor Plain() => {|ATTR004:model.forward(x)|};
                return model.ExpectedGradients(Plain(), y);
        """);

    [Fact]
    public Task A_local_function_that_returns_a_train_eg_forward_is_silent() => Check("""
                Tensor Eg() => model.forward(x, trainEg: true);
                return model.ExpectedGradients(Eg(), y);
        """);

    [Fact]
    public Task A_local_function_that_returns_a_captured_plain_output() => Check("""
                var output = {|ATTR004:model.forward(x)|};
                Tensor Get() => output;
                return model.ExpectedGradients(Get(), y);
        """);

    // A model whose type is a type parameter constrained to an [Explainable] class.

    [Fact]
    public Task A_constrained_generic_model() => Check("""
                return Train(model, x, y);
        """, """
            private static Tensor Train<T>(T m, Tensor x, Tensor y) where T : Net => m.ExpectedGradients({|ATTR004:m.forward(x)|}, y);
        """);

    [Fact]
    public Task A_constrained_generic_model_with_a_train_eg_forward_is_silent() => Check("""
                return Train(model, x, y);
        """, """
            private static Tensor Train<T>(T m, Tensor x, Tensor y) where T : Net => m.ExpectedGradients(m.forward(x, trainEg: true), y);
        """);

    // Tuples, deconstruction, arrays, collections, properties and out parameters.

    [Fact]
    public Task A_tuple_element() => Check("""
                var t = ({|ATTR004:model.forward(x)|}, 1);
                return model.ExpectedGradients(t.Item1, y);
        """);

    [Fact]
    public Task A_named_tuple_element() => Check("""
                var t = (Output: {|ATTR004:model.forward(x)|}, Count: 1);
                var copy = t;
                return model.ExpectedGradients(copy.Output, y);
        """);

    [Fact]
    public Task The_train_eg_element_of_a_tuple_is_silent() => Check("""
                var t = (model.forward(x), model.forward(x, trainEg: true));
                return model.ExpectedGradients(t.Item2, y);
        """);

    [Fact]
    public Task A_deconstructed_tuple() => Check("""
                var (output, _) = ({|ATTR004:model.forward(x)|}, n);
                return model.ExpectedGradients(output, y);
        """);

    [Fact]
    public Task A_deconstructed_tuple_local() => Check("""
                (Tensor, Tensor) both = (model.forward(x, trainEg: true), {|ATTR004:model.forward(x)|});
                var (eg, plain) = both;
                return model.ExpectedGradients(eg, y) + model.ExpectedGradients(plain, y);
        """);

    [Fact]
    public Task The_train_eg_part_of_a_deconstruction_is_silent() => Check("""
                var (plain, eg) = (model.forward(x), model.forward(x, trainEg: true));
                return model.ExpectedGradients(eg, y);
        """);

    [Fact]
    public Task An_array_element() => Check("""
                var outputs = new[] { {|ATTR004:model.forward(x)|} };
                return model.ExpectedGradients(outputs[0], y);
        """);

    [Fact]
    public Task An_array_element_assigned() => Check("""
                var outputs = new Tensor[n];
                outputs[0] = {|ATTR004:model.call(x)|};
                return model.ExpectedGradients(outputs[0], y);
        """);

    [Fact]
    public Task An_array_of_train_eg_outputs_is_silent() => Check("""
                var outputs = new[] { model.forward(x, trainEg: true), model.forward(x * 2, trainEg: true) };
                return model.ExpectedGradients(outputs[1], y);
        """);

    [Fact]
    public Task A_list_element() => Check("""
                var outputs = new System.Collections.Generic.List<Tensor> { {|ATTR004:model.forward(x)|} };
                outputs.Add({|ATTR004:model.forward(x, false)|});
                return model.ExpectedGradients(outputs[1], y);
        """);

    [Fact]
    public Task A_list_element_read_in_a_foreach_or_by_linq() => Check("""
                var outputs = new System.Collections.Generic.List<Tensor>();
                outputs.Add({|ATTR004:model.forward(x)|});
                foreach (var output in outputs) y = model.ExpectedGradients(output, y);
                return model.ExpectedGradients(System.Linq.Enumerable.First(outputs), y);
        """);

    [Fact]
    public Task A_list_of_train_eg_outputs_is_silent() => Check("""
                var outputs = new System.Collections.Generic.List<Tensor>();
                for (var i = 0; i < n; i++) outputs.Add(model.forward(x, trainEg: true));
                foreach (var output in outputs) y = model.ExpectedGradients(output, y);
                return model.ExpectedGradients(outputs[0], y);
        """);

    [Fact]
    public Task A_property_whose_getter_is_a_plain_forward() => Check("""
                return model.ExpectedGradients({|ATTR004:Output|}, y);
        """, """
            private static Net Shared = new Net();
            private static Tensor Input = torch.zeros(1, 4);
            private static Tensor Output => Shared.forward(Input);
        """);

    [Fact]
    public Task A_property_whose_getter_is_a_train_eg_forward_is_silent() => Check("""
                return model.ExpectedGradients(Output, y);
        """, """
            private static Net Shared = new Net();
            private static Tensor Input = torch.zeros(1, 4);
            private static Tensor Output { get { return Shared.forward(Input, trainEg: true); } }
        """);

    [Fact]
    public Task An_out_parameter_of_a_helper() => Check("""
                Predict(model, x, out var output);
                return model.ExpectedGradients({|ATTR004:output|}, y);
        """, """
            private static void Predict(Net model, Tensor x, out Tensor output) => output = model.forward(x);
        """);

    [Fact]
    public Task An_out_parameter_set_to_a_train_eg_forward_is_silent() => Check("""
                Predict(model, x, out var output);
                return model.ExpectedGradients(output, y);
        """, """
            private static void Predict(Net model, Tensor x, out Tensor output) => output = model.forward(x, trainEg: true);
        """);

    [Fact]
    public Task A_helper_that_passes_its_argument_through() => Check("""
                return model.ExpectedGradients(Same({|ATTR004:model.forward(x)|}), y) + model.ExpectedGradients(Same(model.forward(x, trainEg: true)), y);
        """, """
            private static Tensor Same(Tensor t) => t;
        """);

    // ATTR014: a tensor computed from the output instead of the output itself.

    [Fact]
    public Task A_transform_of_the_train_eg_output() => Check("""
                return model.ExpectedGradients({|ATTR014:model.forward(x, trainEg: true).log_softmax(1)|}, y);
        """);

    [Fact]
    public Task A_detached_train_eg_output() => Check("""
                var output = model.forward(x, trainEg: true);
                var detached = {|ATTR014:output.detach()|};
                return model.ExpectedGradients(detached, y);
        """);

    [Fact]
    public Task An_operator_a_torch_function_or_an_indexer_on_the_output() => Check("""
                var output = model.forward(x, trainEg: true);
                var a = model.ExpectedGradients({|ATTR014:output * 2|}, y);
                var b = model.ExpectedGradients({|ATTR014:nn.functional.log_softmax(output, 1)|}, y);
                return model.ExpectedGradients({|ATTR014:output[0]|}, a + b);
        """);

    [Fact]
    public Task A_transform_in_a_helper() => Check("""
                return model.ExpectedGradients({|ATTR014:Scale(model.forward(x, trainEg: true))|}, y);
        """, """
            private static Tensor Scale(Tensor t) => t * 2;
        """);

    [Fact]
    public Task A_transform_of_a_plain_forward_is_reported_as_a_transform() => Check("""
                return model.ExpectedGradients({|ATTR014:model.forward(x).detach()|}, y);
        """);

    [Fact]
    public Task Transforming_the_attributions_and_keeping_the_output_in_a_dispose_scope_is_silent() => Check("""
                var output = model.forward(x, trainEg: true).MoveToOuterDisposeScope();
                var logits = output.log_softmax(1);
                return model.ExpectedGradients(output, y).abs() + logits;
        """);

    [Fact]
    public Task The_transform_message_names_the_transform() => V.Analyzer(Model + """
        public static class Use
        {
            public static Tensor Run(Net model, Tensor x, Tensor y) => model.ExpectedGradients({|#0:model.forward(x, trainEg: true).detach()|}, y);
        }
        """, new Microsoft.CodeAnalysis.Testing.DiagnosticResult(AttrDsl.Analyzers.Diagnostics.DiagnosticDescriptors.TransformedTrainEgOutput)
            .WithLocation(0).WithArguments("detach(...)", "forward(x, trainEg: true)"));

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
