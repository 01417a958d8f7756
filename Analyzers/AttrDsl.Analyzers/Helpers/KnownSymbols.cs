using System.Linq;
using Microsoft.CodeAnalysis;

namespace AttrDsl.Analyzers.Helpers;

/// <summary>The AttrDsl and TorchSharp symbols the analyzers need, resolved once per compilation.</summary>
internal sealed class KnownSymbols
{
    private KnownSymbols(Compilation compilation)
    {
        Explainable = compilation.GetTypeByMetadataName("AttrDsl.ExplainableAttribute");
        Decomposable = compilation.GetTypeByMetadataName("AttrDsl.DecomposableAttribute");
        AttributionPrior = compilation.GetTypeByMetadataName("AttrDsl.AttributionPriorAttribute");
        PriorInterface = compilation.GetTypeByMetadataName("AttrDsl.Priors.IAttributionPrior");
        TotalVariation = compilation.GetTypeByMetadataName("AttrDsl.Priors.TotalVariation");
        Tensor = compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
    }

    public INamedTypeSymbol? Explainable { get; }

    public INamedTypeSymbol? Decomposable { get; }

    public INamedTypeSymbol? AttributionPrior { get; }

    public INamedTypeSymbol? PriorInterface { get; }

    public INamedTypeSymbol? TotalVariation { get; }

    public INamedTypeSymbol? Tensor { get; }

    /// <summary>The symbols, or null when the compilation does not reference AttrDsl (the analyzers then stay idle).</summary>
    public static KnownSymbols? Resolve(Compilation compilation)
    {
        var known = new KnownSymbols(compilation);
        return known.Explainable is null || known.Tensor is null ? null : known;
    }

    public bool Has(ISymbol symbol, INamedTypeSymbol? attribute) =>
        attribute is not null && symbol.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute));

    public AttributeData? Find(ISymbol symbol, INamedTypeSymbol? attribute) =>
        attribute is null ? null : symbol.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute));

    public bool IsTensor(ITypeSymbol? type) => SymbolEqualityComparer.Default.Equals(type, Tensor);

    /// <summary>nn.Module&lt;Tensor, Tensor&gt; somewhere up the base chain (the rule the generator applies).</summary>
    public bool IsTensorModule(INamedTypeSymbol type) => AttrDsl.Generators.Translation.KnownTypes.IsTensorModule(type);
}
