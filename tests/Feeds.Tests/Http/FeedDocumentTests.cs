using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Feeds.Import;
using static Feeds.Tests.Support.FeedXml;

namespace Feeds.Tests.Http;

/// <summary>The XML of the RSS and Atom feeds, served by the real server, read with a strict parser.</summary>
public sealed partial class FeedDocumentTests : FeedsTest
{
    [Theory, MemberData(nameof(Providers))]
    public async Task Rss_HasTheChannelAndItemElementsReadersNeed(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var article = Articles.Sample("a-1") with
        {
            ImageUrl = "https://news.example.com/images/a-1.jpg",
            Tags = ["供應鏈", "碳排放"],
            UpdatedAt = TestClock.Start.UtcDateTime.AddMinutes(-30),
        };
        await Articles.WriteAsync(db.Database, article);
        await using var app = new FeedsApp(db);

        var response = await app.CreateRawClient().GetAsync("/feeds/logistics.rss", Cancel);
        var xml = Parse(await response.Content.ReadAsByteArrayAsync(Cancel));

        Assert.Equal("application/rss+xml; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal("rss", xml.Root!.Name.LocalName);
        Assert.Equal("2.0", xml.Root.Attribute("version")!.Value);
        var channel = xml.Root.Element("channel")!;
        Assert.Equal("Feeds 示範新聞網 - 綜合物流", channel.Element("title")!.Value);
        Assert.Equal(FeedsApp.SiteUrl, channel.Element("link")!.Value);
        Assert.False(string.IsNullOrWhiteSpace(channel.Element("description")!.Value));
        Assert.Equal("zh-Hant", channel.Element("language")!.Value);
        Assert.Equal("10", channel.Element("ttl")!.Value);
        var self = channel.Element(Atom + "link")!;
        Assert.Equal("self", self.Attribute("rel")!.Value);
        Assert.Equal("application/rss+xml", self.Attribute("type")!.Value);
        Assert.Equal($"{FeedsApp.PublicBaseUrl}feeds/logistics.rss", self.Attribute("href")!.Value);
        // The a10 prefix the formatter uses by default draws a W3C validator warning.
        Assert.DoesNotContain("a10", Text(await response.Content.ReadAsByteArrayAsync(Cancel)), StringComparison.Ordinal);

        var item = Assert.Single(RssItems(xml));
        Assert.Equal("測試文章 a-1", item.Element("title")!.Value);
        Assert.Equal("https://news.example.com/articles/a-1.html", item.Element("link")!.Value);
        var guid = item.Element("guid")!;
        Assert.Equal("false", guid.Attribute("isPermaLink")!.Value);
        Assert.Equal("tag:news.example.com,2026:article:a-1", guid.Value);
        // One author line naming both: most readers keep only one dc:creator.
        Assert.Equal(["林雅婷、示範物流協會"], item.Elements(Dc + "creator").Select(e => e.Value));
        Assert.Empty(item.Elements("author"));
        Assert.Equal(["綜合物流", "供應鏈", "碳排放"], item.Elements("category").Select(e => e.Value));
        Assert.Equal("摘要 a-1", item.Element("description")!.Value);
        Assert.Equal("<p>內文 a-1</p>", item.Element(ContentModule + "encoded")!.Value);
        var image = item.Element(Media + "content")!;
        Assert.Equal("https://news.example.com/images/a-1.jpg", image.Attribute("url")!.Value);
        Assert.Equal("image/jpeg", image.Attribute("type")!.Value);
        // The lead image also as the enclosure most readers show: its size unknown, so 0 (RSS Best Practices).
        var enclosure = Assert.Single(item.Elements("enclosure"));
        Assert.Equal("https://news.example.com/images/a-1.jpg", enclosure.Attribute("url")!.Value);
        Assert.Equal("image/jpeg", enclosure.Attribute("type")!.Value);
        Assert.Equal("0", enclosure.Attribute("length")!.Value);
        Assert.Equal("Sat, 28 Nov 2026 11:00:00 +0800", item.Element("pubDate")!.Value);
        // The correction's time, which RSS itself cannot say, and the publish time beside it (issue 32, fifth item:
        // without it SimplePie took the correction for the publish date).
        AssertUpdatedIn("2026-11-28T11:30:00+08:00", item.Element(Atom + "updated")?.Value);
        Assert.Equal("2026-11-28T11:00:00+08:00", item.Element(Atom + "published")?.Value);
        // lastBuildDate is the newest change among the items: here the edit, not the clock.
        Assert.Equal("Sat, 28 Nov 2026 11:30:00 +0800", channel.Element("lastBuildDate")!.Value);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Atom_HasIdsDatesAuthorsAndHtmlContent(string provider)
    {
        await using var site = await TestSite.StartAsync(provider, Articles.Sample("a-1") with
        {
            UpdatedAt = TestClock.Start.UtcDateTime.AddMinutes(-30),
            ImageUrl = "https://news.example.com/images/a-1.png",
        });
        var (db, app, _) = site;

        var response = await app.CreateRawClient().GetAsync("/feeds/logistics.atom", Cancel);
        var xml = Parse(await response.Content.ReadAsByteArrayAsync(Cancel));

        Assert.Equal("application/atom+xml; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var feed = xml.Root!;
        Assert.Equal(Atom + "feed", feed.Name);
        Assert.Equal("zh-Hant", feed.Attribute(XNamespace.Xml + "lang")!.Value);
        Assert.Equal("tag:news.example.com,2026:feed:logistics", feed.Element(Atom + "id")!.Value);
        AssertUpdatedIn("2026-11-28T03:30:00Z", feed.Element(Atom + "updated")?.Value);
        Assert.Equal("Feeds 示範新聞網", feed.Element(Atom + "author")!.Element(Atom + "name")!.Value);
        var links = feed.Elements(Atom + "link").ToDictionary(l => l.Attribute("rel")!.Value, l => l.Attribute("href")!.Value);
        Assert.Equal($"{FeedsApp.PublicBaseUrl}feeds/logistics.atom", links["self"]);
        Assert.Equal(FeedsApp.SiteUrl, links["alternate"]);

        var entry = Assert.Single(AtomEntries(xml));
        Assert.Equal("tag:news.example.com,2026:article:a-1", entry.Element(Atom + "id")!.Value);
        Assert.Equal("測試文章 a-1", entry.Element(Atom + "title")!.Value);
        // Atom in UTC (issue 32, fourth item): readers that ignore an offset show it right.
        Assert.Equal("2026-11-28T03:00:00Z", entry.Element(Atom + "published")!.Value);
        AssertUpdatedIn("2026-11-28T03:30:00Z", entry.Element(Atom + "updated")?.Value);
        // The feed was updated when its newest entry was, to the fraction.
        Assert.Equal(feed.Element(Atom + "updated")!.Value, entry.Element(Atom + "updated")!.Value);
        Assert.Equal(["林雅婷、示範物流協會"], entry.Elements(Atom + "author").Select(a => a.Element(Atom + "name")!.Value));
        Assert.Equal("https://news.example.com/articles/a-1.html",
            entry.Elements(Atom + "link").Single(l => l.Attribute("rel")!.Value == "alternate").Attribute("href")!.Value);
        var enclosure = entry.Elements(Atom + "link").Single(l => l.Attribute("rel")!.Value == "enclosure");
        Assert.Equal("https://news.example.com/images/a-1.png", enclosure.Attribute("href")!.Value);
        Assert.Equal("image/png", enclosure.Attribute("type")!.Value);
        Assert.Null(enclosure.Attribute("length"));
        var content = entry.Element(Atom + "content")!;
        Assert.Equal("html", content.Attribute("type")!.Value);
        Assert.Equal("<p>內文 a-1</p>", content.Value);
        Assert.Equal("摘要 a-1", entry.Element(Atom + "summary")!.Value);
        Assert.Equal(["綜合物流", "供應鏈"], entry.Elements(Atom + "category").Select(c => c.Attribute("term")!.Value));
    }

    [Fact]
    public async Task AnImageOfUnknownType_IsNoRssEnclosure_AndAnUneditedItemHasNoUpdateDate()
    {
        await using var site = await TestSite.StartAsync("sqlite", Articles.Sample("a-1") with { ImageUrl = "https://cdn.example.com/image?id=42" });
        var (db, app, client) = site;

        var item = Assert.Single(RssItems(Parse(await client.GetByteArrayAsync("/feeds/logistics.rss", Cancel))));
        var entry = Assert.Single(AtomEntries(Parse(await client.GetByteArrayAsync("/feeds/logistics.atom", Cancel))));

        // RSS requires an enclosure's type, and Feeds does not guess one; Media RSS and Atom need none.
        Assert.Empty(item.Elements("enclosure"));
        Assert.Equal("https://cdn.example.com/image?id=42", item.Element(Media + "content")!.Attribute("url")!.Value);
        var enclosure = entry.Elements(Atom + "link").Single(l => l.Attribute("rel")!.Value == "enclosure");
        Assert.Equal("https://cdn.example.com/image?id=42", enclosure.Attribute("href")!.Value);
        Assert.Null(enclosure.Attribute("type"));
        Assert.Empty(item.Elements(Atom + "updated"));
    }

    public static TheoryData<string, string> HardSummaries => new()
    {
        { "摘要 &lt;script&gt;alert(1)&lt;/script&gt; 結束", "摘要 <script>alert(1)</script> 結束" },
        { "a < b && c > d", "a < b && c > d" },
        { "&lt;tag&gt; 是文字", "<tag> 是文字" },
        { "若 x<y 則 y>x，否則 a<b", "若 x<y 則 y>x，否則 a<b" },
        { "港口吞吐量\u3000「農產品」", "港口吞吐量\u3000「農產品」" },
        { "<b>粗體</b>與<i>斜體</i>", "粗體與斜體" },
        { "AT&T 與 R&D", "AT&T 與 R&D" },
        { "寫作 &amp;amp; 的方式", "寫作 &amp; 的方式" },
    };

    [Theory, MemberData(nameof(HardSummaries))]
    public async Task RssDescription_ReadAsHtml_ShowsExactlyTheSummarysText_AndNoElement(string cmsSummary, string shown)
    {
        await using var site = await TestSite.StartAsync("sqlite", Articles.Sample("a-1", title: "比較 x<y 與 p<q　結果") with { Summary = cmsSummary });
        var (db, app, client) = site;

        var item = Assert.Single(RssItems(Parse(await client.GetByteArrayAsync("/feeds/logistics.rss", Cancel))));
        var atom = Assert.Single(AtomEntries(Parse(await client.GetByteArrayAsync("/feeds/logistics.atom", Cancel))));
        // As a reader does (RSS Best Practices Profile): description is HTML.
        var parser = new AngleSharp.Html.Parser.HtmlParser();
        using var page = parser.ParseDocument(string.Empty);
        var description = parser.ParseFragment(item.Element("description")!.Value, page.Body!);

        Assert.Equal(shown, string.Concat(description.Select(node => node.TextContent)));
        Assert.All(description, node => Assert.Equal(AngleSharp.Dom.NodeType.Text, node.NodeType));
        Assert.Equal("比較 x<y 與 p<q　結果", item.Element("title")!.Value);
        // Atom: type="text", or where the text reads as markup (an end tag, a reference), HTML that shows it exactly.
        var summary = atom.Element(Atom + "summary")!;
        var atomText = summary.Attribute("type")!.Value == "html"
            ? string.Concat(parser.ParseFragment(summary.Value, page.Body!).Select(node => node.TextContent))
            : summary.Value;
        Assert.Equal(shown, atomText);
        var readsAsMarkup = shown.Contains("</", StringComparison.Ordinal) || shown.Contains("&amp;", StringComparison.Ordinal);
        Assert.Equal(readsAsMarkup ? "html" : "text", summary.Attribute("type")!.Value);
    }

    [Fact]
    public async Task AnItemWithoutSummary_IsDescribedByTheStartOfItsBody_BeforeItsContent()
    {
        await using var site = await TestSite.StartAsync("sqlite", Articles.Sample("a-1") with { Summary = null, ContentHtml = "<p>港口夜間作業試行三個月。</p><p>貨櫃滯留時間縮短。</p>" });
        var (db, app, client) = site;

        var item = Assert.Single(RssItems(Parse(await client.GetByteArrayAsync("/feeds/logistics.rss", Cancel))));

        Assert.Equal("港口夜間作業試行三個月。 貨櫃滯留時間縮短。", item.Element("description")!.Value);
        var names = item.Elements().Select(element => element.Name).ToList();
        Assert.True(names.IndexOf("description") < names.IndexOf(ContentModule + "encoded"), "description precedes content:encoded");
    }

    /// <summary>
    /// Issue 32, seventh item: an address written into a byline drew ContainsEmail in every Atom document; Atom has
    /// an email element for it. RSS's dc:creator keeps the byline as written.
    /// </summary>
    [Fact]
    public async Task AnAddressInTheByline_IsTheAtomAuthorsEmail_AndRssKeepsTheBylineAsWritten()
    {
        await using var site = await TestSite.StartAsync("sqlite",
            Articles.Sample("a-1") with { Author = "Tom <tom@example.com>", Source = "Reuters" },
            Articles.Sample("a-2", publishedAt: TestClock.Start.UtcDateTime.AddHours(-2)) with { Author = "Ann <ann@example.com>", Source = "Bob <bob@example.com>" });
        var (_, _, client) = site;

        var entries = AtomEntries(Parse(await client.GetByteArrayAsync("/feeds/logistics.atom", Cancel))).ToDictionary(e => e.Element(Atom + "id")!.Value.Split(':').Last());
        var items = RssItems(Parse(await client.GetByteArrayAsync("/feeds/logistics.rss", Cancel))).ToDictionary(i => i.Element("guid")!.Value.Split(':').Last());

        var tom = Assert.Single(entries["a-1"].Elements(Atom + "author"));
        Assert.Equal("Tom, Reuters", tom.Element(Atom + "name")!.Value);
        Assert.Equal("tom@example.com", tom.Element(Atom + "email")!.Value);
        Assert.Equal("Tom <tom@example.com>, Reuters", items["a-1"].Element(Dc + "creator")!.Value);
        // Two addresses: one email element cannot hold both, so the byline stays whole in the name.
        var both = Assert.Single(entries["a-2"].Elements(Atom + "author"));
        Assert.Equal("Ann <ann@example.com>, Bob <bob@example.com>", both.Element(Atom + "name")!.Value);
        Assert.Null(both.Element(Atom + "email"));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task SpecialCharacters_AreEscapedExactlyOnce(string provider)
    {
        const string title = "運價 & 油價 <漲跌> \"兩難\"";
        await using var site = await TestSite.StartAsync(provider, Articles.Sample("a-1", title: title) with
        {
            Summary = "AT&T <b>粗體</b>",
            Author = "O'Brien & 陳",
            Url = "https://news.example.com/article?id=1&lang=zh-Hant",
        });
        var (db, app, client) = site;

        var rss = await client.GetByteArrayAsync("/feeds/logistics.rss", Cancel);
        var atom = await client.GetByteArrayAsync("/feeds/logistics.atom", Cancel);

        var rssItem = Assert.Single(RssItems(Parse(rss)));
        Assert.Equal(title, rssItem.Element("title")!.Value);
        // RSS Best Practices Profile: "<" and "&" in text elements as hexadecimal references (the validator's CharacterData).
        Assert.Contains("<title>運價 &#x26; 油價 &#x3C;漲跌&gt; \"兩難\"</title>", Text(rss), StringComparison.Ordinal);
        // Issue 32, sixth item: an address is written with &amp;, which every parser decodes (rowan's took "&#x26;" literally).
        Assert.Contains("<link>https://news.example.com/article?id=1&amp;lang=zh-Hant</link>", Text(rss), StringComparison.Ordinal);
        Assert.Equal("https://news.example.com/article?id=1&lang=zh-Hant", rssItem.Element("link")!.Value);
        Assert.Equal(["O'Brien & 陳, 示範物流協會"], rssItem.Elements(Dc + "creator").Select(e => e.Value));
        // Markup in a summary is CMS dirt: only its text is published; description is HTML that shows that text.
        Assert.Equal("AT&amp;T 粗體", rssItem.Element("description")!.Value);
        Assert.Contains("<description>AT&amp;amp;T 粗體</description>", Text(rss), StringComparison.Ordinal);
        var atomEntry = Assert.Single(AtomEntries(Parse(atom)));
        Assert.Equal(title, atomEntry.Element(Atom + "title")!.Value);
        Assert.Equal("AT&T 粗體", atomEntry.Element(Atom + "summary")!.Value);
        // Everything but the description (HTML inside XML, so escaped twice by design) is escaped exactly once.
        Assert.DoesNotContain("&amp;amp;", Text(rss).Replace("<description>AT&amp;amp;T", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("&amp;amp;", Text(atom), StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Dates_CarryTheSiteOffset_ForNaiveAndOffsetInputs(string provider)
    {
        var parser = new ImportLineParser(SiteTime.Create("Asia/Shanghai"));
        var naive = ParseLine(parser, "naive", "2026-03-31 10:05:39");
        var utc = ParseLine(parser, "utc", "2026-03-31T01:00:00Z");
        var newYork = ParseLine(parser, "new-york", "2026-03-30T20:30:00-04:00");
        await using var site = await TestSite.StartAsync(provider, naive, utc, newYork);
        var (db, app, client) = site;

        var rss = RssItems(Parse(await client.GetByteArrayAsync("/feeds/logistics.rss", Cancel)))
            .ToDictionary(i => i.Element("guid")!.Value.Split(':').Last(), i => i.Element("pubDate")!.Value);
        var atom = AtomEntries(Parse(await client.GetByteArrayAsync("/feeds/logistics.atom", Cancel)))
            .ToDictionary(e => e.Element(Atom + "id")!.Value.Split(':').Last(), e => e.Element(Atom + "published")!.Value);

        Assert.Equal("Tue, 31 Mar 2026 10:05:39 +0800", rss["naive"]);
        Assert.Equal("Tue, 31 Mar 2026 09:00:00 +0800", rss["utc"]);
        Assert.Equal("Tue, 31 Mar 2026 08:30:00 +0800", rss["new-york"]);
        // Atom says the same instants in UTC.
        Assert.Equal("2026-03-31T02:05:39Z", atom["naive"]);
        Assert.Equal("2026-03-31T01:00:00Z", atom["utc"]);
        Assert.Equal("2026-03-31T00:30:00Z", atom["new-york"]);
        Assert.All(rss.Values, date => Assert.Matches(Rfc822(), date));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ArticleIds_AreTheSameInEveryFeedFormatAndRun_AndSurviveEdits(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1"), Articles.Sample("b-1", category: "express"));
        const string expected = "tag:news.example.com,2026:article:a-1";

        await using (var app = new FeedsApp(db))
        {
            var client = app.CreateRawClient();
            foreach (var path in new[] { "/feeds/logistics.rss", "/feeds/news.rss", "/feeds/all.rss" })
            {
                Assert.Contains(expected, RssItems(Parse(await client.GetByteArrayAsync(path, Cancel))).Select(i => i.Element("guid")!.Value));
            }
            foreach (var path in new[] { "/feeds/logistics.atom", "/feeds/news.atom", "/feeds/all.atom" })
            {
                Assert.Contains(expected, AtomEntries(Parse(await client.GetByteArrayAsync(path, Cancel))).Select(e => e.Element(Atom + "id")!.Value));
            }
        }

        // Another run, after the article got a new title, category and URL: its id stays.
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1", category: "express", title: "新標題") with { Url = "https://news.example.com/moved/a-1.html" });
        await using (var again = new FeedsApp(db))
        {
            var item = RssItems(Parse(await again.CreateRawClient().GetByteArrayAsync("/feeds/express.rss", Cancel)))
                .Single(i => i.Element("title")!.Value == "新標題");
            Assert.Equal(expected, item.Element("guid")!.Value);
        }
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Links_AreAbsolute_AndSelfLinksIgnoreAForgedHost(string provider)
    {
        await using var site = await TestSite.StartAsync(provider, Articles.Sample("a-1") with
        {
            Url = "/articles/relative.html",
            ImageUrl = "../images/lead.png",
            ContentHtml = "<p><a href=\"/news/policy/\">政策</a> <img src=\"chart.png\" srcset=\"chart-2x.png 2x\"> <a href=\"//cdn.example.com/x\">x</a></p>",
        });
        var (db, app, _) = site;
        var request = new HttpRequestMessage(HttpMethod.Get, "/feeds/logistics.atom?limit=5");
        request.Headers.Host = "evil.example";
        request.Headers.Add("X-Forwarded-Host", "evil.example");

        var response = await app.CreateRawClient().SendAsync(request, Cancel);
        var xml = Parse(await response.Content.ReadAsByteArrayAsync(Cancel));

        Assert.Equal($"{FeedsApp.PublicBaseUrl}feeds/logistics.atom?limit=5",
            xml.Root!.Elements(Atom + "link").Single(l => l.Attribute("rel")!.Value == "self").Attribute("href")!.Value);
        var entry = Assert.Single(AtomEntries(xml));
        Assert.Equal("https://news.example.com/articles/relative.html", entry.Element(Atom + "link")!.Attribute("href")!.Value);
        Assert.Equal("https://news.example.com/images/lead.png", entry.Element(Media + "content")!.Attribute("url")!.Value);
        var html = entry.Element(Atom + "content")!.Value;
        Assert.Contains("href=\"https://news.example.com/news/policy/\"", html, StringComparison.Ordinal);
        Assert.Contains("src=\"https://news.example.com/articles/chart.png\"", html, StringComparison.Ordinal);
        // srcset is outside the sanitiser's allow-list: dropped, so no relative candidate URL remains.
        Assert.DoesNotContain("srcset", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://cdn.example.com/x\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("evil.example", Text(await response.Content.ReadAsByteArrayAsync(Cancel)), StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task DraftsAndFutureArticles_StayOut_UntilTheirTimeComes(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var now = TestClock.Start.UtcDateTime;
        await Articles.WriteAsync(db.Database,
            Articles.Sample("published"),
            Articles.Sample("draft") with { IsPublished = false },
            Articles.Sample("scheduled", publishedAt: now.AddHours(2)));
        await using var app = new FeedsApp(db);
        var client = app.CreateRawClient();

        foreach (var path in new[] { "/feeds/logistics.rss", "/feeds/news.rss", "/feeds/all.rss" })
        {
            Assert.Equal(["published"], Ids(Parse(await client.GetByteArrayAsync(path, Cancel))));
        }

        app.Clock.Advance(TimeSpan.FromHours(2));
        await app.RefreshAsync();
        Assert.Equal(["scheduled", "published"], Ids(Parse(await client.GetByteArrayAsync("/feeds/logistics.rss", Cancel))));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task SectionFeed_HoldsItsCategories_NewestFirst_AndCategoryFeedsOnlyTheirOwn(string provider)
    {
        var now = TestClock.Start.UtcDateTime;
        await using var site = await TestSite.StartAsync(provider, 
            Articles.Sample("logistics-old", publishedAt: now.AddHours(-5)),
            Articles.Sample("express-new", category: "express", publishedAt: now.AddHours(-1)),
            Articles.Sample("logistics-new", publishedAt: now.AddHours(-2)),
            Articles.Sample("markets-1", category: "markets", section: "industry", publishedAt: now.AddHours(-3)));
        var (db, app, client) = site;

        Assert.Equal(["express-new", "logistics-new", "logistics-old"], Ids(Parse(await client.GetByteArrayAsync("/feeds/news.rss", Cancel))));
        Assert.Equal(["logistics-new", "logistics-old"], Ids(Parse(await client.GetByteArrayAsync("/feeds/logistics.rss", Cancel))));
        Assert.Equal(["markets-1"], Ids(Parse(await client.GetByteArrayAsync("/feeds/industry.rss", Cancel))));
        Assert.Equal(["express-new", "logistics-new", "markets-1", "logistics-old"], Ids(Parse(await client.GetByteArrayAsync("/feeds/all.rss", Cancel))));
        Assert.Equal(["express-new", "logistics-new"], Ids(Parse(await client.GetByteArrayAsync("/feeds/all.rss?limit=2", Cancel))));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task KnownCategoryWithoutArticles_GivesAValidEmptyFeed(string provider)
    {
        await using var site = await TestSite.StartAsync(provider, Articles.Sample("draft") with { IsPublished = false });
        var (db, app, client) = site;

        var rss = await client.GetAsync("/feeds/logistics.rss", Cancel);
        var atom = await client.GetAsync("/feeds/logistics.atom", Cancel);

        Assert.Equal(System.Net.HttpStatusCode.OK, rss.StatusCode);
        var rssXml = Parse(await rss.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Empty(RssItems(rssXml));
        Assert.Matches(Rfc822(), rssXml.Root!.Element("channel")!.Element("lastBuildDate")!.Value);
        var atomXml = Parse(await atom.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Empty(AtomEntries(atomXml));
        Assert.EndsWith("Z", atomXml.Root!.Element(Atom + "updated")!.Value, StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task InvalidXmlCharacters_AreDropped_AndAstralCharactersKept_InEveryField(string provider)
    {
        // SQLite keeps text as UTF-8, which cannot hold a lone surrogate (it stores U+FFFD instead), so
        // only SQL Server's UTF-16 columns can hand one to the feed; XmlTextTests cover it below the store.
        var dirt = provider == "sqlserver" ? "\u0008\u000B\uFFFE\uD800" : "\u0008\u000B\uFFFE";
        const string extB = "𠀀";
        await using var site = await TestSite.StartAsync(provider, Articles.Sample("a-1") with
        {
            CategoryName = $"物流{dirt}{extB}",
            Title = $"標題{dirt}{extB}",
            Summary = $"摘要{dirt}{extB}",
            ContentHtml = $"<p>內文{dirt}{extB}</p>",
            Author = $"黃{dirt}{extB}",
            Source = $"協會{dirt}{extB}",
            Tags = [$"標籤{dirt}{extB}"],
        });
        var (db, app, client) = site;

        var rss = RssItems(Parse(await client.GetByteArrayAsync("/feeds/logistics.rss", Cancel))).Single();
        var atomXml = Parse(await client.GetByteArrayAsync("/feeds/logistics.atom", Cancel));
        var atom = AtomEntries(atomXml).Single();

        Assert.Equal($"標題{extB}", rss.Element("title")!.Value);
        Assert.Equal($"摘要{extB}", rss.Element("description")!.Value);
        Assert.Equal($"<p>內文{extB}</p>", rss.Element(ContentModule + "encoded")!.Value);
        Assert.Equal([$"黃{extB}、協會{extB}"], rss.Elements(Dc + "creator").Select(e => e.Value));
        Assert.Equal([$"物流{extB}", $"標籤{extB}"], rss.Elements("category").Select(e => e.Value));
        Assert.Equal($"標題{extB}", atom.Element(Atom + "title")!.Value);
        Assert.Equal($"摘要{extB}", atom.Element(Atom + "summary")!.Value);
        Assert.Equal($"<p>內文{extB}</p>", atom.Element(Atom + "content")!.Value);
        Assert.Equal([$"黃{extB}、協會{extB}"], atom.Elements(Atom + "author").Select(a => a.Element(Atom + "name")!.Value));
        Assert.Equal([$"物流{extB}", $"標籤{extB}"], atom.Elements(Atom + "category").Select(c => c.Attribute("term")!.Value));
        Assert.EndsWith($"物流{extB}", atomXml.Root!.Element(Atom + "title")!.Value, StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task AFeedOverOneMegabyte_IsServedWhole_ByTheRealServer(string provider)
    {
        var paragraph = string.Concat(Enumerable.Repeat("<p>長篇報導的段落，內容包含倉儲、配送與港口的最新數據。</p>", 120));
        var now = TestClock.Start.UtcDateTime;
        await using var site = await TestSite.StartAsync(provider, Enumerable.Range(0, 100)
            .Select(i => Articles.Sample($"long-{i:D3}", publishedAt: now.AddMinutes(-i)) with { ContentHtml = paragraph })
            .ToArray());
        var (db, app, _) = site;

        foreach (var format in new[] { "rss", "atom" })
        {
            var response = await app.CreateRawClient().GetAsync($"/feeds/logistics.{format}?limit=100", Cancel);
            var body = await response.Content.ReadAsByteArrayAsync(Cancel);

            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.True(body.Length > 1024 * 1024, $"{format} is {body.Length} bytes");
            Assert.Equal(body.Length, response.Content.Headers.ContentLength);
            var xml = Parse(body);
            Assert.Equal(100, format == "rss" ? RssItems(xml).Count : AtomEntries(xml).Count);
        }
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task UnchangedData_GivesByteIdenticalOutput_WhateverTheClockSays(string provider)
    {
        await using var site = await TestSite.StartAsync(provider, Articles.Sample("a-1"), Articles.Sample("a-2"));
        var (db, app, client) = site;

        var first = await client.GetByteArrayAsync("/feeds/all.atom", Cancel);
        app.Clock.Advance(TimeSpan.FromMinutes(90));
        await app.RefreshAsync();
        var second = await client.GetByteArrayAsync("/feeds/all.atom", Cancel);

        Assert.Equal(first, second);
    }

    private static List<string> Ids(XDocument rss) =>
        RssItems(rss).Select(item => item.Element("guid")!.Value.Split(':').Last()).ToList();

    private static Feeds.Data.ArticleInput ParseLine(ImportLineParser parser, string id, string publishedAt)
    {
        var json = $$"""{"id":"{{id}}","category":"logistics","categoryName":"綜合物流","title":"{{id}}","url":"https://news.example.com/{{id}}","publishedAt":"{{publishedAt}}"}""";
        var result = parser.Parse(System.Text.Encoding.UTF8.GetBytes(json));
        return result.Article ?? throw new InvalidOperationException(result.Error);
    }

    // RFC 822 section 5 as RSS 2.0 uses it, with a four-digit year and a numeric offset.
    [GeneratedRegex(@"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d [+-]\d{4}$")]
    private static partial Regex Rfc822();
}
