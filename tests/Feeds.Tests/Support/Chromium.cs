namespace Feeds.Tests.Support;

/// <summary>
/// Debian's Chromium, headless, as a person's browser: it loads a page (running XSLT where the page asks for
/// it), and gives back the DOM it built or a screenshot. .ci/run installs the package.
/// </summary>
public static class Chromium
{
    private const string Executable = "/usr/bin/chromium";

    /// <summary>Skips the calling test, with the reason shown, where Chromium is not installed.</summary>
    public static void RequireInstalled()
    {
        if (!File.Exists(Executable))
        {
            Assert.Skip($"{Executable} is not installed (apt-get install chromium; .ci/run does).");
        }
    }

    /// <summary>The document as the browser built it, serialised.</summary>
    public static async Task<string> DumpDomAsync(Uri url) => (await RunAsync(url, "--dump-dom")).Output;

    /// <summary>A PNG of the page as rendered at the given width, written to <paramref name="path"/>.</summary>
    public static async Task ScreenshotAsync(Uri url, string path, int width = 800, int height = 1200)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await RunAsync(url, $"--screenshot={path}", $"--window-size={width},{height}", "--hide-scrollbars");
    }

    /// <summary>Where screenshots go: the test output directory's screenshots folder.</summary>
    public static string ScreenshotPath(string name) => Path.Combine(AppContext.BaseDirectory, "screenshots", name);

    private static async Task<(string Output, string Errors)> RunAsync(Uri url, params string[] arguments)
    {
        using var profile = new TempFolder("feeds-chromium-");
        return await ExternalProgram.RunAsync(Executable, [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--mute-audio",
            $"--user-data-dir={profile.FullName}", .. arguments, url.AbsoluteUri], timeout: TimeSpan.FromSeconds(90));
    }
}
