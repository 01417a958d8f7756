using AttrDsl.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit.Abstractions;

namespace AttrDsl.Generators.Tests;

/// <summary>
/// The generator sees half-typed code on every keystroke: deleting any single token of a test model must never make it
/// throw, and whenever the mutated user code still compiles cleanly, the generated code must compile cleanly too.
/// </summary>
public sealed partial class RobustnessTests(ITestOutputHelper log)
{
    // The test models, and corpus models written as users write forward: loops over blocks, attention, helpers and local
    // functions, branches and early returns, dispose scopes and in-place operations.
    public static TheoryData<string> Models => new()
    {
        "MlpModel", "MnistNet", "ResidualCnn", "LstmText",
        "Corpus/TransformerClassifier", "Corpus/ResNetForeach", "Corpus/TorchVisionStyleNet", "Corpus/HelperMethodsNet", "Corpus/ConfigurableNet",
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Deleting_any_single_token_never_breaks_the_generator(string model)
    {
        var source = GeneratorHarness.ModelSource(model);
        var path = $"/models/{model.Replace('/', '_')}.cs";
        // One base compilation, edited per mutation: ReplaceSyntaxTree keeps the bound references, so each run is fast.
        var baseline = GeneratorHarness.Compile((path, source));
        var original = baseline.SyntaxTrees.Single();
        Assert.False(GeneratorCheck.HasErrors(baseline));

        var tokens = original.GetRoot().DescendantTokens().Where(t => t.Span.Length > 0).ToList();
        var failures = new List<string>();
        int compiled = 0, generated = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var token in tokens)
        {
            var text = original.GetText().Replace(token.Span, "");
            var input = baseline.ReplaceSyntaxTree(original, CSharpSyntaxTree.ParseText(text, GeneratorHarness.ParseOptions, path));
            var check = GeneratorCheck.Run(input);
            var where = $"deleting '{token.Text}' at line {token.GetLocation().GetLineSpan().StartLinePosition.Line + 1}";
            if (check.Crash() is { } crash)
            {
                failures.Add($"{where}: {crash}");
                continue;
            }
            if (check.Generated.Any()) generated++;
            if (GeneratorCheck.HasErrors(input)) continue;
            compiled++;
            if (check.GeneratedProblems() is { Count: > 0 } problems)
                failures.Add($"{where}: the user's code compiles, the output does not:\n{GeneratorCheck.Describe(problems)}");
        }
        log.WriteLine($"{model}: {tokens.Count} deletions ({compiled} still compiling, {generated} with generated code) in {clock.Elapsed.TotalSeconds:F1} s");

        Assert.True(failures.Count == 0, $"{failures.Count} of {tokens.Count} deletions failed:\n" + string.Join("\n", failures.Take(10)));
        // The walk exercised both branches: some deletions keep valid code (e.g. 'readonly', a using), some still generate.
        Assert.True(compiled > 0, "no deletion left compiling code: the 'compiles cleanly' branch was never checked");
        Assert.True(generated > 0);
    }
}
