using System.Text.RegularExpressions;

namespace Feeds.Tests.Http;

/// <summary>JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): the same entries as the XML feeds.</summary>
public sealed partial class JsonFeedTests : FeedsTest
{
    [Theory, MemberData(nameof(Providers))]
    public async Task JsonFeed_FollowsVersion11_AndCarriesTheSameEntriesAsAtom(string provider)
    {
        const string extB = "𠀀";
        await using var site = await TestSite.StartAsync(provider, 
            Articles.Sample("a-1", title: $"運價 & 油價 <漲跌> \"兩難\" {extB}") with
            {
                ImageUrl = "/images/a-1.jpg",
                ContentHtml = "<p>內文<script>x()</script> <a href=\"/x\">連結</a>\u0008</p>",
                Tags = ["供應鏈", "碳排放"],
            },
            Articles.Sample("a-2", publishedAt: TestClock.Start.UtcDateTime.AddHours(-3)) with { ContentHtml = null, Summary = null });
        var (db, app, client) = site;

        var response = await client.GetAsync("/feeds/news.json", Cancel);
        using var json = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(Cancel));
        var atom = FeedXml.AtomEntries(FeedXml.Parse(await client.GetByteArrayAsync("/feeds/news.atom", Cancel)));

        Assert.Equal("application/feed+json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var feed = json.RootElement;
        Assert.Equal("https://jsonfeed.org/version/1.1", feed.GetProperty("version").GetString());
        Assert.Equal("Feeds 示範新聞網 - 資訊中心", feed.GetProperty("title").GetString());
        Assert.Equal(FeedsApp.SiteUrl, feed.GetProperty("home_page_url").GetString());
        Assert.Equal($"{FeedsApp.PublicBaseUrl}feeds/news.json", feed.GetProperty("feed_url").GetString());
        Assert.Equal("zh-Hant", feed.GetProperty("language").GetString());
        Assert.Equal("Feeds 示範新聞網", feed.GetProperty("authors")[0].GetProperty("name").GetString());

        var items = feed.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(atom.Select(e => e.Element(FeedXml.Atom + "id")!.Value), items.Select(i => i.GetProperty("id").GetString()));
        Assert.Equal(atom.Select(e => e.Element(FeedXml.Atom + "title")!.Value), items.Select(i => i.GetProperty("title").GetString()));
        // The same instants: Atom writes them in UTC, JSON Feed in the site's offset.
        static DateTimeOffset Instant(string? text) => DateTimeOffset.Parse(text!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(atom.Select(e => Instant(e.Element(FeedXml.Atom + "published")!.Value)), items.Select(i => Instant(i.GetProperty("date_published").GetString())));
        Assert.Equal(atom.Select(e => Instant(e.Element(FeedXml.Atom + "updated")!.Value)), items.Select(i => Instant(i.GetProperty("date_modified").GetString())));
        foreach (var item in items)
        {
            // 1.1: id is a string; content_html or content_text is present; dates are RFC 3339; URLs are absolute.
            Assert.False(string.IsNullOrEmpty(item.GetProperty("id").GetString()));
            Assert.True(item.TryGetProperty("content_html", out _) || item.TryGetProperty("content_text", out _));
            Assert.Matches(Rfc3339(), item.GetProperty("date_published").GetString());
            Assert.True(Uri.IsWellFormedUriString(item.GetProperty("url").GetString(), UriKind.Absolute));
            Assert.All(item.GetProperty("authors").EnumerateArray(), author => Assert.False(string.IsNullOrEmpty(author.GetProperty("name").GetString())));
        }
        var first = items[0];
        Assert.Equal($"運價 & 油價 <漲跌> \"兩難\" {extB}", first.GetProperty("title").GetString());
        Assert.Equal("<p>內文 <a href=\"https://news.example.com/x\">連結</a></p>", first.GetProperty("content_html").GetString());
        Assert.Equal("https://news.example.com/images/a-1.jpg", first.GetProperty("image").GetString());
        Assert.Equal(["綜合物流", "供應鏈", "碳排放"], first.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("2026-11-28T11:00:00+08:00", first.GetProperty("date_published").GetString());
        Assert.Equal("測試文章 a-2", items[1].GetProperty("content_text").GetString());
        Assert.False(items[1].TryGetProperty("content_html", out _));
    }

    [Fact]
    public async Task JsonFeed_AnswersConditionalRequests_AndIsCompressed_LikeTheXmlFeeds()
    {
        await using var site = await TestSite.StartAsync("sqlite", Articles.Sample("a-1"));
        var (db, app, client) = site;
        var first = await client.GetAsync("/feeds/all.json", Cancel);

        var conditional = new HttpRequestMessage(HttpMethod.Get, "/feeds/all.json");
        conditional.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        conditional.Headers.AcceptEncoding.ParseAdd("br");
        var notModified = await client.SendAsync(conditional, Cancel);
        var brotli = await BrotliOnly.GetAsync(client, "/feeds/all.json");

        Assert.Equal(System.Net.HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.NotEqual(first.Headers.ETag, (await client.GetAsync("/feeds/all.atom", Cancel)).Headers.ETag);
        Assert.Equal(await first.Content.ReadAsByteArrayAsync(Cancel), FeedXml.Decode(await brotli.Content.ReadAsByteArrayAsync(Cancel), "br"));
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)$")]
    private static partial Regex Rfc3339();
}
