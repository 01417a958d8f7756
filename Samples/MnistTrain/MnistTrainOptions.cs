using System.Globalization;

namespace AttrDsl.Samples.MnistTrain;

/// <summary>The settings of one run of the MnistTrain sample (its command-line options).</summary>
/// <param name="Epochs">Passes over the training split (≥ 1).</param>
/// <param name="BatchSize">Images per step (≥ 1).</param>
/// <param name="LearningRate">Adam learning rate (positive, finite).</param>
/// <param name="Gamma">ExponentialLR decay per epoch, in (0, 1].</param>
/// <param name="Seed">Seed of the split, the initialisation and the shuffling.</param>
/// <param name="TestCount">Digits held out for testing (≥ 1, and fewer than the digits available).</param>
/// <param name="Output">Checkpoint path (safetensors).</param>
/// <param name="Threads">libtorch threads (1 … <see cref="CommandLineChecks.MaxThreads"/>).</param>
public sealed record MnistTrainOptions(int Epochs, int BatchSize, double LearningRate, double Gamma, int Seed, int TestCount, string Output, int Threads)
{
    /// <summary>The defaults of the command line.</summary>
    public static MnistTrainOptions Defaults { get; } = new(6, 64, 1e-3, 0.7, 0, 2000, "mnist-cnn.safetensors", Environment.ProcessorCount);

    /// <summary>
    /// The first problem with these values that can be seen without loading anything (null when there is none), as one
    /// line naming the option and the fix. Also checks that <see cref="Output"/> can be written, so a bad path is found
    /// before training, not after.
    /// </summary>
    public string? Problem()
    {
        var d = Defaults;
        return CommandLineChecks.AtLeast(Epochs, 1, "--epochs")
            ?? CommandLineChecks.AtLeast(BatchSize, 1, "--batch-size")
            ?? CommandLineChecks.PositiveFinite(LearningRate, "--lr", F(d.LearningRate))
            ?? (Gamma > 0 && Gamma <= 1 ? null : $"--lr-gamma must lie in (0, 1], got {F(Gamma)}; pass e.g. --lr-gamma {F(d.Gamma)} (1 keeps the learning rate constant)")
            ?? CommandLineChecks.AtLeast(TestCount, 1, "--test-count")
            ?? CommandLineChecks.Threads(Threads)
            ?? CommandLineChecks.WritableFile(Output, "--output", d.Output);
    }

    /// <summary>The problem with <see cref="TestCount"/> for a data set of <paramref name="images"/> digits: at least one must remain to train on.</summary>
    public string? DataProblem(long images) =>
        TestCount < images
            ? null
            : $"--test-count must be below the {images} digits available so some remain for training, got {TestCount}; pass e.g. --test-count {Math.Min(Defaults.TestCount, Math.Max(1, images / 5))}";

    private static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
