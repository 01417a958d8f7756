using AttrDsl.Generators.Tests.Infrastructure;

namespace AttrDsl.Generators.Tests;

/// <summary>
/// Models the generator cannot (fully) handle. Each compiles cleanly on its own; with the generator it must still
/// compile cleanly, with the unsupported part left out (the analyzers explain it) rather than an exception or broken code.
/// </summary>
public sealed partial class RobustnessTests
{
    private const string Usings = """
        using AttrDsl;
        using AttrDsl.Priors;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        namespace Robust;

        """;

    // forward bodies the contextual-decomposition translation has no rule for; the class itself is a valid [Explainable] model.
    private static string Explainable(string fields, string forward, string extra = "") => Usings + $$"""
        [Explainable]
        [AttributionPrior(typeof(L1Attribution), Lambda = 0.01)]
        public partial class Model : nn.Module<Tensor, Tensor>
        {
            {{fields}}
            public Model() : base(nameof(Model)) => RegisterComponents();

            public override Tensor forward(Tensor x)
            {
                {{forward}}
            }
        }
        {{extra}}
        """;

    private const string TwoLinear = "private readonly Linear fc1 = nn.Linear(4, 4);\n    private readonly Linear fc2 = nn.Linear(4, 2);";

    // forward bodies the translation follows since it translates forward as written (they used to stop it).
    public static TheoryData<string, string> SupportedForwards => new()
    {
        { "if/else", Explainable(TwoLinear, "if (x.shape[0] > 1) { x = fc1.forward(x); } else { x = nn.functional.relu(x); }\n        return fc2.forward(x);") },
        { "loop", Explainable(TwoLinear, "for (var i = 0; i < 2; i++) x = fc1.forward(x);\n        return fc2.forward(x);") },
        { "non-Tensor local", Explainable(TwoLinear, "long n = x.shape[0];\n        var h = fc1.forward(x).reshape(n, 4);\n        return fc2.forward(h);") },
        { "property layer", Explainable("private Linear fc1 { get; } = nn.Linear(4, 4);\n    private readonly Linear fc2 = nn.Linear(4, 2);", "return fc2.forward(fc1.forward(x));") },
        { "scalar multiply", Explainable(TwoLinear, "var h = fc1.forward(x) * 2;\n        return fc2.forward(h);") },
        { "statement after return", Explainable(TwoLinear, "return fc2.forward(fc1.forward(x));\n#pragma warning disable CS0162\n        x = fc1.forward(x);\n#pragma warning restore CS0162") },
        { "tensor condition and early return", Explainable(TwoLinear, "var h = fc1.forward(x);\n        if (h.mean().item<float>() > 10) return fc2.forward(h * 0);\n        return fc2.forward(h.relu());") },
    };

    [Theory]
    [MemberData(nameof(SupportedForwards))]
    public void A_forward_with_control_flow_gets_its_decomposition_and_layer_map(string construct, string source)
    {
        var text = CheckClean(construct, source).GeneratedText;
        Assert.Contains("ContextualDecomposition(", text);
        Assert.Contains(" Decompose(", text);
        Assert.Contains("struct Layer", text);
    }

    public static TheoryData<string, string> UnsupportedForwards => new()
    {
        { "undecomposable user module", Explainable("private readonly Plain block = new();\n    private readonly Linear fc2 = nn.Linear(4, 2);", "return fc2.forward(block.forward(x));",
            "public sealed class Plain : nn.Module<Tensor, Tensor>\n{\n    public Plain() : base(nameof(Plain)) { }\n    public override Tensor forward(Tensor x) => x.relu();\n}") },
        { "helper method of another class", Explainable(TwoLinear, "var h = Helpers.Scale(fc1.forward(x));\n        return fc2.forward(h);",
            "internal static class Helpers\n{\n    public static Tensor Scale(Tensor t) => t.relu();\n}") },
        { "LSTM with h0", Explainable("private readonly LSTM lstm = nn.LSTM(4, 4, batchFirst: true);\n    private readonly Linear fc2 = nn.Linear(4, 2);",
            "var h0 = torch.zeros(1, x.shape[0], 4);\n        var (output, _, _) = lstm.forward(x, (h0, h0));\n        return fc2.forward(output.select(1, -1));") },
        { "local read in a lambda", Explainable(TwoLinear, "System.Func<Tensor, Tensor> f = t => fc1.forward(t);\n        return fc2.forward(f(x));") },
        { "operation without a rule", Explainable(TwoLinear, "return fc2.forward(fc1.forward(x).cumsum(1));") },
        { "block whose own forward has no rule", Explainable("private readonly Bad block = new();\n    private readonly Linear fc2 = nn.Linear(4, 2);", "return fc2.forward(block.forward(x));",
            "[Decomposable]\npublic partial class Bad : nn.Module<Tensor, Tensor>\n{\n    public Bad() : base(nameof(Bad)) { }\n    public override Tensor forward(Tensor x) => x.cumsum(1);\n}") },
    };

    [Theory]
    [MemberData(nameof(UnsupportedForwards))]
    public void An_unsupported_forward_leaves_out_the_decomposition_only(string construct, string source)
    {
        var check = CheckClean(construct, source);
        var text = check.GeneratedText;
        // The model is still [Explainable]: the train-EG forward and training are generated...
        Assert.Contains("forward(global::TorchSharp.torch.Tensor x, bool trainEg)", text);
        Assert.Contains("TrainStep(", text);
        // ...but nothing that depends on translating forward.
        Assert.DoesNotContain("ContextualDecomposition(", text);
        Assert.DoesNotContain(" Decompose(", text);
        Assert.DoesNotContain("IDecomposable", text);
    }

    public static TheoryData<string, string> UnsupportedClasses => new()
    {
        { "generic class", Usings + "[Explainable]\npublic partial class Model<T> : nn.Module<Tensor, Tensor>\n{\n    private readonly Linear fc = nn.Linear(4, 2);\n    public Model() : base(\"m\") => RegisterComponents();\n    public override Tensor forward(Tensor x) => fc.forward(x);\n}" },
        { "non-partial class", Usings + "[Explainable]\npublic class Model : nn.Module<Tensor, Tensor>\n{\n    private readonly Linear fc = nn.Linear(4, 2);\n    public Model() : base(\"m\") => RegisterComponents();\n    public override Tensor forward(Tensor x) => fc.forward(x);\n}" },
        { "non-partial outer class", Usings + "public class Outer\n{\n    [Explainable]\n    public partial class Model : nn.Module<Tensor, Tensor>\n    {\n        private readonly Linear fc = nn.Linear(4, 2);\n        public Model() : base(\"m\") => RegisterComponents();\n        public override Tensor forward(Tensor x) => fc.forward(x);\n    }\n}" },
        { "not a Module<Tensor, Tensor>", Usings + "[Explainable]\npublic partial class Model : nn.Module<Tensor, Tensor, Tensor>\n{\n    public Model() : base(\"m\") { }\n    public override Tensor forward(Tensor x, Tensor y) => x + y;\n}" },
        { "not a module at all", Usings + "[Explainable]\n[Decomposable]\npublic partial class Model\n{\n    public Tensor forward(Tensor x) => x;\n}" },
        { "[Decomposable] with untranslatable forward", Usings + "[Decomposable]\npublic partial class Model : nn.Module<Tensor, Tensor>\n{\n    public Model() : base(\"m\") { }\n    public override Tensor forward(Tensor x) { if (x.dim() > 1) return x; return x.cumsum(0); }\n}" },
    };

    [Theory]
    [MemberData(nameof(UnsupportedClasses))]
    public void An_unsupported_class_gets_nothing(string construct, string source)
    {
        var check = CheckClean(construct, source);
        Assert.Empty(check.Generated);
    }

    public static TheoryData<string, string> UnusablePriors => new()
    {
        { "negative λ", Explainable(TwoLinear, "return fc2.forward(fc1.forward(x));").Replace("Lambda = 0.01", "Lambda = -1") },
        { "zero λ", Explainable(TwoLinear, "return fc2.forward(fc1.forward(x));").Replace("Lambda = 0.01", "Lambda = 0") },
        { "NaN λ", Explainable(TwoLinear, "return fc2.forward(fc1.forward(x));").Replace("Lambda = 0.01", "Lambda = double.NaN") },
        { "infinite λ", Explainable(TwoLinear, "return fc2.forward(fc1.forward(x));").Replace("Lambda = 0.01", "Lambda = double.PositiveInfinity") },
        { "not an IAttributionPrior", Explainable(TwoLinear, "return fc2.forward(fc1.forward(x));").Replace("typeof(L1Attribution)", "typeof(string)") },
        { "abstract prior", Explainable(TwoLinear, "return fc2.forward(fc1.forward(x));").Replace("typeof(L1Attribution)", "typeof(IAttributionPrior)") },
        { "same prior twice", Explainable(TwoLinear, "return fc2.forward(fc1.forward(x));").Replace("[Explainable]", "[Explainable]\n[AttributionPrior(typeof(L1Attribution), Lambda = 0.01)]") },
    };

    [Theory]
    [MemberData(nameof(UnusablePriors))]
    public void An_unusable_prior_leaves_out_training_only(string construct, string source)
    {
        var check = CheckClean(construct, source);
        var text = check.GeneratedText;
        Assert.Contains("forward(global::TorchSharp.torch.Tensor x, bool trainEg)", text);
        Assert.Contains("ContextualDecomposition(", text);   // forward itself is fine
        Assert.DoesNotContain("TrainStep(", text);
    }

    // The user's code compiles without errors (else the case tests nothing), the generator does not fail, and its
    // output adds no error and no warning.
    private GeneratorCheck CheckClean(string construct, string source)
    {
        var input = GeneratorHarness.Compile(("/robust/Model.cs", source));
        var userErrors = input.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).ToList();
        Assert.True(userErrors.Count == 0, $"{construct}: the test model itself does not compile:\n{GeneratorCheck.Describe(userErrors)}");
        var check = GeneratorCheck.Run(input);
        Assert.Null(check.Crash());
        var problems = check.GeneratedProblems();
        Assert.True(problems.Count == 0, $"{construct}: the generated code does not compile cleanly:\n{GeneratorCheck.Describe(problems)}\n{check.GeneratedText}");
        log.WriteLine($"{construct}: {check.Generated.Count()} generated file(s)");
        return check;
    }
}
