using System.Net.Http.Headers;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Xsl;
using AngleSharp.Html.Parser;

namespace Feeds.Tests.Http;

/// <summary>The documents for people and subscription lists: index, feed pages, OPML, XSLT stylesheet.</summary>
public sealed class PageTests : FeedsTest
{
    private static async Task WriteSampleAsync(TestDatabase db) => await Articles.WriteAsync(db.Database,
        Articles.Sample("a-1", title: "運價 <b>漲</b> & \"跌\" <script>alert(1)</script>") with { Tags = ["綜合 物流"] },
        Articles.Sample("a-2", category: "express", publishedAt: TestClock.Start.UtcDateTime.AddHours(-2)),
        Articles.Sample("m-1", category: "markets", section: "industry", publishedAt: TestClock.Start.UtcDateTime.AddHours(-3)));

    [Theory, MemberData(nameof(Providers))]
    public async Task TheIndex_ListsEverySectionCategoryAndTag_WithThreeFeedsEach_AndAutodiscovery(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await WriteSampleAsync(db);
        await using var app = new FeedsApp(db);
        var client = app.CreateRawClient();

        var response = await client.GetAsync("/", Cancel);
        var html = await response.Content.ReadAsStringAsync(Cancel);
        var page = new HtmlParser().ParseDocument(html);

        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.StartsWith("default-src 'none'; style-src 'sha256-", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("zh-Hant", page.DocumentElement.GetAttribute("lang"));
        Assert.Equal("width=device-width, initial-scale=1", page.QuerySelector("meta[name=viewport]")!.GetAttribute("content"));
        var discovery = page.Head!.QuerySelectorAll("link[rel=alternate]").Select(link => (link.GetAttribute("type"), link.GetAttribute("href"))).ToList();
        Assert.Equal(
            [("application/rss+xml", $"{FeedsApp.PublicBaseUrl}feeds/all.rss"), ("application/atom+xml", $"{FeedsApp.PublicBaseUrl}feeds/all.atom"), ("application/feed+json", $"{FeedsApp.PublicBaseUrl}feeds/all.json")],
            discovery);
        var hrefs = page.QuerySelectorAll("a").Select(a => a.GetAttribute("href")!).ToHashSet();
        foreach (var feed in new[] { "all", "news", "logistics", "express", "industry", "markets" })
        {
            foreach (var extension in new[] { "rss", "atom", "json" })
            {
                Assert.Contains($"{FeedsApp.PublicBaseUrl}feeds/{feed}.{extension}", hrefs);
            }
            Assert.Contains($"{FeedsApp.PublicBaseUrl}feeds/{feed}", hrefs);
        }
        Assert.Contains($"{FeedsApp.PublicBaseUrl}feeds/tags/%E7%B6%9C%E5%90%88-%E7%89%A9%E6%B5%81", hrefs);
        Assert.Equal("Feeds 示範新聞網：訂閱源 · Subscribe", page.QuerySelector("h1")!.TextContent);
        Assert.Contains("資訊中心", page.Body!.TextContent, StringComparison.Ordinal);
        Assert.Contains("快遞動態", page.Body.TextContent, StringComparison.Ordinal);
        // No external assets: no script, no image, no style sheet but the inline one.
        Assert.Empty(page.QuerySelectorAll("script, img, iframe, link[rel=stylesheet]"));
        Assert.Single(page.QuerySelectorAll("style"));
        await AssertConditionalAsync(client, "/", response);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task AFeedPage_ShowsTheFeedAsText_WithItsAddresses_AndNoMarkupFromArticles(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await WriteSampleAsync(db);
        await using var app = new FeedsApp(db);
        var client = app.CreateRawClient();

        var response = await client.GetAsync("/feeds/news", Cancel);
        var html = await response.Content.ReadAsStringAsync(Cancel);
        var page = new HtmlParser().ParseDocument(html);
        var tagPage = await client.GetAsync("/feeds/tags/綜合-物流", Cancel);
        var unknown = await client.GetAsync("/feeds/nothing-here", Cancel);

        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.NotNull(response.Headers.ETag);
        Assert.Equal("Feeds 示範新聞網 - 資訊中心", page.QuerySelector("h1")!.TextContent);
        var items = page.QuerySelectorAll("ol.items > li").ToList();
        Assert.Equal(2, items.Count);
        Assert.StartsWith("運價 漲 & \"跌\"", items[0].QuerySelector("h3")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("https://news.example.com/articles/a-1.html", items[0].QuerySelector("h3 a")!.GetAttribute("href"));
        Assert.Equal("2026-11-28T11:00:00+08:00", items[0].QuerySelector("time")!.GetAttribute("datetime"));
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.Equal(
            [$"{FeedsApp.PublicBaseUrl}feeds/news.rss", $"{FeedsApp.PublicBaseUrl}feeds/news.atom", $"{FeedsApp.PublicBaseUrl}feeds/news.json"],
            page.Head!.QuerySelectorAll("link[rel=alternate]").Select(link => link.GetAttribute("href")));
        // Its archive (RFC 5005), month by month, through the XSLT view of the RSS archive.
        Assert.Contains($"{FeedsApp.PublicBaseUrl}feeds/news/archive/2026-11.rss", page.QuerySelectorAll("a").Select(a => a.GetAttribute("href")));
        Assert.Equal(HttpStatusCode.OK, tagPage.StatusCode);
        Assert.Contains("#綜合 物流", await tagPage.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType!.MediaType);
        await AssertConditionalAsync(client, "/feeds/news", response);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task TheOpmlList_IsOpml20_WithEverySectionAndCategoryFeed_EachOfWhichAnswers(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await WriteSampleAsync(db);
        await using var app = new FeedsApp(db);
        var client = app.CreateRawClient();

        var response = await client.GetAsync("/feeds.opml", Cancel);
        var opml = FeedXml.Parse(await response.Content.ReadAsByteArrayAsync(Cancel)).Root!;

        Assert.Equal("text/x-opml; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal("opml", opml.Name.LocalName);
        Assert.Equal("2.0", (string?)opml.Attribute("version"));
        Assert.False(string.IsNullOrEmpty(opml.Element("head")!.Element("title")!.Value));
        // The W3C validator's OPML rules: RFC 822 dates; every outline has text; type="rss" needs xmlUrl and
        // title; version is RSS, RSS1, RSS2 or scriptingNews; an outline with other attributes needs a type.
        Assert.Matches(@"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$",
            opml.Element("head")!.Element("dateModified")!.Value);
        // Only the head elements the validator knows (it calls OPML 2.0's <docs> undefined).
        string[] known = ["title", "dateCreated", "dateModified", "ownerName", "ownerEmail", "expansionState", "vertScrollState", "windowTop", "windowLeft", "windowBottom", "windowRight"];
        Assert.All(opml.Element("head")!.Elements(), element => Assert.Contains(element.Name.LocalName, known));
        Assert.All(opml.Descendants("outline"), outline =>
        {
            Assert.False(string.IsNullOrEmpty((string?)outline.Attribute("text")));
            Assert.True(outline.Attributes().Count() == 1 || outline.Attribute("type") is not null);
        });
        var subscriptions = opml.Element("body")!.Descendants("outline").Where(outline => outline.Attribute("xmlUrl") is not null).ToList();
        Assert.All(subscriptions, outline =>
        {
            Assert.Equal("rss", (string?)outline.Attribute("type"));
            Assert.False(string.IsNullOrEmpty((string?)outline.Attribute("title")));
            Assert.Equal("RSS2", (string?)outline.Attribute("version"));
            Assert.True(Uri.IsWellFormedUriString((string?)outline.Attribute("htmlUrl"), UriKind.Absolute));
        });
        var urls = subscriptions.Select(outline => (string)outline.Attribute("xmlUrl")!).ToList();
        Assert.Equal(
            new[] { "all", "news", "logistics", "express", "industry", "markets" }.Select(feed => $"{FeedsApp.PublicBaseUrl}feeds/{feed}.rss").Order(),
            urls.Order());
        // Folders are sections: 綜合物流 sits inside 資訊中心.
        Assert.Equal("資訊中心", (string?)subscriptions.Single(outline => ((string)outline.Attribute("xmlUrl")!).EndsWith("/logistics.rss", StringComparison.Ordinal)).Parent!.Attribute("text"));
        foreach (var url in urls)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri(url).PathAndQuery, Cancel)).StatusCode);
        }
        await AssertConditionalAsync(client, "/feeds.opml", response);
    }

    [Fact]
    public async Task TheStylesheet_IsReferencedByRssAndAtom_AndTransformsBothIntoAPageWithTheItems()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await WriteSampleAsync(db);
        await using var app = new FeedsApp(db);
        var client = app.CreateRawClient();
        var stylesheetResponse = await client.GetAsync("/feeds/feed.xsl", Cancel);
        var stylesheet = await stylesheetResponse.Content.ReadAsByteArrayAsync(Cancel);
        var transform = new XslCompiledTransform();
        using (var reader = XmlReader.Create(new MemoryStream(stylesheet)))
        {
            transform.Load(reader);
        }

        foreach (var path in new[] { "/feeds/news.rss", "/feeds/news.atom" })
        {
            var feed = await client.GetByteArrayAsync(path, Cancel);
            var instruction = FeedXml.Parse(feed).Nodes().OfType<XProcessingInstruction>().Single();
            Assert.Equal("xml-stylesheet", instruction.Target);
            // A path: the browser resolves it against the address it opened, whatever the host name.
            Assert.Equal("type=\"text/xsl\" href=\"/feeds/feed.xsl\"", instruction.Data);

            using var output = new StringWriter();
            using (var reader = XmlReader.Create(new MemoryStream(feed)))
            {
                transform.Transform(reader, null, output);
            }
            var page = new HtmlParser().ParseDocument(output.ToString());
            Assert.Equal("Feeds 示範新聞網 - 資訊中心", page.QuerySelector("h1")!.TextContent);
            Assert.Equal(2, page.QuerySelectorAll("ol.items > li").Length);
            Assert.Contains($"{FeedsApp.PublicBaseUrl}feeds/news.", page.QuerySelector("code")!.TextContent, StringComparison.Ordinal);
        }
        Assert.Equal("text/xsl; charset=utf-8", stylesheetResponse.Content.Headers.ContentType!.ToString());
        Assert.DoesNotContain("xml-stylesheet", await client.GetStringAsync("/feeds/news.json", Cancel), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABrowserOpeningAFeed_GetsApplicationXml_AndAFeedReaderTheFeedsOwnType()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await WriteSampleAsync(db);
        await using var app = new FeedsApp(db);
        var client = app.CreateRawClient();
        using var navigation = new HttpRequestMessage(HttpMethod.Get, "/feeds/news.rss");
        navigation.Headers.Add("Sec-Fetch-Dest", "document");
        navigation.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");

        var browser = await client.SendAsync(navigation, Cancel);
        var reader = await client.GetAsync("/feeds/news.rss", Cancel);
        var json = await client.GetAsync("/feeds/news.json", Cancel);

        Assert.Equal("application/xml; charset=utf-8", browser.Content.Headers.ContentType!.ToString());
        Assert.Equal("application/rss+xml; charset=utf-8", reader.Content.Headers.ContentType!.ToString());
        Assert.Equal(await browser.Content.ReadAsByteArrayAsync(Cancel), await reader.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal(browser.Headers.ETag, reader.Headers.ETag);
        Assert.Equal(["Accept-Encoding", "Sec-Fetch-Dest"], reader.Headers.Vary.Select(value => value.Trim()));
        Assert.Equal(["Accept-Encoding"], json.Headers.Vary);
    }

    /// <summary>
    /// Issue 31, tenth item: an article has one id in the site's, its section's and its category's feeds, and readers
    /// that keep each id once (newsboat) showed the site and section feeds of /feeds.opml empty. The categories' list
    /// has every article in exactly one of its feeds.
    /// </summary>
    [Fact]
    public async Task TheCategoriesOpml_HasEveryArticleInExactlyOneOfItsFeeds()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await WriteSampleAsync(db);
        await using var app = new FeedsApp(db);
        var client = app.CreateRawClient();

        var opml = FeedXml.Parse(await client.GetByteArrayAsync("/categories.opml", Cancel)).Root!;
        var urls = opml.Descendants("outline").Select(outline => (string?)outline.Attribute("xmlUrl")).OfType<string>().ToList();
        var ids = new List<string>();
        foreach (var url in urls)
        {
            ids.AddRange(FeedXml.RssItems(FeedXml.Parse(await client.GetByteArrayAsync(new Uri(url).PathAndQuery + "?limit=100", Cancel))).Select(item => item.Element("guid")!.Value));
        }
        var site = FeedXml.RssItems(FeedXml.Parse(await client.GetByteArrayAsync("/feeds/all.rss?limit=100", Cancel))).Select(item => item.Element("guid")!.Value).ToList();
        var index = await client.GetStringAsync("/", Cancel);

        Assert.Equal(new[] { "logistics", "express", "markets" }.Select(feed => $"{FeedsApp.PublicBaseUrl}feeds/{feed}.rss").Order(), urls.Order());
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(site.Order(), ids.Order());
        Assert.Contains($"{FeedsApp.PublicBaseUrl}categories.opml", index, StringComparison.Ordinal);
    }

    /// <summary>Issue 30, eighth item: behind a CDN that ignores Vary: Sec-Fetch-Dest, one variant for everyone.</summary>
    [Fact]
    public async Task WithoutTheBrowserVariant_ABrowserGetsTheFeedsOwnType_AndNothingVariesButEncoding()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await WriteSampleAsync(db);
        await using var app = new FeedsApp(db, settings: new Dictionary<string, string?> { ["Feeds:Edge:BrowserVariant"] = "false" });
        var client = app.CreateRawClient();
        using var navigation = new HttpRequestMessage(HttpMethod.Get, "/feeds/news.rss");
        navigation.Headers.Add("Sec-Fetch-Dest", "document");

        var browser = await client.SendAsync(navigation, Cancel);
        var reader = await client.GetAsync("/feeds/news.rss", Cancel);

        Assert.Equal("application/rss+xml; charset=utf-8", browser.Content.Headers.ContentType!.ToString());
        Assert.Equal(["Accept-Encoding"], browser.Headers.Vary);
        Assert.Equal(["Accept-Encoding"], reader.Headers.Vary);
        Assert.Equal(await browser.Content.ReadAsByteArrayAsync(Cancel), await reader.Content.ReadAsByteArrayAsync(Cancel));
    }

    private static async Task AssertConditionalAsync(HttpClient client, string path, HttpResponseMessage first)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        var second = await client.SendAsync(request, Cancel);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
        var third = await BrotliOnly.GetAsync(client, path);
        Assert.Equal("br", Assert.Single(third.Content.Headers.ContentEncoding));
    }
}
