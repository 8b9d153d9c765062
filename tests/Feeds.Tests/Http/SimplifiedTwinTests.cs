using System.Text.Json;
using System.Xml.Linq;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Microsoft.Data.Sqlite;

namespace Feeds.Tests.Http;

/// <summary>
/// The Simplified-Chinese twins under /zh-hans/ (Content/Scripts): every text equals what OpenCC's own tool
/// (`opencc -c t2s.json`, the oracle) makes of the original's; every id, GUID, link, slug and attribute that is
/// not text is the original's, byte for byte; each document names its language and links its twin; readers
/// outside .NET read the twin with the original's ids.
/// </summary>
public sealed class SimplifiedTwinTests : FeedsTest
{
    private const string Configuration = "t2s.json";

    private static readonly Dictionary<string, string?> TwinsOn = new() { ["Feeds:SimplifiedChinese:Enabled"] = "true" };

    /// <summary>The hard cases: Extension B, emoji and a ZWJ sequence, U+3000, full-width punctuation, escaped markup as text, links with Chinese paths, ruby.</summary>
    private static readonly ArticleInput[] HardCases =
    [
        Articles.Sample("twin-hard", title: "陳𠮷與郵政👨‍👩‍👧‍👦　「快遞」資訊！") with
        {
            Summary = "國家郵政局發布&lt;script&gt;軟體&lt;/script&gt;資料（一）、（二）",
            ContentHtml = "<p>國家郵政局發布<a href=\"https://news.example.com/新聞/軟體?分類=資訊&amp;頁=2\" title=\"軟體新聞\">軟體新聞</a>，"
                + "詳見<img src=\"https://news.example.com/圖片/郵政.jpg\" alt=\"郵政總局大樓\"></p>"
                + "<p><ruby>漢<rp>(</rp><rt>ㄏㄢˋ</rt><rp>)</rp></ruby>字 &lt;script&gt; 與 &amp; 號😀</p><blockquote>國際　航運</blockquote>",
            Author = "陳志明、張書豪",
            Source = "國家郵政局示範處",
            Tags = ["綜合 物流", "供應鏈"],
        },
        Articles.Sample("twin-plain", publishedAt: TestClock.Start.UtcDateTime.AddHours(-2)) with { Title = "港口業務報導", Tags = ["港務"] },
    ];

    [Theory, MemberData(nameof(Providers))]
    public async Task ATwinFeed_ConvertsEveryTextAsOpenCcDoes_AndKeepsEveryIdLinkAndSlug(string provider)
    {
        OpenCcOracle.SkipUnlessInstalled();
        OpenCcOracle.SkipUnlessLibraryInstalled();
        await using var site = await TestSite.StartAsync(provider, TwinsOn, HardCases);
        var (_, _, client) = site;

        var original = FeedXml.Parse(await client.GetByteArrayAsync("/feeds/logistics.atom", Cancel));
        var twin = FeedXml.Parse(await client.GetByteArrayAsync("/zh-hans/feeds/logistics.atom", Cancel));

        FeedRules.AssertValid(twin, $"{FeedsApp.PublicBaseUrl}zh-hans/feeds/logistics.atom");
        Assert.Equal("zh-Hant", original.Root!.Attribute(XNamespace.Xml + "lang")!.Value);
        Assert.Equal("zh-Hans", twin.Root!.Attribute(XNamespace.Xml + "lang")!.Value);
        // The twin is a feed of its own (RFC 4287 4.2.6); its entries are the original's (below).
        Assert.Equal("tag:news.example.com,2026:feed:logistics", original.Root.Element(FeedXml.Atom + "id")!.Value);
        Assert.Equal("tag:news.example.com,2026:feed:zh-hans%2Flogistics", twin.Root.Element(FeedXml.Atom + "id")!.Value);
        Assert.Equal(await OracleAsync(original.Root.Element(FeedXml.Atom + "title")!.Value), twin.Root.Element(FeedXml.Atom + "title")!.Value);
        // Each links the other, with its language (RFC 4287 4.2.7.4).
        Assert.Equal($"{FeedsApp.PublicBaseUrl}zh-hans/feeds/logistics.atom", AtomLink(original, "alternate", "zh-Hans"));
        Assert.Equal($"{FeedsApp.PublicBaseUrl}feeds/logistics.atom", AtomLink(twin, "alternate", "zh-Hant"));
        Assert.Equal($"{FeedsApp.PublicBaseUrl}zh-hans/feeds/logistics.atom", AtomLink(twin, "self", null));
        Assert.Equal(AtomLink(original, "alternate", null), AtomLink(twin, "alternate", null));

        var originals = FeedXml.AtomEntries(original);
        var twins = FeedXml.AtomEntries(twin);
        Assert.Equal(2, twins.Count);
        for (var i = 0; i < originals.Count; i++)
        {
            var (from, to) = (originals[i], twins[i]);
            foreach (var kept in new[] { "id", "published", "updated" })
            {
                Assert.Equal(from.Element(FeedXml.Atom + kept)!.Value, to.Element(FeedXml.Atom + kept)!.Value);
            }
            Assert.Equal(Links(from), Links(to));
            foreach (var text in new[] { "title", "summary" })
            {
                Assert.Equal(await OracleAsync(from.Element(FeedXml.Atom + text)!.Value), to.Element(FeedXml.Atom + text)!.Value);
            }
            Assert.Equal(await OracleAsync(from.Element(FeedXml.Atom + "author")!.Value), to.Element(FeedXml.Atom + "author")!.Value);
            var categories = from.Elements(FeedXml.Atom + "category").Select(category => category.Attribute("term")!.Value).ToList();
            Assert.Equal(await Task.WhenAll(categories.Select(OracleAsync)), to.Elements(FeedXml.Atom + "category").Select(category => category.Attribute("term")!.Value));
            await AssertOnlyTextConvertedAsync(from.Element(FeedXml.Atom + "content")!.Value, to.Element(FeedXml.Atom + "content")!.Value);
        }
        // The link's bytes as the CMS wrote them: no character of its path or query converted.
        Assert.Contains("https://news.example.com/新聞/軟體?分類=資訊&amp;頁=2", twins[0].Element(FeedXml.Atom + "content")!.Value, StringComparison.Ordinal);

        // RSS and JSON Feed: the same GUIDs and links, the language named.
        var rss = FeedXml.Parse(await client.GetByteArrayAsync("/zh-hans/feeds/logistics.rss", Cancel));
        FeedRules.AssertValid(rss, $"{FeedsApp.PublicBaseUrl}zh-hans/feeds/logistics.rss");
        Assert.Equal("zh-Hans", rss.Root!.Element("channel")!.Element("language")!.Value);
        Assert.Equal(originals.Select(entry => entry.Element(FeedXml.Atom + "id")!.Value), FeedXml.RssItems(rss).Select(item => item.Element("guid")!.Value));
        Assert.Equal(await OracleAsync(originals[0].Element(FeedXml.Atom + "title")!.Value), FeedXml.RssItems(rss)[0].Element("title")!.Value);
        using var originalJson = JsonDocument.Parse(await client.GetByteArrayAsync("/feeds/logistics.json", Cancel));
        using var twinJson = JsonDocument.Parse(await client.GetByteArrayAsync("/zh-hans/feeds/logistics.json", Cancel));
        Assert.Equal("zh-Hans", twinJson.RootElement.GetProperty("language").GetString());
        var (fromItem, toItem) = (originalJson.RootElement.GetProperty("items")[0], twinJson.RootElement.GetProperty("items")[0]);
        Assert.Equal(fromItem.GetProperty("id").GetString(), toItem.GetProperty("id").GetString());
        Assert.Equal(fromItem.GetProperty("url").GetString(), toItem.GetProperty("url").GetString());
        // Authors and the source: names converted, their pages the twins' with the same slugs.
        var fromAuthors = fromItem.GetProperty("authors").EnumerateArray().ToList();
        var toAuthors = toItem.GetProperty("authors").EnumerateArray().ToList();
        Assert.Equal(await Task.WhenAll(fromAuthors.Select(author => OracleAsync(author.GetProperty("name").GetString()!))), toAuthors.Select(author => author.GetProperty("name").GetString()));
        Assert.Equal(
            fromAuthors.Select(author => author.GetProperty("url").GetString()!.Replace(FeedsApp.PublicBaseUrl, $"{FeedsApp.PublicBaseUrl}zh-hans/", StringComparison.Ordinal)),
            toAuthors.Select(author => author.GetProperty("url").GetString()));

        // A tag's twin feed at the same slug, its name converted.
        var tagPath = await TagPathAsync(client, "#綜合 物流");
        var tag = FeedXml.Parse(await client.GetByteArrayAsync($"/zh-hans{tagPath}.rss", Cancel));
        Assert.EndsWith(await OracleAsync("#綜合 物流"), tag.Root!.Element("channel")!.Element("title")!.Value, StringComparison.Ordinal);
        Assert.Equal(["twin-hard"], FeedXml.RssItems(tag).Select(item => item.Element("guid")!.Value.Split(':')[^1]));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task TwinPages_TheIndexDirectoriesAndOpml_AreInSimplifiedChinese_AndLinkTheirTwins(string provider)
    {
        OpenCcOracle.SkipUnlessInstalled();
        OpenCcOracle.SkipUnlessLibraryInstalled();
        await using var site = await TestSite.StartAsync(provider, TwinsOn, HardCases);
        var (_, _, client) = site;
        var parser = new HtmlParser();

        // A feed's page: in Simplified Chinese, its items' titles converted, linking the twin feeds and the original page.
        using var page = parser.ParseDocument(await client.GetStringAsync("/zh-hans/feeds/logistics", Cancel));
        Assert.Equal("zh-Hans", page.DocumentElement.GetAttribute("lang"));
        Assert.Equal(await OracleAsync(HardCases[0].Title), page.QuerySelector("ol.items h3")!.TextContent);
        Assert.Equal(HardCases[0].Url, page.QuerySelector("ol.items h3 a")!.GetAttribute("href"));
        Assert.Equal(
            ["rss", "atom", "json"],
            page.Head!.QuerySelectorAll("link[rel=alternate]:not([hreflang])").Select(link => link.GetAttribute("href")!.Replace($"{FeedsApp.PublicBaseUrl}zh-hans/feeds/logistics.", "", StringComparison.Ordinal)));
        Assert.Equal(
            [$"{FeedsApp.PublicBaseUrl}feeds/logistics", $"{FeedsApp.PublicBaseUrl}feeds/logistics.rss", $"{FeedsApp.PublicBaseUrl}feeds/logistics.atom", $"{FeedsApp.PublicBaseUrl}feeds/logistics.json"],
            page.Head!.QuerySelectorAll("link[rel=alternate][hreflang=zh-Hant]").Select(link => link.GetAttribute("href")));
        Assert.Equal($"{FeedsApp.PublicBaseUrl}feeds/logistics", page.QuerySelector("main a[hreflang=zh-Hant]")!.GetAttribute("href"));
        Assert.All(page.QuerySelectorAll("p.meta a"), link => Assert.StartsWith($"{FeedsApp.PublicBaseUrl}zh-hans/feeds/", link.GetAttribute("href"), StringComparison.Ordinal));

        // A browser opening a twin feed shows it through the stylesheet in Simplified Chinese; its XPath unchanged.
        var rss = await client.GetStringAsync("/zh-hans/feeds/logistics.rss", Cancel);
        Assert.Contains("<?xml-stylesheet type=\"text/xsl\" href=\"/zh-hans/feeds/feed.xsl\"?>", rss, StringComparison.Ordinal);
        var stylesheet = XDocument.Parse(await client.GetStringAsync("/zh-hans/feeds/feed.xsl", Cancel));
        var shipped = XDocument.Parse(await client.GetStringAsync("/feeds/feed.xsl", Cancel));
        Assert.Contains(await OracleAsync("這是一個訂閱源"), stylesheet.ToString(), StringComparison.Ordinal);
        Assert.Equal(
            shipped.Descendants().SelectMany(element => element.Attributes()).Select(attribute => attribute.ToString()),
            stylesheet.Descendants().SelectMany(element => element.Attributes()).Select(attribute => attribute.ToString()));

        // The original page announces the twin's feeds for autodiscovery, with their language.
        using var originalPage = parser.ParseDocument(await client.GetStringAsync("/feeds/logistics", Cancel));
        Assert.Equal(
            [$"{FeedsApp.PublicBaseUrl}zh-hans/feeds/logistics", $"{FeedsApp.PublicBaseUrl}zh-hans/feeds/logistics.rss", $"{FeedsApp.PublicBaseUrl}zh-hans/feeds/logistics.atom", $"{FeedsApp.PublicBaseUrl}zh-hans/feeds/logistics.json"],
            originalPage.Head!.QuerySelectorAll("link[rel=alternate][hreflang=zh-Hans]").Select(link => link.GetAttribute("href")));

        // The index: categories' and tags' names converted, every feed link the twin's.
        using var index = parser.ParseDocument(await client.GetStringAsync("/zh-hans/", Cancel));
        Assert.Equal("zh-Hans", index.DocumentElement.GetAttribute("lang"));
        var names = index.QuerySelectorAll("a").Select(link => link.TextContent).ToHashSet();
        Assert.Contains(await OracleAsync("綜合物流"), names);
        Assert.Contains(await OracleAsync("資訊中心"), names);
        Assert.Contains(await OracleAsync("#綜合 物流"), names);
        var feedLinks = index.QuerySelectorAll("main a").Select(link => link.GetAttribute("href")!).Where(href => href.Contains("/feeds/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(feedLinks);
        Assert.All(feedLinks, href => Assert.StartsWith($"{FeedsApp.PublicBaseUrl}zh-hans/", href, StringComparison.Ordinal));
        Assert.Equal($"{FeedsApp.PublicBaseUrl}", index.QuerySelector("link[rel=alternate][hreflang=zh-Hant]:not([type])")!.GetAttribute("href"));

        // The directories.
        using var tags = parser.ParseDocument(await client.GetStringAsync("/zh-hans/tags", Cancel));
        Assert.Equal($"{FeedsApp.PublicBaseUrl}zh-hans{await TagPathAsync(client, "#綜合 物流")}",
            tags.QuerySelectorAll("ul.names a").Single(link => link.TextContent == "#综合 物流").GetAttribute("href"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.GetAsync("/zh-hans/tags/9", Cancel)).StatusCode);

        // OPML: names converted, every subscription the twin feed, its language named.
        var opml = XDocument.Parse(await client.GetStringAsync("/zh-hans/feeds.opml", Cancel));
        var subscriptions = opml.Descendants("outline").Where(outline => outline.Attribute("xmlUrl") is not null).ToList();
        Assert.All(subscriptions, outline =>
        {
            Assert.StartsWith($"{FeedsApp.PublicBaseUrl}zh-hans/feeds/", outline.Attribute("xmlUrl")!.Value, StringComparison.Ordinal);
            Assert.Equal("zh-Hans", outline.Attribute("language")!.Value);
        });
        Assert.Contains(subscriptions, outline => outline.Attribute("text")!.Value == "综合物流");
    }

    /// <summary>Readers outside .NET read the twin: the same ids as the original's, the titles OpenCC's.</summary>
    [Theory]
    [InlineData("feedparser", "rss")]
    [InlineData("feedparser", "atom")]
    [InlineData("newsboat", "rss")]
    [InlineData("sfeed", "atom")]
    public async Task Readers_ReadTheTwin_WithTheOriginalsIds(string reader, string format)
    {
        OpenCcOracle.SkipUnlessInstalled();
        OpenCcOracle.SkipUnlessLibraryInstalled();
        var tool = reader switch { "feedparser" => "/usr/lib/python3/dist-packages/feedparser", "newsboat" => "/usr/bin/newsboat", _ => "/usr/bin/sfeed" };
        Assert.SkipUnless(Path.Exists(tool), $"{tool} is not installed (.ci/run installs it).");
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, HardCases);
        await using var app = FeedsApp.SelfAddressed(db, TwinsOn);
        var twinUrl = $"{app.Address.AbsoluteUri}zh-hans/feeds/logistics.{format}";
        using var folder = new TempFolder("feeds-twin-reader-");

        var read = reader switch
        {
            "feedparser" => await FeedparserAsync(twinUrl),
            "newsboat" => await NewsboatAsync(twinUrl, folder.FullName),
            _ => await SfeedAsync(twinUrl, folder.FullName),
        };

        var expected = HardCases.ToDictionary(article => $"tag:news.example.com,2026:article:{article.ExternalId}");
        Assert.Equal(expected.Keys.Order(), read.Keys.Order());
        foreach (var (id, title) in read)
        {
            Assert.Equal(await OracleAsync(expected[id].Title), title);
        }
    }

    /// <summary>Every text node and alt and title value equals the oracle's of the original's; every other attribute and the markup are the original's.</summary>
    private static async Task AssertOnlyTextConvertedAsync(string originalHtml, string twinHtml)
    {
        var parser = new HtmlParser();
        using var page = parser.ParseDocument(string.Empty);
        var from = parser.ParseFragment(originalHtml, page.Body!).SelectMany(node => node.DescendantsAndSelf()).ToList();
        var to = parser.ParseFragment(twinHtml, page.Body!).SelectMany(node => node.DescendantsAndSelf()).ToList();
        Assert.Equal(from.Select(node => node.NodeName), to.Select(node => node.NodeName));
        for (var i = 0; i < from.Count; i++)
        {
            if (from[i] is IText text)
            {
                Assert.Equal(await OracleAsync(text.Data), ((IText)to[i]).Data);
            }
            else if (from[i] is IElement element)
            {
                var twin = (IElement)to[i];
                Assert.Equal(element.Attributes.Select(attribute => attribute.Name), twin.Attributes.Select(attribute => attribute.Name));
                foreach (var attribute in element.Attributes)
                {
                    var expected = attribute.Name is "alt" or "title" ? await OracleAsync(attribute.Value) : attribute.Value;
                    Assert.Equal(expected, twin.GetAttribute(attribute.Name));
                }
            }
        }
    }

    /// <summary>The path of a tag's page as the original directory links it: the twin's is the same below /zh-hans.</summary>
    private static async Task<string> TagPathAsync(HttpClient client, string title)
    {
        using var directory = new HtmlParser().ParseDocument(await client.GetStringAsync("/tags", Cancel));
        return new Uri(directory.QuerySelectorAll("ul.names a").Single(link => link.TextContent == title).GetAttribute("href")!).AbsolutePath;
    }

    /// <summary>The href of the feed's one link of this relation and language (none: no hreflang).</summary>
    private static string? AtomLink(XDocument feed, string relation, string? language) =>
        feed.Root!.Elements(FeedXml.Atom + "link")
            .SingleOrDefault(link => link.Attribute("rel")!.Value == relation && link.Attribute("hreflang")?.Value == language)
            ?.Attribute("href")!.Value;

    private static List<string> Links(XElement entry) =>
        [.. entry.Elements(FeedXml.Atom + "link").Select(link => string.Join(' ', link.Attributes().Select(attribute => $"{attribute.Name}={attribute.Value}")))];

    private static Task<string> OracleAsync(string text) => OpenCcOracle.ConvertAsync(Configuration, text);

    private static async Task<Dictionary<string, string>> FeedparserAsync(string url)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Readers", "feedparser_read.py");
        using var read = JsonDocument.Parse((await ExternalProgram.RunAsync("/usr/bin/python3", [script, url])).Output);
        return read.RootElement.GetProperty("entries").EnumerateArray()
            .ToDictionary(entry => entry.GetProperty("id").GetString()!, entry => entry.GetProperty("title").GetProperty("value").GetString()!);
    }

    private static async Task<Dictionary<string, string>> NewsboatAsync(string url, string home)
    {
        var urls = Path.Combine(home, "urls");
        var cache = Path.Combine(home, "cache.db");
        await File.WriteAllTextAsync(urls, url + "\n", Cancel);
        await ExternalProgram.RunAsync("/usr/bin/newsboat", ["-u", urls, "-c", cache, "-C", "/dev/null", "-x", "reload"], home);
        await using var connection = new SqliteConnection($"Data Source={cache};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(Cancel);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT guid, title FROM rss_item";
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        var items = new Dictionary<string, string>();
        while (await reader.ReadAsync(Cancel))
        {
            items[reader.GetString(0)] = reader.GetString(1);
        }
        return items;
    }

    /// <summary>sfeed (C): one line an item, tab-separated; its title is column 2, its id column 6.</summary>
    private static async Task<Dictionary<string, string>> SfeedAsync(string url, string folder)
    {
        using var http = new HttpClient();
        var file = Path.Combine(folder, "twin.xml");
        await File.WriteAllBytesAsync(file, await http.GetByteArrayAsync(url, Cancel), Cancel);
        var output = (await ExternalProgram.RunAsync("/bin/sh", ["-c", $"/usr/bin/sfeed < '{file}'"])).Output;
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t')).ToDictionary(fields => fields[5], fields => fields[1]);
    }
}
