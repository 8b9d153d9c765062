using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Feeds.Publishing;

namespace Feeds.Tests.Http;

/// <summary>
/// Every document the server renders for a fixed data set (the demo articles at a fixed time): the index, the
/// tag directory, OPML, stylesheet and images, every feed in every format and its page, and every archive page reached from the
/// site's and a section's feeds, and the Simplified-Chinese twin (/zh-hans/) of each but the shipped files, each with its status, validators and a hash of its bytes. A refactoring that
/// keeps every answer the same keeps this file the same; a change that means to change output updates it
/// (FEEDS_UPDATE_SNAPSHOTS=1 writes it) and says so in its commit. The record begins with the render version of
/// the key under which Redis shares renderings: changed documents are recorded only under a new one.
/// </summary>
public sealed class DocumentSnapshotTests : FeedsTest
{
    private static readonly string[] Shipped = ["/feeds/feed.xsl", "/zh-hans/feeds/feed.xsl", "/icon.png", "/logo.png"];

    private static string SnapshotPath => Path.Combine(RepositoryRoot(), "tests", "Feeds.Tests", "Snapshots", "documents.txt");

    [Fact]
    public async Task EveryDocument_IsTheSameAsRecorded()
    {
        OpenCcOracle.SkipUnlessLibraryInstalled();
        await using var db = await TestDatabase.CreateAsync("sqlite", migrate: false);
        await using var app = new FeedsApp(db, settings: new Dictionary<string, string?> { ["Feeds:DemoData"] = "true", ["Feeds:SimplifiedChinese:Enabled"] = "true" });
        var client = app.CreateRawClient();
        var lines = new List<string>();
        string[] directories = ["/tags", "/authors", "/sources"];
        var paths = new Queue<string>(["/", .. directories, "/feeds.opml", .. Shipped]);
        var seen = new HashSet<string>(StringComparer.Ordinal);

        var opml = XDocument.Parse(await client.GetStringAsync("/feeds.opml", Cancel));
        var feeds = opml.Descendants("outline").Select(o => (string?)o.Attribute("xmlUrl")).OfType<string>()
            .Select(url => new Uri(url).AbsolutePath[..^".rss".Length]).ToList();
        foreach (var directory in directories)
        {
            var page = await client.GetStringAsync(directory, Cancel);
            feeds.AddRange(System.Text.RegularExpressions.Regex.Matches(page, $"href=\"https://feeds.example.org(/feeds{directory}/[^\"]+)\"").Select(m => m.Groups[1].Value));
        }
        foreach (var feed in feeds.Distinct())
        {
            paths.Enqueue(feed);
            foreach (var extension in new[] { "rss", "atom", "json" })
            {
                paths.Enqueue($"{feed}.{extension}");
            }
        }
        foreach (var original in paths.Where(path => !Shipped.Contains(path)).ToList())
        {
            paths.Enqueue("/zh-hans" + original);
        }
        while (paths.TryDequeue(out var path))
        {
            if (!seen.Add(path))
            {
                continue;
            }
            var response = await client.GetAsync(path, Cancel);
            var body = await response.Content.ReadAsByteArrayAsync(Cancel);
            lines.Add(string.Join(" | ", path, (int)response.StatusCode, response.Content.Headers.ContentType?.ToString(),
                // A shipped file's Last-Modified is when the build was made: not part of the record.
                response.Headers.ETag?.ToString(), Shipped.Contains(path) ? "(build time)" : response.Content.Headers.LastModified?.ToString("R"),
                response.Headers.CacheControl?.ToString(),
                Convert.ToHexStringLower(SHA256.HashData(body))));
            // Follow the archive of the site's and the news section's feeds, page by page.
            if (path.Replace("/zh-hans/", "/", StringComparison.Ordinal) is var original
                && (original.StartsWith("/feeds/all", StringComparison.Ordinal) || original.StartsWith("/feeds/news", StringComparison.Ordinal)) && !path.EndsWith(".json", StringComparison.Ordinal))
            {
                foreach (var href in ArchiveLinks(body))
                {
                    paths.Enqueue(new Uri(href).PathAndQuery);
                }
            }
        }
        var renderVersion = $"render version {FeedPublisher.RenderVersion}";
        var actual = renderVersion + "\n" + string.Join('\n', lines) + "\n";

        if (Environment.GetEnvironmentVariable("FEEDS_UPDATE_SNAPSHOTS") == "1")
        {
            // Redis shares renderings between instances by a key that holds the render version: documents that
            // change under the same version would be served in their old form by a server that finds them there.
            var recorded = File.Exists(SnapshotPath) ? (await File.ReadAllTextAsync(SnapshotPath, Cancel)).Split('\n') : [];
            var rendered = lines.Where(line => !Shipped.Contains(line.Split(" | ")[0]));
            Assert.False(recorded.Length > 0 && recorded[0] == renderVersion && !rendered.All(recorded.Contains),
                "The documents changed and FeedPublisher.RenderVersion did not: bump it, then record them.");
            Directory.CreateDirectory(Path.GetDirectoryName(SnapshotPath)!);
            await File.WriteAllTextAsync(SnapshotPath, actual, Cancel);
        }
        var expected = await File.ReadAllTextAsync(SnapshotPath, Cancel);
        var differences = expected.Split('\n').Except(actual.Split('\n')).Take(10).ToList();
        Assert.True(expected == actual, $"{lines.Count} documents; recorded lines that changed:\n{string.Join('\n', differences)}");
        Assert.True(lines.Count > 80, $"only {lines.Count} documents");
    }

    private static IEnumerable<string> ArchiveLinks(byte[] body)
    {
        if (body.Length == 0 || body[0] != (byte)'<')
        {
            return [];
        }
        try
        {
            var xml = FeedXml.Parse(body);
            return xml.Descendants(FeedXml.Atom + "link")
                .Where(link => (string?)link.Attribute("rel") is "prev-archive" or "next-archive")
                .Select(link => link.Attribute("href")!.Value)
                .ToList();
        }
        catch (System.Xml.XmlException)
        {
            return [];
        }
    }
}
