// Deliberate misuses of AttrDsl (DSL.md §3), compiled into the consumer test's project: .ci/consumer-test reads the build
// output for the ids in expected-diagnostics.txt. Nothing here is ever run, and all of it must compile (the consumer's
// .editorconfig makes the expected ids warnings in this file, so an id defined as an error still lets the build finish).
using AttrDsl;
using AttrDsl.Priors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Consumer.Misuse;

/// <summary>The output of a plain forward passed to ExpectedGradients: the missing train-EG flag, directly and via a local.</summary>
public static class TrainEgFlagMistakes
{
    public static Tensor Direct(TabularNet model, Tensor x, Tensor y) => model.ExpectedGradients(model.forward(x), y);

    public static Tensor ThroughALocal(TabularNet model, Tensor x, Tensor y)
    {
        var output = model.forward(x);
        return model.ExpectedGradients(output, y);
    }

    /// <summary>A flag that is a variable: the softer warning.</summary>
    public static Tensor VariableFlag(TabularNet model, Tensor x, Tensor y, bool training) =>
        model.ExpectedGradients(model.forward(x, trainEg: training), y);
}

/// <summary>[AttributionPrior] without [Explainable].</summary>
[AttributionPrior(typeof(L1Attribution), Lambda = 0.01)]
public partial class PriorWithoutExplainable : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc = nn.Linear(4, 2);
    public PriorWithoutExplainable() : base(nameof(PriorWithoutExplainable)) => RegisterComponents();
    public override Tensor forward(Tensor x) => fc.forward(x);
}

/// <summary>References below 1, λ not positive, a prior type that is no IAttributionPrior, the same prior twice.</summary>
[Explainable(References = 0)]
[AttributionPrior(typeof(L1Attribution), Lambda = -1)]
[AttributionPrior(typeof(string))]
[AttributionPrior(typeof(L2Attribution), Lambda = 0.1)]
[AttributionPrior(typeof(L2Attribution), Lambda = 0.1)]
public partial class BadSettings : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc = nn.Linear(4, 2);
    public BadSettings() : base(nameof(BadSettings)) => RegisterComponents();
    public override Tensor forward(Tensor x) => fc.forward(x);
}

/// <summary>A forward construct with no contextual-decomposition rule (cumsum).</summary>
[Explainable]
public partial class NoDecompositionRule : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc = nn.Linear(4, 2);
    public NoDecompositionRule() : base(nameof(NoDecompositionRule)) => RegisterComponents();
    public override Tensor forward(Tensor x) => fc.forward(x).cumsum(1);
}

/// <summary>A user module without [Decomposable], used as a layer of an [Explainable] model.</summary>
public class PlainBlock : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc = nn.Linear(4, 4);
    public PlainBlock() : base(nameof(PlainBlock)) => RegisterComponents();
    public override Tensor forward(Tensor x) => nn.functional.relu(fc.forward(x));
}

[Explainable]
public partial class UsesPlainBlock : nn.Module<Tensor, Tensor>
{
    private readonly PlainBlock block = new();
    private readonly Linear output = nn.Linear(4, 2);
    public UsesPlainBlock() : base(nameof(UsesPlainBlock)) => RegisterComponents();
    public override Tensor forward(Tensor x) => output.forward(block.forward(x));
}
