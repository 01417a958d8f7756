using AttrDsl.Generators.Model;
using AttrDsl.Generators.Tests.Infrastructure;
using AttrDsl.Generators.Translation;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AttrDsl.Generators.Tests;

/// <summary>forward → its rewritten body: what the translation accepts, what each construct becomes, and where it stops.</summary>
public sealed class TranslationTests
{
    private const string Header = """
        using AttrDsl;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        public partial class Block : nn.Module<Tensor, Tensor>
        {
            private readonly Conv2d conv = nn.Conv2d(4, 4, 3, padding: 1);
            public Block() : base("b") => RegisterComponents();
            public override Tensor forward(Tensor x) => conv.forward(x);
        }

        [Decomposable]
        public partial class GoodBlock : nn.Module<Tensor, Tensor>
        {
            private readonly Conv2d conv = nn.Conv2d(4, 4, 3, padding: 1);
            public GoodBlock() : base("g") => RegisterComponents();
            public override Tensor forward(Tensor x) => conv.forward(x);
        }

        public partial class M : nn.Module<Tensor, Tensor>
        {
            private readonly Linear fc = nn.Linear(4, 4);
            private readonly Linear fc2 = nn.Linear(8, 4);
            private readonly Conv2d conv = nn.Conv2d(4, 4, 3, padding: 1);
            private readonly Sequential seq = nn.Sequential(nn.ReLU(), nn.Linear(4, 4));
            private readonly Block block = new();
            private readonly GoodBlock good = new();
            private readonly LSTM lstm = nn.LSTM(4, 4);
            private readonly long window = 2;
            [TorchSharp.Utils.ComponentName(Name = "renamed")] private readonly Linear named = nn.Linear(4, 4);
            private Linear Prop => fc;
            public M() : base("m") => RegisterComponents();
            public override Tensor forward(Tensor x)
            {
        """;

    private static TranslationResult Translate(string body)
    {
        var source = Source(body);
        var compilation = GeneratorHarness.Compile(("/t/M.cs", source));
        var tree = compilation.SyntaxTrees.Single();
        var forward = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>()
            .Last(m => m.Identifier.ValueText == "forward");
        return ForwardTranslator.Translate(forward, compilation.GetSemanticModel(tree), CancellationToken.None);
    }

    private static string Source(string body) => Header + body + "\n        }\n        private Tensor Helper(Tensor t, double s) => t.relu() * s;\n        private static long Half(long n) => n / 2;\n    }\n";

    private static ForwardSpec Ok(string body)
    {
        var result = Translate(body);
        Assert.True(result.Forward is not null, $"not translated: {result.Problem}");
        return result.Forward!;
    }

    // The decomposition body with the rule table written cd. and whitespace collapsed.
    private static string Cd(ForwardSpec f) => Squash(f.Body);

    private static string Squash(string text) =>
        System.Text.RegularExpressions.Regex.Replace(System.Text.RegularExpressions.Regex.Replace(
            text.Replace(ForwardTranslator.RulesPlaceholder + ".", "cd.").Replace(ForwardTranslator.ValuePlaceholder, "D"), @"\s+", " "), @" \)", ")").Trim();

    [Fact]
    public void Nested_calls_stay_nested_and_every_tensor_operation_goes_through_its_rule()
    {
        var f = Ok("return nn.functional.relu(fc.forward(nn.functional.relu(x)));");
        Assert.EndsWith("return cd.relu(cd.module(fc, cd.relu(x))); }", Cd(f));
    }

    [Fact]
    public void Locals_reassignment_and_a_residual_add_keep_the_users_names()
    {
        var cd = Cd(Ok("""
            var h = fc.call(x);
            h = h.relu();
            var y = h + x;
            return torch.add(y, x);
            """));
        Assert.Contains("var h = cd.module(fc, x);", cd);
        Assert.Contains("h = cd.relu(h);", cd);
        Assert.Contains("var y = cd.add(h, x);", cd);
        Assert.Contains("return cd.add(y, x);", cd);
    }

    [Fact]
    public void Every_functional_form_of_an_activation_maps_to_one_rule()
    {
        foreach (var form in new[] { "nn.functional.tanh(x)", "torch.tanh(x)", "x.tanh()" })
            Assert.Contains("cd.tanh(x)", Cd(Ok($"return {form};")));
        Assert.Contains("cd.relu(x)", Cd(Ok("return nn.functional.relu(x, inplace: true);")));
        Assert.Contains("cd.leaky_relu(x, negativeSlope: 0.2)", Cd(Ok("return nn.functional.leaky_relu(x, 0.2);")));
        Assert.Contains("cd.dropout(x)", Cd(Ok("return nn.functional.dropout(x, 0.3, training);")));
    }

    [Fact]
    public void Arguments_are_passed_as_the_user_wrote_them()
    {
        Assert.Contains("cd.view(x, -1, 16)", Cd(Ok("return x.view(-1, 16);")));
        Assert.Contains("cd.max_pool2d(x, kernelSize: window)", Cd(Ok("return nn.functional.max_pool2d(x, window);")));
        Assert.Contains("cd.max_pool2d(x, kernelSize: 3, stride: 1, padding: 1)", Cd(Ok("return nn.functional.max_pool2d(x, 3, stride: 1, padding: 1);")));
        Assert.Contains("cd.adaptive_avg_pool2d(x, outputSize: new long[] { 2, 2 })", Cd(Ok("return nn.functional.adaptive_avg_pool2d(x, new long[] { 2, 2 });")));
        Assert.Contains("cd.cat(new D[] { x, x }, dim: 1)", Cd(Ok("return torch.cat(new[] { x, x }, 1);")));
    }

    [Fact]
    public void Loops_branches_and_non_tensor_locals_stay_as_written()
    {
        var cd = Cd(Ok("""
            var n = x.shape[0];
            for (var i = 0; i < 2; i++)
            {
                if (i == 1 && training) continue;
                x = fc.forward(x);
            }
            if (x.sum().item<float>() > 0) return x.reshape(n, -1);
            return x.view(Half(n) * 2, -1);
            """));
        Assert.Contains("var n = cd.like(x).shape[0];", cd);                          // a shape read: on β, no β + γ computed
        Assert.Contains("for (var i = 0; i < 2; i++) { if (i == 1 && training) continue; x = cd.module(fc, x); }", cd);
        Assert.Contains("if (cd.value(x).sum().item<float>() > 0) return cd.reshape(x, n, -1);", cd);   // the branch forward takes
        Assert.Contains("return cd.view(x, Half(n) * 2, -1);", cd);
    }

    [Fact]
    public void Scalar_arithmetic_products_and_constants_have_their_rules()
    {
        var cd = Cd(Ok("""
            var g = fc.forward(x);
            var y = (x - 0.5) * 2 / System.Math.Sqrt(4.0);
            var z = x * torch.sigmoid(g) + torch.ones(4);
            return -z + y;
            """));
        Assert.Contains("var y = cd.div(cd.mul(cd.sub(x, 0.5), 2), System.Math.Sqrt(4.0));", cd);
        Assert.Contains("var z = cd.add(cd.mul(x, cd.sigmoid(g)), torch.ones(4));", cd);   // a constant tensor stays a plain tensor
        Assert.Contains("return cd.add(cd.neg(z), y);", cd);
    }

    [Fact]
    public void Attention_written_in_forward_takes_its_weights_from_the_full_value()
    {
        var cd = Cd(Ok("""
            var q = fc.forward(x);
            var k = fc.forward(x);
            var a = q.matmul(k.transpose(-2, -1)) / System.Math.Sqrt(q.shape[^1]);
            var w = a.softmax(-1);
            var o = w.matmul(x) + nn.functional.scaled_dot_product_attention(q, k, x);
            return o;
            """));
        // The scores only feed a softmax, whose weights are a constant from β + γ (CD-T): they are computed plainly.
        Assert.Contains("var a = cd.value(q).matmul(cd.value(k).transpose(-2, -1)) / System.Math.Sqrt(cd.like(q).shape[^1]);", cd);
        Assert.Contains("var w = a.softmax(-1);", cd);
        Assert.Contains("cd.matmul(w, x)", cd);
        Assert.Contains("cd.scaled_dot_product_attention(q, key: k, value: x)", cd);
    }

    [Fact]
    public void In_place_operations_and_dispose_scopes_as_torchvision_writes_them()
    {
        var cd = Cd(Ok("""
            using var scope = NewDisposeScope();
            var identity = x;
            var h = fc.call(x);
            h.add_(identity).relu_();
            return scope.MoveToOuter(h);
            """));
        Assert.Contains("using var scope = NewDisposeScope();", cd);
        Assert.Contains("h = cd.relu((h = cd.add(h, identity)));", cd);
        Assert.Contains("return cd.MoveToOuter(scope, h);", cd);
    }

    [Fact]
    public void Helpers_and_local_functions_are_translated_with_forward()
    {
        var f = Ok("""
            Tensor Block(Tensor t) => fc.forward(t).relu();
            x = Block(x);
            return Helper(x, 0.5);
            """);
        var cd = Cd(f);
        Assert.True(cd.Contains("D Block(D t) => cd.relu(cd.module(fc, t));"), cd);
        Assert.True(cd.Contains("return __cd_Helper(t: x, s: 0.5);"), cd);
        var helper = Assert.Single(f.Helpers);
        Assert.True(Squash(helper.Text).Contains("private D __cd_Helper(D t, double s) => cd.mul(cd.relu(t), s);"), Squash(helper.Text));
    }

    [Fact]
    public void Containers_decomposable_blocks_and_the_lstm_are_modules()
    {
        Assert.Contains("cd.module(seq, x)", Cd(Ok("return seq.forward(x);")));
        Assert.Contains("cd.module(good, x)", Cd(Ok("return good.forward(x);")));
        Assert.Contains("cd.module(Prop, x)", Cd(Ok("return Prop.forward(x);")));
        Assert.Contains("var (o, h, _) = cd.lstm(lstm, x);", Cd(Ok("var (o, h, _) = lstm.forward(x); return o.select(0, -1);")));
    }

    [Fact]
    public void Split_points_are_module_calls_whose_output_alone_is_live()
    {
        var f = Ok("""
            var h = fc.forward(x);
            var r = fc2.forward(torch.cat(new[] { h, x }, 1));
            for (var i = 0; i < 3; i++) r = fc.call(r);
            if (r.sum().item<float>() > 0) r = seq.forward(r);
            return nn.functional.relu(seq.forward(r));
            """);
        // After fc, x is still needed by the concatenation: fc is no split point. The loop's call is one layer per
        // iteration; a call under a branch taken on the input is none.
        Assert.Equal(["fc2", "fc", "seq"], f.Layers.Select(l => l.Name).ToArray());
        Assert.Equal([false, true, false], f.Layers.Select(l => l.InLoop).ToArray());
    }

    [Fact]
    public void A_split_point_has_a_module_path_only_when_its_module_is_a_member_of_the_model_called_once_outside_loops()
    {
        var f = Ok("""
            x = seq.forward(x);
            x = fc.forward(x);
            for (var i = 0; i < 3; i++) x = fc2.call(x);
            x = Prop.forward(x);
            x = named.forward(x);
            nn.Module<Tensor, Tensor> local = conv;
            x = local.forward(x);
            return fc.forward(x);
            """);
        Assert.Equal(["seq", "fc", "fc2", "Prop", "named", "local", "fc_call2"], f.Layers.Select(l => l.Name).ToArray());
        // RegisterComponents names a field's module by its [ComponentName] when it has one.
        Assert.Equal(["seq", "(none)", "(none)", "Prop", "renamed", "(none)", "(none)"], f.Layers.Select(l => l.ModulePath ?? "(none)").ToArray());
        Assert.All(f.Layers, l => Assert.True(l.ModulePath is null != (l.NoModulePath is null), $"{l.Name}: a path or a reason, not both"));
        Assert.Contains("called at 2 places", f.Layers[1].NoModulePath);
        Assert.Contains("in a loop", f.Layers[2].NoModulePath);
        Assert.Contains("not a field or property", f.Layers[5].NoModulePath);
        Assert.Equal(f.Layers[1].NoModulePath, f.Layers[6].NoModulePath);
    }

    [Fact]
    public void Max_over_a_dimension_clamp_powers_and_transposes_have_rules()
    {
        Assert.Contains("cd.max(x, dim: 1).values", Cd(Ok("return x.max(1).values;")));
        Assert.Contains("cd.clamp(x, min: 0)", Cd(Ok("return x.clamp(min: 0);")));
        Assert.Contains("cd.pow(x, exponent: 3)", Cd(Ok("return x.pow(3);")));
        Assert.Contains("cd.abs(x)", Cd(Ok("return x.abs() + x.square();")));
        Assert.Contains("cd.T(x)", Cd(Ok("return x.T;")));
        // Functional layers with TorchSharp's own parameter names.
        Assert.Contains("cd.linear(x, weight: fc.weight, bias: fc.bias)", Cd(Ok("return nn.functional.linear(x, weights: fc.weight, bias: fc.bias);")));
        Assert.Contains("cd.glu(x, dim: -1)", Cd(Ok("return nn.functional.glu(x, -1);")));
        Assert.Contains("cd.pad(x, pad: new long[] { 1, 1 })", Cd(Ok("return nn.functional.pad(x, new long[] { 1, 1 });")));
    }

    [Fact]
    public void A_second_interpretation_is_a_new_rule_table_over_the_same_translation()
    {
        // The same translated body, read with another rule table and value type (here: interval bounds, a stand-in
        // for DeepLift's or LRP's rules), compiles as it is: nothing in the translation is specific to (β, γ).
        var f = Ok("""
            var h = fc.forward(x);
            for (var i = 0; i < 2; i++) h = nn.functional.relu(h) * 0.5 + h;
            return Helper(h, 2.0);
            """);
        var interval = new ExplainableGenerator.Emitter.Interpretation("global::Other.IntervalRules", "global::Other.Interval");
        var body = ExplainableGenerator.Emitter.Interpret(f.Body, interval);
        var helper = ExplainableGenerator.Emitter.Interpret(f.Helpers.Single().Text, interval);
        var model = Source("return x;");
        var end = model.LastIndexOf('}');
        var source = model.Substring(0, end)
            + "        public global::Other.Interval Run(global::Other.Interval x)\n" + body + "\n" + helper + "\n    }\n"
            + """
            namespace Other
            {
                using TorchSharp;
                public readonly record struct Interval(torch.Tensor Low, torch.Tensor High);
                public static class IntervalRules
                {
                    public static Interval module(torch.nn.Module m, Interval d) => d;
                    public static Interval relu(Interval d) => new(torch.nn.functional.relu(d.Low), torch.nn.functional.relu(d.High));
                    public static Interval mul(Interval d, double s) => s >= 0 ? new(d.Low * s, d.High * s) : new(d.High * s, d.Low * s);
                    public static Interval add(Interval a, Interval b) => new(a.Low + b.Low, a.High + b.High);
                }
            }
            """;
        var compilation = GeneratorHarness.Compile(("/t/Interval.cs", source));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors) + "\n" + source);
    }

    [Theory]
    [InlineData("return block.forward(x);", "block.forward(x)", "[Decomposable]")]
    [InlineData("return x.cumsum(0);", "x.cumsum(0)", "no contextual-decomposition rule")]
    [InlineData("var (o, h, c) = lstm.forward(x, (x, x)); return o;", "lstm.forward(x, (x, x))", "zero states")]
    [InlineData("System.Func<Tensor, Tensor> f = t => t.relu() + x; return f(x);", "t => t.relu() + x", "lambda")]
    [InlineData("System.Func<Tensor, Tensor> f = t => t.relu(); return f(x);", "f(x)", "no contextual-decomposition rule")]
    [InlineData("return x.sort().Values;", "x.sort()", "no contextual-decomposition rule")]
    [InlineData("return x.max(fc.forward(x));", "x.max(fc.forward(x))", "for these operands (decomposed tensor, decomposed tensor)")]
    public void A_construct_without_a_rule_is_named_at_its_span(string body, string at, string message)
    {
        var result = Translate(body);
        Assert.Null(result.Forward);
        Assert.Contains(message, result.Problem);
        Assert.Contains(at, Source(body).Substring(result.Span.Start, result.Span.Length));
    }
}
