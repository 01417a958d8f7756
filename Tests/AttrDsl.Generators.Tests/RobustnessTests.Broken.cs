using AttrDsl.Generators.Tests.Infrastructure;

namespace AttrDsl.Generators.Tests;

/// <summary>
/// User code with errors the generator still sees (the IDE runs it on every keystroke): it must not throw, whatever
/// it generates. Errors are not compared here; the user's own errors come first.
/// </summary>
public sealed partial class RobustnessTests
{
    private const string Part = """
        [{0}]
        public partial class Model : nn.Module<Tensor, Tensor>
        {{
            {1}
        }}
        """;

    private const string Body = "private readonly Linear fc = nn.Linear(4, 2);\n    public Model() : base(\"m\") => RegisterComponents();\n    public override Tensor forward(Tensor x) => fc.forward(x);";

    public static TheoryData<string, string> BrokenModels => new()
    {
        // One class, the attribute on two partial parts: two pipeline items with one hint name.
        { "[Explainable] on two parts", Usings + string.Format(Part, "Explainable", Body) + "\n" + string.Format(Part, "Explainable", "") },
        { "[Decomposable] on two parts", Usings + string.Format(Part, "Decomposable", Body) + "\n" + string.Format(Part, "Decomposable", "") },
        { "[Explainable] and [Explainable, Decomposable] on two parts", Usings + string.Format(Part, "Explainable", Body) + "\n" + string.Format(Part, "Explainable, Decomposable", "") },
        { "two forwards", Usings + string.Format(Part, "Explainable", Body + "\n    public override Tensor forward(Tensor y) => fc.forward(y);") },
        { "forward without a body", Usings + string.Format(Part, "Explainable", "public override Tensor forward(Tensor x);") },
        { "attribute with bad arguments", Usings + string.Format(Part, "Explainable(References = \"two\", Schedule = 7)", Body) },
        { "prior of an unknown type", Usings + string.Format(Part, "Explainable, AttributionPrior(typeof(Nope), Lambda = 1)", Body) },
        { "prior without a type", Usings + string.Format(Part, "Explainable, AttributionPrior(null!)", Body) },
        { "unknown base type", Usings + string.Format(Part, "Explainable", Body).Replace("nn.Module<Tensor, Tensor>", "Missing") },
        { "class named like the generated enum", Usings + string.Format(Part, "Explainable", Body).Replace("class Model", "class Layer").Replace("public Model()", "public Layer()") },
    };

    [Theory]
    [MemberData(nameof(BrokenModels))]
    public void Broken_user_code_never_makes_the_generator_throw(string construct, string source)
    {
        var check = GeneratorCheck.Run(GeneratorHarness.Compile(("/robust/Model.cs", source)));
        Assert.True(check.Crash() is null, $"{construct}: {check.Crash()}");
    }

    [Fact]
    public void The_attribute_on_parts_in_two_files_never_makes_the_generator_throw()
    {
        var input = GeneratorHarness.Compile(("/robust/A.cs", Usings + string.Format(Part, "Explainable", Body)),
            ("/robust/B.cs", Usings + string.Format(Part, "Explainable", "")));
        var check = GeneratorCheck.Run(input);
        Assert.Null(check.Crash());
        Assert.Single(check.Generated);   // the class is still generated, once
    }
}
