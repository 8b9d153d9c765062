using AngleSharp.Html.Parser;

namespace Feeds.Tests.Http;

/// <summary>
/// What a person sees in a real browser (Debian's Chromium, headless): the index, a feed's HTML page, and a
/// feed URL opened directly, which the XSLT stylesheet turns into a page. Each is screenshotted (under the
/// test output's screenshots folder) and its rendered DOM must show the title and the items as text.
/// </summary>
public sealed class BrowserTests : FeedsTest
{
    /// <summary>A CMS summary with text that looks like markup, and entities (the CMS stores HTML-ish text).</summary>
    private const string Summary = "若 x<y 則 y>x & a<b 與 &lt;script&gt; &amp;amp; 結束";

    /// <summary>What the newsroom wrote, as every view must show it: the entities decoded once, never markup.</summary>
    private const string SummaryText = "若 x<y 則 y>x & a<b 與 <script> &amp; 結束";

    public static TheoryData<string, string> Views => new()
    {
        { "/feeds/news", "preview" },
        { "/feeds/news.rss", "xslt-rss" },
        { "/feeds/news.atom", "xslt-atom" },
        { "/feeds/tags/%E6%B8%AF%E5%8F%A3", "preview-tag" },
    };

    [Theory, MemberData(nameof(Views))]
    public async Task AFeed_OpenedInABrowser_ShowsItsTitleAndItemsAsText(string path, string name)
    {
        Chromium.RequireInstalled();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database,
            Articles.Sample("a-1", title: "港口吞吐量創新高") with { Tags = ["港口"], Summary = Summary },
            Articles.Sample("a-2", category: "express", title: "冷鏈快遞加開夜間班次", publishedAt: TestClock.Start.UtcDateTime.AddHours(-2)) with { Tags = ["港口"] });
        await using var app = FeedsApp.SelfAddressed(db);
        var url = new Uri(app.Address, path);

        var dom = new HtmlParser().ParseDocument(await Chromium.DumpDomAsync(url));
        var screenshot = Chromium.ScreenshotPath($"{name}.png");
        await Chromium.ScreenshotAsync(url, screenshot, width: 420);

        var title = path.Contains("tags", StringComparison.Ordinal) ? "Feeds 示範新聞網 - #港口" : "Feeds 示範新聞網 - 資訊中心";
        Assert.Equal(title, dom.QuerySelector("h1")?.TextContent.Trim());
        var items = dom.QuerySelectorAll("ol.items > li").Select(item => item.QuerySelector("h3")!.TextContent.Trim()).ToList();
        Assert.Equal(["港口吞吐量創新高", "冷鏈快遞加開夜間班次"], items);
        // RSS's dates in the site's time; Atom's in UTC, and said so.
        Assert.Contains(path.EndsWith(".atom", StringComparison.Ordinal) ? "2026-11-28 03:00 UTC" : "2026-11-28 11:00", dom.Body!.TextContent, StringComparison.Ordinal);
        // Both authors, and the summary's text exactly as the CMS wrote it (the RSS view decodes its HTML description).
        var first = dom.QuerySelector("ol.items > li")!;
        Assert.Contains("林雅婷、示範物流協會", first.TextContent, StringComparison.Ordinal);
        Assert.Contains(first.QuerySelectorAll("p"), paragraph => paragraph.TextContent == SummaryText);
        Assert.Empty(first.QuerySelectorAll("script, b"));
        AssertPng(screenshot);
    }

    /// <summary>A Simplified-Chinese twin, as a page and through the twin stylesheet: its texts and Feeds' own words converted.</summary>
    [Theory]
    [InlineData("/zh-hans/feeds/news", "twin-preview")]
    [InlineData("/zh-hans/feeds/news.rss", "twin-xslt-rss")]
    public async Task ATwin_OpenedInABrowser_ShowsItsTitleItemsAndWordsInSimplifiedChinese(string path, string name)
    {
        Chromium.RequireInstalled();
        OpenCcOracle.SkipUnlessInstalled();
        OpenCcOracle.SkipUnlessLibraryInstalled();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database,
            Articles.Sample("a-1", title: "港口吞吐量創新高"),
            Articles.Sample("a-2", category: "express", title: "冷鏈快遞加開夜間班次", publishedAt: TestClock.Start.UtcDateTime.AddHours(-2)));
        await using var app = FeedsApp.SelfAddressed(db, new Dictionary<string, string?> { ["Feeds:SimplifiedChinese:Enabled"] = "true" });
        var url = new Uri(app.Address, path);

        var dom = new HtmlParser().ParseDocument(await Chromium.DumpDomAsync(url));
        var screenshot = Chromium.ScreenshotPath($"{name}.png");
        await Chromium.ScreenshotAsync(url, screenshot, width: 420);

        Assert.Equal("zh-Hans", dom.DocumentElement.GetAttribute("lang"));
        Assert.Equal(await OpenCcOracle.ConvertAsync("t2s.json", "Feeds 示範新聞網 - 資訊中心"), dom.QuerySelector("h1")?.TextContent.Trim());
        Assert.Equal(
            [await OpenCcOracle.ConvertAsync("t2s.json", "港口吞吐量創新高"), await OpenCcOracle.ConvertAsync("t2s.json", "冷鏈快遞加開夜間班次")],
            dom.QuerySelectorAll("ol.items > li").Select(item => item.QuerySelector("h3")!.TextContent.Trim()));
        Assert.Contains("这是一个订阅源", dom.Body!.TextContent, StringComparison.Ordinal);
        AssertPng(screenshot);
    }

    [Fact]
    public async Task TheIndex_OpenedInABrowser_ListsTheSectionsAndTheirFeeds()
    {
        Chromium.RequireInstalled();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1"), Articles.Sample("m-1", category: "markets", section: "industry"));
        await using var app = FeedsApp.SelfAddressed(db);

        var dom = new HtmlParser().ParseDocument(await Chromium.DumpDomAsync(app.Address));
        var screenshot = Chromium.ScreenshotPath("index.png");
        await Chromium.ScreenshotAsync(app.Address, screenshot);

        var text = dom.Body!.TextContent;
        foreach (var name in new[] { "資訊中心", "綜合物流", "產業觀察", "市場行情" })
        {
            Assert.Contains(name, text, StringComparison.Ordinal);
        }
        // The site, two sections, two categories: three formats each.
        Assert.Equal(5 * 3, dom.QuerySelectorAll(".feeds .links a").Length);
        AssertPng(screenshot);
    }

    private static void AssertPng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 5_000, $"{path} is only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
    }
}
