namespace Feeds.Tests.Http;

/// <summary>Clients that re-fetch unconditionally faster than the ttl get 429; conditional requests never do.</summary>
public sealed class PolitePollingTests : FeedsTest
{
    private static Dictionary<string, string?> Polite(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Feeds:PolitePolling:Enabled"] = "true",
            ["Feeds:PolitePolling:UnconditionalPerTimeToLive"] = "3",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }
        return settings;
    }

    [Fact]
    public async Task UnconditionalRefetchesOverTheBudget_Get429WithRetryAfter_ConditionalOnesNever()
    {
        await using var site = await TestSite.StartAsync("sqlite", settings: Polite(), Articles.Sample("a-1"));
        var (db, app, client) = site;

        var allowed = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            allowed.Add(await client.GetAsync("/feeds/news.rss", Cancel));
        }
        var limited = await client.GetAsync("/feeds/news.rss", Cancel);
        var conditional = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/feeds/news.rss");
            request.Headers.IfNoneMatch.Add(allowed[0].Headers.ETag!);
            conditional.Add((await client.SendAsync(request, Cancel)).StatusCode);
        }
        var otherDocument = await client.GetAsync("/feeds/news.atom", Cancel);
        var health = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            health.Add((await client.GetAsync("/health/ready", Cancel)).StatusCode);
        }

        Assert.All(allowed, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType!.MediaType);
        Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        var detail = await limited.Content.ReadAsStringAsync(Cancel);
        Assert.Contains("If-None-Match", detail, StringComparison.Ordinal);
        Assert.Contains("3 times within 10 minutes", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("changes at most", detail, StringComparison.Ordinal);
        Assert.True(limited.Headers.CacheControl!.NoStore);
        Assert.Equal(["nosniff"], limited.Headers.GetValues("X-Content-Type-Options"));
        Assert.All(conditional, status => Assert.Equal(HttpStatusCode.NotModified, status));
        Assert.Equal(HttpStatusCode.OK, otherDocument.StatusCode);
        Assert.All(health, status => Assert.Equal(HttpStatusCode.OK, status));
    }

    [Fact]
    public async Task XForwardedFor_NamesTheClient_OnlyWhenTheProxyIsTrusted()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1"));
        await using var untrusting = new FeedsApp(db, settings: Polite());
        await using var behindProxy = new FeedsApp(db, settings: Polite(("Feeds:TrustedProxies:0", "127.0.0.0/8")));

        // Untrusted: a client cannot dodge the limit by making up addresses.
        var forged = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            forged.Add(await GetAsync(untrusting.CreateRawClient(), $"198.51.100.{i}"));
        }
        // Trusted proxy: each forwarded client has its own budget.
        var first = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            first.Add(await GetAsync(behindProxy.CreateRawClient(), "203.0.113.7"));
        }
        var second = await GetAsync(behindProxy.CreateRawClient(), "203.0.113.8");
        // Even from a trusted proxy, only the client address is taken: links never follow a forwarded host.
        var bodies = new List<string>();
        foreach (var path in new[] { "/feeds/all.atom", "/", "/feeds/news", "/feeds.opml" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("X-Forwarded-For", "203.0.113.9");
            request.Headers.Add("X-Forwarded-Host", "evil.example");
            request.Headers.Add("X-Forwarded-Proto", "gopher");
            request.Headers.Host = "evil.example";
            bodies.Add(await (await behindProxy.CreateRawClient().SendAsync(request, Cancel)).Content.ReadAsStringAsync(Cancel));
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], forged);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], first);
        Assert.Equal(HttpStatusCode.OK, second);
        Assert.All(bodies, body =>
        {
            Assert.Contains(FeedsApp.PublicBaseUrl, body, StringComparison.Ordinal);
            Assert.DoesNotContain("evil.example", body, StringComparison.Ordinal);
            Assert.DoesNotContain("gopher", body, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task NotFoundAnswersDoNotCount_SoAFeedAskedForBeforeItExisted_AnswersOnceItDoes()
    {
        await using var site = await TestSite.StartAsync("sqlite", settings: Polite(), Articles.Sample("a-1"));
        var (db, app, client) = site;

        var before = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            before.Add(await client.GetAsync("/feeds/tags/%E6%96%B0%E8%81%9E.rss", Cancel));
        }
        await Articles.WriteAsync(db.Database, Articles.Sample("a-2") with { Tags = ["新聞"] });
        await app.RefreshAsync();
        var after = await client.GetAsync("/feeds/tags/%E6%96%B0%E8%81%9E.rss", Cancel);
        var badRequest = await client.GetAsync("/feeds/news.rss?limit=0", Cancel);

        Assert.All(before, response =>
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.True(response.Headers.CacheControl!.NoStore);
            Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
        });
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badRequest.StatusCode);
        Assert.True(badRequest.Headers.CacheControl!.NoStore);
    }

    [Fact]
    public async Task APersonsBrowserNavigation_IsNeverLimited_ButAReaderIs()
    {
        await using var site = await TestSite.StartAsync("sqlite", settings: Polite(), Articles.Sample("a-1"));
        var (db, app, client) = site;

        var navigations = new List<HttpStatusCode>();
        foreach (var path in Enumerable.Repeat("/feeds/news", 8).Concat(Enumerable.Repeat("/feeds/news.rss", 8)).Concat(Enumerable.Repeat("/", 8)))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("Sec-Fetch-Dest", "document");
            request.Headers.Add("Sec-Fetch-Mode", "navigate");
            navigations.Add((await client.SendAsync(request, Cancel)).StatusCode);
        }
        var reader = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            reader.Add((await client.GetAsync("/feeds/news", Cancel)).StatusCode);
        }

        Assert.All(navigations, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], reader);
    }

    [Fact]
    public async Task QueryParametersFeedsIgnores_DoNotMakeANewDocumentToCount()
    {
        await using var site = await TestSite.StartAsync("sqlite", settings: Polite(), Articles.Sample("a-1"));
        var (db, app, client) = site;

        var statuses = new List<HttpStatusCode>();
        foreach (var path in new[] { "/feeds/news.rss", "/feeds/news.rss?x=1", "/feeds/news.rss?limit=20", "/feeds/news.rss?utm_source=y" })
        {
            statuses.Add((await client.GetAsync(path, Cancel)).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task ValidatorsThatNeverMatch_PathSpellings_AndParametersARouteIgnores_EachGetTheir429()
    {
        await using var site = await TestSite.StartAsync("sqlite", settings: Polite(), Articles.Sample("a-1"));
        var (db, app, client) = site;

        var forgedETag = await StatusesAsync(client, "/feeds/news.rss", request => request.Headers.TryAddWithoutValidation("If-None-Match", "\"x\""));
        var garbageDate = await StatusesAsync(client, "/feeds/news.atom", request => request.Headers.TryAddWithoutValidation("If-Modified-Since", "yesterday"));
        var spellings = new List<HttpStatusCode>();
        foreach (var path in new[] { "/feeds/news.json", "/FEEDS/news.json", "/Feeds/news.json?utm_source=x", "/feeds/news.json?limit=20" })
        {
            spellings.Add((await client.GetAsync(path, Cancel)).StatusCode);
        }
        var ignoredParameters = new[]
        {
            (await client.GetAsync("/feeds/news.rss?before=639000000000000000-5", Cancel)).StatusCode,
            (await client.GetAsync("/feeds/news/archive/2026-11.rss?limit=99999999", Cancel)).StatusCode,
            (await client.GetAsync("/feeds/news/archive/2026-11.rss?limit=abc", Cancel)).StatusCode,
        };
        var otherLimit = await client.GetAsync("/feeds/news.rss?limit=37", Cancel);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], forgedETag);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], garbageDate);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], spellings);
        Assert.All(ignoredParameters, status => Assert.Equal(HttpStatusCode.BadRequest, status));
        Assert.Equal(HttpStatusCode.Found, otherLimit.StatusCode);
        Assert.Equal($"{FeedsApp.PublicBaseUrl}feeds/news.rss?limit=50", otherLimit.Headers.Location!.AbsoluteUri);
    }

    [Fact]
    public async Task AReaderThatRevalidates_GetsEachNewVersionInFull_HoweverOftenTheFeedChanges()
    {
        await using var site = await TestSite.StartAsync("sqlite", settings: Polite(), Articles.Sample("a-1"));
        var (db, app, client) = site;

        var statuses = new List<HttpStatusCode>();
        var etag = (await client.GetAsync("/feeds/news.rss", Cancel)).Headers.ETag!;
        for (var change = 2; change < 8; change++)
        {
            await Articles.WriteAsync(db.Database, Articles.Sample($"a-{change}"));
            await app.RefreshAsync();
            using var request = new HttpRequestMessage(HttpMethod.Get, "/feeds/news.rss");
            request.Headers.IfNoneMatch.Add(etag);
            var response = await client.SendAsync(request, Cancel);
            statuses.Add(response.StatusCode);
            etag = response.Headers.ETag!;
        }

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
    }

    [Fact]
    public async Task AClientAskingForEverNewDocuments_ForgetsItsOwnWindows_NeverAnothersRefusal()
    {
        var counters = new WindowCounters(1000, TimeSpan.FromMinutes(10), new TestClock());
        var victim = WindowCounters.KeyOf("198.51.100.9");
        var victimDocument = WindowCounters.KeyOf("198.51.100.9\nW/\"a\"");
        for (var i = 0; i < 3; i++)
        {
            counters.TryAdd(victimDocument, 3, victim);
        }

        var flooder = WindowCounters.KeyOf("203.0.113.66");
        for (var i = 0; i < 100_000; i++)
        {
            counters.TryAdd(WindowCounters.KeyOf($"203.0.113.66\n{i}"), 3, flooder);
        }

        Assert.InRange(counters.Count, 1, 1000);
        Assert.NotNull(counters.Exhausted(victimDocument, 3));
    }

    private static async Task<List<HttpStatusCode>> StatusesAsync(HttpClient client, string path, Action<HttpRequestMessage> headers)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            headers(request);
            statuses.Add((await client.SendAsync(request, Cancel)).StatusCode);
        }
        return statuses;
    }

    [Fact]
    public async Task BehindACdnAndABalancer_TheReaderIsTheClient_UpToTheFirstHopNotTrusted()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1"));
        // The balancer is the peer (loopback here); the CDN's edges are 10.0.0.0/8.
        await using var app = new FeedsApp(db, settings: Polite(("Feeds:TrustedProxies:0", "127.0.0.0/8"), ("Feeds:TrustedProxies:1", "10.0.0.0/8")));
        var client = app.CreateRawClient();

        // Two readers through the same CDN edge: each has a budget of its own, the edge none that they share.
        var firstReader = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            firstReader.Add(await GetAsync(client, "198.51.100.8, 10.1.2.3"));
        }
        var secondReader = await GetAsync(client, "198.51.100.9, 10.1.2.3");
        // An address the reader made up before an untrusted hop is not believed: the untrusted hop is the client.
        var forging = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            forging.Add(await GetAsync(client, $"192.0.2.{i}, 203.0.113.66, 10.1.2.3"));
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], firstReader);
        Assert.Equal(HttpStatusCode.OK, secondReader);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], forging);
    }

    private static async Task<HttpStatusCode> GetAsync(HttpClient client, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/feeds/news.rss");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return (await client.SendAsync(request, Cancel)).StatusCode;
    }
}
