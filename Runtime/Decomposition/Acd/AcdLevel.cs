namespace AttrDsl.Decomposition.Acd;

/// <summary>One level of an ACD hierarchy.</summary>
/// <param name="Index">The level's position in <see cref="AcdResult.Levels"/> (0 = seed).</param>
/// <param name="Kind">Seed, growth or merge.</param>
/// <param name="Components">The level's components, highest score first (ties: lowest first tile first).</param>
public sealed record AcdLevel(int Index, AcdLevelKind Kind, IReadOnlyList<AcdComponent> Components);
