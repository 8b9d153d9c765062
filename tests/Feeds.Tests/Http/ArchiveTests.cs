using System.Xml.Linq;

namespace Feeds.Tests.Http;

/// <summary>
/// RFC 5005 archives: from a feed's current document, prev-archive links lead through every visible article
/// it ever had, page by page, and back again by next-archive; a closed month's pages are cached for a day.
/// </summary>
public sealed class ArchiveTests : FeedsTest
{
    private static readonly XNamespace History = "http://purl.org/syndication/history/1.0";
    private static readonly Dictionary<string, string?> SmallPages = new() { ["Feeds:ArchivePageSize"] = "10" };

    /// <summary>
    /// 95 visible articles over four months of site time (every 23 hours back from 28 Nov 2026 12:00 +08:00)
    /// in two categories of one section, plus a draft, a scheduled article and one in another section.
    /// </summary>
    private static async Task<List<string>> WriteHistoryAsync(TestDatabase db)
    {
        var now = TestClock.Start.UtcDateTime;
        var visible = new List<string>();
        var articles = new List<ArticleInput>();
        for (var i = 1; i <= 95; i++)
        {
            var id = $"h-{i:D3}";
            visible.Add(id);
            articles.Add(Articles.Sample(id, category: i % 3 == 0 ? "express" : "logistics", publishedAt: now.AddHours(-23 * i)));
        }
        articles.Add(Articles.Sample("draft", publishedAt: now.AddDays(-40)) with { IsPublished = false });
        articles.Add(Articles.Sample("scheduled", publishedAt: now.AddHours(2)));
        articles.Add(Articles.Sample("elsewhere", category: "markets", section: "industry", publishedAt: now.AddDays(-50)));
        await Articles.WriteAsync(db.Database, [.. articles]);
        return visible;
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task FollowingPrevArchive_ReachesEveryArticleOnce_AndNextArchiveLeadsBack(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var visible = await WriteHistoryAsync(db);
        await using var app = new FeedsApp(db, settings: SmallPages);
        var client = app.CreateRawClient();

        var current = FeedXml.Parse(await client.GetByteArrayAsync("/feeds/news.atom", Cancel)).Root!;
        FeedRules.AssertValid(current.Document!, $"{FeedsApp.PublicBaseUrl}feeds/news.atom");
        Assert.Null(current.Element(History + "archive"));
        var pages = new List<(string Url, XElement Feed, HttpResponseMessage Response)>();
        var next = Link(current, "prev-archive");
        while (next is not null)
        {
            Assert.True(pages.Count < 50, "the prev-archive chain does not end");
            var response = await client.GetAsync(new Uri(next).PathAndQuery, Cancel);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var feed = FeedXml.Parse(await response.Content.ReadAsByteArrayAsync(Cancel)).Root!;
            FeedRules.AssertValid(feed.Document!, next);
            pages.Add((next, feed, response));
            next = Link(feed, "prev-archive");
        }

        var ids = pages.SelectMany(page => FeedXml.AtomEntries(page.Feed.Document!)).Select(entry => entry.Element(FeedXml.Atom + "id")!.Value.Split(':')[^1]).ToList();
        Assert.Equal(visible, ids);  // every visible article once, newest first; no draft, no scheduled, no other section
        Assert.Equal(["2026-11", "2026-10", "2026-09", "2026-08"], pages.Select(page => page.Url.Split("/archive/")[1][..7]).Distinct());
        for (var i = 0; i < pages.Count; i++)
        {
            var (url, feed, response) = pages[i];
            Assert.InRange(FeedXml.AtomEntries(feed.Document!).Count, 1, 10);
            Assert.NotNull(feed.Element(History + "archive"));
            Assert.Equal($"{FeedsApp.PublicBaseUrl}feeds/news.atom", Link(feed, "current"));
            Assert.Equal(url, Link(feed, "self"));
            Assert.Equal(i == 0 ? null : pages[i - 1].Url, Link(feed, "next-archive"));
            Assert.Equal(current.Element(FeedXml.Atom + "id")!.Value, feed.Element(FeedXml.Atom + "id")!.Value);
            // A late article can still enter a closed month: never immutable, a day in caches at most.
            var cacheControl = response.Headers.CacheControl!;
            Assert.DoesNotContain(cacheControl.Extensions, e => e.Name == "immutable");
            Assert.Equal(url.Contains("/2026-11", StringComparison.Ordinal) ? TimeSpan.FromMinutes(10) : TimeSpan.FromDays(1), cacheControl.MaxAge);
        }
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ArchiveMonths_AreMonthsOfTheSiteTimeZone(string provider)
    {
        await using var site = await TestSite.StartAsync(provider, 
            // 1 Nov 2026 00:30 +08:00, still 31 October in UTC; and 31 Oct 23:30 +08:00.
            Articles.Sample("first-of-november", publishedAt: new DateTime(2026, 10, 31, 16, 30, 0, DateTimeKind.Utc)),
            Articles.Sample("last-of-october", publishedAt: new DateTime(2026, 10, 31, 15, 30, 0, DateTimeKind.Utc)));
        var (db, app, client) = site;

        var november = await client.GetStringAsync("/feeds/news/archive/2026-11.atom", Cancel);
        var october = await client.GetStringAsync("/feeds/news/archive/2026-10.atom", Cancel);

        Assert.Contains("first-of-november", november, StringComparison.Ordinal);
        Assert.DoesNotContain("last-of-october", november, StringComparison.Ordinal);
        Assert.Contains("last-of-october", october, StringComparison.Ordinal);
        Assert.DoesNotContain("first-of-november", october, StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task JsonNextUrl_AndRssArchiveLinks_WalkTheSameArchive(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var visible = await WriteHistoryAsync(db);
        await using var app = new FeedsApp(db, settings: SmallPages);
        var client = app.CreateRawClient();

        var jsonIds = new List<string>();
        var url = "/feeds/news.json";
        var first = true;
        while (url is not null)
        {
            using var json = JsonDocument.Parse(await client.GetByteArrayAsync(url, Cancel));
            if (!first)
            {
                jsonIds.AddRange(json.RootElement.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("id").GetString()!.Split(':')[^1]));
            }
            first = false;
            url = json.RootElement.TryGetProperty("next_url", out var nextUrl) ? new Uri(nextUrl.GetString()!).PathAndQuery : null;
        }

        var rssIds = new List<string>();
        var channel = FeedXml.Parse(await client.GetByteArrayAsync("/feeds/news.rss", Cancel)).Root!.Element("channel")!;
        while (Link(channel, "prev-archive") is { } prev)
        {
            var document = FeedXml.Parse(await client.GetByteArrayAsync(new Uri(prev).PathAndQuery, Cancel));
            FeedRules.AssertValid(document, prev);
            channel = document.Root!.Element("channel")!;
            Assert.NotNull(channel.Element(History + "archive"));
            Assert.Equal("application/rss+xml", channel.Elements(FeedXml.Atom + "link").First(link => (string?)link.Attribute("rel") == "prev-archive" || (string?)link.Attribute("rel") == "current").Attribute("type")!.Value);
            rssIds.AddRange(FeedXml.RssItems(document).Select(item => item.Element("guid")!.Value.Split(':')[^1]));
        }

        Assert.Equal(visible, jsonIds);
        Assert.Equal(visible, rssIds);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task TagAndSiteFeeds_HaveArchivesToo_AndBadArchiveAddressesGetProblems(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var visible = await WriteHistoryAsync(db);
        await using var app = new FeedsApp(db, settings: SmallPages);
        var client = app.CreateRawClient();

        var tagArchive = await client.GetAsync("/feeds/tags/供應鏈/archive/2026-09.atom", Cancel);
        var siteArchive = await client.GetAsync("/feeds/all/archive/2026-10.atom", Cancel);
        var badMonth = await client.GetAsync("/feeds/news/archive/2026-13.atom", Cancel);
        var lastMonth = await client.GetAsync("/feeds/news/archive/9999-12.atom", Cancel);
        var farCursor = await client.GetAsync($"/feeds/news/archive/2026-10.atom?before={DateTime.MaxValue.Ticks}-{long.MaxValue}", Cancel);
        var emptyMonth = await client.GetAsync("/feeds/news/archive/2025-01.atom", Cancel);
        var badCursor = await client.GetAsync("/feeds/news/archive/2026-10.atom?before=yesterday", Cancel);
        var twoCursors = await client.GetAsync("/feeds/news/archive/2026-10.atom?before=1-1&before=2-2", Cancel);
        var unknownFeed = await client.GetAsync("/feeds/nothing/archive/2026-10.atom", Cancel);

        Assert.Equal(HttpStatusCode.OK, tagArchive.StatusCode);
        // A cursor past the month's end is the month's end: it leads to the newest page, which has no cursor.
        Assert.Equal(HttpStatusCode.Found, farCursor.StatusCode);
        Assert.Equal($"{FeedsApp.PublicBaseUrl}feeds/news/archive/2026-10.atom", farCursor.Headers.Location!.AbsoluteUri);
        Assert.Equal(10, FeedXml.AtomEntries(FeedXml.Parse(await tagArchive.Content.ReadAsByteArrayAsync(Cancel))).Count);
        Assert.Equal(HttpStatusCode.OK, siteArchive.StatusCode);
        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/feeds/all/archive/2026-10.atom");
        conditional.Headers.IfNoneMatch.Add(siteArchive.Headers.ETag!);
        var notModified = await client.SendAsync(conditional, Cancel);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(TimeSpan.FromDays(1), notModified.Headers.CacheControl!.MaxAge);
        foreach (var (response, status) in new[] { (badMonth, 404), (lastMonth, 404), (emptyMonth, 404), (badCursor, 400), (twoCursors, 400), (unknownFeed, 404) })
        {
            Assert.Equal((HttpStatusCode)status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        }
        Assert.NotEmpty(visible);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ACursorThatIsNoPageBoundary_RedirectsToThePageHoldingItsPosition_AndRendersNothing(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await WriteHistoryAsync(db);
        await using var app = new FeedsApp(db, settings: SmallPages);
        var client = app.CreateRawClient();
        var publisher = app.Services.GetRequiredService<Feeds.Rendering.FeedPublisher>();
        var newestPage = new Uri(Link(FeedXml.Parse(await client.GetByteArrayAsync("/feeds/news.atom", Cancel)).Root!, "prev-archive")!);
        var newest = FeedXml.Parse(await client.GetByteArrayAsync(newestPage.PathAndQuery, Cancel)).Root!;
        var secondPage = new Uri(Link(newest, "prev-archive")!);
        var second = await client.GetAsync(secondPage.PathAndQuery, Cancel);
        var cursor = Feeds.Publishing.ArchiveCursor.TryParse(secondPage.Query["?before=".Length..], out var parsed) ? parsed : throw new InvalidOperationException(secondPage.Query);
        var renders = publisher.Renders;

        // One tick older than the boundary: the article after it is on the second page. One tick newer: the
        // boundary article itself is next, the last of the newest page. Far older than the month: its last page.
        var justOlder = await client.GetAsync($"{secondPage.AbsolutePath}?before={parsed.PublishedUtc.Ticks - 1}-{long.MaxValue}", Cancel);
        var justNewer = await client.GetAsync($"{secondPage.AbsolutePath}?before={parsed.PublishedUtc.Ticks + 1}-0", Cancel);
        var sameButLeadingZeros = await client.GetAsync($"{secondPage.AbsolutePath}?before=000{cursor}", Cancel);
        var beforeTheMonth = await client.GetAsync($"{secondPage.AbsolutePath}?before=1-1", Cancel);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.Found, justOlder.StatusCode);
        Assert.Equal(secondPage.AbsoluteUri, justOlder.Headers.Location!.AbsoluteUri);
        Assert.Equal(HttpStatusCode.Found, justNewer.StatusCode);
        Assert.Equal(newestPage.AbsoluteUri, justNewer.Headers.Location!.AbsoluteUri);
        Assert.Equal(HttpStatusCode.OK, sameButLeadingZeros.StatusCode);
        Assert.Equal(second.Headers.ETag, sameButLeadingZeros.Headers.ETag);
        Assert.Equal(HttpStatusCode.Found, beforeTheMonth.StatusCode);
        Assert.Contains("?before=", beforeTheMonth.Headers.Location!.Query, StringComparison.Ordinal);
        Assert.Equal(renders, publisher.Renders);  // redirects and the already rendered page: nothing rendered

        // A late article moves every boundary of its month: the link given out before leads to its articles still.
        var linkedIds = EntryIds(FeedXml.Parse(await second.Content.ReadAsByteArrayAsync(Cancel)).Root!);
        await Articles.WriteAsync(db.Database, Articles.Sample("late", publishedAt: TestClock.Start.UtcDateTime.AddHours(-1)));
        await app.RefreshAsync();
        var moved = await client.GetAsync(secondPage.PathAndQuery, Cancel);
        Assert.Equal(HttpStatusCode.Found, moved.StatusCode);
        var holding = FeedXml.Parse(await client.GetByteArrayAsync(moved.Headers.Location!.PathAndQuery, Cancel)).Root!;
        var older = FeedXml.Parse(await client.GetByteArrayAsync(new Uri(Link(holding, "prev-archive")!).PathAndQuery, Cancel)).Root!;
        // The page now holding the old page's first article shows it, and from there on the walk shows them all.
        Assert.Contains(linkedIds[0], EntryIds(holding));
        var walk = EntryIds(holding).Concat(EntryIds(older)).ToList();
        Assert.Equal(linkedIds, walk.Skip(walk.IndexOf(linkedIds[0])).Take(linkedIds.Count));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task AClosedMonthsPage_GetsANewETagAndLastModified_WhenALateArticleChangesIt_AndKeepsThemOtherwise(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await WriteHistoryAsync(db);
        await using var app = new FeedsApp(db, settings: SmallPages);
        var client = app.CreateRawClient();
        const string september = "/feeds/news/archive/2026-09.atom";
        var first = await client.GetAsync(september, Cancel);
        var firstBody = await first.Content.ReadAsByteArrayAsync(Cancel);

        // News of this month changes the feed, not September's page: same bytes, same validators.
        await Articles.WriteAsync(db.Database, Articles.Sample("today", publishedAt: TestClock.Start.UtcDateTime.AddMinutes(-5)));
        await app.RefreshAsync();
        var unchanged = await SendAsync(client, september, request => request.Headers.IfNoneMatch.Add(first.Headers.ETag!));
        var unchangedSince = await SendAsync(client, september, request => request.Headers.IfModifiedSince = first.Content.Headers.LastModified);
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, unchangedSince.StatusCode);

        // An article imported late into September (30 Sep 23:59 site time) changes the page.
        await Articles.WriteAsync(db.Database, Articles.Sample("late", publishedAt: new DateTime(2026, 9, 30, 15, 59, 0, DateTimeKind.Utc)));
        await app.RefreshAsync();
        var changed = await SendAsync(client, september, request => request.Headers.IfNoneMatch.Add(first.Headers.ETag!));
        var changedSince = await SendAsync(client, september, request => request.Headers.IfModifiedSince = first.Content.Headers.LastModified);

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, changedSince.StatusCode);
        Assert.NotEqual(first.Headers.ETag, changed.Headers.ETag);
        Assert.True(changed.Content.Headers.LastModified > first.Content.Headers.LastModified);
        var page = FeedXml.Parse(await changed.Content.ReadAsByteArrayAsync(Cancel)).Root!;
        Assert.Equal("late", EntryIds(page)[0]);
        Assert.NotEqual(firstBody, await changedSince.Content.ReadAsByteArrayAsync(Cancel));
        Assert.DoesNotContain(changed.Headers.CacheControl!.Extensions, e => e.Name == "immutable");
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, Action<HttpRequestMessage> prepare)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        prepare(request);
        return await client.SendAsync(request, Cancel);
    }

    private static List<string> EntryIds(XElement feed) =>
        FeedXml.AtomEntries(feed.Document!).Select(entry => entry.Element(FeedXml.Atom + "id")!.Value.Split(':')[^1]).ToList();

    private static string? Link(XElement feed, string relation) =>
        feed.Elements(FeedXml.Atom + "link").FirstOrDefault(link => (string?)link.Attribute("rel") == relation)?.Attribute("href")?.Value;
}
