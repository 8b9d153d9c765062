using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Feeds.Tests.Http;

/// <summary>
/// Feeds behind a CDN (issue 30, the edge): a real Varnish with xkey in front, with the VCL the README gives. A
/// change reaches the edge through a purge within seconds, though the CDN's own lifetime is an hour; with Feeds
/// down, the CDN serves what it has within stale-if-error. And the purge calls of Fastly and Cloudflare, as a
/// listener receives them.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class EdgeTests : FeedsTest
{
    [Fact]
    public async Task AChangeReachesVarnishThroughAPurge_AndWithFeedsDownVarnishServesStale()
    {
        var feedsPort = FeedsApp.FreePort();
        await using var varnish = await VarnishServer.StartAsync(feedsPort);
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1", title: "港口恢復作業"), Articles.Sample("m-1", title: "市場週報", category: "markets", section: "industry"));
        var settings = new Dictionary<string, string?>
        {
            ["Feeds:Edge:Cdn"] = "xkey",
            ["Feeds:Edge:PurgeUrl"] = varnish.Address.AbsoluteUri,
            // Only a purge can make the edge fresh within the test: the CDN keeps documents an hour.
            ["Feeds:Edge:SharedMaxAge"] = "01:00:00",
            ["Feeds:RefreshInterval"] = "00:10:00",
        };
        using var edge = new HttpClient { BaseAddress = varnish.Address };
        await using (var app = new FeedsApp(db, settings: settings, port: feedsPort))
        {
            await app.RefreshAsync();
            await varnish.WaitUntilBackendHealthyAsync();
            var first = await edge.GetAsync("/feeds/news.rss", Cancel);
            var second = await edge.GetAsync("/feeds/news.rss", Cancel);

            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
            Assert.Equal("feeds feed-c-news", Assert.Single(first.Headers.GetValues("xkey")));
            // Varnish's X-Varnish names two requests on a hit: this one and the one that fetched it.
            Assert.Equal(2, second.Headers.GetValues("X-Varnish").Single().Split(' ').Length);

            await Articles.WriteAsync(db.Database, Articles.Sample("a-1", title: "港口夜間作業正式實施"));
            var committed = Stopwatch.StartNew();
            await app.RefreshAsync();
            string body;
            do
            {
                await Task.Delay(50, Cancel);
                body = await edge.GetStringAsync("/feeds/news.rss", Cancel);
            }
            while (!body.Contains("港口夜間作業正式實施", StringComparison.Ordinal) && committed.Elapsed < TimeSpan.FromSeconds(10));

            Assert.Contains("港口夜間作業正式實施", body, StringComparison.Ordinal);
            Assert.True(committed.Elapsed < TimeSpan.FromSeconds(5), $"the edge was fresh {committed.Elapsed} after the poll");
            // The other section's feed was not purged: still the CDN's copy.
            await edge.GetAsync("/feeds/industry.rss", Cancel);
            Assert.Equal(2, (await edge.GetAsync("/feeds/industry.rss", Cancel)).Headers.GetValues("X-Varnish").Single().Split(' ').Length);
        }

        // A second instance whose documents the CDN keeps a second, then Feeds goes away.
        settings["Feeds:Edge:SharedMaxAge"] = "00:00:01";
        await using (var app = new FeedsApp(db, settings: settings, port: feedsPort))
        {
            await app.RefreshAsync();
            Assert.Contains("市場週報", await edge.GetStringAsync("/feeds/markets.atom", Cancel), StringComparison.Ordinal);
        }
        await Task.Delay(TimeSpan.FromSeconds(5), Cancel);  // past its lifetime, and the probe has seen Feeds gone
        var stale = await edge.GetAsync("/feeds/markets.atom", Cancel);
        var neverFetched = await edge.GetAsync("/feeds/markets.json", Cancel);

        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Contains("市場週報", await stale.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.True(stale.Headers.Age > TimeSpan.FromSeconds(2), $"Age {stale.Headers.Age}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, neverFetched.StatusCode);
    }

    [Theory]
    [InlineData("fastly", "POST", "Surrogate-Key", "feeds feed-c-news")]
    [InlineData("cloudflare", "POST", "Cache-Tag", "feeds,feed-c-news")]
    [InlineData("xkey", "PURGE", "xkey", "feeds feed-c-news")]
    public async Task EachCdn_GetsItsKeysInItsHeader_AndItsPurgeCallOnAChange(string cdn, string method, string keyHeader, string keys)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var purgeUrl = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/purge";
        var received = ReceiveOneAsync(listener);
        await using var site = await TestSite.StartAsync("sqlite", settings: new Dictionary<string, string?>
        {
            ["Feeds:Edge:Cdn"] = cdn,
            ["Feeds:Edge:PurgeUrl"] = purgeUrl,
            ["Feeds:Edge:PurgeToken"] = "secret-token-of-the-cdn",
            ["Feeds:RefreshInterval"] = "00:10:00",
        }, Articles.Sample("a-1"));
        var (db, app, client) = site;

        var response = await client.GetAsync("/feeds/news.rss", Cancel);
        var index = await client.GetAsync("/", Cancel);
        var stylesheet = await client.GetAsync("/feeds/feed.xsl", Cancel);
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1", title: "改過的標題"));
        await app.RefreshAsync();
        var request = await received.WaitAsync(TimeSpan.FromSeconds(10), Cancel);

        Assert.Equal(keys, Assert.Single(response.Headers.GetValues(keyHeader)));
        Assert.Contains("feeds-catalog", Assert.Single(index.Headers.GetValues(keyHeader)), StringComparison.Ordinal);
        Assert.False(stylesheet.Headers.Contains(keyHeader));
        Assert.StartsWith($"{method} /purge HTTP/1.1", request, StringComparison.Ordinal);
        foreach (var key in new[] { "feed-all", "feed-c-news", "feed-c-logistics", "feeds-catalog" })
        {
            Assert.Contains(key, request, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("feed-c-markets", request, StringComparison.Ordinal);
        switch (cdn)
        {
            case "fastly":
                Assert.Contains("Fastly-Key: secret-token-of-the-cdn", request, StringComparison.Ordinal);
                Assert.Contains("Surrogate-Key: ", request, StringComparison.Ordinal);
                break;
            case "cloudflare":
                Assert.Contains("Authorization: Bearer secret-token-of-the-cdn", request, StringComparison.Ordinal);
                Assert.Contains("{\"tags\":[", request, StringComparison.Ordinal);
                break;
            default:
                Assert.Contains("xkey-purge: ", request, StringComparison.Ordinal);
                break;
        }
    }

    [Fact]
    public void TheReadme_GivesTheVclTheTestRuns()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));

        Assert.Contains(Flatten(VarnishServer.Vcl("127.0.0.1", 8080)), Flatten(readme), StringComparison.Ordinal);
    }

    private static string Flatten(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");

    /// <summary>The first request a listener receives, head and body as text; answered 200.</summary>
    private static async Task<string> ReceiveOneAsync(TcpListener listener)
    {
        using var socket = await listener.AcceptSocketAsync(Cancel);
        var buffer = new byte[64 * 1024];
        var text = new StringBuilder();
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, Cancel);
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
            var request = text.ToString();
            var end = request.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (read == 0 || (end >= 0 && (!request.Contains("Content-Length: ", StringComparison.OrdinalIgnoreCase) || request.Length > end + 4 + ContentLength(request))))
            {
                break;
            }
        }
        await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), SocketFlags.None, Cancel);
        return text.ToString();
    }

    private static int ContentLength(string request)
    {
        var at = request.IndexOf("Content-Length: ", StringComparison.OrdinalIgnoreCase) + "Content-Length: ".Length;
        return int.Parse(request[at..request.IndexOf('\r', at)], System.Globalization.CultureInfo.InvariantCulture) - 1;
    }
}
