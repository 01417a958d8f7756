using AttrDsl.Data;
using SkiaSharp;

namespace AttrDsl.Tests.Data;

/// <summary>
/// ImageFolder.Load on pictures written here with SkiaSharp from known pixel values: the same values must come back,
/// channel by channel, in class order sorted by name.
/// </summary>
public sealed class ImageFolderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("attrdsl-imagefolder-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    // A picture whose pixel (x, y) is color(x, y), encoded as PNG (lossless) or JPEG.
    private string Picture(string relative, int width, int height, Func<int, int, SKColor> color, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                bitmap.SetPixel(x, y, color(x, y));
        using var data = bitmap.Encode(format, 100);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    private static SKColor Known(int image, int x, int y) => new((byte)(10 * image + x), (byte)(100 + 20 * y + x), (byte)(250 - 3 * image - x - y));

    [Fact]
    public void PixelsComeBackPerChannelAndClassesInNameOrder()
    {
        // Written in an order that is not the expected one: classes and files are sorted by name.
        Picture("zebra/2.png", 3, 2, (x, y) => Known(3, x, y));
        Picture("zebra/1.png", 3, 2, (x, y) => Known(2, x, y));
        Picture("ant/b.png", 3, 2, (x, y) => Known(1, x, y));
        Picture("ant/a.png", 3, 2, (x, y) => Known(0, x, y));
        File.WriteAllText(Path.Combine(_root, "ant", "notes.txt"), "not a picture: skipped");

        var (images, labels, classes) = ImageFolder.Load(_root, width: 3, height: 2, grayscale: false);
        Assert.Equal(new[] { "ant", "zebra" }, classes);
        Assert.Equal(new long[] { 0, 0, 1, 1 }, labels.data<long>().ToArray());
        Assert.Equal(new long[] { 4, 3, 2, 3 }, images.shape);
        Assert.Equal(ScalarType.Float32, images.dtype);
        for (var i = 0; i < 4; i++)
            for (var y = 0; y < 2; y++)
                for (var x = 0; x < 3; x++)
                {
                    var c = Known(i, x, y);
                    Assert.Equal(c.Red / 255f, images[i, 0, y, x].item<float>());
                    Assert.Equal(c.Green / 255f, images[i, 1, y, x].item<float>());
                    Assert.Equal(c.Blue / 255f, images[i, 2, y, x].item<float>());
                }
    }

    [Fact]
    public void GrayscaleUsesTheItu601Weights()
    {
        Picture("only/p.png", 2, 1, (x, _) => x == 0 ? new SKColor(200, 100, 50) : new SKColor(77, 77, 77));
        var (images, _, _) = ImageFolder.Load(_root, 2, 1, grayscale: true);
        Assert.Equal(new long[] { 1, 1, 1, 2 }, images.shape);
        Assert.Equal((0.299 * 200 + 0.587 * 100 + 0.114 * 50) / 255, images[0, 0, 0, 0].item<float>(), 5);
        Assert.Equal(77 / 255.0, images[0, 0, 0, 1].item<float>(), 5);
    }

    [Fact]
    public void PicturesAreResizedToWidthByHeight()
    {
        // 12×6: black left half, white right half; resized to 4 wide, 2 high.
        Picture("c/halves.png", 12, 6, (x, _) => x < 6 ? SKColors.Black : SKColors.White);
        // 10×8 of one colour: any resampling keeps it.
        Picture("c/plain.png", 10, 8, (_, _) => new SKColor(30, 60, 90));
        var (images, _, _) = ImageFolder.Load(_root, width: 4, height: 2);
        Assert.Equal(new long[] { 2, 3, 2, 4 }, images.shape);
        var halves = images[0, 0];
        Assert.True(halves[.., 0].max().item<float>() < 0.1f, $"left column {halves[.., 0].max().item<float>()}");
        Assert.True(halves[.., 3].min().item<float>() > 0.9f, $"right column {halves[.., 3].min().item<float>()}");
        var plain = images[1];
        Assert.True((plain[0] - 30 / 255f).abs().max().item<float>() <= 1 / 255f);
        Assert.True((plain[1] - 60 / 255f).abs().max().item<float>() <= 1 / 255f);
        Assert.True((plain[2] - 90 / 255f).abs().max().item<float>() <= 1 / 255f);
    }

    [Fact]
    public void JpegAndNestedFoldersAreRead()
    {
        Picture("cls/deeper/q.jpg", 8, 8, (_, _) => new SKColor(120, 40, 200), SKEncodedImageFormat.Jpeg);
        Picture("cls/.hidden.png", 8, 8, (_, _) => SKColors.Red);
        var (images, labels, classes) = ImageFolder.Load(_root, 8, 8);
        Assert.Equal(new[] { "cls" }, classes);
        Assert.Equal(1, labels.size(0));
        // JPEG is lossy: a plain colour comes back within a few levels.
        Assert.True((images[0, 0] - 120 / 255f).abs().max().item<float>() <= 4 / 255f);
        Assert.True((images[0, 1] - 40 / 255f).abs().max().item<float>() <= 4 / 255f);
        Assert.True((images[0, 2] - 200 / 255f).abs().max().item<float>() <= 4 / 255f);
    }

    [Fact]
    public void AnUndecodablePictureIsNamed()
    {
        Picture("good/a.png", 2, 2, (_, _) => SKColors.Blue);
        var broken = Path.Combine(_root, "good", "broken.png");
        File.WriteAllText(broken, "not a png");
        var e = Assert.Throws<InvalidDataException>(() => ImageFolder.Load(_root, 2, 2));
        Assert.Contains(broken, e.Message);

        var png = File.ReadAllBytes(Picture("good/cut.png", 64, 64, (x, y) => new SKColor((byte)x, (byte)y, 0)));
        File.Delete(broken);
        File.WriteAllBytes(Path.Combine(_root, "good", "cut.png"), png[..(png.Length / 2)]);
        e = Assert.Throws<InvalidDataException>(() => ImageFolder.Load(_root, 2, 2));
        Assert.Contains("cut.png", e.Message);
    }

    [Fact]
    public void AFolderWithoutClassesOrAClassWithoutPicturesIsRefused()
    {
        Picture("loose.png", 2, 2, (_, _) => SKColors.Blue);
        var e = Assert.Throws<InvalidDataException>(() => ImageFolder.Load(_root, 2, 2));
        Assert.Contains("no class folders", e.Message);
        Assert.Contains("1 picture lies directly in it", e.Message);

        Directory.CreateDirectory(Path.Combine(_root, "empty"));
        e = Assert.Throws<InvalidDataException>(() => ImageFolder.Load(_root, 2, 2));
        Assert.Contains(Path.Combine(_root, "empty"), e.Message);
        Assert.Contains("holds no picture", e.Message);
    }
}
