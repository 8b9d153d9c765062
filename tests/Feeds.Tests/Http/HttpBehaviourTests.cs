using System.Net.Http.Headers;

namespace Feeds.Tests.Http;

/// <summary>What aggregators depend on: validators, 304s, HEAD, freshness, compression, clear errors.</summary>
public sealed class HttpBehaviourTests : FeedsTest
{
    [Theory, MemberData(nameof(Providers))]
    public async Task FeedResponse_CarriesWeakETag_LastModified_AndCacheControlMatchingTtl(string provider)
    {
        await using var site = await TestSite.StartAsync(provider, Articles.Sample("a-1"));
        var (db, app, _) = site;

        var response = await app.CreateRawClient().GetAsync("/feeds/logistics.rss", Cancel);

        Assert.True(response.Headers.ETag!.IsWeak);
        // When the server first saw this version of the feed (here at start), not a date in it.
        Assert.Equal(TestClock.Start, response.Content.Headers.LastModified);
        // Readers' lifetime is the ttl; any cache may serve it through an origin error as long as Feeds would (MaxStaleness).
        Assert.Equal("public, max-age=600, stale-if-error=3600", response.Headers.CacheControl!.ToString());
        Assert.Null(response.Content.Headers.Expires);
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task ACdnIsToldItsOwnLifetime_AndHowLongItMayServeStale()
    {
        await using var site = await TestSite.StartAsync("sqlite", settings: new Dictionary<string, string?>
        {
            ["Feeds:Edge:SharedMaxAge"] = "00:00:05",
            ["Feeds:Edge:StaleWhileRevalidate"] = "00:00:30",
            ["Feeds:MaxStaleness"] = "02:00:00",
        }, Articles.Sample("a-1"));
        var (_, app, client) = site;

        var response = await client.GetAsync("/feeds/logistics.rss", Cancel);
        var notModified = await SendAsync(client, "/feeds/logistics.rss", request => request.Headers.IfNoneMatch.Add(response.Headers.ETag!));

        var cacheControl = response.Headers.CacheControl!;
        Assert.Equal(TimeSpan.FromMinutes(10), cacheControl.MaxAge);
        Assert.Equal(TimeSpan.FromSeconds(5), cacheControl.SharedMaxAge);
        Assert.Contains(cacheControl.Extensions, e => e.Name == "stale-while-revalidate" && e.Value == "30");
        Assert.Contains(cacheControl.Extensions, e => e.Name == "stale-if-error" && e.Value == "7200");
        Assert.Equal(cacheControl.ToString(), notModified.Headers.CacheControl!.ToString());
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task IfNoneMatch_WithTheCurrentETag_Answers304WithoutBody(string provider)
    {
        await using var site = await TestSite.StartAsync(provider, Articles.Sample("a-1"));
        var (db, app, client) = site;
        var first = await client.GetAsync("/feeds/logistics.atom", Cancel);

        var again = await SendAsync(client, "/feeds/logistics.atom", request => request.Headers.IfNoneMatch.Add(first.Headers.ETag!));
        var other = await SendAsync(client, "/feeds/logistics.atom", request => request.Headers.IfNoneMatch.ParseAdd("W/\"0123\", \"abc\""));
        var star = await SendAsync(client, "/feeds/logistics.atom", request => request.Headers.TryAddWithoutValidation("If-None-Match", "*"));
        var malformed = await SendAsync(client, "/feeds/logistics.atom", request => request.Headers.TryAddWithoutValidation("If-None-Match", "not-an-etag"));

        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal(first.Headers.ETag, again.Headers.ETag);
        Assert.Equal("public, max-age=600, stale-if-error=3600", again.Headers.CacheControl!.ToString());
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, star.StatusCode);
        Assert.Equal(HttpStatusCode.OK, malformed.StatusCode);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task IfModifiedSince_Answers304WhenNothingIsNewer_AndIfNoneMatchWinsOverIt(string provider)
    {
        await using var site = await TestSite.StartAsync(provider, Articles.Sample("a-1"));
        var (db, app, client) = site;
        var lastModified = (await client.GetAsync("/feeds/logistics.rss", Cancel)).Content.Headers.LastModified!.Value;

        var same = await SendAsync(client, "/feeds/logistics.rss", request => request.Headers.IfModifiedSince = lastModified);
        var earlier = await SendAsync(client, "/feeds/logistics.rss", request => request.Headers.IfModifiedSince = lastModified.AddSeconds(-1));
        var staleETag = await SendAsync(client, "/feeds/logistics.rss", request =>
        {
            request.Headers.IfModifiedSince = lastModified;
            request.Headers.IfNoneMatch.ParseAdd("W/\"stale\"");
        });
        var garbage = await SendAsync(client, "/feeds/logistics.rss", request => request.Headers.TryAddWithoutValidation("If-Modified-Since", "yesterday"));

        Assert.Equal(HttpStatusCode.NotModified, same.StatusCode);
        Assert.Equal(HttpStatusCode.OK, earlier.StatusCode);
        Assert.Equal(HttpStatusCode.OK, staleETag.StatusCode);
        Assert.Equal(HttpStatusCode.OK, garbage.StatusCode);
    }

    public static TheoryData<string, string> LateChanges => new()
    {
        // An article imported with a publish time older than the feed's newest: no date in the feed moves.
        { "sqlite", "late article" },
        // An older article removed (unpublished): the feed loses an item, and its dates stay.
        { "sqlite", "removed article" },
        // An edit without a new update time (a CMS that keeps updated_at): the text changes, no date does.
        { "sqlite", "silent edit" },
    };

    [Theory, MemberData(nameof(LateChanges))]
    public async Task LastModified_MovesWithEveryChangeOfTheDocument_WhateverItsDates(string provider, string change)
    {
        await using var site = await TestSite.StartAsync(provider, Articles.Sample("new"), Articles.Sample("old", publishedAt: TestClock.Start.UtcDateTime.AddDays(-2)));
        var (db, app, client) = site;
        var first = await client.GetAsync("/feeds/logistics.rss", Cancel);
        var lastModified = first.Content.Headers.LastModified!.Value;
        var body = await first.Content.ReadAsStringAsync(Cancel);

        // The clock does not move: the change happens within the second the first version was seen.
        await Articles.WriteAsync(db.Database, change switch
        {
            "late article" => Articles.Sample("late", publishedAt: TestClock.Start.UtcDateTime.AddDays(-1)),
            "removed article" => Articles.Sample("old", publishedAt: TestClock.Start.UtcDateTime.AddDays(-2)) with { IsPublished = false },
            _ => Articles.Sample("old", publishedAt: TestClock.Start.UtcDateTime.AddDays(-2), title: "更正後的標題"),
        });
        await app.RefreshAsync();
        var onlyIfModifiedSince = await SendAsync(client, "/feeds/logistics.rss", request => request.Headers.IfModifiedSince = lastModified);
        var onlyIfNoneMatch = await SendAsync(client, "/feeds/logistics.rss", request => request.Headers.IfNoneMatch.Add(first.Headers.ETag!));

        Assert.Equal(HttpStatusCode.OK, onlyIfModifiedSince.StatusCode);
        Assert.Equal(HttpStatusCode.OK, onlyIfNoneMatch.StatusCode);
        Assert.NotEqual(body, await onlyIfModifiedSince.Content.ReadAsStringAsync(Cancel));
        // HTTP dates have whole seconds: the new version's Last-Modified is a second later than the last one's.
        Assert.Equal(lastModified.AddSeconds(1), onlyIfModifiedSince.Content.Headers.LastModified);
        // And the new version's validators hold until the next change (once that second has come).
        app.Clock.Advance(TimeSpan.FromSeconds(2));
        var again = await SendAsync(client, "/feeds/logistics.rss", request => request.Headers.IfModifiedSince = onlyIfModifiedSince.Content.Headers.LastModified);
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ETag_ChangesWithTheFeedsOwnData_AndOnlyThen(string provider)
    {
        await using var site = await TestSite.StartAsync(provider, Articles.Sample("a-1"), Articles.Sample("b-1", category: "express"));
        var (db, app, client) = site;
        async Task<string> ETagOf(string path) => (await client.GetAsync(path, Cancel)).Headers.ETag!.Tag;

        var logistics = await ETagOf("/feeds/logistics.rss");
        var express = await ETagOf("/feeds/express.rss");
        var logisticsAtom = await ETagOf("/feeds/logistics.atom");
        Assert.NotEqual(logistics, express);
        Assert.NotEqual(logistics, logisticsAtom);
        Assert.Equal(logistics, await ETagOf("/feeds/logistics.rss"));

        await Articles.WriteAsync(db.Database, Articles.Sample("b-1", category: "express", title: "改過的標題") with
        {
            UpdatedAt = TestClock.Start.UtcDateTime.AddMinutes(-5),
        });
        await app.RefreshAsync();

        Assert.Equal(logistics, await ETagOf("/feeds/logistics.rss"));
        Assert.NotEqual(express, await ETagOf("/feeds/express.rss"));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Head_SendsTheHeadersOfGet_AndNoBody(string provider)
    {
        await using var site = await TestSite.StartAsync(provider, Articles.Sample("a-1"));
        var (db, app, client) = site;
        var get = await client.GetAsync("/feeds/all.rss", Cancel);

        var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/feeds/all.rss"), Cancel);

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Headers.ETag, head.Headers.ETag);
        Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
        Assert.Equal(get.Content.Headers.ContentLength, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync(Cancel));
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    public async Task Compression_IsNegotiated_AndDecodesToTheSameFeed(string encoding)
    {
        await using var site = await TestSite.StartAsync("sqlite", Enumerable.Range(0, 20).Select(i => Articles.Sample($"a-{i}")).ToArray());
        var (db, app, client) = site;
        var plain = await client.GetByteArrayAsync("/feeds/all.atom", Cancel);

        var response = encoding == "br"
            ? await BrotliOnly.GetAsync(client, "/feeds/all.atom")
            : await SendAsync(client, "/feeds/all.atom", request => request.Headers.AcceptEncoding.ParseAdd(encoding));
        var decoded = FeedXml.Decode(await response.Content.ReadAsByteArrayAsync(Cancel), encoding);

        Assert.Equal([encoding], response.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
        Assert.Equal(plain, decoded);
    }

    [Fact]
    public async Task UnknownCategory_Returns404ProblemDetails()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await using var app = new FeedsApp(db);

        var response = await app.CreateRawClient().GetAsync("/feeds/no-such-category.rss", Cancel);

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "no-such-category");
    }

    [Theory]
    [InlineData("/feeds/all.xml")]
    [InlineData("/feeds/all.rdf")]
    [InlineData("/feeds/all/extra/segments.rss")]
    [InlineData("/no/such/page")]
    public async Task UnknownFormatOrPath_Returns404ProblemDetails(string path)
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await using var app = new FeedsApp(db);

        var response = await app.CreateRawClient().GetAsync(path, Cancel);

        await AssertProblemAsync(response, HttpStatusCode.NotFound, null);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=-1")]
    [InlineData("limit=101")]
    [InlineData("limit=abc")]
    [InlineData("limit=")]
    [InlineData("limit=1.5")]
    [InlineData("limit=%201")]
    [InlineData("limit=99999999999999999999")]
    [InlineData("limit=1&limit=2")]
    public async Task BadLimit_Returns400ProblemDetails(string query)
    {
        await using var site = await TestSite.StartAsync("sqlite", Articles.Sample("a-1"));
        var (db, app, _) = site;

        var response = await app.CreateRawClient().GetAsync($"/feeds/logistics.rss?{query}", Cancel);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "limit");
    }

    [Fact]
    public async Task Limit_WithinRange_IsHonoured_AndUnknownParametersAreIgnored()
    {
        await using var site = await TestSite.StartAsync("sqlite", Enumerable.Range(0, 30).Select(i => Articles.Sample($"a-{i}")).ToArray());
        var (db, app, client) = site;

        var five = FeedXml.Parse(await client.GetByteArrayAsync("/feeds/logistics.rss?limit=5&utm_source=reader", Cancel));
        var byDefault = FeedXml.Parse(await client.GetByteArrayAsync("/feeds/logistics.rss", Cancel));
        var max = FeedXml.Parse(await client.GetByteArrayAsync("/feeds/logistics.rss?limit=100", Cancel));

        Assert.Equal(5, FeedXml.RssItems(five).Count);
        Assert.Equal(20, FeedXml.RssItems(byDefault).Count);
        Assert.Equal(30, FeedXml.RssItems(max).Count);
    }

    [Fact]
    public async Task DatabaseFailure_Returns503ProblemDetails_WithRetryAfter_WithoutStackTraceOrSql()
    {
        await using var site = await TestSite.StartAsync("sqlite", Articles.Sample("a-1"));
        var (db, app, client) = site;
        await using (var connection = await db.Database.OpenAsync(Cancel))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "DROP TABLE article_tags; DROP TABLE articles;";
            await command.ExecuteNonQueryAsync(Cancel);
        }

        var response = await client.GetAsync("/feeds/logistics.rss", Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);

        // A failing database is an outage the client can wait out (RFC 9110 15.6.4), not a server bug.
        await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, null);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.DoesNotContain("SELECT", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Sqlite", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" at Feeds.", body, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, Action<HttpRequestMessage> configure)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        configure(request);
        return await client.SendAsync(request, Cancel);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? detailContains)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
        Assert.Equal((int)status, json.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("title").GetString()));
        if (detailContains is not null)
        {
            Assert.Contains(detailContains, json.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }
}
