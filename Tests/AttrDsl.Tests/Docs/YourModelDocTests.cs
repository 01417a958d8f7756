using AttrDsl.Attribution;
using AttrDsl.Decomposition;


namespace AttrDsl.Tests.Docs;

/// <summary>
/// The examples of docs/your-model.md run here as written: each C# block of the page (except those marked as fragments)
/// is the body of one test below, between <c>// docs:begin N</c> and <c>// docs:end</c>, and a test checks the page
/// and this file hold the same code.
/// </summary>
// With the registry tests: one example registers a rule for the type those tests expect to have none.
[Collection(AttrDsl.Tests.Decomposition.Models.RuleRegistryCollection.Name)]
public class YourModelDocTests
{

    [Fact]
    public void ThePageShowsExactlyTheCodeTheseTestsRun() => AttrDsl.Tests.Docs.PageRegions.AssertSameCode("docs/your-model.md", "Tests/AttrDsl.Tests/Docs/YourModelDocTests.cs");

    [Fact]
    public void DecomposingATorchVisionModel()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        // docs:begin 1
        var model = torchvision.models.resnet18(num_classes: 10);
        model.eval();                                   // batch norm and dropout in inference mode
        var x = randn(1, 3, 64, 64);

        // The top-left quarter of the image is the relevant part β, the rest γ.
        var mask = zeros(1, 1, 64, 64);
        mask.narrow(2, 0, 32).narrow(3, 0, 32).fill_(1);
        var d = ContextualDecomposition.Decompose(model, x, mask);

        // β + γ is the model's output: how much of each logit the quarter explains on its own.
        var logits = model.forward(x);
        Console.WriteLine($"β of class 3: {d.Relevant[0, 3].item<float>():F3} of {logits[0, 3].item<float>():F3}");
        // docs:end
        Assert.True((d.Total() - logits).abs().max().item<float>() < 1e-4);
        Assert.Equal(1024f, mask.sum().item<float>());
    }

    [Fact]
    public void LayerAttributionByName()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        // docs:begin 2
        var model = torchvision.models.resnet18(num_classes: 10);
        model.eval();
        var x = randn(2, 3, 64, 64);

        // Grad-CAM at the last stage, upsampled to the image.
        var cam = new GradCam(model, "layer4").Attribute(x, Target.Class(3), upsampleToInput: true);   // [2, 1, 64, 64]

        // Layer integrated gradients at the third stage, with the convergence delta per sample.
        var (attributions, delta) = new LayerIntegratedGradients(model, "layer3").AttributeWithDelta(x, Target.Class(3));
        Console.WriteLine($"Grad-CAM {string.Join("×", cam.shape)}, layer IG {string.Join("×", attributions.shape)}, |δ| ≤ {delta.abs().max().item<float>():E1}");
        // docs:end
        Assert.Equal(new long[] { 2, 1, 64, 64 }, cam.shape);
        Assert.Equal(new long[] { 2, 256, 4, 4 }, attributions.shape);
    }

    [Fact]
    public void RegisteringARule()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        try
        {
            // docs:begin 3
            // TorchVision's Permute (a reordering of dimensions) has no built-in rule: β and γ are permuted alike.
            DecompositionRules.Register("TorchSharp.torchvision+Permute", (module, d) =>
            {
                var dims = RuleParts.Field<long[]>(module, "dims");
                return new AttrDsl.Decomposition.Decomposition(d.Relevant.permute(dims), d.Irrelevant.permute(dims));
            });

            var model = nn.Sequential(nn.Conv2d(3, 8, 3), torchvision.ops.Permute(0, 2, 3, 1), nn.Linear(8, 2));
            model.eval();
            var x = randn(1, 3, 8, 8);
            var d = ContextualDecomposition.Decompose(model, x, ones(1, 1, 8, 8));
            // docs:end
            Assert.True((d.Total() - model.forward(x)).abs().max().item<float>() < 1e-5);
        }
        finally { DecompositionRules.Remove("TorchSharp.torchvision+Permute"); }
    }

    [Fact]
    public void PropagationMethodsOnATorchVisionModel()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        // docs:begin 4
        var model = torchvision.models.resnet18(num_classes: 10);
        model.eval();
        var x = randn(2, 3, 64, 64);

        // DeepLift against a black reference: the attributions add up to f(x) − f(x₀) exactly.
        var (attributions, delta) = new DeepLift(model).AttributeWithDelta(x, Target.Class(3), baselines: zeros(1, 3, 64, 64));

        // LRP: ε everywhere, γ on the convolutions (a rule map keyed by module path or type name).
        var relevance = new Lrp(model, LrpRule.Epsilon(1e-6), new Dictionary<string, LrpRule> { ["Conv2d"] = LrpRule.Gamma(0.25) })
            .Attribute(x, Target.Class(3));

        var guided = new GuidedGradCam(model, "layer4").Attribute(x, Target.Class(3));   // [2, 3, 64, 64]
        Console.WriteLine($"DeepLift |δ| ≤ {delta.abs().max().item<float>():E1}, LRP Σ = {relevance.sum().item<float>():F3}");
        // docs:end
        Tensor fx, f0;
        using (no_grad()) { fx = model.forward(x)[.., 3]; f0 = model.forward(zeros(2, 3, 64, 64))[.., 3]; }
        Assert.True((attributions.flatten(1).sum(1) - (fx - f0)).abs().max().item<float>() < 1e-3 * Math.Max(1, (fx - f0).abs().max().item<float>()));
        Assert.Equal(x.shape, relevance.shape);
        Assert.Equal(x.shape, guided.shape);
    }
}
