namespace AttrDsl.Decomposition.Acd;

/// <summary>
/// Scores a batch of regions of one input for the explained target, in one call: <paramref name="masks"/> is
/// [M, ...] (float, 1 inside the region, 0 outside; each row shaped like one input sample) and the result is [M], one
/// finite score per region. The agglomeration passes float32 masks on the CPU; the scorers of <see cref="Scorers"/> move
/// them to the input's device and dtype. ACD's agglomeration only ever asks for scores through this delegate, so any importance
/// measure plugs in: the build-up or occlusion scores of <see cref="Scorers"/>, or contextual decomposition's relevant
/// part of the target logit (<see cref="Scorers.FromDecomposition"/>).
/// </summary>
/// <param name="masks">Region masks [M, ...sample shape].</param>
/// <returns>Scores [M] (any floating dtype; read back as float64).</returns>
public delegate Tensor RegionScorer(Tensor masks);
