using AttrDsl.Generators.Tests.Infrastructure;

namespace AttrDsl.Generators.Tests;

/// <summary>The generated source of the test models (Tests/Models) against the checked-in baselines.</summary>
public sealed class SnapshotTests
{
    public static TheoryData<string> Models => new()
    {
        "MlpModel", "MnistNet", "ResidualCnn", "LstmText",
        "Corpus/TransformerClassifier", "Corpus/ResNetForeach", "Corpus/TorchVisionStyleNet", "Corpus/HelperMethodsNet",
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Generated_source_matches_the_baseline(string model)
    {
        var compilation = GeneratorHarness.Compile(($"/models/{model}.cs", GeneratorHarness.ModelSource(model)));
        var (output, result) = GeneratorHarness.Run(compilation);

        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        var generated = result.Results.Single().GeneratedSources;
        Assert.NotEmpty(generated);
        foreach (var source in generated.OrderBy(s => s.HintName, StringComparer.Ordinal))
            Baseline.Match(source.HintName.Replace(".g.cs", ""), source.SourceText.ToString());
    }
}
