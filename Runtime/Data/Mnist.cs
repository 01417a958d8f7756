using AttrDsl.Internal;

namespace AttrDsl.Data;

/// <summary>Which half of an MNIST-format download <see cref="Mnist.Load"/> reads.</summary>
public enum MnistSplit
{
    /// <summary>The training set: <c>train-images-idx3-ubyte</c> and <c>train-labels-idx1-ubyte</c> (60,000 digits in MNIST).</summary>
    Train,
    /// <summary>The test set: <c>t10k-images-idx3-ubyte</c> and <c>t10k-labels-idx1-ubyte</c> (10,000 digits in MNIST).</summary>
    Test,
}

/// <summary>
/// MNIST and the data sets distributed in its format (Fashion-MNIST, KMNIST, EMNIST): the four IDX files of a download,
/// read from a folder into tensors ready for training.
/// </summary>
/// <remarks>
/// Download the four <c>.gz</c> files into one folder (they need not be unpacked), e.g. from <see cref="DownloadUrl"/>:
/// <c>train-images-idx3-ubyte.gz</c>, <c>train-labels-idx1-ubyte.gz</c>, <c>t10k-images-idx3-ubyte.gz</c>,
/// <c>t10k-labels-idx1-ubyte.gz</c>. The files are read with <see cref="Idx.Read"/>.
/// </remarks>
public static class Mnist
{
    /// <summary>Where MNIST's four files can be downloaded (the mirror torchvision uses): append a file name such as <c>train-images-idx3-ubyte.gz</c>.</summary>
    public const string DownloadUrl = "https://ossci-datasets.s3.amazonaws.com/mnist/";

    /// <summary>
    /// Loads one split of an MNIST-format download from <paramref name="folder"/>: images as float32
    /// [N, 1, H, W] with values in [0, 1] (pixel / 255; [N, 1, 28, 28] for MNIST) and labels as int64 [N].
    /// </summary>
    /// <param name="folder">The folder holding the files. For each file the plain name, the name with <c>.gz</c>, and the
    /// variants with a dot before <c>idx</c> (<c>train-images.idx3-ubyte</c>, as some mirrors name them) are looked for, in
    /// that order; a relative folder is relative to the current directory.</param>
    /// <param name="split">The training or the test set.</param>
    /// <returns>New CPU tensors, in the caller's dispose scope if there is one.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="folder"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="folder"/> is empty or a file.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="split"/> is not a defined <see cref="MnistSplit"/>.</exception>
    /// <exception cref="DirectoryNotFoundException"><paramref name="folder"/> does not exist.</exception>
    /// <exception cref="FileNotFoundException">The images or labels file is missing; the message lists the names looked
    /// for and where to download them.</exception>
    /// <exception cref="InvalidDataException">A file is not a valid IDX file (see <see cref="Idx.Read"/>), the images are not
    /// unsigned bytes [N, H, W] or the labels unsigned bytes [N], there are no images, or the two files hold different
    /// numbers of samples.</exception>
    public static (Tensor Images, Tensor Labels) Load(string folder, MnistSplit split = MnistSplit.Train)
    {
        const string method = "Mnist.Load";
        if (!Enum.IsDefined(split))
            throw new ArgumentOutOfRangeException(nameof(split), split, $"{method}: split is {(int)split}, not {MnistSplit.Train} or {MnistSplit.Test}");
        var full = DataFiles.Folder(folder, method, nameof(folder));
        var prefix = split == MnistSplit.Train ? "train" : "t10k";
        var what = split == MnistSplit.Train ? "training" : "test";
        var imagesPath = Find(full, $"{prefix}-images", "idx3-ubyte", $"MNIST {what} images");
        var labelsPath = Find(full, $"{prefix}-labels", "idx1-ubyte", $"MNIST {what} labels");

        using var scope = torch.NewDisposeScope();
        var images = Idx.Read(imagesPath);
        if (images.dtype != ScalarType.Byte || images.dim() != 3)
            throw new InvalidDataException($"{method}: '{imagesPath}' holds {Describe(images)}, not images: MNIST-format images are unsigned bytes [N, H, W] (an idx3-ubyte file); " +
                                           "check that the file is the images file of the download");
        var labels = Idx.Read(labelsPath);
        if (labels.dtype != ScalarType.Byte || labels.dim() != 1)
            throw new InvalidDataException($"{method}: '{labelsPath}' holds {Describe(labels)}, not labels: MNIST-format labels are unsigned bytes [N] (an idx1-ubyte file); " +
                                           "check that the file is the labels file of the download");
        if (images.size(0) == 0 || images.size(1) == 0 || images.size(2) == 0)
            throw new InvalidDataException($"{method}: '{imagesPath}' holds no pixels (shape {Format.Shape(images)}); download the file again");
        if (images.size(0) != labels.size(0))
            throw new InvalidDataException($"{method}: '{imagesPath}' holds {images.size(0)} images but '{labelsPath}' holds {labels.size(0)} labels; " +
                                           "the two files come from different downloads or splits: download both again");
        var pixels = images.to(ScalarType.Float32).div_(255f).unsqueeze(1);
        var classes = labels.to(ScalarType.Int64);
        return (pixels.MoveToOuterDisposeScope(), classes.MoveToOuterDisposeScope());
    }

    // The first of the names a download may use that exists in the folder.
    private static string Find(string folder, string stem, string kind, string what)
    {
        string[] names = [$"{stem}-{kind}", $"{stem}-{kind}.gz", $"{stem}.{kind}", $"{stem}.{kind}.gz"];
        foreach (var name in names)
        {
            var path = Path.Combine(folder, name);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException(
            $"Mnist.Load: no {what} in '{folder}': looked for {string.Join(", ", names)}. " +
            $"Download the file into that folder, e.g. {DownloadUrl}{names[1]} (Fashion-MNIST and KMNIST use the same names)",
            Path.Combine(folder, names[1]));
    }

    private static string Describe(Tensor t) => $"{t.dtype} values of shape {Format.Shape(t)}";
}
