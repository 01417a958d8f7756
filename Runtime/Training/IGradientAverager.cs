namespace AttrDsl.Training;

/// <summary>
/// Averages a flat buffer element-wise over the processes of a data-parallel job (an all-reduce sum divided by
/// <see cref="Size"/>): what <see cref="AttributionPriorTrainer"/> calls once per optimizer step, between the backward
/// pass and <c>optimizer.step()</c>, when <see cref="PriorTrainingOptions.GradientAverager"/> is set.
/// <see cref="AttrDsl.ScaleOut.Mpi.MpiCommunicator"/> implements it over MPI.
/// </summary>
/// <remarks>Every process must call it the same number of times with buffers of the same length (a collective call).</remarks>
public interface IGradientAverager
{
    /// <summary>The number of processes whose buffers are averaged (1 or more).</summary>
    int Size { get; }

    /// <summary>Replaces every element of <paramref name="buffer"/> by its mean over the processes.</summary>
    void AverageInPlace(Span<float> buffer);

    /// <summary>Replaces every element of <paramref name="buffer"/> by its mean over the processes.</summary>
    void AverageInPlace(Span<double> buffer);
}
