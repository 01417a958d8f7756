using Microsoft.CodeAnalysis;

namespace AttrDsl.Analyzers.Diagnostics;

/// <summary>Every diagnostic AttrDsl reports (DSL.md §3), each with a help page under docs/diagnostics/.</summary>
internal static class DiagnosticDescriptors
{
    private const string Usage = "AttrDsl.Usage";
    private const string Training = "AttrDsl.Training";
    private const string Decomposition = "AttrDsl.Decomposition";
    private const string HelpRoot = "https://github.com/attrdsl/AttrDsl/blob/main/docs/diagnostics/";

    private static DiagnosticDescriptor Rule(string id, string title, string message, string category, DiagnosticSeverity severity, string description) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, description: description, helpLinkUri: HelpRoot + id + ".md");

    public static readonly DiagnosticDescriptor ClassNotPartial = Rule("ATTR001",
        "An annotated model must be partial",
        "'{0}' is marked [{1}] but is not partial, so AttrDsl cannot add its generated members; declare it (and the types containing it) partial",
        Usage, DiagnosticSeverity.Error,
        "The source generator writes forward(x, trainEg), TrainStep, Explain, the layer map and the decomposition into another part of the class, which needs every declaration to be partial.");

    public static readonly DiagnosticDescriptor NotATensorModule = Rule("ATTR002",
        "An annotated model must be an nn.Module<Tensor, Tensor>",
        "'{0}' is marked [{1}] but is not a TorchSharp nn.Module<Tensor, Tensor>; derive it from nn.Module<Tensor, Tensor> with a forward(Tensor) or remove the attribute",
        Usage, DiagnosticSeverity.Error,
        "AttrDsl explains and decomposes models that map one tensor to one tensor.");

    public static readonly DiagnosticDescriptor InvalidPriorType = Rule("ATTR003",
        "The prior type cannot be used",
        "The prior type '{0}' {1}; give a class implementing AttrDsl.Priors.IAttributionPrior with a public parameterless constructor",
        Training, DiagnosticSeverity.Error,
        "The generated TrainStep creates each declared prior with new T(); the type must implement IAttributionPrior and have a public parameterless constructor.");

    public static readonly DiagnosticDescriptor MissingTrainEgFlag = Rule("ATTR004",
        "Expected gradients of a plain forward",
        "The output passed to ExpectedGradients comes from {0}, not from forward(x, trainEg: true); expected gradients need the interpolation batch, so pass trainEg: true",
        Training, DiagnosticSeverity.Error,
        "ExpectedGradients turns the output of forward(x, trainEg: true) into attributions. The output of a plain forward has no interpolation batch: AttrDsl throws at run time, and the reference implementation silently returns plain gradients.");

    public static readonly DiagnosticDescriptor VariableTrainEgFlag = Rule("ATTR005",
        "The train-EG flag of an output given to ExpectedGradients is not a constant",
        "The output passed to ExpectedGradients comes from forward(x, trainEg: {0}); when {0} is false ExpectedGradients throws, so make sure it is true on this path or pass trainEg: true",
        Training, DiagnosticSeverity.Warning,
        "A variable train-EG flag may be false on some path.");

    public static readonly DiagnosticDescriptor PriorWithoutExplainable = Rule("ATTR006",
        "[AttributionPrior] needs [Explainable]",
        "'{0}' declares [AttributionPrior] but is not marked [Explainable], so no TrainStep uses the prior; add [Explainable]",
        Usage, DiagnosticSeverity.Warning,
        "Priors are trained by the members generated for [Explainable] models.");

    public static readonly DiagnosticDescriptor NoDecompositionRule = Rule("ATTR007",
        "A construct in forward has no contextual-decomposition rule",
        "{0}; AttrDsl generates no ContextualDecomposition or layer map for '{1}'",
        Decomposition, DiagnosticSeverity.Warning,
        "The generator translates forward statement by statement into contextual-decomposition rules; a construct it does not know stops the translation (it never skips silently).");

    public static readonly DiagnosticDescriptor UndecomposableBlock = Rule("ATTR008",
        "A user module used as a layer is not [Decomposable]",
        "The layer '{0}' is a {1}, which has no decomposition; mark {1} [Decomposable] (and partial) so the decomposition of '{2}' can go through it",
        Decomposition, DiagnosticSeverity.Warning,
        "A module the user wrote decomposes through its own generated decomposition, which [Decomposable] asks for.");

    public static readonly DiagnosticDescriptor InvalidLambda = Rule("ATTR009",
        "λ must be positive and finite",
        "λ = {0} of the prior '{1}' is not positive and finite; give a weight such as 1e-3",
        Training, DiagnosticSeverity.Error,
        "The prior's weight multiplies its penalty in the training loss.");

    public static readonly DiagnosticDescriptor InvalidReferences = Rule("ATTR010",
        "References must be at least 1",
        "References = {0}: expected gradients need at least one reference per sample",
        Training, DiagnosticSeverity.Error,
        "k, the number of references drawn per sample, must be ≥ 1 (the papers use 1 in training).");

    public static readonly DiagnosticDescriptor PriorDoesNotFitInput = Rule("ATTR011",
        "The prior does not fit the model's input",
        "The prior '{0}' needs image inputs [C, H, W], but forward of '{1}' starts with {2}, which takes {3}",
        Training, DiagnosticSeverity.Warning,
        "Total variation compares neighbouring pixels; on tabular or token inputs it has no meaning and the trainer refuses it.");

    public static readonly DiagnosticDescriptor DuplicatePrior = Rule("ATTR012",
        "The same prior is declared twice",
        "The prior '{0}' is declared more than once on '{1}'; declare it once with the sum of the weights",
        Training, DiagnosticSeverity.Error,
        "Each prior type may appear once: two declarations are almost always an edit that went wrong.");

    public static readonly DiagnosticDescriptor GenericModel = Rule("ATTR013",
        "A generic class cannot be annotated",
        "'{0}' is marked [{1}] but is generic or nested in a generic type, and AttrDsl generates nothing for generic classes; move [{1}] to a non-generic partial class that derives from {2} with concrete type arguments (for example 'partial class MyModel : {3}')",
        Usage, DiagnosticSeverity.Error,
        "The source generator adds its members only to non-generic classes; without them, forward(x, trainEg), ExpectedGradients, TrainStep and the decomposition do not exist and every use of them fails to compile.");

    public static readonly DiagnosticDescriptor TransformedTrainEgOutput = Rule("ATTR014",
        "ExpectedGradients needs the forward output itself, not a tensor computed from it",
        "The output passed to ExpectedGradients is {0} applied to the output of {1}; ExpectedGradients only accepts the tensor exactly as forward(x, trainEg: true) returned it, so pass that tensor and apply {0} to the attributions or the loss instead",
        Training, DiagnosticSeverity.Error,
        "ExpectedGradients finds the interpolation batch of an output by the tensor object that forward(x, trainEg: true) returned. Any new tensor computed from it (detach(), log_softmax, arithmetic, indexing, ...) is unknown to it, and AttrDsl throws at run time.");
}
