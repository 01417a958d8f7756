using AttrDsl.Attribution;
using AttrDsl.Datasets;
using AttrDsl.Samples.MnistTrain;
using Xunit.Abstractions;

namespace AttrDsl.Tests.Attribution.Faithfulness;

/// <summary>
/// Adebayo et al.'s sanity check on the sample's MNIST CNN, trained briefly here on the repository's digits: the
/// explanations of gradient methods change as the network's layers are randomised from the output down, while an edge
/// detector of the input, which never looks at the network, stays exactly the same.
/// </summary>
[Collection(Infrastructure.GlobalRngCollection.Name)]
public class MnistRandomizationCheckTests(ITestOutputHelper output)
{
    /// <summary>The Sobel gradient magnitude of the input: an "explanation" that ignores the model altogether.</summary>
    internal static Tensor Sobel(Tensor x)
    {
        using var scope = NewDisposeScope();
        var kx = tensor(new float[] { -1, 0, 1, -2, 0, 2, -1, 0, 1 }, [1, 1, 3, 3], dtype: x.dtype);
        var gx = nn.functional.conv2d(x, kx, padding: [1, 1]);
        var gy = nn.functional.conv2d(x, kx.transpose(2, 3), padding: [1, 1]);
        return (gx.square() + gy.square()).sqrt().MoveToOuterDisposeScope();
    }

    [Fact]
    public void GradientMethodsChangeAsLayersAreRandomisedWhileAnEdgeDetectorStaysIdentical()
    {
        using var scope = NewDisposeScope();
        using var all = Mnist.Load();
        var (train, test) = all.Split(2000, seed: 0);
        using var trainSet = train;
        using var testSet = test;
        manual_seed(0);
        using var model = new MnistNet();
        using (var opt = optim.Adam(model.parameters(), 1e-3))
            MnistTraining.TrainEpoch(model, opt, train.ToBatches(64, shuffle: true, seed: 0), maxSteps: 60);
        model.eval();
        var accuracy = MnistTraining.Accuracy(model, test);
        output.WriteLine($"MnistNet after 60 steps of 64 digits: held-out accuracy {accuracy:P1}");
        Assert.True(accuracy > 0.85, $"the briefly trained CNN reaches only {accuracy:P1}; the check needs a network that learned something");

        var x = test.Images[..6];
        var target = Target.PerSample(test.Labels[..6]);
        var methods = new (string Name, Func<nn.Module<Tensor, Tensor>, Tensor, Target, Tensor> Explain)[]
        {
            ("saliency", (m, v, t) => new Saliency(m).Attribute(v, t)),
            ("integrated gradients", (m, v, t) => Explainer.Explain(m, v, t, AttributionMethod.IntegratedGradients)),
            ("Sobel edges", (_, v, _) => Sobel(v)),
        };
        var results = new Dictionary<string, RandomizationResult>();
        foreach (var (name, explain) in methods)
        {
            var result = ParameterRandomization.Run(model, () => new MnistNet(), explain, x, target, seed: 1);
            results[name] = result;
            output.WriteLine($"{name} (passes: {result.Passes}):{Environment.NewLine}{result}");
        }
        Assert.Equal(["fc2", "fc1", "conv2", "conv1"], results["saliency"].Steps.Select(s => s.Layer));
        // Saliency (|gradient|): every measure falls through the cascade, and the maps' structure is gone (SSIM < 0.5).
        var saliency = results["saliency"];
        foreach (var measure in Enum.GetValues<RandomizationMeasure>())
            Assert.True(saliency.Final.Of(measure) < saliency.Steps[0].Of(measure), $"saliency {measure}: {saliency}");
        Assert.True(saliency.Final.Ssim < 0.5, saliency.ToString());
        ExplanationAssert.PassesRandomizationCheck(ParameterRandomization.Run(model, () => new MnistNet(), methods[0].Explain, x, target, seed: 1, measure: RandomizationMeasure.Ssim));
        // Integrated gradients (x·mean gradient, black baseline): the signed ranks fall to no correlation; |IG| keeps the
        // digit's shape (zero on the black background whatever the network), the input dominance Adebayo et al. report
        // for methods that multiply by the input, so the absolute-value measure stays high.
        var ig = results["integrated gradients"];
        Assert.True(ig.Final.SpearmanSigned < ig.Steps[0].SpearmanSigned, ig.ToString());
        Assert.True(ig.Final.SpearmanSigned < 0.5, ig.ToString());
        ExplanationAssert.PassesRandomizationCheck(ParameterRandomization.Run(model, () => new MnistNet(), methods[1].Explain, x, target, seed: 1, measure: RandomizationMeasure.SpearmanSigned));
        // The separation: by every measure, both gradient methods end below the edge detector, which stays exactly 1.
        foreach (var measure in Enum.GetValues<RandomizationMeasure>())
        {
            Assert.True(saliency.Final.Of(measure) < 0.999, $"saliency {measure}");
            Assert.True(ig.Final.Of(measure) < 0.999, $"integrated gradients {measure}");
        }
        var sobel = results["Sobel edges"];
        Assert.All(sobel.Steps, s =>
        {
            Assert.Equal(1, s.SpearmanAbsolute, 12);
            Assert.Equal(1, s.SpearmanSigned, 12);
            Assert.Equal(1, s.Ssim, 12);
        });
        Assert.False(sobel.Passes);
        foreach (var measure in Enum.GetValues<RandomizationMeasure>())
            Assert.Throws<ExplanationAssertionException>(() => ExplanationAssert.PassesRandomizationCheck(
                ParameterRandomization.Run(model, () => new MnistNet(), methods[2].Explain, x, target, layers: ["fc2", "conv1"], measure: measure)));
    }
}
