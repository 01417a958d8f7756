using Microsoft.Playwright;

namespace AttrDsl.Report.Tests;

/// <summary>What a page showed in headless chromium: console errors, page errors, failed requests, each image's natural size.</summary>
internal sealed record PageCheck(
    IReadOnlyList<string> ConsoleErrors,
    IReadOnlyList<string> PageErrors,
    IReadOnlyList<string> FailedRequests,
    IReadOnlyList<(string Alt, int NaturalWidth, int NaturalHeight, bool Complete)> Images,
    string Title,
    string? Screenshot);

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

    /// <summary>Opens <paramref name="htmlPath"/> (file://), waits for the load event, reads the images, saves a full-page screenshot.</summary>
    public static async Task<PageCheck> Open(string htmlPath, string? screenshotPath)
    {
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
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 900 } });
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
        if (screenshotPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(screenshotPath))!);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshotPath, FullPage = true });
        }
        return new PageCheck(consoleErrors, pageErrors, failed,
            [.. images.Select(i => (i.Alt, i.NaturalWidth, i.NaturalHeight, i.Complete))], title, screenshotPath);
    }

    /// <summary>
    /// Opens <paramref name="htmlPath"/> and asserts what every AttrDsl report must show in a browser: no console or page
    /// errors, no failed requests, at least <paramref name="minImages"/> images, each complete with a non-zero natural
    /// size, and a non-blank full-page screenshot at <paramref name="screenshotPath"/>. Reusable for any report a sample writes.
    /// </summary>
    public static async Task<PageCheck> AssertOpensCleanly(string htmlPath, string screenshotPath, int minImages = 1)
    {
        Assert.True(File.Exists(htmlPath), $"no report at {htmlPath}");
        var check = await Open(htmlPath, screenshotPath);
        Console.WriteLine($"AttrDsl.Report.Tests: {htmlPath} in chromium, screenshot {screenshotPath}");
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
        return check;
    }

    private sealed class ImageInfo
    {
        public string Alt { get; set; } = "";
        public int NaturalWidth { get; set; }
        public int NaturalHeight { get; set; }
        public bool Complete { get; set; }
    }
}
