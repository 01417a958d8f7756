using AttrDsl.Generators.Helpers;

namespace AttrDsl.Generators.Model;

/// <summary>
/// The model's <c>forward</c> as a list of single operations (nested calls rewritten into temporaries), from which the
/// emitter writes the contextual decomposition and the layer map.
/// </summary>
/// <param name="Parameter">The name of forward's input parameter.</param>
/// <param name="FilePath">The file holding forward, for #line directives.</param>
/// <param name="Ops">The operations in order; the last one is the return.</param>
/// <param name="TokenInput">forward starts with an Embedding on its input: the decomposition takes token indices and a token mask.</param>
/// <param name="Layers">The layers at which the model can be split (layer map), in forward order.</param>
internal sealed record ForwardSpec(string Parameter, string FilePath, EquatableArray<OpSpec> Ops, bool TokenInput, EquatableArray<LayerSpec> Layers);
