using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Feeds.Tests.Http;

/// <summary>
/// The README's Deploy recipes, as an operator would copy them (issue 31, first item): each nginx site in a real
/// nginx in front of a real Feeds, every link of the documents followed through it; the systemd unit through
/// systemd-analyze verify; the container's settings as MSBuild evaluates them.
/// </summary>
public sealed partial class DeployTests : FeedsTest
{
    [Theory]
    [InlineData(0, "")]
    [InlineData(1, "syndication/")]
    public async Task TheReadmesNginxSite_ServesEveryDocument_AndEveryLinkInItLeadsToOneThroughTheProxy(int recipe, string path)
    {
        var nginxPort = FeedsApp.FreePort();
        var feedsPort = FeedsApp.FreePort();
        var publicBase = new Uri($"http://127.0.0.1:{nginxPort}/{path}");
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database,
            Articles.Sample("l-1", publishedAt: TestClock.Start.UtcDateTime.AddDays(-40)) with { Tags = ["港口", "Supply Chain"] },
            Articles.Sample("l-2", publishedAt: TestClock.Start.UtcDateTime.AddHours(-2)),
            Articles.Sample("m-1", category: "markets", section: "industry", publishedAt: TestClock.Start.UtcDateTime.AddHours(-1)));
        await using var app = new FeedsApp(db, settings: new Dictionary<string, string?>
        {
            ["Feeds:PublicBaseUrl"] = publicBase.AbsoluteUri,
            ["Feeds:TrustedProxies:0"] = "127.0.0.1",
        }, port: feedsPort);
        await app.RefreshAsync();
        await using var nginx = await NginxServer.StartAsync(Site(recipe).Replace("127.0.0.1:8080", $"127.0.0.1:{feedsPort}", StringComparison.Ordinal), nginxPort);
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.All });

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<Uri>([publicBase]);
        var failures = new List<string>();
        while (queue.Count > 0 && seen.Count < 120)
        {
            var url = queue.Dequeue();
            if (!seen.Add(url.AbsoluteUri))
            {
                continue;
            }
            using var response = await client.GetAsync(url, Cancel);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                failures.Add($"{url} {(int)response.StatusCode}");
                continue;
            }
            var body = await response.Content.ReadAsStringAsync(Cancel);
            foreach (var link in Links(body).Select(link => WebUtility.HtmlDecode(link)))
            {
                // Feeds' own documents only: article pages are the news site's, hubs are others'.
                if (Uri.TryCreate(url, link, out var next) && next.AbsoluteUri.StartsWith(publicBase.AbsoluteUri, StringComparison.Ordinal) && !seen.Contains(next.AbsoluteUri))
                {
                    queue.Enqueue(next);
                }
            }
        }
        var metrics = await client.GetAsync(new Uri(publicBase, "metrics"), Cancel);
        var ready = await client.GetAsync(new Uri(publicBase, "health/ready"), Cancel);
        var live = await client.GetAsync(new Uri(publicBase, "health/live"), Cancel);

        Assert.Empty(failures);
        Assert.True(seen.Count >= 40, $"only {seen.Count} documents were linked");
        Assert.Contains(seen, url => url.Contains("/archive/", StringComparison.Ordinal));
        Assert.Contains(seen, url => url.EndsWith(".opml", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Forbidden, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        if (path.Length > 0)
        {
            // The prefix without its slash is sent to it, not answered 404.
            var bare = await client.GetAsync(new Uri(publicBase.AbsoluteUri.TrimEnd('/')), Cancel);
            Assert.Equal(HttpStatusCode.MovedPermanently, bare.StatusCode);
            Assert.EndsWith($"/{path}", bare.Headers.Location!.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheReadmesSystemdUnit_PassesSystemdAnalyzeVerify()
    {
        if (!File.Exists("/usr/bin/systemd-analyze"))
        {
            Assert.Skip("systemd-analyze is not installed (apt-get install systemd; .ci/run does).");
        }
        using var folder = new TempFolder("feeds-systemd-");
        var unit = Path.Combine(folder.FullName, "feeds.service");
        // As installed: ExecStart names dotnet and the published Feeds.dll; verify checks that dotnet is executable.
        await File.WriteAllTextAsync(unit, Block("ini", 0), Cancel);

        var start = new ProcessStartInfo("/usr/bin/systemd-analyze") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("verify");
        start.ArgumentList.Add(unit);
        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync(Cancel);
        var output = await process.StandardOutput.ReadToEndAsync(Cancel);
        await process.WaitForExitAsync(Cancel);

        Assert.True(process.ExitCode == 0 && errors.Length == 0, $"exit {process.ExitCode}: {errors}{output}");
        Assert.Contains("RestartPreventExitStatus=2", Block("ini", 0), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheContainerSettings_AreANonRootUser_Port8080_AndTheDataFolderOnAVolume()
    {
        var project = Path.Combine(RepositoryRoot(), "src", "Feeds", "Feeds.csproj");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "msbuild", project, "-getProperty:ContainerUser", "-getItem:ContainerPort", "-getItem:ContainerEnvironmentVariable" })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(Cancel);
        await process.WaitForExitAsync(Cancel);
        using var evaluated = System.Text.Json.JsonDocument.Parse(output);
        var root = evaluated.RootElement;

        Assert.Equal("app", root.GetProperty("Properties").GetProperty("ContainerUser").GetString());
        Assert.Equal("8080", root.GetProperty("Items").GetProperty("ContainerPort")[0].GetProperty("Identity").GetString());
        var environment = root.GetProperty("Items").GetProperty("ContainerEnvironmentVariable").EnumerateArray()
            .ToDictionary(item => item.GetProperty("Identity").GetString()!, item => item.GetProperty("Value").GetString());
        Assert.Equal("Data Source=/var/lib/feeds/feeds.db", environment["Feeds__Database__ConnectionString"]);
        Assert.Contains("/var/lib/feeds", Block("sh", 0) + File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")), StringComparison.Ordinal);
    }

    /// <summary>The README's nginx site number <paramref name="recipe"/> of the Deploy section.</summary>
    private static string Site(int recipe) => Block("nginx", recipe);

    /// <summary>The <paramref name="index"/>-th fenced block of <paramref name="language"/> in the README's Deploy section.</summary>
    private static string Block(string language, int index)
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var start = readme.IndexOf("### Deploy", StringComparison.Ordinal);
        var end = readme.IndexOf("\n### ", start + 5, StringComparison.Ordinal);
        var section = readme[start..end];
        return Regex.Matches(section, $"```{language}\\n(.*?)```", RegexOptions.Singleline)[index].Groups[1].Value;
    }

    // The stylesheet's attribute value templates (href="{link}") are not links.
    private static IEnumerable<string> Links(string body) =>
        LinkPattern().Matches(body).Select(match => match.Groups["url"].Value).Where(link => !link.Contains('{', StringComparison.Ordinal));

    // href="…", src="…", xmlUrl="…", htmlUrl="…" (HTML, RSS, Atom, OPML) and "url"/"feed_url"/"next_url"/"home_page_url" (JSON Feed).
    [GeneratedRegex("""(?:href|src|xmlUrl|htmlUrl)="(?<url>[^"]+)"|"(?:feed_url|home_page_url|next_url|url)":\s*"(?<url>[^"]+)"|<link>(?<url>[^<]+)</link>""")]
    private static partial Regex LinkPattern();
}
