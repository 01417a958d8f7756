using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace AttrDsl.Generators.Translation;

/// <summary>The TorchSharp and AttrDsl types the translation recognises, compared by metadata name.</summary>
internal static class KnownTypes
{
    public const string Tensor = "TorchSharp.torch.Tensor";
    public const string Module = "TorchSharp.torch.nn.Module";
    public const string Functional = "TorchSharp.torch.nn.functional";
    public const string Torch = "TorchSharp.torch";
    public const string Lstm = "TorchSharp.Modules.LSTM";
    public const string Embedding = "TorchSharp.Modules.Embedding";
    public const string Decomposable = "AttrDsl.DecomposableAttribute";
    public const string Explainable = "AttrDsl.ExplainableAttribute";
    public const string DecomposableInterface = "AttrDsl.Decomposition.IDecomposable";
    public const string DisposeScope = "TorchSharp.DisposeScope";

    /// <summary>TorchSharp layers that the runtime decomposes (ContextualDecomposition.Propagate's cases).</summary>
    public static readonly HashSet<string> Layers =
    [
        "TorchSharp.Modules.Linear", "TorchSharp.Modules.Conv1d", "TorchSharp.Modules.Conv2d",
        "TorchSharp.Modules.BatchNorm1d", "TorchSharp.Modules.BatchNorm2d", "TorchSharp.Modules.LayerNorm",
        "TorchSharp.Modules.ReLU", "TorchSharp.Modules.LeakyReLU", "TorchSharp.Modules.GELU", "TorchSharp.Modules.Softplus",
        "TorchSharp.Modules.Tanh", "TorchSharp.Modules.Sigmoid", "TorchSharp.Modules.MaxPool1d", "TorchSharp.Modules.MaxPool2d",
        "TorchSharp.Modules.AvgPool1d", "TorchSharp.Modules.AvgPool2d", "TorchSharp.Modules.AdaptiveAvgPool2d",
        "TorchSharp.Modules.Dropout", "TorchSharp.Modules.Identity", "TorchSharp.Modules.Flatten", "TorchSharp.Modules.Sequential",
        "TorchSharp.Modules.SiLU", "TorchSharp.Modules.ReLU6", "TorchSharp.Modules.ELU", "TorchSharp.Modules.Mish", "TorchSharp.Modules.Hardtanh",
        "TorchSharp.Modules.Hardsigmoid", "TorchSharp.Modules.Hardswish", "TorchSharp.Modules.CELU", "TorchSharp.Modules.SELU",
        "TorchSharp.Modules.PReLU", "TorchSharp.Modules.LogSoftmax", "TorchSharp.Modules.GLU",
        "TorchSharp.Modules.GroupNorm", "TorchSharp.Modules.InstanceNorm1d", "TorchSharp.Modules.InstanceNorm2d",
        "TorchSharp.Modules.ConvTranspose1d", "TorchSharp.Modules.ConvTranspose2d", "TorchSharp.Modules.Upsample",
        "TorchSharp.Modules.AdaptiveMaxPool1d", "TorchSharp.Modules.AdaptiveMaxPool2d", "TorchSharp.Modules.ZeroPad2d",
        "TorchSharp.Modules.ConstantPad1d", "TorchSharp.Modules.ConstantPad2d", "TorchSharp.Modules.ConstantPad3d",
        "TorchSharp.Modules.ReflectionPad1d", "TorchSharp.Modules.ReflectionPad2d", "TorchSharp.Modules.ReflectionPad3d",
        "TorchSharp.Modules.ReplicationPad1d", "TorchSharp.Modules.ReplicationPad2d", "TorchSharp.Modules.ReplicationPad3d",
        // Rules of the runtime's registry (DecompositionRules) for TorchSharp's own modules.
        "TorchSharp.Modules.TransformerEncoderLayer", "TorchSharp.Modules.TransformerEncoder",
    ];

    /// <summary>The assembly of TorchSharp's own modules: a module type from it that is not in <see cref="Layers"/> has no rule.</summary>
    public const string TorchSharpAssembly = "TorchSharp";

    /// <summary>The metadata name of a type: namespace-qualified, nested types joined with '.', no generic arguments.</summary>
    public static string MetadataName(ITypeSymbol type)
    {
        var name = type.MetadataName;
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType) name = outer.MetadataName + "." + name;
        var ns = type.ContainingNamespace;
        return ns is null || ns.IsGlobalNamespace ? name : ns.ToDisplayString() + "." + name;
    }

    // Names are compared before building the full metadata name: these checks run for every operand of every forward.
    public static bool IsTensor(ITypeSymbol? type) => type is { Name: "Tensor" } && MetadataName(type) == Tensor;

    /// <summary>True for Tensor and its subclasses (a Parameter field is a tensor too).</summary>
    public static bool IsTensorLike(ITypeSymbol? type)
    {
        for (var t = type; t is not null; t = t.BaseType)
            if (IsTensor(t)) return true;
        return false;
    }

    /// <summary>True for a tensor, or a type that holds tensors: an array, a tuple or a generic collection of them.</summary>
    public static bool IsTensorish(ITypeSymbol? type) => type switch
    {
        null => false,
        IArrayTypeSymbol a => IsTensorish(a.ElementType),
        INamedTypeSymbol { IsGenericType: true } g when !IsModule(g) => IsTensorLike(g) || System.Linq.Enumerable.Any(g.TypeArguments, IsTensorish),
        _ => IsTensorLike(type),
    };

    /// <summary>True when <paramref name="type"/> is or derives from TorchSharp's nn.Module.</summary>
    public static bool IsModule(ITypeSymbol? type)
    {
        for (var t = type; t is not null; t = t.BaseType)
            if (t.Name == "Module" && t.ContainingType?.Name == "nn" && t.ContainingNamespace?.ToDisplayString() == "TorchSharp") return true;
        return false;
    }

    /// <summary>True when <paramref name="type"/> derives from nn.Module&lt;Tensor, Tensor&gt; (the models AttrDsl annotates).</summary>
    public static bool IsTensorModule(INamedTypeSymbol type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
            if (t.Name == "Module" && t.TypeArguments.Length == 2 && IsModule(t) && IsTensor(t.TypeArguments[0]) && IsTensor(t.TypeArguments[1]))
                return true;
        return false;
    }

    /// <summary>True when <paramref name="type"/> is a user module that decomposes itself (generated or hand-written).</summary>
    public static bool DecomposesItself(ITypeSymbol type)
    {
        foreach (var attribute in type.GetAttributes())
            if (attribute.AttributeClass is { } c && (MetadataName(c) == Decomposable || MetadataName(c) == Explainable)) return true;
        foreach (var i in type.AllInterfaces)
            if (MetadataName(i) == DecomposableInterface) return true;
        return false;
    }
}
