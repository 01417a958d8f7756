using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace AttrDsl.Generators.Translation;

/// <summary>
/// The rule of one TorchSharp tensor operation in a rule table: the table's method that implements it and how
/// TorchSharp's parameter names map onto that method's (most rules mirror TorchSharp's signature, so the user's
/// arguments are passed on as they are).
/// </summary>
/// <param name="Method">The rule table's method.</param>
/// <param name="Renames">TorchSharp parameter name → the rule's parameter name, where they differ.</param>
/// <param name="Ignored">TorchSharp parameters that do not change the result in eval mode (inplace, dropout's p/training).</param>
/// <param name="Binary">Arithmetic on two operands, either of which may be the decomposed one (the others must be).</param>
internal sealed record OpRule(string Method, IReadOnlyDictionary<string, string> Renames, IReadOnlyCollection<string> Ignored, bool Binary = false);

/// <summary>
/// The tensor operations the translation of forward knows, by name (whether called as <c>x.op(...)</c>,
/// <c>torch.op(x, ...)</c> or <c>nn.functional.op(x, ...)</c>; in-place <c>op_</c> forms use <c>op</c>'s rule).
/// One table serves every interpretation: a rule table (CdFunctional, or another) provides a method per entry.
/// </summary>
internal static class OpRules
{
    private static readonly Dictionary<string, string> Same = new();
    private static readonly string[] None = [];
    private static readonly string[] Inplace = ["inplace"];
    private static readonly Dictionary<string, OpRule> Rules = Build();

    // Operations whose result reads only the input's shape, dtype and device: constants for the decomposition.
    private static readonly HashSet<string> MetadataOnly =
    [
        "zeros_like", "ones_like", "empty_like", "full_like", "rand_like", "randn_like", "randint_like",
        "new_zeros", "new_ones", "new_empty", "new_full", "new_tensor", "size", "dim", "numel",
    ];

    // Operations whose result is taken from the full value β + γ as a constant: softmax weights (the CD-T convention for
    // attention), and comparisons, indices and signs, which have no share to split.
    private static readonly HashSet<string> ConstantWeights =
    [
        "softmax", "argmax", "argmin", "argsort", "eq", "ne", "gt", "ge", "lt", "le", "greater", "less", "greater_equal",
        "less_equal", "not_equal", "sign", "isnan", "isinf", "isfinite", "logical_and", "logical_or", "logical_not",
        "logical_xor", "floor", "ceil", "round", "trunc", "nonzero", "bool", "long", "int",
    ];

    /// <summary>The rule of <paramref name="name"/> (an in-place <c>op_</c> gives <c>op</c>'s), or null.</summary>
    public static OpRule? Find(string name) => Rules.TryGetValue(name, out var rule) ? rule : null;

    /// <summary>True for an operation whose result depends on its tensor arguments' metadata only.</summary>
    public static bool IsMetadataOnly(IMethodSymbol method) => IsTorchSharp(method) && MetadataOnly.Contains(method.Name);

    /// <summary>True for an operation whose result the decomposition takes from the full input as a constant.</summary>
    public static bool IsConstantWeights(IMethodSymbol method) =>
        IsTorchSharp(method) && (ConstantWeights.Contains(method.Name) || ConstantWeights.Contains(method.Name.TrimEnd('_')));

    /// <summary>True for a method of TorchSharp's torch, nn.functional or Tensor.</summary>
    public static bool IsTorchSharp(IMethodSymbol method) =>
        method.ContainingType is { } t && KnownTypes.MetadataName(t) is KnownTypes.Tensor or KnownTypes.Torch or KnownTypes.Functional;

    private static Dictionary<string, OpRule> Build()
    {
        var rules = new Dictionary<string, OpRule>();
        void Add(string name, OpRule rule) => rules[name] = rule;
        void Mirror(params string[] names)
        {
            foreach (var name in names) rules[name] = new OpRule(name, Same, None);
        }

        // Activations: ReLU's rule for the ReLU family, the linearised Shapley rule for tanh/sigmoid/exp, the proportional
        // rule for log and sqrt (ActivationRules).
        foreach (var name in new[] { "relu", "relu6", "gelu", "silu", "elu", "mish", "hardtanh", "hardsigmoid", "hardswish", "tanh", "sigmoid" })
            Add(name, new OpRule(name, Same, Inplace));
        Add("leaky_relu", new OpRule("leaky_relu", new Dictionary<string, string> { ["negative_slope"] = "negativeSlope" }, Inplace));
        Add("softplus", new OpRule("softplus", Same, None));
        Mirror("exp", "log", "sqrt", "log_softmax", "clamp", "clip", "abs", "square", "pow", "max", "min");

        // Pooling: positions chosen on β + γ for max pooling; β and γ pooled alike for average pooling.
        var pool = new Dictionary<string, string> { ["kernel_size"] = "kernelSize", ["kernelSize"] = "kernelSize", ["strides"] = "stride", ["ceil_mode"] = "ceilMode" };
        foreach (var name in new[] { "max_pool2d", "max_pool1d", "avg_pool2d" }) Add(name, new OpRule(name, pool, None));
        Add("adaptive_avg_pool2d", new OpRule("adaptive_avg_pool2d", new Dictionary<string, string> { ["output_size"] = "outputSize" }, None));

        // Layers written functionally.
        Add("dropout", new OpRule("dropout", Same, ["p", "training", "inplace"]));
        Add("layer_norm", new OpRule("layer_norm", new Dictionary<string, string> { ["normalized_shape"] = "normalizedShape" }, None));
        Add("linear", new OpRule("linear", new Dictionary<string, string> { ["weights"] = "weight" }, None));
        var conv = new Dictionary<string, string> { ["strides"] = "stride" };
        Add("conv1d", new OpRule("conv1d", conv, None));
        Add("conv2d", new OpRule("conv2d", conv, None));
        // Eval mode, where decomposition runs: the running statistics (training and momentum do not apply).
        Add("batch_norm", new OpRule("batch_norm", new Dictionary<string, string> { ["running_mean"] = "runningMean", ["running_var"] = "runningVar" }, ["training", "momentum"]));
        Mirror("glu", "group_norm", "instance_norm", "conv_transpose1d", "conv_transpose2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
            "upsample", "interpolate", "pad");
        Add("scaled_dot_product_attention", new OpRule("scaled_dot_product_attention",
            new Dictionary<string, string> { ["attn_mask"] = "attnMask", ["is_causal"] = "isCausal", ["is_casual"] = "isCausal" }, ["p", "dropout_p"]));

        // Shapes and reductions: applied to β and γ alike.
        Add("flatten", new OpRule("flatten", new Dictionary<string, string> { ["start_dim"] = "startDim", ["end_dim"] = "endDim" }, None));
        Mirror("view", "reshape", "permute", "select", "squeeze", "unsqueeze", "transpose", "t", "contiguous", "chunk", "split",
            "narrow", "expand", "repeat", "clone", "detach", "mean", "sum", "unflatten", "cat", "stack", "masked_fill", "where");

        // Arithmetic: either operand may be the decomposed one.
        foreach (var (name, rule) in new[] { ("add", "add"), ("sub", "sub"), ("subtract", "sub"), ("mul", "mul"), ("multiply", "mul"), ("div", "div"), ("divide", "div"), ("matmul", "matmul"), ("bmm", "bmm") })
            Add(name, new OpRule(rule, Same, None, Binary: true));
        Mirror("neg", "negative");
        rules["negative"] = new OpRule("neg", Same, None);
        return rules;
    }
}
