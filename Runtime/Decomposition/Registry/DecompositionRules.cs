using System.Collections.Concurrent;

namespace AttrDsl.Decomposition;

/// <summary>
/// Decomposition rules for modules whose classes are not yours: <see cref="ContextualDecomposition"/> consults this
/// registry for every module that does not implement <see cref="IDecomposable"/>, before its containers and built-in
/// layers. A rule is keyed by the module's type, or by the type's full name
/// (<c>"TorchSharp.Modules.ResNet+BasicBlock"</c>) for classes you cannot reference, such as private nested blocks.
/// <para>
/// Built in: every architecture of TorchVision 0.107's <c>torchvision.models</c> (AlexNet, VGG, ResNet/ResNeXt/Wide-ResNet,
/// GoogLeNet, Inception v3, MobileNet v2 and v3, with their blocks and squeeze-and-excitation), matched by type name so
/// the runtime does not depend on TorchVision, and TorchSharp's <c>TransformerEncoderLayer</c> and
/// <c>TransformerEncoder</c>. A rule you register for the same type or name replaces the built-in one.
/// </para>
/// </summary>
/// <example>
/// <code>
/// // A rule for a block whose forward is relu(conv(x)) + x:
/// DecompositionRules.Register&lt;MyBlock&gt;((block, d) =&gt;
///     CdFunctional.add(ActivationRules.Relu(ContextualDecomposition.Propagate(block.conv, d)), d));
/// </code>
/// </example>
public static class DecompositionRules
{
    private static readonly ConcurrentDictionary<Type, ModuleRule> ByType = new();
    private static readonly ConcurrentDictionary<string, ModuleRule> ByName = new(StringComparer.Ordinal);

    static DecompositionRules()
    {
        TorchVisionRules.RegisterAll();
        TransformerRules.RegisterAll();
    }

    /// <summary>Registers (or replaces) the rule for modules of type <typeparamref name="TModule"/>.</summary>
    public static void Register<TModule>(Func<TModule, Decomposition, Decomposition> rule) where TModule : nn.Module
    {
        ArgumentNullException.ThrowIfNull(rule);
        ByType[typeof(TModule)] = (m, d) => rule((TModule)m, d);
    }

    /// <summary>Registers (or replaces) the rule for modules of exactly <paramref name="moduleType"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="moduleType"/> is not a TorchSharp module type.</exception>
    public static void Register(Type moduleType, ModuleRule rule)
    {
        ArgumentNullException.ThrowIfNull(moduleType);
        ArgumentNullException.ThrowIfNull(rule);
        if (!typeof(nn.Module).IsAssignableFrom(moduleType))
            throw new ArgumentException($"{moduleType.FullName} is not a TorchSharp module (it does not derive from torch.nn.Module); rules are for module types.", nameof(moduleType));
        ByType[moduleType] = rule;
    }

    /// <summary>
    /// Registers (or replaces) the rule for modules whose type's full name is <paramref name="moduleTypeName"/> — the
    /// way to reach a class you cannot name in C#, e.g. <c>"TorchSharp.Modules.MobileNetV2+InvertedResidual"</c>
    /// (nested classes are joined with '+', as <see cref="Type.FullName"/> writes them).
    /// </summary>
    public static void Register(string moduleTypeName, ModuleRule rule)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(moduleTypeName);
        ArgumentNullException.ThrowIfNull(rule);
        ByName[moduleTypeName] = rule;
    }

    /// <summary>Removes the rule registered for <paramref name="moduleType"/> (built-in or yours); true if there was one.</summary>
    public static bool Remove(Type moduleType) => ByType.TryRemove(moduleType ?? throw new ArgumentNullException(nameof(moduleType)), out _);

    /// <summary>Removes the rule registered under the type name <paramref name="moduleTypeName"/>; true if there was one.</summary>
    public static bool Remove(string moduleTypeName) => ByName.TryRemove(moduleTypeName ?? throw new ArgumentNullException(nameof(moduleTypeName)), out _);

    /// <summary>
    /// The rule for <paramref name="module"/>: the one registered for its exact type, else for its type's full name;
    /// null when there is none (base types are not searched: a subclass may change forward).
    /// </summary>
    public static ModuleRule? Find(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var type = module.GetType();
        if (ByType.TryGetValue(type, out var rule)) return rule;
        return type.FullName is { } name && ByName.TryGetValue(name, out rule) ? rule : null;
    }

    /// <summary>The types and type names that have a rule now, sorted (for messages and docs).</summary>
    public static IReadOnlyList<string> Registered =>
        ByType.Keys.Select(t => t.FullName ?? t.Name).Concat(ByName.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
}
