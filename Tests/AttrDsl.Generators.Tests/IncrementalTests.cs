using AttrDsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace AttrDsl.Generators.Tests;

/// <summary>
/// The pipeline is incremental: the same driver, run again after an edit, reuses every model the edit did not change.
/// Each test runs one driver twice (RunGenerators(old) then RunGenerators(new)) and reads the second run's reasons.
/// </summary>
public sealed class IncrementalTests
{
    // A non-model class in the same file as MnistNet: editing it re-parses that file, so the model is re-built and
    // must compare equal to the previous one (Unchanged), not be re-emitted.
    // (The model files use file-scoped namespaces, so the appended class lands in the models' namespace.)
    private const string SameFileHelper = """

        internal static class MnistHelper
        {
            public static int Twice(int v) { return v * 2; }
        }
        """;

    private const string OtherFile = """
        namespace Elsewhere;

        public sealed class Unrelated
        {
            public int Compute(int v)
            {
                var w = v + 1;
                return w * 2;
            }
        }
        """;

    private static CSharpCompilation Models(string mnist = "") => GeneratorHarness.Compile(
        ("/models/MnistNet.cs", GeneratorHarness.ModelSource("MnistNet") + mnist),
        ("/models/MlpModel.cs", GeneratorHarness.ModelSource("MlpModel")),
        ("/models/ResidualCnn.cs", GeneratorHarness.ModelSource("ResidualCnn")),
        ("/src/Unrelated.cs", OtherFile));

    // The second run of one driver over first, then second.
    private static GeneratorDriverRunResult Rerun(Compilation first, Compilation second)
    {
        var driver = GeneratorHarness.Driver(track: true).RunGenerators(first);
        return driver.RunGenerators(second).GetRunResult();
    }

    private static CSharpCompilation Edit(CSharpCompilation compilation, string path, string from, string to)
    {
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        var text = tree.GetText().ToString();
        Assert.Contains(from, text);   // the edit must really happen, or the test proves nothing
        return compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().Replace(text.IndexOf(from, StringComparison.Ordinal), from.Length, to)));
    }

    private static void AssertAllReused(GeneratorDriverRunResult result)
    {
        var outputs = Steps.Outputs(result);
        // Both pipelines produced models, and the source outputs ran: otherwise "all reused" would hold vacuously.
        Assert.Contains(outputs, o => o.Step == ExplainableGenerator.TrackingNames.ExplainableModels && o.Value is not null);
        Assert.Contains(outputs, o => o.Step == ExplainableGenerator.TrackingNames.DecomposableModels && o.Value is not null);
        Assert.Contains(outputs, o => o.Step == WellKnownGeneratorOutputs.SourceOutput);
        Assert.True(outputs.All(o => Steps.IsReused(o.Reason)), "expected only Cached/Unchanged: " + Steps.Describe(outputs));
    }

    [Fact]
    public void A_second_run_on_the_same_compilation_reuses_everything()
    {
        var compilation = Models(SameFileHelper);
        AssertAllReused(Rerun(compilation, compilation));
    }

    [Fact]
    public void A_second_run_on_an_equal_compilation_reuses_everything()
    {
        // A new Compilation object (as an IDE makes on every keystroke) with the same trees: the semantic transforms
        // see a different compilation, yet nothing may be re-emitted.
        var compilation = Models(SameFileHelper);
        AssertAllReused(Rerun(compilation, compilation.Clone()));
    }

    [Fact]
    public void Editing_a_method_body_of_a_non_model_class_in_a_model_file_regenerates_nothing()
    {
        var before = Models(SameFileHelper);
        var after = Edit(before, "/models/MnistNet.cs", "return v * 2;", "return v * 3;");
        var result = Rerun(before, after);
        AssertAllReused(result);
        // The model of the edited file was re-built and compared equal: Unchanged, not Cached.
        Assert.Contains(Steps.Outputs(result), o => Steps.TypeName(o.Value) == "MnistNet" && o.Reason == IncrementalStepRunReason.Unchanged);
    }

    [Fact]
    public void Editing_a_method_body_in_another_file_regenerates_nothing()
    {
        var before = Models(SameFileHelper);
        AssertAllReused(Rerun(before, Edit(before, "/src/Unrelated.cs", "return w * 2;", "return w * 5;")));
    }

    [Fact]
    public void Editing_a_model_constructor_body_regenerates_nothing()
    {
        // The constructor is not part of the model: a body edit on the same line keeps line numbers (#line) equal.
        var before = Models();
        AssertAllReused(Rerun(before, Edit(before, "/models/MlpModel.cs", "base(nameof(MlpModel))", "base(\"MlpModel\")")));
    }

    [Fact]
    public void Adding_an_unrelated_file_regenerates_nothing()
    {
        var before = Models(SameFileHelper);
        var after = before.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace Added; public static class More { public static string Hello() => \"hi\"; }", GeneratorHarness.ParseOptions, "/src/Added.cs"));
        AssertAllReused(Rerun(before, after));
    }

    // The corpus of models written as users write forward (loops, attention, helpers, branches), each in its own file.
    private static CSharpCompilation Corpus() => GeneratorHarness.Compile(
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Models", "Corpus"), "*.cs").OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => ($"/corpus/{Path.GetFileName(f)}", File.ReadAllText(f))).ToArray());

    [Fact]
    public void A_second_run_over_the_corpus_reuses_everything()
    {
        var compilation = Corpus();
        var result = Rerun(compilation, compilation.Clone());
        var outputs = Steps.Outputs(result);
        Assert.True(outputs.Count(o => Steps.TrackingNames.Contains(o.Step) && o.Value is not null) >= 20, "the corpus produced fewer than 20 models");
        Assert.True(outputs.All(o => Steps.IsReused(o.Reason)), "expected only Cached/Unchanged: " + Steps.Describe(outputs));
    }

    [Fact]
    public void Editing_one_corpus_models_forward_regenerates_that_model_only()
    {
        var before = Corpus();
        // An operand in the ResNet's forward: the same line, a different translation.
        var after = Edit(before, "/corpus/ResNetForeach.cs", "x = nn.functional.adaptive_avg_pool2d(x, new long[] { 1, 1 });",
            "x = nn.functional.adaptive_avg_pool2d(x * 2, new long[] { 1, 1 });");
        var outputs = Steps.Outputs(Rerun(before, after));
        var modified = outputs.Where(o => Steps.TrackingNames.Contains(o.Step) && o.Reason == IncrementalStepRunReason.Modified).ToList();
        Assert.True(modified.Count == 1, "expected exactly one Modified model: " + Steps.Describe(outputs));
        Assert.Equal("ResNetForeach", Steps.TypeName(modified[0].Value));
        Assert.Single(outputs, o => o.Step == WellKnownGeneratorOutputs.SourceOutput && o.Reason == IncrementalStepRunReason.Modified);
        Assert.All(outputs.Where(o => o.Reason != IncrementalStepRunReason.Modified), o => Assert.True(Steps.IsReused(o.Reason), Steps.Describe([o])));
    }

    [Theory]
    [InlineData("Lambda = 1e-3", "Lambda = 2e-3")]
    [InlineData("References = 1", "References = 4")]
    [InlineData("[Explainable(References = 1)]", "[Explainable(References = 1, Schedule = AttrDsl.Training.PriorSchedule.Alternating)]")]
    public void Changing_an_attribute_argument_regenerates_exactly_that_model(string from, string to)
    {
        var before = Models();
        var result = Rerun(before, Edit(before, "/models/MnistNet.cs", from, to));
        var outputs = Steps.Outputs(result);

        var modelSteps = outputs.Where(o => Steps.TrackingNames.Contains(o.Step)).ToList();
        var modified = modelSteps.Where(o => o.Reason == IncrementalStepRunReason.Modified).ToList();
        Assert.True(modified.Count == 1, "expected exactly one Modified model: " + Steps.Describe(outputs));
        Assert.Equal("MnistNet", Steps.TypeName(modified[0].Value));
        Assert.Contains(modelSteps, o => Steps.TypeName(o.Value) == "MlpModel");
        Assert.All(modelSteps.Except(modified), o => Assert.True(Steps.IsReused(o.Reason), Steps.Describe([o])));

        // One generated file is rewritten; the others' source outputs are reused.
        var sources = outputs.Where(o => o.Step == WellKnownGeneratorOutputs.SourceOutput).ToList();
        Assert.Single(sources, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains(sources, o => Steps.IsReused(o.Reason));
        Assert.All(sources, o => Assert.True(o.Reason is IncrementalStepRunReason.Modified || Steps.IsReused(o.Reason), Steps.Describe([o])));
    }

    [Fact]
    public void No_step_output_holds_a_symbol_syntax_node_or_compilation()
    {
        // Every model of every test file, plus the decomposable block: all shapes of ModelSpec the generator builds.
        string[] models = ["MlpModel", "MnistNet", "ResidualCnn", "LstmText"];
        var compilation = GeneratorHarness.Compile(models.Select(m => ($"/models/{m}.cs", GeneratorHarness.ModelSource(m))).ToArray());
        var result = GeneratorHarness.Driver(track: true).RunGenerators(compilation).GetRunResult();

        var outputs = Steps.Outputs(result).Where(o => Steps.TrackingNames.Contains(o.Step)).ToList();
        Assert.Equal(5, outputs.Count(o => o.Value is not null));   // four [Explainable] models and one [Decomposable] block
        var visited = new HashSet<Type>();
        foreach (var (step, value, _) in outputs)
        {
            var found = RoslynReferenceWalker.Find(value, $"{step}:{Steps.TypeName(value)}", out var types);
            Assert.True(found.Count == 0, "Roslyn objects reachable from the pipeline: " + string.Join(", ", found));
            visited.UnionWith(types);
        }
        // The walk reached the nested records through EquatableArray (so it would have seen a symbol there).
        Assert.Contains(visited, t => t.Name == "ForwardSpec");
        Assert.Contains(visited, t => t.Name == "PriorSpec");
        Assert.Contains(visited, t => t.Name == "LayerSpec");
    }

    [Fact]
    public void The_reference_walker_finds_a_symbol_nested_in_a_record()
    {
        // The walk above can fail: a symbol or a syntax node behind a record, an array and a tuple is reported.
        var compilation = GeneratorHarness.Compile(("/a.cs", "class A { }"));
        var holder = new Holder("x", [(1, compilation.GetTypeByMetadataName("A")!)], compilation.SyntaxTrees[0].GetRoot().DescendantTokens().First());
        var found = RoslynReferenceWalker.Find(holder, "holder", out _);
        Assert.Equal(2, found.Count);
    }

    private sealed record Holder(string Name, (int, ISymbol)[] Symbols, SyntaxToken Token);
}
