namespace AttrDsl.Decomposition.Acd;

/// <summary>Settings of ACD's agglomeration (Singh, Murdoch &amp; Yu 2019).</summary>
public sealed record AcdOptions
{
    /// <summary>
    /// The percentile (exclusive range 0..100) a tile's score must reach to join a component, taken over the tiles not
    /// yet in one: at the start over the single-tile scores, in each growth step over the neighbours' gains and the other
    /// tiles' own scores. The reference uses 99 for MNIST and 95 for ImageNet.
    /// </summary>
    public double Percentile { get; init; } = 99;

    /// <summary>Growth steps after the seed level (the reference's 5); stops early once every tile is in a component.</summary>
    public int Iterations { get; init; } = 5;

    /// <summary>
    /// The most regions scored per scorer call (null: every region of a step in one call, up to 2^26 mask elements,
    /// i.e. 85,598 regions of a 28×28 image or 445 of a 3×224×224 one). 1 reproduces the
    /// reference's one-region-per-forward loop; the results are the same either way for a scorer that treats rows
    /// independently.
    /// </summary>
    public int? RegionsPerCall { get; init; }
}
