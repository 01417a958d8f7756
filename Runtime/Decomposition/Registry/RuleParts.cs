using System.Reflection;

namespace AttrDsl.Decomposition;

/// <summary>
/// What a rule for somebody else's module reads from it: its child modules by name and, where the forward depends on a
/// private setting, that field. A module that lacks what the rule expects (another version of its library) is an error
/// that names the module's path, what is missing and what to do — never a silently different forward.
/// </summary>
public static class RuleParts
{
    /// <summary>The child module <paramref name="name"/> of <paramref name="module"/> (as <c>named_children()</c> lists it).</summary>
    /// <exception cref="UnsupportedModuleException">The module has no such child.</exception>
    public static nn.Module Child(nn.Module module, string name) =>
        OptionalChild(module, name)
        ?? throw Mismatch(module, $"a child module '{name}'", $"its children are [{string.Join(", ", module.named_children().Select(c => c.name))}]");

    /// <summary>The child module <paramref name="name"/>, or null when the module has none (an optional part, e.g. a downsample).</summary>
    public static nn.Module? OptionalChild(nn.Module module, string name)
    {
        ArgumentNullException.ThrowIfNull(module);
        foreach (var (n, c) in module.named_children())
            if (n == name) return c;
        return null;
    }

    /// <summary>Decomposes the child module <paramref name="name"/> of <paramref name="module"/> (its path named in errors).</summary>
    public static Decomposition Run(nn.Module module, string name, Decomposition d) => ContextualDecomposition.Propagate(Child(module, name), d);

    /// <summary>
    /// Decomposes the named children of <paramref name="module"/> one after another (a forward that is a plain chain of
    /// its children, in the order given).
    /// </summary>
    public static Decomposition Chain(nn.Module module, Decomposition d, params string[] children)
    {
        foreach (var name in children)
            d = Run(module, name, d);
        return d;
    }

    /// <summary>The value of the instance field <paramref name="name"/> (public or not) of <paramref name="module"/>.</summary>
    /// <exception cref="UnsupportedModuleException">The module's type has no such field of type <typeparamref name="T"/>.</exception>
    public static T Field<T>(nn.Module module, string name)
    {
        ArgumentNullException.ThrowIfNull(module);
        for (var t = module.GetType(); t is not null; t = t.BaseType)
        {
            var f = t.GetField(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly);
            if (f is not null && f.GetValue(module) is T value) return value;
        }
        throw Mismatch(module, $"a field '{name}' of type {typeof(T).Name}", "its forward cannot be described without it");
    }

    private static UnsupportedModuleException Mismatch(nn.Module module, string what, string detail) =>
        new(ContextualDecomposition.CurrentPath(module), module.GetType(),
            $"The decomposition rule for {module.GetType().FullName} expects {what}, but this module has none ({detail}). " +
            "The built-in rule describes the version of the module's library it was written for; register a rule for this version with " +
            "DecompositionRules.Register(\"" + module.GetType().FullName + "\", (module, d) => ...).");
}
