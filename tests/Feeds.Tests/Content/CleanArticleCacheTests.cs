namespace Feeds.Tests.Content;

public sealed class CleanArticleCacheTests
{
    [Fact]
    public void EachArticleVersion_IsCleanedOnce_WhateverTheFeedsItAppearsIn()
    {
        var cache = new CleanArticleCache();
        var builder = new FeedBuilder(Options.Create(new FeedsOptions()), SiteTime.Create("Asia/Shanghai"), new ArticleHtml(), cache);
        var articles = Enumerable.Range(1, 10).Select(i => Row(i, $"<p>內文 {i}<script>x()</script></p>")).ToArray();
        var noTags = Array.Empty<ArticleTagRow>().ToLookup(t => t.ArticleId, t => t.Name);
        var self = new Uri("https://feeds.example.org/feeds/x.rss");

        var first = builder.Build(new FeedSubject("logistics", "物流"), self, DateTime.UtcNow, articles, noTags, _ => "物流");
        builder.Build(new FeedSubject("news", "資訊中心"), self, DateTime.UtcNow, articles, noTags, _ => "物流");
        builder.Build(new FeedSubject("all", null), self, DateTime.UtcNow, articles[..5], noTags, _ => "物流");
        // An edit that keeps its update time is still a new version.
        var edited = builder.Build(new FeedSubject("logistics", "物流"), self, DateTime.UtcNow, [Row(3, "<p>改過的內文</p>")], noTags, _ => "物流");

        Assert.Equal(11, cache.Misses);
        Assert.Equal(15, cache.Hits);
        Assert.Equal("<p>內文 1</p>", first.Entries[0].ContentHtml);
        Assert.Equal("<p>改過的內文</p>", edited.Entries[0].ContentHtml);
    }

    [Fact]
    public void TheCache_IsBoundedInBytes_HoweverLargeItsTexts()
    {
        const long budget = 4L * 1024 * 1024;
        var cache = new CleanArticleCache(capacityBytes: budget);
        var megabyte = new string('字', 512 * 1024);

        for (var i = 0; i < 1000; i++)
        {
            var body = i % 10 == 0 ? megabyte : "<p>x</p>";
            cache.GetOrAdd(Row(i, body), row => new CleanArticle(row.Title, new Uri("https://news.example.com/"), null, row.ContentHtml, ["a"], null));
            Assert.InRange(cache.Bytes, 0, budget);
        }

        // A count bound (4,096 entries) would have kept all hundred 1 MB bodies.
        Assert.InRange(cache.Count, 1, 999);
        Assert.InRange(cache.Bytes, 1, budget);
    }

    private static ArticleRow Row(long id, string body) => new()
    {
        Id = id,
        ExternalId = $"a-{id}",
        CategoryId = 1,
        Title = $"標題 {id}",
        ContentHtml = body,
        Url = $"https://news.example.com/{id}.html",
        PublishedAt = TestClock.Start.UtcDateTime,
        UpdatedAt = TestClock.Start.UtcDateTime,
        IsPublished = true,
    };
}
