namespace Feeds.Tests.Http;

/// <summary>
/// One client cannot slow Feeds down for anyone else: renders are admitted (a budget per client, a few at a
/// time), what is cached is always served, and what clients send never grows the server's state unbounded.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class BoundedWorkTests : FeedsTest
{
    private const string Greedy = "203.0.113.7";
    private const string Other = "198.51.100.9";

    private static Dictionary<string, string?> Settings(params (string Key, string Value)[] more)
    {
        // Clients are told apart by X-Forwarded-For from the test's loopback "proxy".
        var settings = new Dictionary<string, string?> { ["Feeds:TrustedProxies:0"] = "127.0.0.0/8" };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }
        return settings;
    }

    [Fact]
    public async Task AClientOverItsRenderBudget_Gets429ForNewDocuments_WhileRenderedOnesStillAnswer_AndOthersAreUnaffected()
    {
        await using var site = await TestSite.StartAsync("sqlite", settings: Settings(("Feeds:RenderLimits:PerClientPerTimeToLive", "3")), Enumerable.Range(0, 12).Select(i => Articles.Sample($"a-{i}")).ToArray());
        var (db, app, client) = site;

        var withinBudget = new List<HttpResponseMessage>();
        foreach (var path in new[] { "/feeds/news.rss", "/feeds/news.rss?limit=5", "/feeds/news.rss?limit=10" })
        {
            withinBudget.Add(await GetAsync(client, path, Greedy));
        }
        var overBudget = await GetAsync(client, "/feeds/news.rss?limit=50", Greedy);
        var cached = await GetAsync(client, "/feeds/news.rss?limit=5", Greedy);
        var conditional = await GetAsync(client, "/feeds/news.rss", Greedy, withinBudget[0].Headers.ETag);
        var otherClient = await GetAsync(client, "/feeds/news.rss?limit=50", Other);
        // Rendered now (for the other client), the document is served to the greedy one too.
        var renderedMeanwhile = await GetAsync(client, "/feeds/news.rss?limit=50", Greedy);
        var stillOver = await GetAsync(client, "/feeds/news/archive/2026-11.atom", Greedy);
        app.Clock.Advance(TimeSpan.FromMinutes(10));
        var nextWindow = await GetAsync(client, "/feeds/news/archive/2026-11.atom", Greedy);

        Assert.All(withinBudget, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.Equal(HttpStatusCode.TooManyRequests, overBudget.StatusCode);
        Assert.Equal("application/problem+json", overBudget.Content.Headers.ContentType!.MediaType);
        Assert.InRange(overBudget.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        Assert.True(overBudget.Headers.CacheControl!.NoStore);
        Assert.Equal(["nosniff"], overBudget.Headers.GetValues("X-Content-Type-Options"));
        Assert.Contains("PerClientPerTimeToLive", await overBudget.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, conditional.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherClient.StatusCode);
        Assert.Equal(HttpStatusCode.OK, renderedMeanwhile.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, stillOver.StatusCode);
        Assert.Equal(HttpStatusCode.OK, nextWindow.StatusCode);
    }

    [Fact]
    public async Task WithNoRenderSlotFree_ARequestThatNeedsARender_GetsTheLastRenderingOr503_WhileCachedDocumentsAnswer()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1"), Articles.Sample("m-1", category: "markets", section: "industry"));
        await using var app = new FeedsApp(db, settings: Settings(
            ("Feeds:RenderLimits:Concurrency", "1"), ("Feeds:RenderLimits:QueueLength", "0")));
        var client = app.CreateRawClient();
        var publisher = app.Services.GetRequiredService<FeedPublisher>();
        var unchanged = await GetAsync(client, "/feeds/industry.atom", Other);
        var beforeChange = await GetAsync(client, "/feeds/news.atom", Other);
        await Articles.WriteAsync(db.Database, Articles.Sample("a-2"));
        await app.RefreshAsync();
        var renders = publisher.Renders;

        HttpResponseMessage cached, stale, neverRendered, conditionalOnStale;
        using (await app.Services.GetRequiredService<RenderAdmission>().EnterAsync(ClientId.Background))
        {
            cached = await GetAsync(client, "/feeds/industry.atom", Greedy);
            stale = await GetAsync(client, "/feeds/news.atom", Greedy);
            conditionalOnStale = await GetAsync(client, "/feeds/news.atom", Greedy, beforeChange.Headers.ETag);
            neverRendered = await GetAsync(client, "/feeds/news.rss", Greedy);
        }
        var rendersWhileBusy = publisher.Renders - renders;
        var fresh = await GetAsync(client, "/feeds/news.atom", Greedy);

        Assert.Equal(0, rendersWhileBusy);
        Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        Assert.Equal(unchanged.Headers.ETag, cached.Headers.ETag);
        Assert.Equal(TimeSpan.FromMinutes(10), cached.Headers.CacheControl!.MaxAge);
        // The last rendering, as it was, with its own validators: briefly cacheable, and 304 to whoever has it.
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal(beforeChange.Headers.ETag, stale.Headers.ETag);
        Assert.Equal(await beforeChange.Content.ReadAsByteArrayAsync(Cancel), await stale.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal(TimeSpan.FromSeconds(5), stale.Headers.CacheControl!.MaxAge);
        Assert.Equal(HttpStatusCode.NotModified, conditionalOnStale.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, neverRendered.StatusCode);
        Assert.Equal("application/problem+json", neverRendered.Content.Headers.ContentType!.MediaType);
        Assert.NotNull(neverRendered.Headers.RetryAfter);
        Assert.True(neverRendered.Headers.CacheControl!.NoStore);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.NotEqual(beforeChange.Headers.ETag, fresh.Headers.ETag);
        Assert.Contains("a-2", await fresh.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManyAddressesOfOneNetwork_ShareItsBudget_AndTheLongTailHasOneBudgetForEveryone()
    {
        await using var site = await TestSite.StartAsync("sqlite", settings: Settings(
            ("Feeds:RenderLimits:PerNetworkPerTimeToLive", "3"), ("Feeds:RenderLimits:LongTailPerTimeToLive", "4"), ("Feeds:TooManyRequestsDelay", "00:00:00")),
            Articles.Sample("a-1"), Articles.Sample("m-1", category: "markets", section: "industry"));
        var (_, _, client) = site;

        // Four addresses of 203.0.113.0/24, each asking for a document nobody asked for before.
        var oneNetwork = new List<HttpResponseMessage>();
        foreach (var (path, address) in new[] { ("/feeds/news.rss", "203.0.113.1"), ("/feeds/news.atom", "203.0.113.2"), ("/feeds/news.json", "203.0.113.3"), ("/feeds/all.rss", "203.0.113.4") })
        {
            oneNetwork.Add(await GetAsync(client, path, address));
        }
        // The long tail (other limits, archive pages) from addresses of four different networks.
        var longTail = new List<HttpStatusCode>();
        foreach (var (path, address) in new[] { ("/feeds/news.rss?limit=5", "198.51.100.1"), ("/feeds/news.rss?limit=10", "192.0.2.1"), ("/feeds/news/archive/2026-11.rss", "100.64.0.1"), ("/feeds/all.atom?limit=5", "100.64.1.1"), ("/feeds/all.json?limit=5", "100.64.2.1") })
        {
            longTail.Add((await GetAsync(client, path, address)).StatusCode);
        }
        var currentFeed = await GetAsync(client, "/feeds/industry.rss", "100.64.3.1");
        var ipv6 = new List<HttpStatusCode>();
        foreach (var (path, address) in new[] { ("/feeds/industry.atom", "2001:db8:0:1::1"), ("/feeds/industry.json", "2001:db8:0:2::1"), ("/feeds/markets.rss", "2001:db8:0:3::1"), ("/feeds/markets.atom", "2001:db8:0:4::1") })
        {
            ipv6.Add((await GetAsync(client, path, address)).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], oneNetwork.Select(response => response.StatusCode));
        Assert.Contains("PerNetworkPerTimeToLive", await oneNetwork[^1].Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], longTail);
        Assert.Equal(HttpStatusCode.OK, currentFeed.StatusCode);
        // Four /64s of one /56 (and /48): one network's budget.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], ipv6);
    }

    [Fact]
    public async Task WhenTheQueueIsHalfFull_DocumentsRenderedBeforeStillQueue_NewOnesAreBusy()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await using var app = new FeedsApp(db, settings: Settings(("Feeds:RenderLimits:Concurrency", "1"), ("Feeds:RenderLimits:QueueLength", "2")));
        app.StartServer();
        var admission = app.Services.GetRequiredService<RenderAdmission>();

        Task<IDisposable?> firstWaiting, againWaiting;
        IDisposable? newWhileHalfFull;
        using (await admission.EnterAsync(ClientId.Background))
        {
            firstWaiting = admission.EnterAsync(new ClientId("198.51.100.1"), new RenderAdmission.Charged(LongTail: false, RenderedBefore: false));
            newWhileHalfFull = await admission.EnterAsync(new ClientId("198.51.100.2"), new RenderAdmission.Charged(LongTail: false, RenderedBefore: false));
            againWaiting = admission.EnterAsync(new ClientId("198.51.100.3"), new RenderAdmission.Charged(LongTail: false, RenderedBefore: true));
            Assert.False(firstWaiting.IsCompleted);
            Assert.False(againWaiting.IsCompleted);
        }
        // The slot released: the two waiting renders get it in turn.
        using var first = await firstWaiting;
        first?.Dispose();
        using var again = await againWaiting;

        Assert.Null(newWhileHalfFull);
        Assert.NotNull(first);
        Assert.NotNull(again);
    }

    [Fact]
    public async Task HundredThousandRequestsWithUniqueJunkQueries_KeepTheTrackedStateWithinItsBound_AndRenderNothing()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1"));
        await using var app = new FeedsApp(db, settings: Settings(
            ("Feeds:PolitePolling:Enabled", "true"), ("Feeds:PolitePolling:UnconditionalPerTimeToLive", "10000"),
            ("Feeds:TooManyRequestsDelay", "00:00:00")));
        var client = app.CreateRawClient();
        var cache = app.Services.GetRequiredService<FeedCache>();
        var publisher = app.Services.GetRequiredService<FeedPublisher>();
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/feeds/news.rss", Greedy)).StatusCode);
        var renders = publisher.Renders;
        var cached = cache.Count;

        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<HttpStatusCode, int>();
        await Parallel.ForAsync(0, 100_000, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = Cancel }, async (i, cancel) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/feeds/news.rss?x={i}&utm_source={i % 977}");
            request.Headers.Add("X-Forwarded-For", Greedy);
            using var response = await client.SendAsync(request, cancel);
            statuses.AddOrUpdate(response.StatusCode, 1, (_, count) => count + 1);
        });
        var metrics = await client.GetStringAsync("/metrics", Cancel);

        // Every request asked for the same document: polite polling counted them together (10,000 a ttl).
        Assert.Equal(100_000, statuses.GetValueOrDefault(HttpStatusCode.OK) + statuses.GetValueOrDefault(HttpStatusCode.TooManyRequests));
        Assert.InRange(statuses.GetValueOrDefault(HttpStatusCode.OK), 10_000 - 1, 10_000 - 1 + 16);  // one was fetched before
        Assert.Equal(renders, publisher.Renders);
        Assert.Equal(cached, cache.Count);
        // One client, one document: one entry each, whatever the query strings said.
        Assert.Equal(1, Prometheus.Value(metrics, "feeds_tracked_state_entries", ("table", "polite-polling")));
        // The client and its network (/24), each with a budget.
        Assert.Equal(2, Prometheus.Value(metrics, "feeds_tracked_state_entries", ("table", "render-budgets")));
        Assert.DoesNotContain("utm_source", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public void TrackedWindows_NeverExceedTheirCapacity_WhateverKeysArrive()
    {
        var clock = new TestClock();
        var counters = new WindowCounters(1000, TimeSpan.FromMinutes(10), clock);
        var peak = 0;
        for (var i = 0; i < 100_000; i++)
        {
            Assert.Null(counters.TryAdd(WindowCounters.KeyOf($"203.0.113.{i % 256}\n/feeds/tags/t-{i}.rss"), limit: 1));
            peak = Math.Max(peak, counters.Count);
            if (i % 10_000 == 0)
            {
                clock.Advance(TimeSpan.FromMinutes(1));
            }
        }
        // A key still in the table is still counted; a key counted to its limit is refused until its window ends.
        counters.TryAdd(WindowCounters.KeyOf("kept"), limit: 2);
        counters.TryAdd(WindowCounters.KeyOf("kept"), limit: 2);
        var refused = counters.TryAdd(WindowCounters.KeyOf("kept"), limit: 2);
        clock.Advance(TimeSpan.FromMinutes(10));

        Assert.InRange(peak, 1, 1000);
        Assert.Equal(TimeSpan.FromMinutes(10), refused);
        Assert.Null(counters.TryAdd(WindowCounters.KeyOf("kept"), limit: 2));
    }

    [Fact]
    public async Task AHubFetchingEveryFeedItWasPingedAbout_IsNeverRefused()
    {
        await using var hub = await HubListener.StartAsync();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1") with { Tags = ["港口", "航運"] });
        await using var app = new FeedsApp(db, settings: Settings(
            ("Feeds:WebSub:Hubs:0", hub.HubUrl.AbsoluteUri), ("Feeds:RefreshInterval", "00:00:00.050"),
            ("Feeds:RenderLimits:PerClientPerTimeToLive", "1")));
        var client = app.CreateRawClient();
        await app.RefreshAsync();

        await Articles.WriteAsync(db.Database, Articles.Sample("a-2") with { Tags = ["港口", "航運"] });
        await app.RefreshAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (hub.Pings.Count(ping => ping.Status == 204) < 21 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Cancel);
        }
        var pinged = hub.Pings.Select(ping => ping.Url).Distinct().ToList();
        var fetches = new List<HttpStatusCode>();
        foreach (var topic in pinged)
        {
            fetches.Add((await GetAsync(client, new Uri(topic).PathAndQuery, Other)).StatusCode);
        }

        // logistics, news, all, two tags, the author and the source, in three formats: 21 documents, each rendered before its ping.
        Assert.Equal(21, pinged.Count);
        Assert.All(fetches, status => Assert.Equal(HttpStatusCode.OK, status));
    }

    [Fact]
    public async Task AFloodOfDetoursFromManyNetworks_IsAnsweredLate_PastTheInstancesShare_WhileDocumentsAreNot()
    {
        var delay = TimeSpan.FromSeconds(3);
        await using var site = await TestSite.StartAsync("sqlite", settings: Settings(
            ("Feeds:RenderLimits:DetoursPerSecond", "3"), ("Feeds:TooManyRequestsDelay", delay.ToString())),
            Articles.Sample("a-1"));
        var (_, _, client) = site;
        var document = await GetAsync(client, "/feeds/news.rss", "192.0.2.1");

        // Twelve detours at once, each from a network of its own: a redirected limit, an unknown tag, a bad limit.
        var paths = new[] { "/feeds/news.rss?limit=7", "/feeds/tags/no-such-tag.rss", "/feeds/news.rss?limit=abc" };
        var detours = await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var answer = await GetAsync(client, paths[i % 3], $"100.{64 + i}.0.1");
            return (answer.StatusCode, started.Elapsed);
        }));
        var cachedDuringTheFlood = System.Diagnostics.Stopwatch.StartNew();
        var cached = await GetAsync(client, "/feeds/news.rss", "192.0.2.2");
        var cachedTook = cachedDuringTheFlood.Elapsed;

        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        Assert.All(detours, detour => Assert.Contains(detour.StatusCode, new[] { HttpStatusCode.Found, HttpStatusCode.NotFound, HttpStatusCode.BadRequest }));
        // Three are this second's share; the rest (at most three more if a second passed) waited the delay (a
        // timer may fire a few milliseconds early by the stopwatch).
        Assert.InRange(detours.Count(detour => detour.Elapsed >= delay * 0.9), 6, 9);
        Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        Assert.True(cachedTook < delay, $"a cached document took {cachedTook} while detours were paced");
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string forwardedFor, System.Net.Http.Headers.EntityTagHeaderValue? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        if (ifNoneMatch is not null)
        {
            request.Headers.IfNoneMatch.Add(ifNoneMatch);
        }
        var response = await client.SendAsync(request, Cancel);
        await response.Content.LoadIntoBufferAsync(Cancel);
        return response;
    }
}
