using Feeds.Data;
using Feeds.Formats;
using Feeds.Publishing;
using Feeds.Versions;

namespace Feeds.Pages;

/// <summary>
/// GET /: the site's feeds for people: the site feed, each section with its categories (nested as deep as the
/// CMS nests them), each with its RSS, Atom and JSON Feed address and a link to its page; then, for tags, authors
/// and sources in turn, the most recently used (<see cref="ActiveNames"/>: those whose newest article is the most
/// recent) and a link to the directory of every one (<see cref="DirectoryPage"/>), so the page stays small however
/// many there are. The site feeds are announced for autodiscovery in the head.
/// </summary>
internal static class IndexPage
{
    /// <summary>How many names of each kind the index shows.</summary>
    public const int ActiveNames = 100;

    public static byte[] Render(FeedsOptions options, PageScript script, IReadOnlyList<CategoryRow> categories, FeedVersions versions)
    {
        var (urls, say) = (script.Urls, script.Say);
        var siteName = say(Content.XmlText.Clean(options.SiteName));
        var twin = script.Twin(twinUrls => twinUrls.Index);
        var html = HtmlPage.Begin(script.Language, $"{siteName}：{say("訂閱源")}", [
            .. FeedFormat.All.Select(format => new PageAlternate(format.MediaType, $"{siteName} ({format.Extension})", urls.Feed(FeedKey.Site, format))),
            .. twin is null ? Array.Empty<PageAlternate>() : [twin],
            .. script.TwinFeeds(FeedKey.Site, siteName)]);
        html.TwinLink(twin);
        html.Append("<h1>").Append(HtmlPage.Encode(siteName)).Append('：').Append(say("訂閱源")).Append(" · Subscribe</h1>\n")
            .Append("<p class=\"muted\">").Append(HtmlPage.Encode(say(Content.XmlText.Clean(options.SiteDescription)))).Append("</p>\n")
            .Append("<section class=\"about\">\n<p>").Append(say("每個分類都有 RSS、Atom 與 JSON Feed 三種訂閱源。把網址貼到你的閱讀器，或一次匯入全部："))
            .Link(urls.Opml, say("OPML 清單")).Append(say("；每篇文章只出現一次的清單：")).Link(urls.CategoriesOpml, say("各分類 OPML")).Append("。")
            .Append("Every section, category and tag has a feed in three formats; paste one into your feed reader, or import them all with the OPML list, or the categories' list, in which every article is in one feed only.</p>\n</section>\n")
            .Append("<h2>").Append(say("全站")).Append(" · Whole site</h2>\n<ul class=\"feeds\">\n");
        Feed(html, urls, FeedKey.Site, $"{say("全部文章")} · All articles");
        html.Append("</ul>\n<h2>").Append(say("分類")).Append(" · Sections and categories</h2>\n<ul class=\"feeds\">\n");
        var children = categories.Where(row => row.ParentId is not null).ToLookup(row => row.ParentId!.Value);
        var seen = new HashSet<long>();
        foreach (var section in categories.Where(row => row.ParentId is null).OrderBy(row => row.Id))
        {
            Tree(html, script, section, children, seen);
        }
        html.Append("</ul>\n");
        foreach (var kind in FeedKind.Named)
        {
            var count = versions.CountOf(kind);
            if (count == 0)
            {
                continue;
            }
            html.Append("<h2>").Append(say(kind.Heading)).Append("</h2>\n");
            if (versions.MostRecentlyUsed(kind, ActiveNames) is { Count: > 0 } active)
            {
                html.Append("<p class=\"muted\">").Append(say($"最近使用的{kind.Chinese}")).Append(" · ").Append(kind.Plural).Append(" with the newest articles</p>\n");
                NameList(html, script, kind, active);
            }
            html.Append("<p>").Link(urls.Directory(kind, 1), $"{say($"全部 {count} 個{kind.Chinese}")} · All {count} {kind.Plural.ToLowerInvariant()}").Append("</p>\n");
        }
        return HtmlPage.End(html);
    }

    /// <summary>Names of one kind as links to their pages, in the order given, in a list of the kind's class ("tags").</summary>
    public static void NameList(System.Text.StringBuilder html, PageScript script, NamedKind kind, IEnumerable<NamedFeed> names)
    {
        html.Append("<ul class=\"names ").Append(kind.Segment).Append("\">\n");
        foreach (var named in names)
        {
            html.Append("<li>").Link(script.Urls.Preview(named.Key), named.Kind.TitleOf(script.Say(Content.XmlText.Clean(named.Name)))).Append("</li>\n");
        }
        html.Append("</ul>\n");
    }

    private static void Tree(System.Text.StringBuilder html, PageScript script, CategoryRow category, ILookup<long, CategoryRow> children, HashSet<long> seen)
    {
        if (!seen.Add(category.Id))
        {
            return;
        }
        Feed(html, script.Urls, FeedKey.Category(category.Slug), script.Say(Content.XmlText.Clean(category.Name)), close: false);
        var below = children[category.Id].OrderBy(row => row.Id).ToList();
        if (below.Count > 0)
        {
            html.Append("<ul>\n");
            foreach (var child in below)
            {
                Tree(html, script, child, children, seen);
            }
            html.Append("</ul>\n");
        }
        html.Append("</li>\n");
    }

    private static void Feed(System.Text.StringBuilder html, FeedUrls urls, FeedKey feed, string name, bool close = true)
    {
        html.Append("<li><strong>").Link(urls.Preview(feed), name).Append("</strong> <span class=\"links\">");
        foreach (var format in FeedFormat.All)
        {
            html.Link(urls.Feed(feed, format), format.DisplayName);
        }
        html.Append("</span>");
        if (close)
        {
            html.Append("</li>\n");
        }
    }
}
