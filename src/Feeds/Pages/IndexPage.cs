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

    public static byte[] Render(FeedsOptions options, FeedUrls urls, IReadOnlyList<CategoryRow> categories, FeedVersions versions)
    {
        var siteName = Content.XmlText.Clean(options.SiteName);
        var html = HtmlPage.Begin(options.Language, $"{siteName}：訂閱源",
            FeedFormat.All.Select(format => (format.MediaType, $"{siteName} ({format.Extension})", urls.Feed(FeedKey.Site, format))));
        html.Append("<h1>").Append(HtmlPage.Encode(siteName)).Append("：訂閱源 · Subscribe</h1>\n")
            .Append("<p class=\"muted\">").Append(HtmlPage.Encode(Content.XmlText.Clean(options.SiteDescription))).Append("</p>\n")
            .Append("<section class=\"about\">\n<p>每個分類都有 RSS、Atom 與 JSON Feed 三種訂閱源。把網址貼到你的閱讀器，")
            .Append("或一次匯入全部：").Link(urls.Opml, "OPML 清單").Append("；每篇文章只出現一次的清單：").Link(urls.CategoriesOpml, "各分類 OPML").Append("。")
            .Append("Every section, category and tag has a feed in three formats; paste one into your feed reader, or import them all with the OPML list, or the categories' list, in which every article is in one feed only.</p>\n</section>\n")
            .Append("<h2>全站 · Whole site</h2>\n<ul class=\"feeds\">\n");
        Feed(html, urls, FeedKey.Site, "全部文章 · All articles");
        html.Append("</ul>\n<h2>分類 · Sections and categories</h2>\n<ul class=\"feeds\">\n");
        var children = categories.Where(row => row.ParentId is not null).ToLookup(row => row.ParentId!.Value);
        var seen = new HashSet<long>();
        foreach (var section in categories.Where(row => row.ParentId is null).OrderBy(row => row.Id))
        {
            Tree(html, urls, section, children, seen);
        }
        html.Append("</ul>\n");
        foreach (var kind in FeedKind.Named)
        {
            var count = versions.CountOf(kind);
            if (count == 0)
            {
                continue;
            }
            html.Append("<h2>").Append(kind.Heading).Append("</h2>\n");
            if (versions.MostRecentlyUsed(kind, ActiveNames) is { Count: > 0 } active)
            {
                html.Append("<p class=\"muted\">最近使用的").Append(kind.Chinese).Append(" · ").Append(kind.Plural).Append(" with the newest articles</p>\n");
                NameList(html, urls, kind, active);
            }
            html.Append("<p>").Link(urls.Directory(kind, 1), $"全部 {count} 個{kind.Chinese} · All {count} {kind.Plural.ToLowerInvariant()}").Append("</p>\n");
        }
        return HtmlPage.End(html);
    }

    /// <summary>Names of one kind as links to their pages, in the order given, in a list of the kind's class ("tags").</summary>
    public static void NameList(System.Text.StringBuilder html, FeedUrls urls, NamedKind kind, IEnumerable<NamedFeed> names)
    {
        html.Append("<ul class=\"names ").Append(kind.Segment).Append("\">\n");
        foreach (var named in names)
        {
            html.Append("<li>").Link(urls.Preview(named.Key), named.Kind.TitleOf(Content.XmlText.Clean(named.Name))).Append("</li>\n");
        }
        html.Append("</ul>\n");
    }

    private static void Tree(System.Text.StringBuilder html, FeedUrls urls, CategoryRow category, ILookup<long, CategoryRow> children, HashSet<long> seen)
    {
        if (!seen.Add(category.Id))
        {
            return;
        }
        Feed(html, urls, FeedKey.Category(category.Slug), Content.XmlText.Clean(category.Name), close: false);
        var below = children[category.Id].OrderBy(row => row.Id).ToList();
        if (below.Count > 0)
        {
            html.Append("<ul>\n");
            foreach (var child in below)
            {
                Tree(html, urls, child, children, seen);
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
