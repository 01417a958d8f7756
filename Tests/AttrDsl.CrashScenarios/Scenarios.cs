using AttrDsl.Attribution;
using AttrDsl.Autograd;
using TorchSharp.Modules;

namespace AttrDsl.CrashScenarios;

/// <summary>
/// The misuses that terminate a process inside TorchSharp's unguarded <c>torch.autograd.grad</c> (TORCHSHARP.md §2),
/// each driven through AttrDsl's public API as a careless user would. Each returns a detail string when it completes.
/// </summary>
internal static class Scenarios
{
    public static readonly IReadOnlyDictionary<string, Func<string>> All = new Dictionary<string, Func<string>>
    {
        // A model whose output has no gradient path to anything (it detaches its input).
        ["no-gradient-path"] = () =>
        {
            var model = new DetachingModel();
            using var x = rand(2, 4);
            using var a = new IntegratedGradients(model).Attribute(x, target: 0);
            return "no exception";
        },
        // A model that ignores its input (the output depends only on a parameter).
        ["unused-input"] = () =>
        {
            var model = new InputIgnoringModel();
            using var x = rand(2, 4);
            using var a = new Saliency(model).Attribute(x, target: 0);
            return "no exception";
        },
        // forward modifies, in place, a tensor that autograd saved for the backward pass.
        ["inplace-saved-tensor"] = () =>
        {
            var model = new InPlaceModel();
            using var x = rand(2, 4);
            using var a = new IntegratedGradients(model).Attribute(x, target: 0, nSteps: 4);
            return "no exception";
        },
        // Expected gradients taken twice from one output: the first call freed the graph.
        ["freed-graph"] = () =>
        {
            var model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2));
            using var x = rand(2, 4);
            using var background = rand(8, 4);
            using var batch = InterpolationBatch.Sample(x, background, k: 2);
            using var output = model.forward(batch.Inputs);
            using var first = batch.Attributions(output, target: 1);
            using var second = batch.Attributions(output, target: 1);
            return "no exception";
        },
        // A second-order gradient: input gradient with create_graph, then the gradient of a penalty on it with respect
        // to the weights (what attribution-prior training does). Must complete, and match finite differences.
        ["second-order"] = () => SecondOrder(),
        // The control: TorchSharp's own autograd.grad with an unused input. This one is expected to kill the process
        // (exit 134), proving that the harness sees a crash when there is one.
        ["control-torchsharp-grad-unused"] = () =>
        {
            using var x = rand(3).requires_grad_();
            using var w = rand(3).requires_grad_();
            using var y = (w * 2).sum();
            autograd.grad([y], [x]);
            return "no crash";
        },
    };

    private static string SecondOrder()
    {
        manual_seed(1);
        var lin = nn.Linear(3, 1, dtype: float64);
        using var x = rand(4, 3, dtype: float64);
        double Penalty()
        {
            using var scope = NewDisposeScope();
            var leaf = x.detach().requires_grad_();
            var g = GuardedAutograd.Grad(lin.forward(leaf).tanh().sum(), leaf, createGraph: true);
            return g.square().sum().item<double>();
        }

        double analytic;
        using (var scope = NewDisposeScope())
        {
            var leaf = x.detach().requires_grad_();
            var g = GuardedAutograd.Grad(lin.forward(leaf).tanh().sum(), leaf, createGraph: true);
            var penalty = g.square().sum();
            var gw = GuardedAutograd.Grad(penalty, lin.weight!);
            analytic = gw[0, 1].item<double>();
        }
        // Central difference in weight (0, 1), float64.
        const double h = 1e-6;
        double At(double delta)
        {
            Shift(delta);
            var p = Penalty();
            Shift(-delta);
            return p;
        }
        void Shift(double delta)
        {
            using var noGrad = no_grad();
            lin.weight![0, 1] = lin.weight[0, 1] + delta;
        }
        var numeric = (At(h) - At(-h)) / (2 * h);
        if (Math.Abs(analytic - numeric) > 1e-6 * Math.Max(1, Math.Abs(numeric)))
            throw new InvalidOperationException($"second-order gradient {analytic} disagrees with finite differences {numeric}");
        if (lin.weight!.grad is not null)
            throw new InvalidOperationException("the weight's .grad was left set");
        return $"second-order gradient {analytic:R} matches finite differences {numeric:R}";
    }

    private sealed class DetachingModel : nn.Module<Tensor, Tensor>
    {
        private readonly Linear fc = nn.Linear(4, 2);
        public DetachingModel() : base(nameof(DetachingModel)) => RegisterComponents();
        public override Tensor forward(Tensor x)
        {
            using var noGrad = no_grad();
            return fc.forward(x.detach());
        }
    }

    private sealed class InputIgnoringModel : nn.Module<Tensor, Tensor>
    {
        private readonly Parameter bias = nn.Parameter(ones(1, 3));
        public InputIgnoringModel() : base(nameof(InputIgnoringModel)) => RegisterComponents();
        public override Tensor forward(Tensor x) => bias.expand(x.size(0), 3) * 2;
    }

    private sealed class InPlaceModel : nn.Module<Tensor, Tensor>
    {
        private readonly Linear fc = nn.Linear(4, 2);
        public InPlaceModel() : base(nameof(InPlaceModel)) => RegisterComponents();
        public override Tensor forward(Tensor x)
        {
            var h = fc.forward(x).sigmoid(); // sigmoid saves its output for the backward pass
            h.add_(1);                        // ... which this modifies in place
            return h;
        }
    }
}
