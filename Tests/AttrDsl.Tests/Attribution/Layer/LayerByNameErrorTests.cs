using AttrDsl.Attribution;
using static AttrDsl.Tests.Attribution.Lpm;
using static AttrDsl.Tests.Attribution.Layer.ByNameTestModels;

namespace AttrDsl.Tests.Attribution.Layer;

/// <summary>
/// A layer path that names no module, a layer the forward never calls through <c>call</c>, and a module used twice
/// are clear errors; after each, no hook is left on the model, it computes what it did before, and a fresh split works.
/// </summary>
public class LayerByNameErrorTests
{
    private const int B = 2;

    /// <summary>The model's output before and after <paramref name="action"/>, and that no hook is left.</summary>
    private static void LeavesTheModelAsItWas(nn.Module<Tensor, Tensor> model, Tensor x, Action action)
    {
        double[] before;
        using (no_grad()) before = A(model.call(x));
        action();
        Assert.Equal(0, HookCount(model));
        using (no_grad()) Close(before, A(model.call(x)), 0, "the model's output after the error");
    }

    [Fact]
    public void UnknownPathListsTheModelsPathsAndTheClosestOne()
    {
        using var scope = NewDisposeScope();
        var m = new Nested();
        var ex = Assert.Throws<ArgumentException>(() => new GradCam(m, "body.5"));
        Assert.Equal("layerPath", ex.ParamName);
        Assert.StartsWith("LayerSplit.At: the model (Nested) has no module at path \"body.5\"", ex.Message);
        Assert.Contains("\"body.5\" (did you mean \"body.0\" or \"body.1\" or \"body.2\"?). Its module paths", ex.Message);
        Assert.Contains("Its module paths (from named_modules()): \"body\", \"head\", \"body.0\", \"body.1\", \"body.2\", \"body.3\"", ex.Message);
        var typo = Assert.Throws<ArgumentException>(() => LayerSplit.At(new Residual(), "blokc"));
        Assert.Contains("did you mean \"block\"?", typo.Message);
        // A path with the model's own name in front still finds the layer it meant.
        Assert.Contains("did you mean \"body.2\"?", Assert.Throws<ArgumentException>(() => LayerSplit.At(m, "model.body.2")).Message);
        Assert.DoesNotContain("did you mean", Assert.Throws<ArgumentException>(() => LayerSplit.At(m, "classifier.final")).Message);
    }

    [Fact]
    public void LongPathListsAreShortened()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(Enumerable.Range(0, 60).Select(_ => (nn.Module<Tensor, Tensor>)nn.Identity()).ToArray());
        var ex = Assert.Throws<ArgumentException>(() => LayerSplit.At(model, "x"));
        Assert.Contains("\"39\", ... (60 in all)", ex.Message);
        Assert.DoesNotContain("\"40\"", ex.Message);
    }

    [Fact]
    public void EmptyOrNullPathsAndModelsAreRejected()
    {
        using var scope = NewDisposeScope();
        var m = new Residual();
        var empty = Assert.Throws<ArgumentException>(() => LayerSplit.At(m, ""));
        Assert.StartsWith("LayerSplit.At: the empty path names the whole model", empty.Message);
        Assert.Contains("\"stem\", \"block\", \"head\"", empty.Message);
        Assert.Equal("layerPath", Assert.Throws<ArgumentNullException>(() => new InternalInfluence(m, (string)null!)).ParamName);
        Assert.Equal("model", Assert.Throws<ArgumentNullException>(() => new LayerConductance(null!, "block")).ParamName);
    }

    [Fact]
    public void ModuleWithoutOneTensorOutputIsRejected()
    {
        using var scope = NewDisposeScope();
        var model = new WithModuleList();
        var ex = Assert.Throws<ArgumentException>(() => LayerSplit.At(model, "blocks"));
        Assert.Contains("the module at \"blocks\" is a ModuleList", ex.Message);
        Assert.Contains("choose one of the modules inside it: \"blocks.0\", \"blocks.1\"", ex.Message);
    }

    private sealed class WithModuleList : nn.Module<Tensor, Tensor>
    {
        public readonly TorchSharp.Modules.ModuleList<nn.Module<Tensor, Tensor>> blocks;

        public WithModuleList() : base(nameof(WithModuleList))
        {
            blocks = nn.ModuleList<nn.Module<Tensor, Tensor>>(Lin(3, 3, 901), Lin(3, 2, 903));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => blocks[1].call(blocks[0].call(x));
    }

    public static TheoryData<string> Methods => new()
    {
        "GradCam", "LayerActivation", "InternalInfluence", "LayerConductance", "AumannShapley", "LayerIntegratedGradients", "LayerGradientXActivation",
    };

    private static void Run(string method, nn.Module<Tensor, Tensor> model, string path, Tensor x)
    {
        using var scope = NewDisposeScope();
        var target = Target.Class(0);
        _ = method switch
        {
            "GradCam" => new GradCam(model, path).Attribute(x, target),
            "LayerActivation" => new LayerActivation(model, path).Attribute(x),
            "InternalInfluence" => new InternalInfluence(model, path).Attribute(x, target, nSteps: 3),
            "LayerConductance" => new LayerConductance(model, path).Attribute(x, target, nSteps: 3),
            "AumannShapley" => new AumannShapley(model, path).Attribute(x, target, nSteps: 3),
            "LayerIntegratedGradients" => new LayerIntegratedGradients(model, path).Attribute(x, target, nSteps: 3),
            "LayerGradientXActivation" => new LayerGradientXActivation(model, path).Attribute(x, target),
            _ => throw new ArgumentException(method),
        };
    }

    [Theory, MemberData(nameof(Methods))]
    public void LayerNotCalledThroughCallIsReportedWithTheModulesThatAre(string method)
    {
        using var scope = NewDisposeScope();
        var m = new ForwardCallsChild();
        var x = T(Values(B * 3, 905, -2, 2), B, 3);
        LeavesTheModelAsItWas(m, x, () =>
        {
            var ex = Assert.Throws<InvalidOperationException>(() => Run(method, m, "a", x));
            Assert.StartsWith("LayerSplit.At: layer \"a\" (Linear) was not called through call() during the model's forward", ex.Message);
            Assert.Contains("TorchSharp runs forward hooks only from module.call(x)", ex.Message);
            Assert.Contains("calls this layer with .forward(x)", ex.Message);
            Assert.EndsWith("The modules called through call() in this forward: \"b\"", ex.Message);
        });
        // The layer that is called through call() works.
        Run(method, m, "b", x);
        Assert.Equal(0, HookCount(m));
    }

    [Theory, MemberData(nameof(Methods))]
    public void ReusedModuleIsReported(string method)
    {
        using var scope = NewDisposeScope();
        var m = new Reused();
        var x = T(Values(B * 3, 907, -2, 2), B, 3);
        LeavesTheModelAsItWas(m, x, () =>
        {
            var ex = Assert.Throws<InvalidOperationException>(() => Run(method, m, "act", x));
            Assert.StartsWith("LayerSplit.At: layer \"act\" runs 2 times in one forward of the model", ex.Message);
            Assert.Contains("layer attribution needs one activation per input", ex.Message);
        });
        Run(method, m, "a", x);
        Assert.Equal(0, HookCount(m));
    }

    [Fact]
    public void ReuseIsCaughtBySplitFunctionsCalledDirectly()
    {
        using var scope = NewDisposeScope();
        var m = new Reused();
        var x = T(Values(B * 3, 909, -2, 2), B, 3);
        var split = LayerSplit.At(m, "act");
        Assert.Throws<InvalidOperationException>(() => split.Bottom(x));
        Assert.Throws<InvalidOperationException>(() => split.Bottom(x));   // still checked: the first run never succeeded
        Assert.Contains("runs 2 times", Assert.Throws<InvalidOperationException>(() => split.Forward(x, zeros([B, 3], float64))).Message);
        Assert.Equal(0, HookCount(m));
    }

    /// <summary>Every tensor the hooks make (captured copies, replacements, diagnosing forwards) is freed, on success and on error.</summary>
    [Fact]
    public void ByNameRunsFreeEveryTensorTheyMake()
    {
        var block = new InPlaceBlock();
        var reused = new Reused();
        var hidden = new ForwardCallsChild();
        var x4 = T(Values(B * 4, 913, -2, 2), B, 4).DetachFromDisposeScope();
        var x3 = T(Values(B * 3, 914, -2, 2), B, 3).DetachFromDisposeScope();
        void Work()
        {
            using var scope = NewDisposeScope();
            var act = new LayerActivation(block, "conv");
            act.Attribute(x4);
            act.Attribute(x4);
            new GradCam(block, "conv").Attribute(x4, Target.Class(0));
            new LayerIntegratedGradients(block, "conv").AttributeWithDelta(x4, Target.Class(0), nSteps: 4, internalBatchSize: 4);
            new LayerConductance(block, "conv").Attribute(x4, Target.Class(0), nSteps: 3);
            Assert.Throws<InvalidOperationException>(() => new InternalInfluence(reused, "act").Attribute(x3, Target.Class(0), nSteps: 3));
            Assert.Throws<InvalidOperationException>(() => LayerSplit.At(reused, "act").Forward(x3, zeros([B, 3], float64)));
            Assert.Throws<InvalidOperationException>(() => new GradCam(hidden, "a").Attribute(x3, Target.Class(0)));
            Assert.Throws<InvalidOperationException>(() => LayerSplit.At(block, "conv").Forward(x4, zeros([B, 5], float64)));
        }
        Work();   // first use of every code path
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Work();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        x4.Dispose();
        x3.Dispose();
    }

    [Fact]
    public void ExceptionsInsideTheModelLeaveNoHookBehind()
    {
        using var scope = NewDisposeScope();
        var m = new Residual();
        var split = LayerSplit.At(m, "block");
        var x = T(Values(B * 3, 911, -2, 2), B, 3);
        // Wrong input width: the model's own Linear throws inside the hooked forward.
        Assert.ThrowsAny<Exception>(() => split.Bottom(zeros([B, 5], float64)));
        Assert.Equal(0, HookCount(m));
        // Activations of the wrong shape: the replacing hook throws.
        var ex = Assert.Throws<InvalidOperationException>(() => split.Forward(x, zeros([B, 7], float64)));
        Assert.Contains("layer \"block\" returned Float64 [2, 4] for 2 input rows, but the activations to put in its place are Float64 [2, 7]", ex.Message);
        Assert.Equal(0, HookCount(m));
        // The split still works afterwards.
        using (no_grad()) Close(A(m.call(x)), A(split.Forward(x, split.Bottom(x))), 1e-12);
    }
}
