using System.Collections.Generic;

namespace AttrDsl.Generators.Translation;

/// <summary>Where a supported tensor operation lives in TorchSharp.</summary>
internal enum OpHome
{
    /// <summary>TorchSharp.torch.nn.functional.name(x, ...).</summary>
    Functional,
    /// <summary>TorchSharp.torch.name(x, ...).</summary>
    Torch,
    /// <summary>x.name(...), an instance method of Tensor.</summary>
    Tensor,
}

/// <summary>
/// The contextual-decomposition rule of one TorchSharp tensor operation: the <c>CdFunctional</c> method that
/// implements it and how TorchSharp's parameters map onto that method's parameters.
/// </summary>
/// <param name="CdMethod">The CdFunctional method.</param>
/// <param name="Parameters">TorchSharp parameter name → CdFunctional parameter name (passed by name).</param>
/// <param name="Ignored">TorchSharp parameters that do not change the decomposition (inplace, dropout's p/training).</param>
/// <param name="Positional">The op takes a params array (view, reshape, permute) that is passed on positionally.</param>
internal sealed record OpRule(string CdMethod, IReadOnlyDictionary<string, string> Parameters, IReadOnlyCollection<string> Ignored, bool Positional = false);

/// <summary>The table of tensor operations the translation of forward knows (DSL.md §2.5), by home and name.</summary>
internal static class OpRules
{
    private static readonly Dictionary<string, string> None = new();
    private static readonly string[] NoIgnored = [];
    private static readonly string[] Inplace = ["inplace"];

    private static readonly Dictionary<(OpHome, string), OpRule> Rules = Build();

    /// <summary>
    /// The rule of <paramref name="name"/>; <paramref name="arrayOverload"/> picks between TorchSharp's overloads that take
    /// sizes as long (e.g. max_pool2d(x, 2)) and as long[] (max_pool2d(x, new long[] { 2, 2 })), which map onto different
    /// CdFunctional overloads (a size given as a tuple has no rule).
    /// </summary>
    public static OpRule? Find(OpHome home, string name, bool arrayOverload) =>
        Rules.TryGetValue((home, arrayOverload ? name + "[]" : name), out var rule) ? rule : null;

    private static Dictionary<(OpHome, string), OpRule> Build()
    {
        var rules = new Dictionary<(OpHome, string), OpRule>();
        void Add(OpRule rule, string name, params OpHome[] homes)
        {
            foreach (var home in homes) rules[(home, name)] = rule;
        }

        // Activations: the ReLU rule, or the linearised Shapley rule of tanh/sigmoid (ActivationRules).
        Add(new OpRule("relu", None, Inplace), "relu", OpHome.Functional, OpHome.Torch, OpHome.Tensor);
        Add(new OpRule("leaky_relu", new Dictionary<string, string> { ["negative_slope"] = "negativeSlope" }, Inplace), "leaky_relu", OpHome.Functional);
        Add(new OpRule("gelu", None, Inplace), "gelu", OpHome.Functional, OpHome.Tensor);
        Add(new OpRule("softplus", new Dictionary<string, string> { ["beta"] = "beta", ["threshold"] = "threshold" }, NoIgnored), "softplus", OpHome.Functional);
        Add(new OpRule("tanh", None, Inplace), "tanh", OpHome.Functional, OpHome.Torch, OpHome.Tensor);
        Add(new OpRule("sigmoid", None, Inplace), "sigmoid", OpHome.Functional, OpHome.Torch, OpHome.Tensor);

        // Pooling: indices from β + γ for max pooling, β and γ pooled alike for average pooling.
        var maxPool2dArrays = new Dictionary<string, string>
        {
            ["kernel_size"] = "kernelSize", ["strides"] = "stride", ["padding"] = "padding", ["dilation"] = "dilation", ["ceil_mode"] = "ceilMode",
        };
        var pool = new Dictionary<string, string> { ["kernel_size"] = "kernelSize", ["stride"] = "stride", ["padding"] = "padding" };
        Add(new OpRule("max_pool2d", pool, NoIgnored), "max_pool2d", OpHome.Functional);
        Add(new OpRule("max_pool2d", maxPool2dArrays, NoIgnored), "max_pool2d[]", OpHome.Functional);
        Add(new OpRule("max_pool1d", pool, NoIgnored), "max_pool1d", OpHome.Functional);
        Add(new OpRule("avg_pool2d", pool, NoIgnored), "avg_pool2d", OpHome.Functional);
        Add(new OpRule("adaptive_avg_pool2d", new Dictionary<string, string> { ["output_size"] = "outputSize" }, NoIgnored), "adaptive_avg_pool2d[]", OpHome.Functional);

        // Dropout is the identity in eval mode, where decomposition runs.
        Add(new OpRule("dropout", None, ["p", "training", "inplace"]), "dropout", OpHome.Functional);

        // Shape operations: applied to β and γ alike.
        var flatten = new Dictionary<string, string> { ["start_dim"] = "startDim", ["end_dim"] = "endDim" };
        Add(new OpRule("flatten", flatten, NoIgnored), "flatten", OpHome.Torch, OpHome.Tensor);
        Add(new OpRule("view", None, NoIgnored, Positional: true), "view", OpHome.Tensor);
        Add(new OpRule("reshape", None, NoIgnored, Positional: true), "reshape", OpHome.Tensor);
        Add(new OpRule("permute", None, NoIgnored, Positional: true), "permute", OpHome.Tensor);
        Add(new OpRule("select", new Dictionary<string, string> { ["dim"] = "dim", ["index"] = "index" }, NoIgnored), "select", OpHome.Tensor);
        Add(new OpRule("squeeze", new Dictionary<string, string> { ["dim"] = "dim" }, NoIgnored), "squeeze", OpHome.Tensor);
        Add(new OpRule("unsqueeze", new Dictionary<string, string> { ["dim"] = "dim" }, NoIgnored), "unsqueeze", OpHome.Tensor);
        return rules;
    }
}
