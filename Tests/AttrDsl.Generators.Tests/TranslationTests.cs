using AttrDsl.Generators.Model;
using AttrDsl.Generators.Tests.Infrastructure;
using AttrDsl.Generators.Translation;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AttrDsl.Generators.Tests;

/// <summary>forward → operations: what the translation accepts, what each construct becomes, and where it stops.</summary>
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

    private static string Source(string body) => Header + body + "\n        }\n        private Tensor Helper(Tensor t) => t;\n    }\n";

    private static ForwardSpec Ok(string body)
    {
        var result = Translate(body);
        Assert.True(result.Forward is not null, $"not translated: {result.Problem}");
        return result.Forward!;
    }

    private static string Cd(ForwardSpec f) => string.Join("\n", f.Ops.Select(o => $"{string.Join(",", o.Targets)} = {Fill(o.CdCode, o)}"));

    private static string Fill(string code, OpSpec op)
    {
        for (var i = 0; i < op.Operands.Count; i++) code = code.Replace("{" + i + "}", op.Operands[i]);
        return code.Replace("global::AttrDsl.Decomposition.CdFunctional.", "cd.");
    }

    [Fact]
    public void Nested_calls_become_temporaries_in_evaluation_order()
    {
        var f = Ok("return nn.functional.relu(fc.forward(nn.functional.relu(x)));");
        Assert.Equal("""
            __t0 = cd.relu(x)
            __fc = cd.module(this.fc, __t0)
            __t1 = cd.relu(__fc)
             = return __t1;
            """, Cd(f));
    }

    [Fact]
    public void Locals_reassignment_and_a_residual_add_keep_the_users_names()
    {
        var f = Ok("""
            var h = fc.call(x);
            h = h.relu();
            var y = h + x;
            return torch.add(y, x);
            """);
        Assert.Equal(["h", "h", "y", "__t0", ""], f.Ops.Select(o => o.Targets.FirstOrDefault() ?? "").ToArray());
        Assert.Equal([true, false, true, true], f.Ops.Take(4).Select(o => o.Declares[0]).ToArray());
        Assert.Contains("cd.add(h, x)", Cd(f));
        Assert.Contains("cd.add(y, x)", Cd(f));
        Assert.Equal("this.fc.call({0})", f.Ops[0].TensorCode);   // call (hooks fire) is kept as the user wrote it
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
    public void Arguments_are_copied_as_constants_arrays_or_model_fields()
    {
        Assert.Contains("cd.view(x, -1, 16)", Cd(Ok("return x.view(-1, 16);")));
        Assert.Contains("cd.max_pool2d(x, kernelSize: this.window)", Cd(Ok("return nn.functional.max_pool2d(x, window);")));
        Assert.Contains("cd.adaptive_avg_pool2d(x, outputSize: new long[] { 2, 2 })", Cd(Ok("return nn.functional.adaptive_avg_pool2d(x, new long[] { 2, 2 });")));
        Assert.Contains("cd.cat(new global::AttrDsl.Decomposition.Decomposition[] { x, x }, 1)", Cd(Ok("return torch.cat(new[] { x, x }, 1);")));
    }

    [Fact]
    public void Containers_decomposable_blocks_and_the_lstm_are_layers()
    {
        Assert.Contains("cd.module(this.seq, x)", Cd(Ok("return seq.forward(x);")));
        Assert.Contains("cd.module(this.good, x)", Cd(Ok("return good.forward(x);")));
        var lstm = Ok("var (o, h, _) = lstm.forward(x); return o.select(0, -1);");
        Assert.Equal(OpKind.Lstm, lstm.Ops[0].Kind);
        Assert.Equal(["o", "h", ""], lstm.Ops[0].Targets.ToArray());
        Assert.Contains("cd.lstm(this.lstm, x)", Cd(lstm));
    }

    [Fact]
    public void Split_points_are_layers_whose_output_alone_is_live()
    {
        var f = Ok("""
            var h = fc.forward(x);
            var r = fc2.forward(torch.cat(new[] { h, x }, 1));
            return seq.forward(r);
            """);
        // After fc, x is still needed by the concatenation: fc is no split point; fc2 and seq are.
        Assert.Equal(["fc2", "seq"], f.Layers.Select(l => l.Name).ToArray());
    }

    [Theory]
    [InlineData("if (x.dim() > 1) x = fc.forward(x); return x;", "if (x.dim() > 1)", "statement")]
    [InlineData("for (var i = 0; i < 2; i++) x = fc.forward(x); return x;", "for (", "statement")]
    [InlineData("var n = x.size(0); return x.view(n, -1);", "n = x.size(0)", "not a Tensor")]
    [InlineData("return block.forward(x);", "block.forward(x)", "[Decomposable]")]
    [InlineData("return Prop.forward(x);", "Prop.forward(x)", "property")]
    [InlineData("return x * 2;", "x * 2", "no contextual-decomposition rule")]
    [InlineData("return Helper(x);", "Helper(x)", "no contextual-decomposition rule")]
    [InlineData("var (o, h, c) = lstm.forward(x, (x, x)); return o;", "lstm.forward(x, (x, x))", "zero states")]
    [InlineData("return lstm.forward(x).Item1;", "lstm.forward(x)", "deconstruct")]
    [InlineData("return nn.functional.max_pool2d(x, 2, ceil_mode: true);", "ceil_mode: true", "ceil_mode")]
    [InlineData("return nn.functional.avg_pool2d(x, new long[] { 2, 2 });", "avg_pool2d", "no contextual-decomposition rule")]
    [InlineData("return nn.functional.max_pool2d(x, (2, 2));", "(2, 2)", "neither a constant nor a field")]
    public void A_construct_without_a_rule_is_named_at_its_span(string body, string at, string message)
    {
        var result = Translate(body);
        Assert.Null(result.Forward);
        Assert.Contains(message, result.Problem);
        Assert.Contains(at, Source(body).Substring(result.Span.Start, result.Span.Length));
    }
}
