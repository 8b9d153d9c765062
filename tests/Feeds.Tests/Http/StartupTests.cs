using Feeds.Demo;

namespace Feeds.Tests.Http;

public sealed class StartupTests : FeedsTest
{
    [Theory]
    [InlineData("Feeds:PublicBaseUrl", "feeds.example.org", "Feeds:PublicBaseUrl must be an absolute http or https URL")]
    [InlineData("Feeds:SiteUrl", "ftp://news.example.com/", "Feeds:SiteUrl must be an absolute http or https URL")]
    [InlineData("Feeds:SiteTimeZone", "Mars/Olympus", "Feeds:SiteTimeZone 'Mars/Olympus'")]
    [InlineData("Feeds:MaxLimit", "10", "Feeds:DefaultLimit must not exceed Feeds:MaxLimit")]
    [InlineData("Feeds:Database:Provider", "oracle", "Feeds:Database:Provider 'oracle'")]
    [InlineData("Feeds:IdPrefix", "no prefix", "Feeds:IdPrefix must be an absolute URI")]
    [InlineData("Feeds:IdPrefix", "tag:News.Example.com,2026:", "Feeds:IdPrefix must be a tag URI")]
    [InlineData("Feeds:IdPrefix", "tag:example.com:", "Feeds:IdPrefix must be a tag URI")]
    [InlineData("Feeds:Language", "中文", "Language")]
    [InlineData("Feeds:Database:ConnectionString", "", "The Feeds:Database:ConnectionString field is required")]
    [InlineData("Feeds:RenderLimits:QueueLength", "-1", "The field Feeds:RenderLimits:QueueLength must be between 0 and 100000")]
    [InlineData("Feeds:DefaultLimit", "abc", "Feeds:DefaultLimit 'abc' is not a whole number")]
    [InlineData("Feeds:RefreshInterval", "soon", "Feeds:RefreshInterval 'soon' is not a duration such as 00:00:02")]
    [InlineData("Feeds:CacheEnabled", "maybe", "Feeds:CacheEnabled 'maybe' is not true or false")]
    [InlineData("Feeds:SiteIcon", "https://cdn.example.com/icon.svg", "Feeds:SiteIcon 'https://cdn.example.com/icon.svg' must be a GIF, JPEG or PNG image")]
    [InlineData("Feeds:SiteLogo", "ftp://cdn.example.com/logo.png", "Feeds:SiteLogo 'ftp://cdn.example.com/logo.png' is neither an absolute http or https URL")]
    public async Task AWrongSetting_StopsTheServerAtStart_WithAClearMessage(string key, string value, string message)
    {
        using var folder = new TempFolder("feeds-start-");
        var result = await FeedsProcess.RunAsync(folder.FullName, "--urls=http://127.0.0.1:0", $"--{key}={value}");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("Feeds did not start: invalid settings:", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANewEmbeddedDatabase_IsCreatedAndFilledWithDemoArticles_Once()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite", migrate: false);
        var demo = new Dictionary<string, string?> { ["Feeds:DemoData"] = "true" };
        var store = new ArticleStore(db.Database);

        await using (var app = new FeedsApp(db, settings: demo))
        {
            var client = app.CreateRawClient();
            var all = FeedXml.Parse(await client.GetByteArrayAsync("/feeds/all.rss?limit=100", Cancel));
            Assert.Equal(100, FeedXml.RssItems(all).Count);
            foreach (var slug in new[] { "news", "industry", "logistics", "express", "policy", "shipping", "ecommerce", "cold-chain", "technology" })
            {
                var feed = FeedXml.Parse(await client.GetByteArrayAsync($"/feeds/{slug}.atom", Cancel));
                Assert.NotEmpty(FeedXml.AtomEntries(feed));
            }
            Assert.DoesNotContain("<script", FeedXml.Text(await client.GetByteArrayAsync("/feeds/all.rss?limit=100", Cancel)).Replace("&lt;", "<", StringComparison.Ordinal), StringComparison.Ordinal);
        }
        var farFuture = new DateTime(9000, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var (categories, keys) = await store.GetFeedStateAsync(FeedScope.Site, farFuture, 1000, Cancel);
        var sections = categories.Count(c => c.ParentId is null);
        var before = keys.Count;

        await using (var restarted = new FeedsApp(db, settings: demo))
        {
            restarted.StartServer();
        }
        var after = (await store.GetFeedStateAsync(FeedScope.Site, farFuture, 1000, Cancel)).Keys.Count;

        Assert.Equal(2, sections);
        Assert.InRange(before, 250, DemoArticles.Count);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task DemoDataFalse_LeavesANewDatabaseEmpty()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite", migrate: false);
        await using var app = new FeedsApp(db);

        var response = await app.CreateRawClient().GetAsync("/feeds/all.rss", Cancel);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(FeedXml.RssItems(FeedXml.Parse(await response.Content.ReadAsByteArrayAsync(Cancel))));
    }

    [Fact]
    public async Task APublicBaseUrlWithAPath_PrefixesEverySelfLink()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await using var app = new FeedsApp(db, settings: new Dictionary<string, string?> { ["Feeds:PublicBaseUrl"] = "https://www.example.org/rss" });

        var xml = FeedXml.Parse(await app.CreateRawClient().GetByteArrayAsync("/feeds/all.rss?limit=10", Cancel));

        Assert.Equal("https://www.example.org/rss/feeds/all.rss?limit=10",
            xml.Root!.Element("channel")!.Element(FeedXml.Atom + "link")!.Attribute("href")!.Value);
    }
}
