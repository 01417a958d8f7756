using Microsoft.CodeAnalysis.Diagnostics;

namespace AttrDsl.Analyzers.Helpers;

/// <summary>
/// What every AttrDsl analyzer sets up alike: concurrent execution, generated code excluded, AttrDsl's symbols resolved
/// once per compilation (and nothing registered when the compilation does not reference AttrDsl).
/// </summary>
public abstract class AttrDslAnalyzer : DiagnosticAnalyzer
{
    public sealed override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (KnownSymbols.Resolve(start.Compilation) is { } known) Register(start, known);
        });
    }

    /// <summary>Registers the analyzer's actions for a compilation that references AttrDsl.</summary>
    private protected abstract void Register(CompilationStartAnalysisContext start, KnownSymbols known);
}
