namespace AttrDsl.Decomposition.Acd;

/// <summary>How a level of an ACD hierarchy came about.</summary>
public enum AcdLevelKind
{
    /// <summary>The first level: connected components of the tiles whose own score reached the percentile.</summary>
    Seed,

    /// <summary>A growth step: tiles with the highest gains (or own scores) joined, components re-formed.</summary>
    Growth,

    /// <summary>A merge step: the two components whose union gained most were merged.</summary>
    Merge,
}
