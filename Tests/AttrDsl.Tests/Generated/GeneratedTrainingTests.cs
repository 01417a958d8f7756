using AttrDsl.Attribution;
using AttrDsl.Datasets;
using AttrDsl.Priors;
using AttrDsl.Tests.Infrastructure;
using AttrDsl.Tests.Models;
using Xunit.Abstractions;

namespace AttrDsl.Tests.Generated;

/// <summary>
/// The generated train-EG plumbing and train steps, run: expected gradients equal the runtime's for the same draws, the
/// plain-forward mistake is refused, and TrainStep lowers the declared prior against the same model trained without it.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public sealed class GeneratedTrainingTests(ITestOutputHelper output)
{
    [Fact]
    public void Generated_expected_gradients_equal_the_runtime_for_the_same_references_and_alphas()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var model = new MlpModel();
        var background = randn(30, 8);
        var x = randn(5, 8);
        var y = tensor(new long[] { 0, 1, 2, 0, 1 });
        model.UseBackground(background);

        manual_seed(99);
        var attributions = model.ExpectedGradients(model.forward(x, trainEg: true), y);
        manual_seed(99);   // the same draws: references, then α, for k = 2 ([Explainable(References = 2)])
        var expected = new ExpectedGradients(model).Attribute(x, Target.PerSample(y), background, k: 2);

        Assert.Equal(x.shape, attributions.shape);
        Assert.True(allclose(expected, attributions, rtol: 1e-5, atol: 1e-6));
        Assert.True(attributions.requires_grad, "the attributions keep the graph so a prior can be trained through them");
    }

    [Fact]
    public void The_output_of_a_plain_forward_is_refused_with_the_fix()
    {
        using var scope = NewDisposeScope();
        var model = new MnistNet();
        model.UseBackground(rand(4, 1, 28, 28));
        var x = rand(2, 1, 28, 28);
        var y = tensor(new long[] { 1, 2 });
        var e = Assert.Throws<InvalidOperationException>(() => model.ExpectedGradients(model.forward(x), y));
        Assert.Contains("trainEg: true", e.Message);
        e = Assert.Throws<InvalidOperationException>(() => model.ExpectedGradients(model.forward(x, trainEg: false), y));
        Assert.Contains("plain forward", e.Message);
    }

    [Fact]
    public void Training_without_a_background_set_says_to_call_UseBackground()
    {
        using var scope = NewDisposeScope();
        var model = new MnistNet();
        var x = rand(2, 1, 28, 28);
        var e = Assert.Throws<InvalidOperationException>(() => model.forward(x, trainEg: true));
        Assert.Contains("UseBackground", e.Message);
        using var optimizer = optim.Adam(model.parameters());
        e = Assert.Throws<InvalidOperationException>(() => model.TrainStep(x, tensor(new long[] { 1, 2 }), optimizer));
        Assert.Contains("UseBackground", e.Message);
    }

    [Fact]
    public void TrainStep_trains_the_cnn_and_lowers_its_prior_against_the_same_cnn_without_it()
    {
        using var mnist = Mnist.Load();
        var (train, test) = mnist.Split(1000, seed: 0);
        using var _train = train;
        using var _test = test;
        using var scope = NewDisposeScope();

        manual_seed(0);
        var withPrior = new MnistNet();
        var without = new MnistNet();
        without.load_state_dict(withPrior.state_dict());
        withPrior.UseBackground(train.Images);
        using var optA = optim.Adam(withPrior.parameters(), 1e-3);
        using var optB = optim.Adam(without.parameters(), 1e-3);

        double firstLoss = 0, lastLoss = 0;
        var step = 0;
        foreach (var (xb, yb) in train.ToBatches(50, shuffle: true, seed: 0))
        {
            if (step == 40) break;
            var report = withPrior.TrainStep(xb, yb, optA);
            if (step++ == 0) firstLoss = report.TaskLoss;
            lastLoss = report.TaskLoss;
            using var stepScope = NewDisposeScope();
            optB.zero_grad();
            nn.functional.cross_entropy(without.call(xb), yb).backward();
            optB.step();
        }

        // Total variation of expected gradients on held-out digits, with the same references and α for both models.
        var x = test.Images[..100];
        var y = test.Labels[..100];
        manual_seed(7);
        using var batch = InterpolationBatch.Sample(x, train.Images, 4);
        var tv = new TotalVariation();
        double Tv(nn.Module<Tensor, Tensor> m) => tv.Loss(new ExpectedGradients(m).Attribute(batch, Target.PerSample(y)), new PriorContext(x)).item<float>();
        var (tvWith, tvWithout) = (Tv(withPrior), Tv(without));
        output.WriteLine($"task loss {firstLoss:F3} → {lastLoss:F3}; TV with prior {tvWith:F4}, without {tvWithout:F4}");

        Assert.True(lastLoss < firstLoss * 0.7, $"the task loss fell only from {firstLoss:F3} to {lastLoss:F3}");
        Assert.True(tvWith < tvWithout, $"TV with the prior {tvWith:F4} is not below {tvWithout:F4} without it");
    }

    [Fact]
    public void Explain_runs_the_declared_default_method_and_named_ones()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var model = new ResidualCnn();   // [Explainable(Method = AttributionMethod.Saliency)]
        model.eval();
        var x = rand(2, 1, 16, 16);
        Assert.True(equal(new Saliency(model).Attribute(x, 3), model.Explain(x, 3)).all().item<bool>());   // element-wise equal in TorchSharp
        Assert.Equal(x.shape, model.Explain(x, 3, AttributionMethod.IntegratedGradients).shape);
        Assert.Throws<ArgumentException>(() => model.Explain(x, 3, AttributionMethod.ExpectedGradients));   // no background yet
        model.UseBackground(rand(6, 1, 16, 16));
        Assert.Equal(x.shape, model.Explain(x, 3, AttributionMethod.ExpectedGradients).shape);
    }
}
