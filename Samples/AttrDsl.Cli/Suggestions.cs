namespace AttrDsl.Cli;

/// <summary>"Did you mean …?": the valid names nearest a misspelt one by edit distance.</summary>
internal static class Suggestions
{
    /// <summary>
    /// The <paramref name="candidates"/> at the smallest edit distance from <paramref name="typed"/> (case and leading
    /// dashes ignored), when that distance is small for the word's length: empty when nothing is close.
    /// </summary>
    public static IReadOnlyList<string> Nearest(string typed, IEnumerable<string> candidates)
    {
        var word = Bare(typed);
        if (word.Length == 0) return [];
        var scored = candidates.Distinct().Select(c => (Name: c, Distance: Distance(word, Bare(c)))).ToList();
        if (scored.Count == 0) return [];
        var best = scored.Min(s => s.Distance);
        // One edit for short words, two up to six letters, three beyond: "trian" → train, "--methd" → --method, not "bogus" → train.
        var allowed = word.Length <= 3 ? 1 : word.Length <= 6 ? 2 : 3;
        return best > allowed ? [] : [.. scored.Where(s => s.Distance == best).Select(s => s.Name)];
    }

    /// <summary>
    /// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two neighbouring letters
    /// (the commonest typo, "trian") each count one.
    /// </summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }

    private static string Bare(string name) => name.TrimStart('-', '/').ToLowerInvariant();
}
