namespace AttrDsl.Training;

/// <summary>
/// The collective calls of a data-parallel job that <see cref="AttributionPriorTrainer"/> needs when
/// <see cref="PriorTrainingOptions.GradientAverager"/> is set: which process this is, averaging a flat buffer element-wise
/// over the processes (an all-reduce sum divided by <see cref="Size"/>, once per optimizer step, between the backward pass
/// and <c>optimizer.step()</c>), and copying rank 0's buffer to every process (once, when the trainer is created, so
/// that every process starts from rank 0's weights). <see cref="AttrDsl.ScaleOut.Mpi.MpiCommunicator"/> implements it
/// over MPI.
/// </summary>
/// <remarks>Every process must make the same calls in the same order with buffers of the same length (collective calls):
/// a process that skips one leaves the others waiting in it.</remarks>
public interface IGradientAverager
{
    /// <summary>This process's rank in [0, <see cref="Size"/>); rank 0's weights are the ones every process starts from.</summary>
    int Rank { get; }

    /// <summary>The number of processes whose buffers are averaged (1 or more).</summary>
    int Size { get; }

    /// <summary>Replaces every element of <paramref name="buffer"/> by its mean over the processes.</summary>
    void AverageInPlace(Span<float> buffer);

    /// <summary>Replaces every element of <paramref name="buffer"/> by its mean over the processes.</summary>
    void AverageInPlace(Span<double> buffer);

    /// <summary>Replaces <paramref name="buffer"/> on every process by rank 0's (a broadcast from rank 0).</summary>
    void BroadcastInPlace(Span<float> buffer);

    /// <summary>Replaces <paramref name="buffer"/> on every process by rank 0's (a broadcast from rank 0).</summary>
    void BroadcastInPlace(Span<double> buffer);
}
