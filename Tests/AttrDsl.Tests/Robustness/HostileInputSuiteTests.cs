using System.Reflection;
using AttrDsl.HostileInputs;
using Xunit.Abstractions;

namespace AttrDsl.Tests.Robustness;

/// <summary>
/// Runs the hostile-input suite (Tests/AttrDsl.HostileInputs), one child process per area, and holds the runtime to the
/// policy: every user-caused error is a clear .NET exception; no deaths, no silent results, unclear ≤ 1 % of all cases.
/// The table goes to the test output and to hostile-inputs.md beside the test assembly.
/// </summary>
public class HostileInputSuiteTests(ITestOutputHelper output)
{
    private static string Dll => Path.Combine(AppContext.BaseDirectory, "AttrDsl.HostileInputs.dll");

    [Fact]
    public void EveryHostileInputEndsInAClearErrorOrACorrectResult()
    {
        Assert.True(File.Exists(Dll), $"{Dll} is missing; build Tests/AttrDsl.HostileInputs");
        var runs = ChildRunner.RunAll(Dll);
        var table = ChildRunner.Table(runs);
        var offenders = ChildRunner.Offenders(runs);
        output.WriteLine(table);
        output.WriteLine(offenders);
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "hostile-inputs.md"), $"# Hostile inputs\n\n{table}\n{offenders}");

        var deaths = runs.Where(r => r.Outcome == Outcome.Death).ToList();
        var silent = runs.Where(r => r.Outcome == Outcome.Silent).ToList();
        var unclear = runs.Where(r => r.Outcome == Outcome.Unclear).ToList();
        var failures = new List<string>();
        if (deaths.Count > 0) failures.Add($"{deaths.Count} deaths (must be 0):\n" + List(deaths));
        if (silent.Count > 0) failures.Add($"{silent.Count} silent (must be 0):\n" + List(silent));
        if (unclear.Count > runs.Count / 100) failures.Add($"{unclear.Count} unclear of {runs.Count} (at most 1 %):\n" + List(unclear));
        Assert.True(failures.Count == 0, table + "\n" + string.Join("\n", failures));
    }

    private static string List(IEnumerable<CaseRun> runs) => string.Join("\n", runs.Select(r => $"  {r.Id} [{r.EntryPoint}] {r.Detail}"));
}

/// <summary>
/// Every public constructor and method of the runtime's user-facing types is named by a hostile-input case's entry point
/// ("Type.Method", "Type.ctor"), or is in the suite's one exemption list with a reason.
/// </summary>
public class HostileInputCoverageTests
{
    private static readonly HashSet<string> ObjectMembers = ["ToString", "Equals", "GetHashCode", "GetType", "Deconstruct", "<Clone>$", "PrintMembers", "Finalize"];

    public static IEnumerable<string> PublicSurface()
    {
        var asm = typeof(AttrDsl.Attribution.Saliency).Assembly;
        foreach (var t in asm.GetExportedTypes())
        {
            if (t.Namespace is null || !t.Namespace.StartsWith("AttrDsl", StringComparison.Ordinal) || t.Namespace.StartsWith("AttrDsl.Internal", StringComparison.Ordinal)) continue;
            if (typeof(Delegate).IsAssignableFrom(t) || t.IsEnum) continue;
            var name = t.Name.Split('`')[0];
            var isRecord = t.GetMethod("<Clone>$") is not null || t.GetMethod("PrintMembers", BindingFlags.NonPublic | BindingFlags.Instance) is not null;
            foreach (var c in t.GetConstructors())
                if (!(isRecord && c.GetParameters() is [var p] && p.ParameterType == t))
                    yield return $"{name}.ctor";
            foreach (var m in t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
                if (!m.IsSpecialName && !ObjectMembers.Contains(m.Name))
                    yield return $"{name}.{m.Name}";
        }
    }

    [Fact]
    public void EveryPublicEntryPointHasACaseOrAnExemption()
    {
        var named = CaseCatalog.EntryPoints().ToHashSet();
        var missing = PublicSurface().Distinct().Where(e => !named.Contains(e) && Exemptions.Reason(e) is null).Order().ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} public entry points have no hostile-input case and no exemption (add a case in Tests/AttrDsl.HostileInputs/Cases, or an exemption with a reason in Suite/Exemptions.cs):\n  " + string.Join("\n  ", missing));
    }

    [Fact]
    public void EveryExemptionHasAReasonAndStillExists()
    {
        var surface = PublicSurface().ToHashSet();
        foreach (var (entry, reason) in Exemptions.Members)
        {
            Assert.False(string.IsNullOrWhiteSpace(reason), $"exemption {entry} has no reason");
            var exists = entry.EndsWith(".*", StringComparison.Ordinal) ? surface.Any(s => s.StartsWith(entry[..^1], StringComparison.Ordinal)) : surface.Contains(entry);
            Assert.True(exists, $"exemption {entry} names nothing public any more; remove it");
        }
    }
}
