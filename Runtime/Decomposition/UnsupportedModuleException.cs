namespace AttrDsl.Decomposition;

/// <summary>
/// Raised when contextual decomposition meets a module it has no rule for, or a module that does not match its rule;
/// the reference implementation skipped such modules silently, which breaks β + γ = output without a word. The message
/// names the module's path and type and says how to give it a rule.
/// </summary>
public sealed class UnsupportedModuleException : NotSupportedException
{
    /// <summary>A new exception for the module at <paramref name="path"/> of type <paramref name="moduleType"/> that has no rule.</summary>
    public UnsupportedModuleException(string path, Type moduleType)
        : this(path, moduleType ?? throw new ArgumentNullException(nameof(moduleType)),
            $"Contextual decomposition has no rule for the module {path} ({moduleType.FullName}). " +
            $"Give it one: register a rule with AttrDsl.Decomposition.DecompositionRules.Register(\"{moduleType.FullName}\", (module, d) => ...) " +
            "(keyed by type, or by type name for a class you cannot reference), describing its forward with CdFunctional and ContextualDecomposition.Propagate for its children; " +
            "or, on a module of your own, implement IDecomposable or mark it [Decomposable] to have the decomposition generated. " +
            "The modules with built-in rules are listed in docs/your-model.md and by DecompositionRules.Registered.")
    {
    }

    /// <summary>A new exception for the module at <paramref name="path"/> of type <paramref name="moduleType"/> with its own message.</summary>
    public UnsupportedModuleException(string path, Type moduleType, string message) : base(message)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(moduleType);
        ModulePath = path;
        ModuleType = moduleType;
    }

    /// <summary>The module's path of names in the model ("features.3"; "(model)" for the model itself).</summary>
    public string ModulePath { get; }

    /// <summary>The module's type.</summary>
    public Type ModuleType { get; }
}
