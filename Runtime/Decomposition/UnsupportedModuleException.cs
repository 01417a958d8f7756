namespace AttrDsl.Decomposition;

/// <summary>
/// Raised when contextual decomposition meets a module it has no rule for; the reference implementation skipped such
/// modules silently, which breaks β + γ = output without a word. The message names the module's type and its path.
/// </summary>
public sealed class UnsupportedModuleException : NotSupportedException
{
    /// <summary>A new exception for the module at <paramref name="path"/> of type <paramref name="moduleType"/>.</summary>
    public UnsupportedModuleException(string path, Type moduleType)
        : base($"Contextual decomposition has no rule for the module {path} ({moduleType.FullName}). " +
               $"Implement AttrDsl.Decomposition.IDecomposable on it (or on the module that contains it) and decompose its forward with CdFunctional, " +
               $"or replace it with a supported layer (Linear, Conv1d/2d, BatchNorm1d/2d, LayerNorm, ReLU, LeakyReLU, GELU, Tanh, Sigmoid, Softplus, MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool2d, Dropout, Flatten, Embedding, Sequential).")
    {
        ModulePath = path;
        ModuleType = moduleType;
    }

    /// <summary>The module's path of names in the model ("features.3"; "(model)" for the model itself).</summary>
    public string ModulePath { get; }

    /// <summary>The module's type.</summary>
    public Type ModuleType { get; }
}
