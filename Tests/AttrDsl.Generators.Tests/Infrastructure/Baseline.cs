using System.Text;

namespace AttrDsl.Generators.Tests.Infrastructure;

/// <summary>
/// Checked-in snapshot files (the dotnet/runtime way, no Verify): the generated text is compared with
/// Baselines/&lt;name&gt;.txt. A mismatch writes the new text beside it as &lt;name&gt;.received.txt and fails with the first
/// differing lines. Set ATTRDSL_UPDATE_BASELINES=1 to (re)write every baseline instead.
/// </summary>
internal static class Baseline
{
    public static bool Updating => Environment.GetEnvironmentVariable("ATTRDSL_UPDATE_BASELINES") == "1";

    public static void Match(string name, string actual)
    {
        var directory = Path.Combine(GeneratorHarness.ProjectDirectory, "Baselines");
        var path = Path.Combine(directory, name + ".txt");
        var received = Path.Combine(directory, name + ".received.txt");
        actual = actual.Replace("\r\n", "\n");
        if (Updating)
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(path, actual);
            if (File.Exists(received)) File.Delete(received);
            return;
        }
        if (!File.Exists(path))
        {
            File.WriteAllText(received, actual);
            Assert.Fail($"No baseline {path}. The output was written to {received}; review it and rename it, or run with ATTRDSL_UPDATE_BASELINES=1.");
        }
        var expected = File.ReadAllText(path).Replace("\r\n", "\n");
        if (expected == actual)
        {
            if (File.Exists(received)) File.Delete(received);
            return;
        }
        File.WriteAllText(received, actual);
        Assert.Fail($"The generated source differs from {path} (new output in {received}; ATTRDSL_UPDATE_BASELINES=1 accepts it):\n{Diff(expected, actual)}");
    }

    // The first differing lines with a little context, as a unified-style excerpt.
    private static string Diff(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var first = 0;
        while (first < a.Length && first < b.Length && a[first] == b[first]) first++;
        var text = new StringBuilder($"@@ line {first + 1} @@\n");
        for (var i = Math.Max(0, first - 2); i < first; i++) text.Append("  ").Append(a[i]).Append('\n');
        for (var i = first; i < Math.Min(a.Length, first + 6); i++) text.Append("- ").Append(a[i]).Append('\n');
        for (var i = first; i < Math.Min(b.Length, first + 6); i++) text.Append("+ ").Append(b[i]).Append('\n');
        return text.ToString();
    }
}
