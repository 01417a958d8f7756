using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Datasets.Synthetic;

/// <summary>
/// The train/test tensors every synthetic data set carries. They belong to the data set, outside every
/// <see cref="DisposeScope"/>; dispose the data set to free them.
/// </summary>
public abstract class TrainTestSplit : IDisposable
{
    private protected TrainTestSplit(Tensor trainX, Tensor trainY, Tensor testX, Tensor testY)
    {
        TrainX = trainX.DetachFromDisposeScope();
        TrainY = trainY.DetachFromDisposeScope();
        TestX = testX.DetachFromDisposeScope();
        TestY = testY.DetachFromDisposeScope();
    }

    /// <summary>Training features [n, D].</summary>
    public Tensor TrainX { get; }

    /// <summary>Training targets [n].</summary>
    public Tensor TrainY { get; }

    /// <summary>Test features [m, D].</summary>
    public Tensor TestX { get; }

    /// <summary>Test targets [m].</summary>
    public Tensor TestY { get; }

    /// <summary>Frees the four tensors.</summary>
    public void Dispose()
    {
        TrainX.Dispose();
        TrainY.Dispose();
        TestX.Dispose();
        TestY.Dispose();
        GC.SuppressFinalize(this);
    }
}
