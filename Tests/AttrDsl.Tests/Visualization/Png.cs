using SkiaSharp;

namespace AttrDsl.Tests.Visualization;

/// <summary>Decodes the PNGs under test with SkiaSharp (the NoDependencies native assets of this test project).</summary>
internal sealed class Png : IDisposable
{
    private readonly SKBitmap _bitmap;

    public Png(byte[] bytes)
    {
        Assert.NotNull(bytes);
        Assert.True(bytes.Length > 8 && bytes[0] == 0x89 && bytes[1] == (byte)'P' && bytes[2] == (byte)'N' && bytes[3] == (byte)'G', "not a PNG signature");
        using var codec = SKCodec.Create(new MemoryStream(bytes));
        Assert.NotNull(codec);
        Assert.Equal(SKEncodedImageFormat.Png, codec.EncodedFormat);
        _bitmap = SKBitmap.Decode(bytes);
        Assert.NotNull(_bitmap);
    }

    public int Width => _bitmap.Width;
    public int Height => _bitmap.Height;

    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            var c = _bitmap.GetPixel(x, y);
            return (c.Red, c.Green, c.Blue);
        }
    }

    /// <summary>The colour at the centre of map cell (row, col) for a picture drawn at <paramref name="scale"/>.</summary>
    public (byte R, byte G, byte B) Cell(int row, int col, int scale) => this[col * scale + scale / 2, row * scale + scale / 2];

    /// <summary>Every pixel of the block of map cell (row, col) has the same colour (nearest-neighbour upscaling).</summary>
    public bool CellIsUniform(int row, int col, int scale)
    {
        var c = this[col * scale, row * scale];
        for (var y = 0; y < scale; y++)
        for (var x = 0; x < scale; x++)
            if (this[col * scale + x, row * scale + y] != c) return false;
        return true;
    }

    /// <summary>How many pixels satisfy <paramref name="test"/>.</summary>
    public int Count(Func<(byte R, byte G, byte B), bool> test)
    {
        var n = 0;
        for (var y = 0; y < Height; y++)
        for (var x = 0; x < Width; x++)
            if (test(this[x, y])) n++;
        return n;
    }

    /// <summary>Every position (x, y) where <paramref name="part"/> appears pixel for pixel inside this picture.</summary>
    public List<(int X, int Y)> Find(Png part)
    {
        var found = new List<(int, int)>();
        var first = part[0, 0];
        for (var y = 0; y + part.Height <= Height; y++)
        for (var x = 0; x + part.Width <= Width; x++)
        {
            if (this[x, y] != first) continue;
            var same = true;
            for (var j = 0; j < part.Height && same; j += 1)
            for (var i = 0; i < part.Width && same; i += 1)
                same = this[x + i, y + j] == part[i, j];
            if (same) found.Add((x, y));
        }
        return found;
    }

    /// <summary>The Euclidean RGB distance between two colours.</summary>
    public static double Distance((byte R, byte G, byte B) a, (byte R, byte G, byte B) b) =>
        Math.Sqrt(Math.Pow(a.R - b.R, 2) + Math.Pow(a.G - b.G, 2) + Math.Pow(a.B - b.B, 2));

    public void Dispose() => _bitmap.Dispose();
}
