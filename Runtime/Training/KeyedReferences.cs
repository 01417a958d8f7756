using AttrDsl.Attribution;
using static TorchSharp.torch;

namespace AttrDsl.Training;

/// <summary>
/// Expected-gradient draws that depend on the sample, not on the process: sample g (its index in the global batch) of
/// step s draws its k reference indices and k coefficients α from a SplitMix64 stream seeded by (seed, s, g). Split a
/// global batch over any number of processes and every sample still gets the references and α it gets in one process —
/// which torch's global generator, drawing for the whole local batch at once, cannot give.
/// </summary>
internal static class KeyedReferences
{
    internal static InterpolationBatch Sample(Tensor inputs, Tensor background, int k, long seed, long step, long firstGlobalIndex, string method)
    {
        PathKit.CheckInputBatch(inputs, method);
        InterpolationBatch.CheckBackground(inputs, background, method);
        var b = inputs.size(0);
        var n = (ulong)background.size(0);
        var indices = new long[b * k];
        var alphas = new float[b * k];
        for (long i = 0; i < b; i++)
        {
            var state = Mix(Mix(Mix((ulong)seed) ^ (ulong)step) ^ (ulong)(firstGlobalIndex + i));
            for (var j = 0; j < k; j++)
            {
                // Index: the high half of a 64×64-bit product (Lemire's multiply-shift), unbiased to 2⁻⁶⁴·N.
                indices[i * k + j] = (long)Math.BigMul(Next(ref state), n, out _);
                // α in [0, 1): the top 24 bits, exact in float32.
                alphas[i * k + j] = (Next(ref state) >> 40) * (1f / (1 << 24));
            }
        }
        // No scope of its own: the batch's tensors and the temporaries belong to the calling step's dispose scope.
        var picked = background.index_select(0, tensor(indices, device: background.device));
        PathKit.CheckDrawnFinite(picked, background, method, "background");
        return InterpolationBatch.CreateCore(inputs, picked, tensor(alphas, [b, k]).to(inputs.dtype, inputs.device));
    }

    // SplitMix64 (Steele, Lea, Flood 2014): a good 64-bit mixer and a full-period stream from any seed.
    private static ulong Next(ref ulong state) => Mix(state += 0x9E3779B97F4A7C15UL);

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
