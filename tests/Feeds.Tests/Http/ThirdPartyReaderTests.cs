using CodeHollow.FeedReader;
using Feeds.Tests.Support;

namespace Feeds.Tests.Http;

/// <summary>A feed parser we did not write (CodeHollow.FeedReader) reads what the server sends.</summary>
public sealed class ThirdPartyReaderTests
{
    public static TheoryData<string> Providers => TestDatabase.Providers;

    [Theory, MemberData(nameof(Providers))]
    public async Task CodeHollowFeedReader_ReadsIdsTitlesAndDates_OfBothFormats(string provider)
    {
        var cancel = TestContext.Current.CancellationToken;
        var now = TestClock.Start.UtcDateTime;
        await using var db = await TestDatabase.CreateAsync(provider);
        await Articles.WriteAsync(db.Database,
            Articles.Sample("a-1", publishedAt: now.AddHours(-1), title: "港口夜間作業 & 試行"),
            Articles.Sample("a-2", publishedAt: now.AddHours(-2), title: "冷鏈 <溫控> 新規"));
        await using var app = new FeedsApp(db);
        var client = app.CreateRawClient();

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
}
