using System.Runtime.InteropServices;
using AttrDsl.Checkpoints;
using AttrDsl.Data;
using AttrDsl.Performance;
using AttrDsl.Priors;
using AttrDsl.Training;

namespace AttrDsl.Tests.Checkpoints;

/// <summary>What the child processes of <see cref="AttrDsl.Tests.Training.AllocatorTests"/> run: a fresh process, so no test has tuned its heap.</summary>
internal static class AllocatorChildScenarios
{
    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    [DllImport("libc")] private static extern MallInfo2 mallinfo2();
    [DllImport("libc")] private static extern nint malloc(nuint size);
    [DllImport("libc")] private static extern void free(nint p);

    /// <summary>
    /// How glibc serves a 64 MiB block: untuned it always maps it separately (above the largest dynamic mmap threshold,
    /// 32 MiB), tuned (<see cref="Allocator.TuneAllocator"/>: 1 GiB) it takes it from the heap.
    /// </summary>
    private static string LargeBlocks()
    {
        const nuint size = 64 << 20;
        var before = mallinfo2().hblkhd;
        var p = malloc(size);
        var mapped = mallinfo2().hblkhd - before >= size;
        free(p);
        return mapped ? "mmap" : "heap";
    }

    /// <summary>Uses the runtime the way a training program does — without tuning — then reports the heap's behaviour, tunes, and reports again.</summary>
    public static void RuntimeLeavesTheAllocatorAlone()
    {
        manual_seed(0);
        using var x = randn([32, 6], ScalarType.Float64);
        using var y = (x.select(1, 0) > 0).to(ScalarType.Int64);
        using var model = nn.Sequential(nn.Linear(6, 8, dtype: ScalarType.Float64), nn.Tanh(), nn.Linear(8, 2, dtype: ScalarType.Float64));
        using var opt = optim.Adam(model.parameters(), 0.01);
        var trainer = new AttributionPriorTrainer(model, (o, t) => nn.functional.cross_entropy(o, t), opt,
            new PriorTrainingOptions { Priors = [new PriorTerm(new L1Attribution(), 1.0)], Background = x });
        trainer.Fit(new Batches(x, y, 8, shuffle: true, seed: 1), epochs: 1);
        var dir = Directory.CreateTempSubdirectory("attrdsl-allocator-").FullName;
        try
        {
            Checkpoint.Save(model, Path.Combine(dir, "m.safetensors"));
            Checkpoint.Load(model, Path.Combine(dir, "m.safetensors"));
        }
        finally { Directory.Delete(dir, recursive: true); }
        using (var big = zeros(20_000_000)) { }   // a large tensor through libtorch's allocator too

        Console.Out.WriteLine($"used: {LargeBlocks()} tuned={Allocator.IsTuned}");
        var ok = Allocator.TuneAllocator();
        Console.Out.WriteLine($"after TuneAllocator (returned {ok}): {LargeBlocks()} tuned={Allocator.IsTuned}");
    }
}
