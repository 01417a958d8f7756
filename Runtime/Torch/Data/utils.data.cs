namespace AttrDsl.Torch;

public static partial class torch
{
    /// <summary>PyTorch's <c>torch.utils</c>.</summary>
    public static partial class utils
    {
        /// <summary>PyTorch's <c>torch.utils.data</c>: datasets and batch loaders.</summary>
        public static partial class data
        {
            /// <summary>A <see cref="AttrDsl.Torch.TensorDataset"/> whose sample i is row i of every tensor (all the same length along dim 0).</summary>
            public static TensorDataset TensorDataset(params Tensor[] tensors) => new(tensors);

            /// <summary>
            /// A <see cref="AttrDsl.Torch.DataLoader"/> that yields batches of <paramref name="batchSize"/> samples
            /// (one tensor per dataset field). With <paramref name="shuffle"/>, <paramref name="seed"/> seeds a
            /// <see cref="System.Random"/> Fisher–Yates permutation per epoch; null uses libtorch's global generator
            /// (<see cref="manual_seed"/>). With <paramref name="disposeBatch"/>, each batch is freed when the loop moves past it.
            /// </summary>
            public static DataLoader DataLoader(Dataset dataset, int batchSize, bool shuffle = false, bool drop_last = false, int? seed = null, bool disposeBatch = true) =>
                new(dataset, batchSize, shuffle, drop_last, seed, disposeBatch);
        }
    }
}
