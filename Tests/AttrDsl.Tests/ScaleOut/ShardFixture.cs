using AttrDsl.ScaleOut;

namespace AttrDsl.Tests.ScaleOut;

/// <summary>A small random CNN and random MNIST-shaped data, the same in the test process and in its child processes.</summary>
internal static class ShardFixture
{
    public const int Samples = 150;

    public static nn.Module<Tensor, Tensor> Model(long seed = 1)
    {
        var m = nn.Sequential(("conv", nn.Conv2d(1, 4, 3, stride: 2)), ("relu", nn.ReLU()), ("flat", nn.Flatten()), ("fc", nn.Linear(4 * 13 * 13, 10)));
        // The weights come from a generator of this call's own, not from manual_seed: the global generator is shared with
        // test classes running in parallel, whose draws would interleave with these and make two Model() calls differ.
        var g = new torch.Generator((ulong)seed);
        using (no_grad())
            foreach (var p in m.parameters())
            {
                var bound = p.dim() > 1 ? 1.0 / Math.Sqrt(p.numel() / p.size(0)) : 0.1;   // PyTorch's default scale, roughly
                p.copy_((rand(p.shape, generator: g) * 2 - 1) * bound);
            }
        m.eval();
        return m;
    }

    public static (Tensor Inputs, Tensor Labels) Data(long n = Samples)
    {
        var g = new torch.Generator(7);
        return (rand([n, 1, 28, 28], generator: g), randint(0, 10, [n], generator: g));
    }

    public static DatasetExplainOptions Options(int chunk = 16) => new() { ChunkSize = chunk, Steps = 8 };

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "attrdsl-shards-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }
}
