namespace Feeds.Tests.Http;

/// <summary>/feeds/tags/{tag}.rss|.atom|.json: tags with CJK characters and spaces, addressed by readable slugs.</summary>
public sealed class TagFeedTests : FeedsTest
{
    [Theory]
    [InlineData("供應鏈", "供應鏈")]
    [InlineData("綜合 物流", "綜合-物流")]
    [InlineData("  Supply   Chain!! ", "supply-chain")]
    [InlineData("ＡＩ／機器學習", "ai-機器學習")]
    [InlineData("𠀀字 姓氏", "𠀀字-姓氏")]
    [InlineData("C++", "c")]
    [InlineData("!!!", "")]
    public void TagSlug_IsTheNameLowerCased_WithHyphensForEverythingElse(string name, string slug) =>
        Assert.Equal(slug, TagSlug.From(name));

    [Fact]
    public void TagSlugs_AreUnique_AndTheOldestTagKeepsThePlainOne()
    {
        var slugs = TagSlug.Assign(new (long, string)[] { (7, "ai"), (3, "AI"), (5, "!!!"), (9, "Ai ") }.Select(tag => (tag.Item1, TagSlug.From(tag.Item2))));

        Assert.Equal("ai", slugs[3]);
        Assert.Equal("ai-7", slugs[7]);
        Assert.Equal("ai-9", slugs[9]);
        Assert.Equal("tag-5", slugs[5]);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ATagFeed_ListsTheTagsArticles_InEveryFormat_UnderItsPercentEncodedSlug(string provider)
    {
        var now = TestClock.Start.UtcDateTime;
        await using var site = await TestSite.StartAsync(provider, 
            Articles.Sample("a-1", publishedAt: now.AddHours(-3)) with { Tags = ["綜合 物流", "港口"] },
            Articles.Sample("a-2", category: "markets", section: "industry", publishedAt: now.AddHours(-2)) with { Tags = ["綜合 物流"] },
            Articles.Sample("a-3", publishedAt: now.AddHours(-1)) with { Tags = ["港口"] },
            Articles.Sample("draft") with { Tags = ["綜合 物流"], IsPublished = false });
        var (db, app, client) = site;

        // HttpClient percent-encodes the CJK path as a browser does.
        var rss = await client.GetAsync("/feeds/tags/綜合-物流.rss", Cancel);
        var atom = FeedXml.Parse(await client.GetByteArrayAsync("/feeds/tags/%E7%B6%9C%E5%90%88-%E7%89%A9%E6%B5%81.atom", Cancel));
        using var json = JsonDocument.Parse(await client.GetByteArrayAsync("/feeds/tags/綜合-物流.json", Cancel));
        var logistics = FeedXml.AtomEntries(FeedXml.Parse(await client.GetByteArrayAsync("/feeds/all.atom", Cancel)));

        Assert.Equal(HttpStatusCode.OK, rss.StatusCode);
        FeedRules.AssertValid(atom, $"{FeedsApp.PublicBaseUrl}feeds/tags/%E7%B6%9C%E5%90%88-%E7%89%A9%E6%B5%81.atom");
        var channel = FeedXml.Parse(await rss.Content.ReadAsByteArrayAsync(Cancel)).Root!.Element("channel")!;
        Assert.Equal("Feeds 示範新聞網 - #綜合 物流", channel.Element("title")!.Value);
        FeedRules.AssertValid(channel.Document!, $"{FeedsApp.PublicBaseUrl}feeds/tags/%E7%B6%9C%E5%90%88-%E7%89%A9%E6%B5%81.rss");
        Assert.Equal($"{FeedsApp.PublicBaseUrl}feeds/tags/%E7%B6%9C%E5%90%88-%E7%89%A9%E6%B5%81.rss",
            channel.Elements(FeedXml.Atom + "link").Single(link => (string?)link.Attribute("rel") == "self").Attribute("href")!.Value);
        Assert.Equal(["a-2", "a-1"], FeedXml.RssItems(channel.Document!).Select(item => item.Element("link")!.Value.Split('/')[^1].Replace(".html", "", StringComparison.Ordinal)));
        var entries = FeedXml.AtomEntries(atom);
        Assert.Equal(2, entries.Count);
        Assert.Equal("tag:news.example.com,2026:feed:tags%2F%E7%B6%9C%E5%90%88-%E7%89%A9%E6%B5%81", atom.Root!.Element(FeedXml.Atom + "id")!.Value);
        // An article's id is the same in its tag feed as everywhere else.
        Assert.All(entries, entry => Assert.Contains(logistics, other => other.Element(FeedXml.Atom + "id")!.Value == entry.Element(FeedXml.Atom + "id")!.Value));
        Assert.Equal(2, json.RootElement.GetProperty("items").GetArrayLength());
        Assert.Equal($"{FeedsApp.PublicBaseUrl}feeds/tags/%E7%B6%9C%E5%90%88-%E7%89%A9%E6%B5%81.json", json.RootElement.GetProperty("feed_url").GetString());
    }

    /// <summary>Every entry names its category, so renaming a category changes the tag feeds of its articles (sql 0012).</summary>
    [Theory, MemberData(nameof(Providers))]
    public async Task RenamingACategory_ChangesTheTagFeedsOfItsArticles(string provider)
    {
        await using var site = await TestSite.StartAsync(provider, Articles.Sample("a-1") with { Tags = ["港口"] });
        var (db, app, client) = site;
        var before = await client.GetStringAsync("/feeds/tags/港口.rss", Cancel);

        await Articles.WriteAsync(db.Database, Articles.Sample("a-1") with { Tags = ["港口"], CategoryName = "物流綜覽" });
        await app.RefreshAsync();
        var after = await client.GetStringAsync("/feeds/tags/港口.rss", Cancel);

        Assert.Contains("<category>綜合物流</category>", before, StringComparison.Ordinal);
        Assert.Contains("<category>物流綜覽</category>", after, StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task AnUnknownTag_Is404ProblemJson_AndATagFeedAnswersConditionalRequests(string provider)
    {
        await using var site = await TestSite.StartAsync(provider, Articles.Sample("a-1"));
        var (db, app, client) = site;

        var unknown = await client.GetAsync("/feeds/tags/沒有這個標籤.rss", Cancel);
        var first = await client.GetAsync("/feeds/tags/供應鏈.atom", Cancel);
        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/feeds/tags/供應鏈.atom");
        conditional.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        var second = await client.SendAsync(conditional, Cancel);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType!.MediaType);
        Assert.Contains("沒有這個標籤", await unknown.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }
}
