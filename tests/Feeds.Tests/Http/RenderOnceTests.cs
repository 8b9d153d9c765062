namespace Feeds.Tests.Http;

/// <summary>Feeds are rendered once per version, and every writer's change shows within the refresh interval.</summary>
public sealed class RenderOnceTests : FeedsTest
{
    // The background poll runs this often here; each wait below gives it far longer.
    private static readonly Dictionary<string, string?> FastRefresh = new() { ["Feeds:RefreshInterval"] = "00:00:00.100" };
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    // Written as a CMS would, in plain SQL and not through Feeds; the same text for both databases.
    private const string InsertSql = """
        INSERT INTO articles (external_id, category_id, title, summary, content_html, author, source, url, image_url, published_at, updated_at, is_published)
        SELECT @id, c.id, @title, NULL, '<p>CMS</p>', NULL, 'CMS', 'https://news.example.com/cms.html', NULL, @publishedAt, @publishedAt, 1
        FROM categories c WHERE c.slug = 'logistics'
        """;

    private const string TagSql = """
        INSERT INTO article_tags (article_id, tag_id, position)
        SELECT a.id, t.id, 0 FROM articles a, tags t WHERE a.external_id = @id AND t.name = @tag
        """;

    // The tag 供應鏈 ("supply chain") is addressed by its slug, percent-encoded.
    private const string SupplyChainFeed = "/feeds/tags/%E4%BE%9B%E6%87%89%E9%8F%88.rss";

    [Theory, MemberData(nameof(Providers))]
    public async Task AnArticleWrittenWithSql_AppearsInAllItsFeeds_AndLeavesWhenUnpublishedOrDeleted(string provider)
    {
        await using var site = await TestSite.StartAsync(provider, settings: FastRefresh, Articles.Sample("a-1"));
        var (db, app, client) = site;
        string[] feeds = ["/feeds/logistics.rss", "/feeds/news.atom", "/feeds/all.rss", SupplyChainFeed];
        foreach (var feed in feeds)
        {
            Assert.DoesNotContain("cms-1", await client.GetStringAsync(feed, Cancel), StringComparison.Ordinal);
        }

        await ExecuteAsync(db, InsertSql, new { id = "cms-1", title = "直接寫入的文章", publishedAt = TestClock.Start.UtcDateTime.AddMinutes(-1) });
        await ExecuteAsync(db, TagSql, new { id = "cms-1", tag = "供應鏈" });
        foreach (var feed in feeds)
        {
            await EventuallyAsync(client, feed, body => body.Contains("cms-1", StringComparison.Ordinal));
        }

        await ExecuteAsync(db, "UPDATE articles SET is_published = 0 WHERE external_id = @id", new { id = "cms-1" });
        foreach (var feed in feeds)
        {
            await EventuallyAsync(client, feed, body => !body.Contains("cms-1", StringComparison.Ordinal));
        }

        await ExecuteAsync(db, "UPDATE articles SET is_published = 1 WHERE external_id = @id", new { id = "cms-1" });
        await EventuallyAsync(client, "/feeds/logistics.rss", body => body.Contains("cms-1", StringComparison.Ordinal));
        await EventuallyAsync(client, SupplyChainFeed, body => body.Contains("cms-1", StringComparison.Ordinal));
        await ExecuteAsync(db, "DELETE FROM article_tags WHERE article_id IN (SELECT id FROM articles WHERE external_id = @id)", new { id = "cms-1" });
        await ExecuteAsync(db, "DELETE FROM articles WHERE external_id = @id", new { id = "cms-1" });
        foreach (var feed in feeds)
        {
            await EventuallyAsync(client, feed, body => !body.Contains("cms-1", StringComparison.Ordinal) && body.Contains("a-1", StringComparison.Ordinal));
        }
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ChangesOnlyTriggersCanSee_ReachTheFeeds_AndUpdatesThatChangeNothingDoNot(string provider)
    {
        var now = TestClock.Start.UtcDateTime;
        await using var site = await TestSite.StartAsync(provider, 
            Articles.Sample("old", publishedAt: now.AddHours(-5)),
            Articles.Sample("new", publishedAt: now.AddHours(-1)));
        var (db, app, client) = site;
        async Task<(string ETag, string Body)> ReadAsync(string path)
        {
            await app.RefreshAsync();
            var response = await client.GetAsync(path, Cancel);
            return (response.Headers.ETag!.Tag, await response.Content.ReadAsStringAsync(Cancel));
        }
        var initial = await ReadAsync("/feeds/news.rss");

        await ExecuteAsync(db, "UPDATE articles SET title = title, summary = summary WHERE external_id = 'old'", new { });
        var noOp = await ReadAsync("/feeds/news.rss");
        await ExecuteAsync(db, "UPDATE articles SET title = @title WHERE external_id = 'old'", new { title = "更正：舊文章" });
        var edited = await ReadAsync("/feeds/news.rss");
        await ExecuteAsync(db, "UPDATE tags SET name = @name WHERE name = @old", new { name = "供應鏈管理", old = "供應鏈" });
        var tagRenamed = await ReadAsync("/feeds/all.rss");
        var renamedTagFeed = await ReadAsync("/feeds/tags/%E4%BE%9B%E6%87%89%E9%8F%88%E7%AE%A1%E7%90%86.rss");
        var oldTagFeed = await client.GetAsync(SupplyChainFeed, Cancel);
        await ExecuteAsync(db, "UPDATE categories SET name = @name WHERE slug = 'logistics'", new { name = "物流綜合" });
        var categoryRenamed = await ReadAsync("/feeds/logistics.atom");
        var sectionAfterRename = await ReadAsync("/feeds/news.rss");

        Assert.Equal(initial, noOp);
        Assert.NotEqual(initial.ETag, edited.ETag);
        Assert.Contains("更正：舊文章", edited.Body, StringComparison.Ordinal);
        Assert.Contains("<category>供應鏈管理</category>", tagRenamed.Body, StringComparison.Ordinal);
        Assert.Contains("#供應鏈管理", renamedTagFeed.Body, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, oldTagFeed.StatusCode);
        Assert.Contains("物流綜合", categoryRenamed.Body, StringComparison.Ordinal);
        Assert.Contains("<category>物流綜合</category>", sectionAfterRename.Body, StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task AScheduledArticle_AppearsWhenItsTimeComes_WithoutAnyWrite(string provider)
    {
        await using var site = await TestSite.StartAsync(provider, settings: FastRefresh, 
            Articles.Sample("now"),
            Articles.Sample("later", publishedAt: TestClock.Start.UtcDateTime.AddMinutes(30)));
        var (db, app, client) = site;
        var before = await client.GetAsync("/feeds/news.rss", Cancel);
        Assert.DoesNotContain("later", await before.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.DoesNotContain("later", await client.GetStringAsync(SupplyChainFeed, Cancel), StringComparison.Ordinal);

        app.Clock.Advance(TimeSpan.FromMinutes(30));

        await EventuallyAsync(client, SupplyChainFeed, text => text.Contains("later", StringComparison.Ordinal));
        var body = await EventuallyAsync(client, "/feeds/news.rss", text => text.Contains("later", StringComparison.Ordinal));
        var after = await client.GetAsync("/feeds/news.rss", Cancel);
        Assert.NotEqual(before.Headers.ETag, after.Headers.ETag);
        Assert.Contains("<pubDate>Sat, 28 Nov 2026 12:30:00 +0800</pubDate>", body, StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ACachedFeed_IsByteIdenticalToAnUncachedRender_InEveryEncoding(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await Articles.WriteAsync(db.Database, Enumerable.Range(0, 30).Select(i => Articles.Sample($"a-{i}", category: i % 2 == 0 ? "logistics" : "express")).ToArray());
        await using var cached = new FeedsApp(db);
        await using var uncached = new FeedsApp(db, settings: new Dictionary<string, string?> { ["Feeds:CacheEnabled"] = "false" });
        var cachedClient = cached.CreateRawClient();
        var uncachedClient = uncached.CreateRawClient();

        foreach (var path in new[] { "/feeds/logistics.rss", "/feeds/news.atom", "/feeds/all.rss?limit=50", "/feeds/express.atom?limit=5" })
        {
            foreach (var encoding in new[] { "identity", "gzip", "br" })
            {
                var first = await GetAsync(cachedClient, path, encoding);
                // Brotli is made in the background, never for the request: a cached document has it once made, an
                // uncached one never (it is answered without a coding, RFC 9110 12.5.3).
                var hit = encoding == "br" ? await BrotliOnly.GetAsync(cachedClient, path) : await GetAsync(cachedClient, path, encoding);
                var fresh = await GetAsync(uncachedClient, path, encoding);

                var decoded = FeedXml.Decode(await fresh.Content.ReadAsByteArrayAsync(Cancel), Coding(fresh));
                Assert.Equal(decoded, FeedXml.Decode(await first.Content.ReadAsByteArrayAsync(Cancel), Coding(first)));
                Assert.Equal(decoded, FeedXml.Decode(await hit.Content.ReadAsByteArrayAsync(Cancel), encoding));
                Assert.Equal(fresh.Headers.ETag, hit.Headers.ETag);
                Assert.Equal(fresh.Content.Headers.LastModified, hit.Content.Headers.LastModified);
                Assert.Equal(encoding == "identity" ? [] : [encoding], hit.Content.Headers.ContentEncoding);
                Assert.Equal(encoding == "br" ? [] : hit.Content.Headers.ContentEncoding, fresh.Content.Headers.ContentEncoding);
                FeedXml.Parse(decoded);
            }
        }
    }

    private static string Coding(HttpResponseMessage response) => response.Content.Headers.ContentEncoding.SingleOrDefault() ?? "identity";

    [Fact]
    public async Task AnUnchangedFeed_IsServedFromMemory_WithoutTheDatabase()
    {
        await using var site = await TestSite.StartAsync("sqlite", Articles.Sample("a-1"));
        var (db, app, client) = site;
        var first = await client.GetAsync("/feeds/logistics.atom", Cancel);
        var renders = app.Services.GetRequiredService<FeedPublisher>().Renders;

        // Any query now fails: what is served next comes from memory.
        await ExecuteAsync(db, "ALTER TABLE articles RENAME TO articles_gone", new { });
        var again = await client.GetAsync("/feeds/logistics.atom", Cancel);
        var conditional = new HttpRequestMessage(HttpMethod.Get, "/feeds/logistics.atom");
        conditional.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        var notModified = await client.SendAsync(conditional, Cancel);

        Assert.Equal(System.Net.HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(await first.Content.ReadAsByteArrayAsync(Cancel), await again.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal(System.Net.HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(renders, app.Services.GetRequiredService<FeedPublisher>().Renders);
    }

    [Fact]
    public async Task ConcurrentRequestsForAColdFeed_ShareOneRender()
    {
        await using var site = await TestSite.StartAsync("sqlite", Enumerable.Range(0, 50).Select(i => Articles.Sample($"a-{i}")).ToArray());
        var (db, app, client) = site;
        var publisher = app.Services.GetRequiredService<FeedPublisher>();
        var before = publisher.Renders;

        var bodies = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => client.GetByteArrayAsync("/feeds/news.rss?limit=50", Cancel)));

        Assert.Equal(before + 1, publisher.Renders);
        Assert.All(bodies, body => Assert.Equal(bodies[0], body));
    }

    [Fact]
    public async Task TheCache_StaysWithinItsBudget_AndTheLeastRecentlyUsedGoFirst()
    {
        var paragraph = string.Concat(Enumerable.Repeat("<p>長篇內容，使快取很快達到上限。</p>", 60));
        await using var site = await TestSite.StartAsync("sqlite", settings: new Dictionary<string, string?> { ["Feeds:CacheSizeMegabytes"] = "1" }, Enumerable.Range(0, 40).Select(i => Articles.Sample($"a-{i:D2}") with { ContentHtml = paragraph + i }).ToArray());
        var (db, app, client) = site;
        var cache = app.Services.GetRequiredService<FeedCache>();
        var publisher = app.Services.GetRequiredService<FeedPublisher>();

        foreach (var path in new[] { "/feeds/all.atom?limit=50", "/feeds/all.json?limit=50", "/feeds/all.atom?limit=20", "/feeds/all.json?limit=20", "/feeds/news.atom?limit=50", "/feeds/news.json?limit=50", "/feeds/news.rss?limit=50" })
        {
            await client.GetByteArrayAsync(path, Cancel);
            await client.GetByteArrayAsync("/feeds/all.rss?limit=50", Cancel); // kept in use
        }
        var renders = publisher.Renders;
        await client.GetByteArrayAsync("/feeds/all.rss?limit=50", Cancel);
        var recentStayed = publisher.Renders == renders;
        await client.GetByteArrayAsync("/feeds/all.atom?limit=50", Cancel);

        Assert.InRange(cache.Bytes, 1, app.Services.GetRequiredService<MemoryBudget>().RenderingBytes);
        Assert.True(cache.Count < 8, $"{cache.Count} feeds cached");
        Assert.True(recentStayed, "the most recently used feed was evicted");
        Assert.Equal(renders + 1, publisher.Renders);
    }

    private static async Task ExecuteAsync(TestDatabase db, string sql, object parameters)
    {
        await using var connection = await db.Database.OpenAsync(Cancel);
        await connection.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: Cancel));
    }

    private static async Task<string> EventuallyAsync(HttpClient client, string path, Func<string, bool> condition)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var body = await client.GetStringAsync(path, Cancel);
            if (condition(body))
            {
                return body;
            }
            Assert.True(waited.Elapsed < Deadline, $"{path} did not change within {Deadline}");
            await Task.Delay(50, Cancel);
        }
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string encoding)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.AcceptEncoding.ParseAdd(encoding);
        return await client.SendAsync(request, Cancel);
    }
}
