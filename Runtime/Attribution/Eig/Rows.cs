using TorchSharp;
using static TorchSharp.torch;

using AttrDsl.Internal;

namespace AttrDsl.Attribution;

/// <summary>Small helpers that move [N, ...] tensors to and from rows of doubles for EIG's graph and clustering code.</summary>
internal static class Rows
{
    public static double[][] Of(Tensor t)
    {
        if (t.dim() < 1) throw new ArgumentException("expected a batch of points [N, ...]");
        using var d = t.reshape(t.size(0), -1).to(ScalarType.Float64);
        var flat = d.ToArray<double>();
        var n = (int)t.size(0);
        var dim = n == 0 ? 0 : flat.Length / n;
        var rows = new double[n][];
        for (var i = 0; i < n; i++) rows[i] = flat.AsSpan(i * dim, dim).ToArray();
        return rows;
    }

    public static Tensor ToTensor(IReadOnlyList<double[]> rows, long[] featureShape, ScalarType dtype, Device device)
    {
        var dim = rows.Count == 0 ? 0 : rows[0].Length;
        var flat = new double[rows.Count * dim];
        for (var i = 0; i < rows.Count; i++) rows[i].CopyTo(flat, i * dim);
        using var t = torch.tensor(flat, [rows.Count, .. featureShape]);
        return t.to(dtype, device);
    }

    public static double Distance2(double[] a, double[] b)
    {
        var s = 0.0;
        for (var i = 0; i < a.Length; i++) { var d = a[i] - b[i]; s += d * d; }
        return s;
    }

    public static double[] Lerp(double[] a, double[] b, double t)
    {
        var r = new double[a.Length];
        for (var i = 0; i < a.Length; i++) r[i] = a[i] + t * (b[i] - a[i]);
        return r;
    }
}
