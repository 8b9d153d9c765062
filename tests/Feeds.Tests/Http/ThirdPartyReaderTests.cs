using CodeHollow.FeedReader;

namespace Feeds.Tests.Http;

/// <summary>Readers we did not write (CodeHollow.FeedReader; newsboat from Debian) read what the server sends.</summary>
public sealed class ThirdPartyReaderTests : FeedsTest
{
    [Theory, MemberData(nameof(Providers))]
    public async Task CodeHollowFeedReader_ReadsIdsTitlesAndDates_OfBothFormats(string provider)
    {
        var cancel = TestContext.Current.CancellationToken;
        var now = TestClock.Start.UtcDateTime;
        await using var site = await TestSite.StartAsync(provider, 
            Articles.Sample("a-1", publishedAt: now.AddHours(-1), title: "港口夜間作業 & 試行"),
            Articles.Sample("a-2", publishedAt: now.AddHours(-2), title: "冷鏈 <溫控> 新規"));
        var (db, app, client) = site;

        var rss = FeedReader.ReadFromString(await client.GetStringAsync("/feeds/logistics.rss", cancel));
        var atom = FeedReader.ReadFromString(await client.GetStringAsync("/feeds/logistics.atom", cancel));

        Assert.Equal(FeedType.Rss_2_0, rss.Type);
        Assert.Equal(FeedType.Atom, atom.Type);
        foreach (var feed in new[] { rss, atom })
        {
            Assert.Equal(["tag:news.example.com,2026:article:a-1", "tag:news.example.com,2026:article:a-2"], feed.Items.Select(i => i.Id));
            Assert.Equal(["港口夜間作業 & 試行", "冷鏈 <溫控> 新規"], feed.Items.Select(i => i.Title));
            Assert.Equal([now.AddHours(-1), now.AddHours(-2)], feed.Items.Select(i => i.PublishingDate!.Value.ToUniversalTime()));
            Assert.Equal("https://news.example.com/articles/a-1.html", feed.Items[0].Link);
        }
    }

    [Fact]
    public async Task Newsboat_ImportsTheOpmlList_AndFetchesEveryFeedInIt()
    {
        const string newsboat = "/usr/bin/newsboat";
        if (!File.Exists(newsboat))
        {
            Assert.Skip($"{newsboat} is not installed (apt-get install newsboat; .ci/run does).");
        }
        var cancel = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database,
            Articles.Sample("a-1"),
            Articles.Sample("a-2", category: "express", publishedAt: TestClock.Start.UtcDateTime.AddHours(-2)),
            Articles.Sample("m-1", category: "markets", section: "industry", publishedAt: TestClock.Start.UtcDateTime.AddHours(-3)));
        await using var app = FeedsApp.SelfAddressed(db);
        var client = app.CreateRawClient();
        using var home = new TempFolder("feeds-newsboat-");
        var opml = Path.Combine(home.FullName, "feeds.opml");
        var urls = Path.Combine(home.FullName, "urls");
        await File.WriteAllBytesAsync(opml, await client.GetByteArrayAsync("/feeds.opml", cancel), cancel);
        await File.WriteAllTextAsync(urls, "", cancel);
        string[] common = ["-u", urls, "-c", Path.Combine(home.FullName, "cache.db"), "-C", "/dev/null"];

        var import = await RunAsync(newsboat, home.FullName, [.. common, "-i", opml]);
        var imported = await File.ReadAllLinesAsync(urls, cancel);
        var reload = await RunAsync(newsboat, home.FullName, [.. common, "-x", "reload", "print-unread"]);

        Assert.Contains("Import of", import, StringComparison.Ordinal);
        var feeds = new[] { "all", "news", "logistics", "express", "industry", "markets" }.Select(feed => $"{app.Address.AbsoluteUri}feeds/{feed}.rss").ToList();
        Assert.Equal(feeds.Order(), imported.Select(line => line.Split(' ')[0]).Order());
        // Sections became newsboat tags (folders).
        Assert.Contains($"{app.Address.AbsoluteUri}feeds/logistics.rss \"資訊中心\"", imported);
        // newsboat keeps one copy of an article seen in several feeds: three distinct articles.
        Assert.Equal("3 unread articles", reload.Trim());
    }

    private static async Task<string> RunAsync(string executable, string home, string[] arguments) =>
        (await ExternalProgram.RunAsync(executable, arguments, home)).Output;
}
