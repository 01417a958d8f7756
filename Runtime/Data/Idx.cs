using System.Buffers.Binary;
using AttrDsl.Internal;

namespace AttrDsl.Data;

/// <summary>
/// IDX files, the format of the MNIST, Fashion-MNIST, KMNIST and EMNIST downloads (<c>train-images-idx3-ubyte</c>,
/// <c>t10k-labels-idx1-ubyte</c>, …), plain or gzip-compressed.
/// </summary>
/// <remarks>
/// An IDX file is a 4-byte magic number — two zero bytes, a type code and the number of dimensions — then each
/// dimension's size as a big-endian 32-bit integer, then the values in row-major order, big-endian. Type codes:
/// <c>0x08</c> unsigned byte, <c>0x09</c> signed byte, <c>0x0B</c> 16-bit integer, <c>0x0C</c> 32-bit integer,
/// <c>0x0D</c> float, <c>0x0E</c> double (LeCun et al., "THE MNIST DATABASE of handwritten digits").
/// </remarks>
public static class Idx
{
    /// <summary>The most dimensions an IDX file may declare here (MNIST's files have 1 or 3).</summary>
    public const int MaxDimensions = 16;

    /// <summary>
    /// Reads the IDX file at <paramref name="path"/> into a tensor of its shape and type: unsigned bytes → uint8, signed
    /// bytes → int8, 16/32-bit integers → int16/int32, floats → float32, doubles → float64. A gzip-compressed file
    /// (a <c>.gz</c> download) is decompressed; compression is recognised by the content, whatever the name.
    /// </summary>
    /// <param name="path">The file, e.g. <c>mnist/train-images-idx3-ubyte.gz</c>.</param>
    /// <returns>A new tensor on the CPU, in the caller's dispose scope if there is one.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or a directory.</exception>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not IDX (wrong magic number, unknown type code, no or too
    /// many dimensions, a negative size), is truncated, has bytes after the data, is a damaged gzip file, or declares
    /// more data than one array can hold.</exception>
    public static Tensor Read(string path)
    {
        const string method = "Idx.Read";
        var (stream, length) = DataFiles.OpenMaybeGzip(path, method, nameof(path));
        using (stream)
        {
            var compressed = length is null;
            Span<byte> magic = stackalloc byte[4];
            var got = DataFiles.ReadUpTo(stream, magic, path, method);
            if (got < 4)
                throw Bad(path, $"it holds {got} byte{(got == 1 ? "" : "s")}{(compressed ? " after decompression" : "")}, too few for the 4-byte IDX magic number; the file is truncated, download it again");
            if (magic[0] != 0 || magic[1] != 0)
                throw Bad(path, $"it starts with {Convert.ToHexString(magic)} where an IDX file starts with 0000, its type code and its number of dimensions " +
                                "(00000803 for MNIST images, 00000801 for labels); pass an IDX file such as train-images-idx3-ubyte");
            var (dtype, size, typeName) = magic[2] switch
            {
                0x08 => (ScalarType.Byte, 1, "unsigned byte"),
                0x09 => (ScalarType.Int8, 1, "signed byte"),
                0x0B => (ScalarType.Int16, 2, "16-bit integer"),
                0x0C => (ScalarType.Int32, 4, "32-bit integer"),
                0x0D => (ScalarType.Float32, 4, "float"),
                0x0E => (ScalarType.Float64, 8, "double"),
                _ => throw Bad(path, $"its type code is 0x{magic[2]:X2}, which is not an IDX type (0x08 unsigned byte, 0x09 signed byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double)"),
            };
            int rank = magic[3];
            if (rank is < 1 or > MaxDimensions)
                throw Bad(path, $"its magic number declares {rank} dimensions; an IDX file has 1 to {MaxDimensions} (MNIST images 3, labels 1)");

            var header = new byte[4 * rank];
            got = DataFiles.ReadUpTo(stream, header, path, method);
            if (got < header.Length)
                throw Bad(path, $"it ends inside its header: {rank} dimension sizes need {header.Length} bytes after the magic number, {got} follow; the file is truncated, download it again");
            var shape = new long[rank];
            long count = 1;
            for (var d = 0; d < rank; d++)
            {
                var s = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 * d));
                if (s < 0)
                    throw Bad(path, $"dimension {d} has the size {s} (bytes {Convert.ToHexString(header, 4 * d, 4)}); sizes are non-negative 32-bit integers");
                shape[d] = s;
                count = count > long.MaxValue / Math.Max(1, s) ? long.MaxValue : count * s;
            }
            var shown = Format.Shape(shape);
            if (count > Array.MaxLength / size)
                throw Bad(path, $"its header declares {shown} {typeName}s, more than one array can hold ({Array.MaxLength / size} elements); the header is damaged, or split the data into smaller files");
            var bytes = count * size;
            var dataStart = 4 + header.Length;
            if (length is long plain && plain - dataStart != bytes)
                throw plain - dataStart < bytes
                    ? Bad(path, $"its header declares {shown} {typeName}s ({bytes} bytes) but only {plain - dataStart} bytes follow the header; the file is truncated, download it again")
                    : Bad(path, $"its header declares {shown} {typeName}s ({bytes} bytes) but {plain - dataStart} bytes follow the header; the file holds more than the header describes (two files joined, or not an IDX file)");
            // Deflate compresses at most 1032:1, so a gzip file too small for the declared data is refused before the
            // data array is allocated (a damaged header could otherwise ask for gigabytes).
            if (compressed && new FileInfo(path).Length * 1032L + 1024 < bytes)
                throw Bad(path, $"its header declares {shown} {typeName}s ({bytes} bytes), more than a gzip file of {new FileInfo(path).Length} bytes can hold; the file is truncated or damaged, download it again");

            var data = new byte[bytes];
            got = DataFiles.ReadUpTo(stream, data, path, method);
            if (got < bytes)
                throw Bad(path, $"its header declares {shown} {typeName}s ({bytes} bytes) but only {got} bytes follow the header after decompression; the file is truncated, download it again");
            if (compressed && DataFiles.ReadUpTo(stream, stackalloc byte[1], path, method) != 0)
                throw Bad(path, $"its header declares {shown} {typeName}s ({bytes} bytes) but more bytes follow them after decompression; the file holds more than the header describes (two files joined, or not an IDX file)");
            return ToTensor(data, shape, dtype);
        }
    }

    // IDX stores big-endian values; the tensors are built from host-order arrays.
    private static Tensor ToTensor(byte[] data, long[] shape, ScalarType dtype)
    {
        switch (dtype)
        {
            case ScalarType.Byte:
                return torch.tensor(data, shape);
            case ScalarType.Int8:
            {
                var values = new short[data.Length];
                for (var i = 0; i < data.Length; i++) values[i] = unchecked((sbyte)data[i]);
                using var wide = torch.tensor(values, shape);
                return wide.to(ScalarType.Int8);
            }
            case ScalarType.Int16:
            {
                var values = new short[data.Length / 2];
                for (var i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt16BigEndian(data.AsSpan(2 * i));
                return torch.tensor(values, shape);
            }
            case ScalarType.Int32:
            {
                var values = new int[data.Length / 4];
                for (var i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4 * i));
                return torch.tensor(values, shape);
            }
            case ScalarType.Float32:
            {
                var values = new float[data.Length / 4];
                for (var i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleBigEndian(data.AsSpan(4 * i));
                return torch.tensor(values, shape);
            }
            default:
            {
                var values = new double[data.Length / 8];
                for (var i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadDoubleBigEndian(data.AsSpan(8 * i));
                return torch.tensor(values, shape);
            }
        }
    }

    private static InvalidDataException Bad(string path, string why) => new($"Idx.Read: '{path}' is not a valid IDX file: {why}.");
}
