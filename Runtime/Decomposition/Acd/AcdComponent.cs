namespace AttrDsl.Decomposition.Acd;

/// <summary>One component of an ACD level: a set of tiles and its score (the scorer's value for their union).</summary>
/// <param name="Tiles">Tile indices, ascending (row-major on the tile grid; segment order for sequences).</param>
/// <param name="Score">The scorer's value for the region made of these tiles.</param>
public sealed record AcdComponent(IReadOnlyList<int> Tiles, double Score);
