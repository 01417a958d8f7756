using AttrDsl.Generators.Helpers;

namespace AttrDsl.Generators.Model;

/// <summary>
/// A model's <c>forward</c>, translated: its body rewritten once per interpretation, as C# text with the user's own
/// control flow, loops, non-tensor locals and arithmetic, each tensor operation on the decomposed input replaced by a
/// call into a rule table. The texts refer to the rule table and the value type through the placeholders
/// <see cref="Translation.ForwardTranslator.RulesPlaceholder"/> and <see cref="Translation.ForwardTranslator.ValuePlaceholder"/>, so another
/// interpretation of the same translation (another rule table over another value type) is a new pair of names, not a
/// second translator.
/// </summary>
/// <param name="Parameter">The name of forward's input parameter (as C# source).</param>
/// <param name="FilePath">The file holding forward, for #line directives.</param>
/// <param name="TokenInput">forward applies an Embedding to its input: the decomposition takes token indices and a token mask.</param>
/// <param name="Mask">The name of the token mask parameter in <see cref="Body"/> (unused by forward), for token models.</param>
/// <param name="BodyLine">The 1-based line of forward's body in <see cref="FilePath"/> (its '{', or the expression of an arrow body).</param>
/// <param name="Body">forward's body over decompositions: a block.</param>
/// <param name="Helpers">The model's helper methods that forward calls with decomposed values, translated the same way.</param>
/// <param name="LayerBody">forward's body for the layer map: plain tensors, with the split points instrumented.</param>
/// <param name="Layers">The split points of the layer map, in forward order.</param>
/// <param name="Usings">The using directives of the files the bodies come from (the bodies are the user's code).</param>
/// <param name="FirstLayerType">The metadata name of the first layer forward applies to its input, if known (the analyzers' input checks).</param>
internal sealed record ForwardSpec(
    string Parameter,
    string FilePath,
    bool TokenInput,
    string Mask,
    int BodyLine,
    string Body,
    EquatableArray<HelperSpec> Helpers,
    string LayerBody,
    EquatableArray<LayerSpec> Layers,
    EquatableArray<string> Usings,
    string? FirstLayerType);
