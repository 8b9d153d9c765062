using System.Diagnostics;
using System.Net.Http.Headers;
using StackExchange.Redis;

namespace Feeds.Tests.Http;

/// <summary>
/// Several instances with one Redis (a real redis-server): a feed is rendered once for the fleet, a change seen
/// by one instance reaches the others, all serve identical bytes and ETags, and Redis going away only costs
/// sharing.
/// </summary>
public sealed class RedisTests : FeedsTest
{
    private static Dictionary<string, string?> Settings(RedisServer redis, string refresh = "00:00:01") => new()
    {
        ["Feeds:Redis:Configuration"] = redis.Configuration,
        ["Feeds:RefreshInterval"] = refresh,
    };

    [Fact]
    public async Task TwoInstances_RenderOnce_ServeIdenticalBytes_AndSeeEachOthersChangesWithinTheRefreshInterval()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1"));
        // A long interval: B learns of the change from A's message, not from its own poll.
        await using var a = new FeedsApp(db, settings: Settings(redis, refresh: "00:10:00"));
        await using var b = new FeedsApp(db, settings: Settings(redis, refresh: "00:10:00"));
        var clientA = a.CreateRawClient();
        var clientB = b.CreateRawClient();

        var fromA = await clientA.GetAsync("/feeds/news.rss", Cancel);
        var fromB = await clientB.GetAsync("/feeds/news.rss", Cancel);
        using var gzipRequest = new HttpRequestMessage(HttpMethod.Get, "/feeds/news.rss");
        gzipRequest.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        var gzipFromB = await clientB.SendAsync(gzipRequest, Cancel);

        Assert.Equal(await fromA.Content.ReadAsByteArrayAsync(Cancel), await fromB.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal(fromA.Headers.ETag, fromB.Headers.ETag);
        Assert.Equal("gzip", Assert.Single(gzipFromB.Content.Headers.ContentEncoding));
        Assert.Equal(1, Renders(a));
        Assert.Equal(0, Renders(b));

        // A change through instance A's poll; B hears of it through Redis and polls at once.
        await Articles.WriteAsync(db.Database, Articles.Sample("a-2", publishedAt: TestClock.Start.UtcDateTime.AddMinutes(-5)));
        await a.RefreshAsync();
        var watch = Stopwatch.StartNew();
        string body;
        do
        {
            await Task.Delay(20, Cancel);
            body = await clientB.GetStringAsync("/feeds/news.rss", Cancel);
        }
        while (!body.Contains("a-2", StringComparison.Ordinal) && watch.Elapsed < TimeSpan.FromSeconds(20));
        var afterA = await clientA.GetAsync("/feeds/news.rss", Cancel);
        var afterB = await clientB.GetAsync("/feeds/news.rss", Cancel);

        Assert.Contains("a-2", body, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"B served the change after {watch.Elapsed}");
        Assert.Equal(afterA.Headers.ETag, afterB.Headers.ETag);
        Assert.NotEqual(fromA.Headers.ETag, afterA.Headers.ETag);
        Assert.Equal(await afterA.Content.ReadAsByteArrayAsync(Cancel), await afterB.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal(2, Renders(a) + Renders(b));  // each version rendered once for both instances
    }

    [Fact]
    public async Task WhenRedisGoesAway_InstancesServeFromTheirOwnMemory_AndShareAgainWhenItReturns()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var site = await TestSite.StartAsync("sqlite", settings: Settings(redis), Articles.Sample("a-1"), Articles.Sample("m-1", category: "markets", section: "industry"));
        var (db, app, client) = site;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/feeds/news.rss", Cancel)).StatusCode);
        Assert.Equal(1, await KeyCountAsync(redis));

        await redis.StopAsync();
        var watch = Stopwatch.StartNew();
        var whileDown = await client.GetAsync("/feeds/industry.rss", Cancel);
        var elapsed = watch.Elapsed;
        var cached = await client.GetAsync("/feeds/news.rss", Cancel);
        var ready = await client.GetAsync("/health/ready", Cancel);
        using var readiness = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(Cancel));

        Assert.Equal(HttpStatusCode.OK, whileDown.StatusCode);
        Assert.True(elapsed < TimeSpan.FromSeconds(3), $"a render with Redis down took {elapsed}");
        Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Degraded", readiness.RootElement.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
        Assert.False(app.Services.GetRequiredService<RedisFeedStore>().Available);

        await redis.StartAgainAsync();
        var shared = false;
        // Each attempt renders a document not asked for before (a feed, a format, one of the limits Feeds renders).
        var documents = (from feed in new[] { "all", "news", "logistics", "industry", "markets" }
                         from format in new[] { "rss", "atom", "json" }
                         from limit in new[] { 1, 2, 5, 10, 50, 100 }
                         select $"/feeds/{feed}.{format}?limit={limit}").ToList();
        for (var attempt = 0; attempt < documents.Count && !shared; attempt++)
        {
            await Task.Delay(100, Cancel);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(documents[attempt], Cancel)).StatusCode);
            shared = await KeyCountAsync(redis) > 0;
        }
        Assert.True(shared, "renderings were not stored in Redis again after it returned");
        Assert.True(app.Services.GetRequiredService<RedisFeedStore>().Available);
    }

    [Fact]
    public async Task TwoInstancesSeeingOneChange_PingTheHubOnce()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var hub = await HubListener.StartAsync();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1"));
        var settings = Settings(redis, refresh: "00:00:00.100");
        settings["Feeds:WebSub:Hubs:0"] = hub.HubUrl.AbsoluteUri;
        await using var a = new FeedsApp(db, settings: settings);
        await using var b = new FeedsApp(db, settings: settings);
        Assert.Equal(HttpStatusCode.OK, (await a.CreateRawClient().GetAsync("/feeds/all.rss", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await b.CreateRawClient().GetAsync("/feeds/all.rss", Cancel)).StatusCode);

        await Articles.WriteAsync(db.Database, Articles.Sample("a-2"));
        var watch = Stopwatch.StartNew();
        while (hub.Pings.Count < 18 && watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50, Cancel);
        }
        await Task.Delay(TimeSpan.FromSeconds(1), Cancel);

        // logistics, news, all, tags/供應鏈, its author and its source, each in three formats: once, although both instances saw it.
        var urls = hub.Pings.Select(ping => ping.Url).ToList();
        Assert.Equal(18, urls.Count);
        Assert.Equal(18, urls.Distinct().Count());
    }

    [Fact]
    public async Task ATwinsTexts_ConvertedByOneInstance_AreTakenFromRedisByTheOthers()
    {
        OpenCcOracle.SkipUnlessLibraryInstalled();
        await using var redis = await RedisServer.StartAsync();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1", title: "國際航運業務報導"));
        var settings = new Dictionary<string, string?>(Settings(redis)) { ["Feeds:SimplifiedChinese:Enabled"] = "true" };
        await using var a = new FeedsApp(db, settings: settings);
        await using var b = new FeedsApp(db, settings: settings);

        var fromA = await a.CreateRawClient().GetStringAsync("/zh-hans/feeds/logistics.rss", Cancel);
        // What A converted is in Redis by what it was. Marked there, it shows where B's twin takes its title from.
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var keys = connection.GetServer(redis.Configuration).Keys(pattern: "feeds:zh-hans:*").ToList();
        var database = connection.GetDatabase();
        var title = Assert.Single(keys, key => database.StringGet(key) == "国际航运业务报导");
        await database.StringSetAsync(title, "共享的标题");
        var fromB = await b.CreateRawClient().GetStringAsync("/zh-hans/feeds/news.rss", Cancel);

        Assert.Contains("<title>国际航运业务报导</title>", fromA, StringComparison.Ordinal);
        Assert.Equal(3, keys.Count);
        Assert.Contains("<title>共享的标题</title>", fromB, StringComparison.Ordinal);
    }

    private static long Renders(FeedsApp app) => app.Services.GetRequiredService<FeedPublisher>().Renders;

    /// <summary>
    /// Issue 30, third item: every rendering was kept 24 h and never deleted, so each edit added its documents for a
    /// day. Now a key lives TimeToLive after its last read: what instances serve stays, a version gone by expires.
    /// </summary>
    [Fact]
    public async Task ARenderingLivesTimeToLiveAfterItsLastRead_SoVersionsGoneByLeaveRedis()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1"));
        var settings = new Dictionary<string, string?>(Settings(redis, refresh: "00:10:00")) { ["Feeds:Redis:TimeToLive"] = "00:01:00" };
        await using var a = new FeedsApp(db, settings: settings);
        await using var b = new FeedsApp(db, settings: settings);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true");
        var redisDb = connection.GetDatabase();

        Assert.Equal(HttpStatusCode.OK, (await a.CreateRawClient().GetAsync("/feeds/news.rss", Cancel)).StatusCode);
        var oldKey = Assert.Single(await KeysAsync(redis));
        Assert.InRange((await redisDb.KeyTimeToLiveAsync(oldKey))!.Value, TimeSpan.FromSeconds(50), TimeSpan.FromMinutes(1));

        // An edit: a new version, a new key; the old one is read no more.
        await Articles.WriteAsync(db.Database, Articles.Sample("a-2", publishedAt: TestClock.Start.UtcDateTime.AddMinutes(-5)));
        await a.RefreshAsync();
        await b.RefreshAsync();
        Assert.Equal(HttpStatusCode.OK, (await a.CreateRawClient().GetAsync("/feeds/news.rss", Cancel)).StatusCode);
        var newKey = Assert.Single(await KeysAsync(redis), key => key != oldKey);
        await redisDb.KeyExpireAsync(oldKey, TimeSpan.FromSeconds(30));
        await redisDb.KeyExpireAsync(newKey, TimeSpan.FromSeconds(30));
        // Instance B serves the new version from Redis: reading it keeps it a TimeToLive longer; the old one runs out.
        Assert.Equal(HttpStatusCode.OK, (await b.CreateRawClient().GetAsync("/feeds/news.rss", Cancel)).StatusCode);

        Assert.Equal(0, Renders(b));
        Assert.InRange((await redisDb.KeyTimeToLiveAsync(newKey))!.Value, TimeSpan.FromSeconds(50), TimeSpan.FromMinutes(1));
        Assert.InRange((await redisDb.KeyTimeToLiveAsync(oldKey))!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Issue 30, third item: a full Redis (noeviction) was logged as "cannot be reached" hundreds of times, and
    /// readiness said Healthy. Now it is told apart: reads go on, the store is Full, not unavailable, and readiness
    /// is Degraded saying so; with room again, renderings are shared again.
    /// </summary>
    [Fact]
    public async Task AFullRedis_IsToldApartFromAnUnreachableOne_ServesOn_AndIsShownInReadiness()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var site = await TestSite.StartAsync("sqlite", settings: Settings(redis), Articles.Sample("a-1"), Articles.Sample("m-1", category: "markets", section: "industry"));
        var (_, app, client) = site;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true");
        var server = connection.GetServer(redis.Configuration);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/feeds/news.rss", Cancel)).StatusCode);
        await redis.FillAsync();

        var store = app.Services.GetRequiredService<RedisFeedStore>();
        var answers = new List<HttpStatusCode>();
        foreach (var path in new[] { "/feeds/industry.rss", "/feeds/markets.atom", "/feeds/all.json", "/feeds/news.rss" })
        {
            answers.Add((await client.GetAsync(path, Cancel)).StatusCode);
        }
        app.Clock.Advance(TimeSpan.FromSeconds(2));  // past the second a readiness report is kept
        var ready = await client.GetAsync("/health/ready", Cancel);
        using var readiness = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(Cancel));

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.True(store.Full);
        Assert.True(store.Available, "a full Redis was taken for an unreachable one");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Degraded", readiness.RootElement.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
        Assert.Contains("full", readiness.RootElement.GetProperty("checks").GetProperty("redis").GetProperty("description").GetString(), StringComparison.Ordinal);

        // Room again: the next rendering is stored, and the store is no longer full.
        await connection.GetDatabase().KeyDeleteAsync("filler");
        await server.ConfigSetAsync("maxmemory", "0");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/feeds/logistics.rss", Cancel)).StatusCode);
        Assert.False(store.Full);
    }

    /// <summary>
    /// Issue 30, eighth item: each instance that saw a change announced it, so every change cost N(N−1) polls across
    /// N instances. Now a message carries the change mark: one change costs one poll on each other instance.
    /// </summary>
    [Fact]
    public async Task OneChange_CostsOnePollOnEachOtherInstance_NotAnEcho()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1"));
        FeedsApp[] fleet = [.. Enumerable.Range(0, 3).Select(_ => new FeedsApp(db, settings: Settings(redis, refresh: "00:10:00")))];
        try
        {
            foreach (var app in fleet)
            {
                await app.RefreshAsync();
            }
            await Task.Delay(500, Cancel);  // the subscriptions are made at start, asynchronously
            var before = TotalPolls(fleet);

            await Articles.WriteAsync(db.Database, Articles.Sample("a-2"));
            await fleet[0].RefreshAsync();
            var mark = fleet[0].Services.GetRequiredService<ChangeDetector>().Current.Mark;
            var watch = Stopwatch.StartNew();
            while (fleet.Any(app => app.Services.GetRequiredService<ChangeDetector>().Current.Mark < mark) && watch.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(20, Cancel);
            }
            await Task.Delay(1000, Cancel);  // time for any echo to arrive and be polled
            var after = TotalPolls(fleet);

            Assert.All(fleet, app => Assert.Equal(mark, app.Services.GetRequiredService<ChangeDetector>().Current.Mark));
            // The poll that saw it, and one on each of the two others.
            Assert.Equal(3, after - before);
        }
        finally
        {
            foreach (var app in fleet)
            {
                await app.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Issue 30, eighth item: instances sharing a Redis with different settings rendered different documents and
    /// shared none, without a word. Now each says which settings it renders with, and one that sees others warns
    /// and counts them (feeds_fleet_settings).
    /// </summary>
    [Fact]
    public async Task InstancesSharingARedisWithDifferentSettings_AreCounted_AndAlikeOnesAreNot()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1"));
        await using var first = new FeedsApp(db, settings: Settings(redis, refresh: "00:10:00"));
        await using var alike = new FeedsApp(db, settings: Settings(redis, refresh: "00:10:00"));
        await using var other = new FeedsApp(db, settings: new Dictionary<string, string?>(Settings(redis, refresh: "00:10:00")) { ["Feeds:SiteName"] = "另一個網站" });

        await first.RefreshAsync();
        await alike.RefreshAsync();
        var alikeSaw = Fleet(alike).Fingerprints;
        await other.RefreshAsync();

        Assert.Equal(1, Fleet(first).Fingerprints);
        Assert.Equal(1, alikeSaw);
        Assert.Equal(2, Fleet(other).Fingerprints);
    }

    private static FleetChanges Fleet(FeedsApp app) => app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<FleetChanges>().Single();

    private static long TotalPolls(IEnumerable<FeedsApp> fleet) => fleet.Sum(app => app.Services.GetRequiredService<ChangeDetector>().Polls);

    private static async Task<List<RedisKey>> KeysAsync(RedisServer redis)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true");
        var keys = new List<RedisKey>();
        await foreach (var key in connection.GetServer(redis.Configuration).KeysAsync(pattern: "feeds:W/*"))
        {
            keys.Add(key);
        }
        return keys;
    }

    private static async Task<long> KeyCountAsync(RedisServer redis)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true");
        var keys = 0L;
        await foreach (var key in connection.GetServer(redis.Configuration).KeysAsync(pattern: "feeds:W/*"))
        {
            keys++;
        }
        return keys;
    }
}
