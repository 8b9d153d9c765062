using StackExchange.Redis;

namespace Feeds.Tests.Http;

/// <summary>
/// Issue 30, fourth and fifth items: Last-Modified was each instance's own "first seen" time, so instances gave
/// different ones for one version, and with Redis down a reader's If-Modified-Since could be answered 304 for a
/// newer version. Now each document's time is kept in the database (Data/DocumentTimes): two instances, with Redis
/// up, down, full, flushed or not configured at all, give one time per version of every document, always later
/// for new bytes, also when both versions came within one second.
/// </summary>
public sealed class FleetLastModifiedTests : FeedsTest
{
    private static readonly string[] Documents =
    [
        "/feeds/news.rss", "/feeds/logistics.atom", "/feeds/all.json", "/feeds/tags/供應鏈.rss", "/feeds/logistics",
        "/feeds/news.rss?limit=5", "/", "/tags", "/feeds.opml", "/categories.opml",
    ];

    public static TheoryData<string, string> Faults()
    {
        var data = new TheoryData<string, string>();
        foreach (var provider in new[] { "sqlite", "sqlserver" })
        {
            foreach (var redis in new[] { "none", "up", "down", "full", "flushed" })
            {
                data.Add(provider, redis);
            }
        }
        return data;
    }

    [Theory, MemberData(nameof(Faults))]
    public async Task EveryInstanceGivesOneLastModifiedPerVersion_AndNoWrong304_WhateverRedisDoes(string provider, string redisState)
    {
        await using var redis = redisState == "none" ? null : await RedisServer.StartAsync();
        await using var db = await TestDatabase.CreateAsync(provider);
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1"), Articles.Sample("m-1", category: "markets", section: "industry"));
        var settings = new Dictionary<string, string?> { ["Feeds:RefreshInterval"] = "00:10:00" };
        if (redis is not null)
        {
            settings["Feeds:Redis:Configuration"] = redis.Configuration;
        }
        // One clock for both: they stand in the same second throughout, the hardest case for whole-second dates.
        var clock = new TestClock();
        await using var a = new FeedsApp(db, clock, settings);
        await using var b = new FeedsApp(db, clock, settings);
        var clientA = a.CreateRawClient();
        var clientB = b.CreateRawClient();
        var first = await LastModifiedOfEveryDocumentAsync(clientA, clientB);

        await BreakAsync(redis, redisState);
        // Two edits in the same second; A sees the first alone, B only the second.
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1", title: "第一次更正"));
        await a.RefreshAsync();
        var afterFirstEdit = await clientA.GetAsync("/feeds/news.rss", Cancel);
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1", title: "第二次更正"));
        await b.RefreshAsync();
        var askedSinceFirstEdit = await SendAsync(clientB, "/feeds/news.rss", afterFirstEdit.Content.Headers.LastModified);
        await a.RefreshAsync();
        var second = await LastModifiedOfEveryDocumentAsync(clientA, clientB);

        Assert.Contains("第一次更正", await afterFirstEdit.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.True(afterFirstEdit.Content.Headers.LastModified > first["/feeds/news.rss"]);
        // The reader holding the first edit is given the second, never a 304.
        Assert.Equal(HttpStatusCode.OK, askedSinceFirstEdit.StatusCode);
        Assert.Contains("第二次更正", await askedSinceFirstEdit.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.True(askedSinceFirstEdit.Content.Headers.LastModified > afterFirstEdit.Content.Headers.LastModified);
        Assert.Equal(askedSinceFirstEdit.Content.Headers.LastModified, second["/feeds/news.rss"]);
        // Documents whose bytes the edits did not change keep their time; the others moved.
        Assert.Equal(first["/"], second["/"]);
        Assert.Equal(first["/feeds.opml"], second["/feeds.opml"]);
        Assert.True(second["/feeds/logistics.atom"] > first["/feeds/logistics.atom"]);
        // And each time holds: asked again with it once that second has come (RFC 9110 section 13.1.3 ignores a
        // date later than the server's clock), every instance answers 304.
        clock.Advance(TimeSpan.FromSeconds(3));
        foreach (var (path, lastModified) in second)
        {
            Assert.Equal((path, HttpStatusCode.NotModified), (path, (await SendAsync(clientA, path, lastModified)).StatusCode));
            Assert.Equal((path, HttpStatusCode.NotModified), (path, (await SendAsync(clientB, path, lastModified)).StatusCode));
        }
    }

    /// <summary>
    /// SQLite has one writer. A render that wants to give its document a time while an import holds the database
    /// (the import is one transaction) waits a second at most and answers without Last-Modified, not after the import.
    /// </summary>
    [Fact]
    public async Task WhileAnotherWriterHoldsSqlite_ARenderAnswersWithinSeconds_WithoutLastModified()
    {
        await using var site = await TestSite.StartAsync("sqlite", Articles.Sample("a-1"), Articles.Sample("m-1", category: "markets", section: "industry"));
        var (db, _, client) = site;
        await using var writer = (Microsoft.Data.Sqlite.SqliteConnection)await db.Database.OpenAsync(Cancel);
        await using var transaction = writer.BeginTransaction(deferred: false);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var whileHeld = await client.GetAsync("/feeds/industry.rss", Cancel);
        var elapsed = watch.Elapsed;
        await transaction.RollbackAsync(Cancel);
        var afterwards = await client.GetAsync("/feeds/markets.rss", Cancel);

        Assert.Equal(HttpStatusCode.OK, whileHeld.StatusCode);
        Assert.Null(whileHeld.Content.Headers.LastModified);
        Assert.NotNull(whileHeld.Headers.ETag);
        Assert.True(elapsed < TimeSpan.FromSeconds(5), $"answered after {elapsed}");
        Assert.NotNull(afterwards.Content.Headers.LastModified);
    }

    /// <summary>Every document's Last-Modified, asserted equal (with equal ETags) on both instances.</summary>
    private static async Task<Dictionary<string, DateTimeOffset>> LastModifiedOfEveryDocumentAsync(HttpClient a, HttpClient b)
    {
        var times = new Dictionary<string, DateTimeOffset>();
        foreach (var path in Documents)
        {
            var fromA = await a.GetAsync(path, Cancel);
            var fromB = await b.GetAsync(path, Cancel);
            Assert.Equal(HttpStatusCode.OK, fromA.StatusCode);
            Assert.Equal(fromA.Headers.ETag, fromB.Headers.ETag);
            var lastModified = fromA.Content.Headers.LastModified ?? throw new Xunit.Sdk.XunitException($"{path}: no Last-Modified");
            Assert.True(lastModified == fromB.Content.Headers.LastModified, $"{path}: {lastModified:R} on A, {fromB.Content.Headers.LastModified:R} on B");
            times[path] = lastModified;
        }
        return times;
    }

    private static async Task BreakAsync(RedisServer? redis, string state)
    {
        if (redis is null || state == "up")
        {
            return;
        }
        if (state == "down")
        {
            await redis.StopAsync();
            return;
        }
        if (state == "full")
        {
            await redis.FillAsync();
            return;
        }
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true");
        await connection.GetServer(redis.Configuration).FlushAllDatabasesAsync();
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string path, DateTimeOffset? ifModifiedSince)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.IfModifiedSince = ifModifiedSince;
        return client.SendAsync(request, Cancel);
    }
}
