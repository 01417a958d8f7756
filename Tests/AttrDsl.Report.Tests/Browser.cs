using System.Text.Json;
using Microsoft.Playwright;

namespace AttrDsl.Report.Tests;

/// <summary>A browser window: CSS size and device pixel ratio, and whether it is a phone (mobile viewport, touch).</summary>
internal sealed record Viewport(string Name, int Width, int Height, float DeviceScaleFactor, bool IsMobile)
{
    /// <summary>A desktop window, 1200 × 900.</summary>
    public static Viewport Desktop { get; } = new("desktop", 1200, 900, 1, false);

    /// <summary>A phone in portrait (an iPhone 12–15's 390 × 844 CSS pixels at twice the density).</summary>
    public static Viewport Phone { get; } = new("phone", 390, 844, 2, true);
}

/// <summary>Where one figure's image and caption were laid out (CSS pixels).</summary>
internal sealed record FigureBox(string Alt, double ImgLeft, double ImgRight, double ImgBottom, double ImgWidth, bool HasCaption, double CaptionTop, double CaptionLeft, double CaptionRight);

/// <summary>The page's layout: its width against the window's, the figures, the table of contents and the anchors.</summary>
internal sealed record Layout(
    int ScrollWidth,
    int InnerWidth,
    IReadOnlyList<FigureBox> Figures,
    IReadOnlyList<string> TocLinks,
    IReadOnlyList<string> UnresolvedTocLinks,
    IReadOnlyList<string> Ids,
    int Tables,
    int WrappedTables,
    int Scripts);

/// <summary>What a page showed in headless chromium: console errors, page errors, failed requests, each image's natural size, the layout.</summary>
internal sealed record PageCheck(
    IReadOnlyList<string> ConsoleErrors,
    IReadOnlyList<string> PageErrors,
    IReadOnlyList<string> FailedRequests,
    IReadOnlyList<(string Alt, int NaturalWidth, int NaturalHeight, bool Complete)> Images,
    string Title,
    string? Screenshot,
    Layout Layout);

/// <summary>
/// Debian's chromium (apt-get install chromium; .ci/run installs it) driven by Playwright through ExecutablePath, so
/// Playwright downloads no browser. Set ATTRDSL_CHROMIUM to use another chromium binary.
/// </summary>
internal static class Browser
{
    public static string Executable()
    {
        var configured = Environment.GetEnvironmentVariable("ATTRDSL_CHROMIUM");
        var candidates = string.IsNullOrEmpty(configured)
            ? new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }
            : [configured];
        var found = candidates.FirstOrDefault(File.Exists);
        // Fail, never skip: the report must be proven to open in a real browser.
        Assert.True(found is not null,
            $"no chromium found (looked for {string.Join(", ", candidates)}); install it with 'sudo apt-get install -y chromium' (.ci/run does) or set ATTRDSL_CHROMIUM");
        return found!;
    }

    /// <summary>
    /// Opens <paramref name="htmlPath"/> (file://) in <paramref name="viewport"/> (desktop by default), waits for the load
    /// event, reads the images and the layout, saves a full-page screenshot.
    /// </summary>
    public static async Task<PageCheck> Open(string htmlPath, string? screenshotPath, Viewport? viewport = null)
    {
        viewport ??= Viewport.Desktop;
        var executable = Executable();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            // Containers run as root without user namespaces; chromium's sandbox needs them.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
            Timeout = 60_000,
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions
        {
            ViewportSize = new ViewportSize { Width = viewport.Width, Height = viewport.Height },
            DeviceScaleFactor = viewport.DeviceScaleFactor,
            IsMobile = viewport.IsMobile,
            HasTouch = viewport.IsMobile,
        });
        var consoleErrors = new List<string>();
        var pageErrors = new List<string>();
        var failed = new List<string>();
        page.Console += (_, msg) => { if (msg.Type is "error" or "assert") lock (consoleErrors) consoleErrors.Add(msg.Text); };
        page.PageError += (_, error) => { lock (pageErrors) pageErrors.Add(error); };
        page.RequestFailed += (_, request) => { lock (failed) failed.Add($"{request.Url[..Math.Min(80, request.Url.Length)]}: {request.Failure}"); };

        var response = await page.GotoAsync(new Uri(Path.GetFullPath(htmlPath)).AbsoluteUri,
            new PageGotoOptions { WaitUntil = WaitUntilState.Load, Timeout = 60_000 });
        Assert.NotNull(response);
        Assert.True(response!.Ok, $"loading the report answered {response.Status}");
        // Decoding finishes after 'load' for some images: wait for every image to be complete (loaded or broken).
        await page.WaitForFunctionAsync("() => Array.from(document.images).every(i => i.complete)", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        var images = await page.EvaluateAsync<ImageInfo[]>(
            "() => Array.from(document.images).map(i => ({ alt: i.alt, naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight, complete: i.complete }))");
        var title = await page.TitleAsync();
        var layout = ReadLayout(await page.EvaluateAsync<JsonElement>(LayoutScript));
        if (screenshotPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(screenshotPath))!);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshotPath, FullPage = true });
        }
        return new PageCheck(consoleErrors, pageErrors, failed,
            [.. images.Select(i => (i.Alt, i.NaturalWidth, i.NaturalHeight, i.Complete))], title, screenshotPath, layout);
    }

    // Read in the page: sizes after layout, every figure's image and caption box, the TOC's links and whether each
    // names an element, every id, the tables and their wrappers, the scripts.
    private const string LayoutScript = """
        () => ({
          scrollWidth: document.documentElement.scrollWidth,
          innerWidth: window.innerWidth,
          figures: Array.from(document.querySelectorAll('figure')).map(f => {
            const img = f.querySelector('img'), cap = f.querySelector('figcaption');
            const i = img.getBoundingClientRect(), c = cap ? cap.getBoundingClientRect() : null;
            return { alt: img.alt, imgLeft: i.left, imgRight: i.right, imgBottom: i.bottom, imgWidth: i.width,
                     hasCaption: !!c, captionTop: c ? c.top : 0, captionLeft: c ? c.left : 0, captionRight: c ? c.right : 0 };
          }),
          tocLinks: Array.from(document.querySelectorAll('nav.toc a')).map(a => a.getAttribute('href')),
          unresolved: Array.from(document.querySelectorAll('nav.toc a, a.anchor')).map(a => a.getAttribute('href'))
            .filter(h => !h.startsWith('#') || !document.getElementById(decodeURIComponent(h.slice(1)))),
          ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
          tables: document.querySelectorAll('table').length,
          wrappedTables: Array.from(document.querySelectorAll('table')).filter(t => t.parentElement.classList.contains('table-wrap')).length,
          scripts: document.querySelectorAll('script').length,
        })
        """;

    private static Layout ReadLayout(JsonElement e)
    {
        static List<string> Strings(JsonElement a) => [.. a.EnumerateArray().Select(x => x.GetString() ?? "")];
        var figures = e.GetProperty("figures").EnumerateArray().Select(f => new FigureBox(
            f.GetProperty("alt").GetString() ?? "", f.GetProperty("imgLeft").GetDouble(), f.GetProperty("imgRight").GetDouble(),
            f.GetProperty("imgBottom").GetDouble(), f.GetProperty("imgWidth").GetDouble(), f.GetProperty("hasCaption").GetBoolean(),
            f.GetProperty("captionTop").GetDouble(), f.GetProperty("captionLeft").GetDouble(), f.GetProperty("captionRight").GetDouble())).ToList();
        return new Layout(e.GetProperty("scrollWidth").GetInt32(), e.GetProperty("innerWidth").GetInt32(), figures,
            Strings(e.GetProperty("tocLinks")), Strings(e.GetProperty("unresolved")), Strings(e.GetProperty("ids")),
            e.GetProperty("tables").GetInt32(), e.GetProperty("wrappedTables").GetInt32(), e.GetProperty("scripts").GetInt32());
    }

    /// <summary>
    /// Opens <paramref name="htmlPath"/> in <paramref name="viewport"/> (desktop by default) and asserts what every AttrDsl
    /// report must show in a browser: no console or page errors, no failed requests, at least <paramref name="minImages"/>
    /// images, each complete with a non-zero natural size, a non-blank full-page screenshot at
    /// <paramref name="screenshotPath"/>, and a layout that fits the window (<see cref="AssertFits"/>). Reusable for any
    /// report a sample writes.
    /// </summary>
    public static async Task<PageCheck> AssertOpensCleanly(string htmlPath, string screenshotPath, int minImages = 1, Viewport? viewport = null)
    {
        viewport ??= Viewport.Desktop;
        Assert.True(File.Exists(htmlPath), $"no report at {htmlPath}");
        var check = await Open(htmlPath, screenshotPath, viewport);
        Console.WriteLine($"AttrDsl.Report.Tests: {htmlPath} in chromium ({viewport.Name}), screenshot {screenshotPath}");
        Assert.Empty(check.ConsoleErrors);
        Assert.Empty(check.PageErrors);
        Assert.Empty(check.FailedRequests);
        Assert.True(check.Images.Count >= minImages, $"{check.Images.Count} images, expected at least {minImages}");
        foreach (var (alt, nw, nh, complete) in check.Images)
        {
            Assert.True(complete, $"image '{alt}' did not finish loading");
            Assert.True(nw > 0 && nh > 0, $"image '{alt}' has natural size {nw} × {nh}");
        }
        Assert.True(File.Exists(screenshotPath), $"no screenshot at {screenshotPath}");
        using var bitmap = SkiaSharp.SKBitmap.Decode(screenshotPath);
        Assert.NotNull(bitmap);
        var colours = new HashSet<SkiaSharp.SKColor>();
        for (var y = 0; y < bitmap.Height; y += 7)
        for (var x = 0; x < bitmap.Width; x += 7)
            colours.Add(bitmap.GetPixel(x, y));
        Assert.True(colours.Count > 50, $"the screenshot has only {colours.Count} colours: blank?");
        AssertFits(check.Layout, viewport);
        return check;
    }

    /// <summary>
    /// The layout rules of every report: the page is no wider than the window (tables may scroll inside their wrapper,
    /// the page itself never sideways; a phone is not zoomed out), every figure's caption lies below its image and within
    /// its width, every image fits the window, every table sits in a scrolling wrapper, ids are unique, every TOC and
    /// anchor link names an element, and there is no script.
    /// </summary>
    public static void AssertFits(Layout layout, Viewport viewport)
    {
        Assert.True(layout.InnerWidth == viewport.Width, $"{viewport.Name}: window.innerWidth is {layout.InnerWidth}, not {viewport.Width} (the page was zoomed out to fit something too wide)");
        Assert.True(layout.ScrollWidth <= viewport.Width, $"{viewport.Name}: the page is {layout.ScrollWidth} px wide in a {viewport.Width} px window (it scrolls sideways)");
        foreach (var f in layout.Figures)
        {
            Assert.True(f.ImgLeft >= -0.5 && f.ImgRight <= viewport.Width + 0.5, $"{viewport.Name}: figure '{f.Alt}' spans {f.ImgLeft:F0}..{f.ImgRight:F0}, outside the {viewport.Width} px window");
            Assert.True(f.HasCaption, $"figure '{f.Alt}' has no caption");
            Assert.True(f.CaptionTop >= f.ImgBottom - 0.5, $"{viewport.Name}: the caption of '{f.Alt}' starts at {f.CaptionTop:F1}, above its image's bottom {f.ImgBottom:F1}");
            Assert.True(f.CaptionLeft >= f.ImgLeft - 0.5 && f.CaptionRight <= f.ImgRight + 0.5,
                $"{viewport.Name}: the caption of '{f.Alt}' spans {f.CaptionLeft:F1}..{f.CaptionRight:F1}, wider than its image {f.ImgLeft:F1}..{f.ImgRight:F1}");
        }
        Assert.Equal(layout.Tables, layout.WrappedTables);
        Assert.Equal(layout.Ids.Count, layout.Ids.Distinct().Count());
        Assert.Empty(layout.UnresolvedTocLinks);
        Assert.Equal(0, layout.Scripts);
    }

    private sealed class ImageInfo
    {
        public string Alt { get; set; } = "";
        public int NaturalWidth { get; set; }
        public int NaturalHeight { get; set; }
        public bool Complete { get; set; }
    }
}
