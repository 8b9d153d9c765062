using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Feeds.Tests.Http;

/// <summary>
/// A fleet as operators run it (issue 30, its tests): a real Varnish as the CDN, the README's balancer site in a real
/// nginx, two instances sharing one Redis and one database, with polite polling on. Many readers poll through both
/// proxies while the newsroom edits: none is refused, and each edit reaches every reader within seconds of its
/// commit, through the purge, though the CDN keeps documents an hour.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed partial class FleetTests : FeedsTest
{
    private static readonly string[] Documents =
        ["/feeds/news.rss", "/feeds/industry.atom", "/feeds/all.json", "/feeds/logistics.rss", "/feeds/markets.json", "/feeds/tags/供應鏈.atom"];

    private const int Readers = 40;
    private const int Edits = 3;

    [Fact]
    public async Task ReadersBehindTheCdnAndTheBalancer_AreNeverRefused_AndEveryEditReachesThemWithinSeconds()
    {
        var nginxPort = FeedsApp.FreePort();
        await using var varnish = await VarnishServer.StartAsync(nginxPort);
        await using var redis = await RedisServer.StartAsync();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1", title: "港口恢復作業"), Articles.Sample("m-1", category: "markets", section: "industry"));
        var settings = new Dictionary<string, string?>
        {
            ["Feeds:Redis:Configuration"] = redis.Configuration,
            ["Feeds:RefreshInterval"] = "00:00:01",
            ["Feeds:PolitePolling:Enabled"] = "true",
            // Budgets the warm-up below fills exactly: were the readers taken for one client (the CDN's or the
            // balancer's address), the edits' renders would pass them, as the defaults were passed in the fleet trial
            // of the issue, and readers would get 429.
            ["Feeds:RenderLimits:PerClientPerTimeToLive"] = $"{Documents.Length}",
            ["Feeds:RenderLimits:PerNetworkPerTimeToLive"] = $"{Documents.Length}",
            // The balancer and the CDN both run here; in production, their networks.
            ["Feeds:TrustedProxies:0"] = "127.0.0.0/8",
            ["Feeds:Edge:Cdn"] = "xkey",
            ["Feeds:Edge:PurgeUrl"] = varnish.Address.AbsoluteUri,
            ["Feeds:Edge:SharedMaxAge"] = "01:00:00",
        };
        var (portA, portB) = (FeedsApp.FreePort(), FeedsApp.FreePort());
        await using var a = new FeedsApp(db, settings: settings, port: portA);
        await using var b = new FeedsApp(db, settings: settings, port: portB);
        await a.RefreshAsync();
        await b.RefreshAsync();
        await using var nginx = await NginxServer.StartAsync(BalancerSite(portA, portB), nginxPort);
        await varnish.WaitUntilBackendHealthyAsync();
        // The README's warm-up of a cold fleet: every document once, through one instance.
        using (var warmUp = a.CreateRawClient())
        {
            foreach (var path in Documents)
            {
                Assert.Equal(HttpStatusCode.OK, (await warmUp.GetAsync(path, Cancel)).StatusCode);
            }
        }

        using var edge = new HttpClient { BaseAddress = varnish.Address };
        var answers = new ConcurrentQueue<(HttpStatusCode Status, bool Hit)>();
        var seen = new ConcurrentDictionary<string, TimeSpan>();
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var lastBodies = new string[Readers];
        var readers = Enumerable.Range(1, Readers).Select(reader => Task.Run(async () =>
        {
            // Each reader keeps the ETag of each document and revalidates with it, as a polite reader does. Readers
            // start spread over one round, as readers do: started in step, the same reader could be the first to ask
            // for every document each edit changed, and be charged every render (in a full CI run it passed its
            // budget, which is the warm-up's, and got 2 of 3,840 answers 429).
            var etags = new Dictionary<string, string>();
            await Task.Delay(TimeSpan.FromMilliseconds(reader * 400.0 / Readers), Cancel);
            while (!stop.IsCancellationRequested)
            {
                foreach (var path in Documents)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, path);
                    request.Headers.Add("X-Forwarded-For", $"198.51.{reader}.7");
                    if (etags.TryGetValue(path, out var etag))
                    {
                        request.Headers.TryAddWithoutValidation("If-None-Match", etag);
                    }
                    using var response = await edge.SendAsync(request, Cancel);
                    // Varnish's X-Varnish names two requests on a hit: this one and the one that fetched it.
                    answers.Enqueue((response.StatusCode, response.Headers.GetValues("X-Varnish").Single().Contains(' ', StringComparison.Ordinal)));
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        etags[path] = response.Headers.ETag!.ToString();
                        if (path == Documents[0])
                        {
                            var body = await response.Content.ReadAsStringAsync(Cancel);
                            lastBodies[reader - 1] = body;
                            foreach (Match edit in EditMarker().Matches(body))
                            {
                                seen.TryAdd(edit.Value, clock.Elapsed);
                            }
                        }
                    }
                }
                await Task.Delay(400, Cancel);
            }
        }, Cancel)).ToList();

        var latencies = new List<TimeSpan>();
        for (var edit = 1; edit <= Edits; edit++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), Cancel);
            var marker = $"第{edit}次更正";
            await Articles.WriteAsync(db.Database, Articles.Sample("a-1", title: marker));
            var committed = clock.Elapsed;
            while (!seen.ContainsKey(marker) && clock.Elapsed - committed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(50, Cancel);
            }
            latencies.Add(seen.TryGetValue(marker, out var at) ? at - committed : TimeSpan.MaxValue);
        }
        // Every reader's next round brings it the last edit.
        await Task.Delay(TimeSpan.FromSeconds(1), Cancel);
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        var statuses = answers.GroupBy(answer => answer.Status).ToDictionary(group => group.Key, group => group.Count());
        var hits = answers.Count(answer => answer.Hit);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{answers.Count} answers ({string.Join(", ", statuses.Select(pair => $"{(int)pair.Key}: {pair.Value}"))}), " +
            $"{100.0 * hits / answers.Count:F1} % edge hits, commit to reader: {string.Join(", ", latencies.Select(latency => $"{latency.TotalSeconds:F2} s"))}");

        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, statuses.Keys);
        Assert.All(statuses.Keys, status => Assert.True(status is HttpStatusCode.OK or HttpStatusCode.NotModified, $"answered {status}"));
        Assert.All(latencies, latency => Assert.True(latency < TimeSpan.FromSeconds(5), $"an edit reached the readers {latency} after its commit"));
        Assert.All(lastBodies, body => Assert.Contains($"第{Edits}次更正", body, StringComparison.Ordinal));
        Assert.True(hits > answers.Count / 2, $"only {hits} of {answers.Count} answers were edge hits");
    }

    /// <summary>The README's balancer site, its upstream servers replaced by the two instances.</summary>
    private static string BalancerSite(int portA, int portB)
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var section = readme[readme.IndexOf("### Many instances (Redis)", StringComparison.Ordinal)..];
        var site = Regex.Match(section, "```nginx\\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        Assert.Contains("hash $request_uri consistent;", site, StringComparison.Ordinal);
        return UpstreamServers().Replace(site, "").Replace("keepalive 32;", $"server 127.0.0.1:{portA};\n    server 127.0.0.1:{portB};\n    keepalive 32;", StringComparison.Ordinal);
    }

    [GeneratedRegex("第[0-9]+次更正")]
    private static partial Regex EditMarker();

    [GeneratedRegex(@"\s*server 10\.[0-9.]+:8080;")]
    private static partial Regex UpstreamServers();
}
