using System.Globalization;
using Feeds.Formats;
using Feeds.Publishing;
using Feeds.Versions;

namespace Feeds.Pages;

/// <summary>
/// GET /tags, /tags/2, ... (and /authors, /sources): every name of a kind, in the order of its name,
/// <see cref="PageSize"/> to a page, each linking to its feed's page; every page links to every other. At 500
/// names a page a page stays near 100 KB even when each name is a long run of percent-encoded CJK characters.
/// </summary>
internal static class DirectoryPage
{
    public const int PageSize = 500;

    /// <summary>How many pages <paramref name="count"/> names take (one, empty, when there are none).</summary>
    public static int PageCount(int count) => Math.Max(1, (count + PageSize - 1) / PageSize);

    public static byte[] Render(FeedsOptions options, PageScript script, NamedKind kind, IReadOnlyList<NamedFeed> byName, int page)
    {
        var (urls, say) = (script.Urls, script.Say);
        var siteName = say(Content.XmlText.Clean(options.SiteName));
        var pages = PageCount(byName.Count);
        var twin = script.Twin(twinUrls => twinUrls.Directory(kind, page));
        var html = HtmlPage.Begin(script.Language, $"{siteName}：{say(kind.Chinese)} {page}/{pages}", twin is null ? [] : [twin]);
        html.TwinLink(twin);
        html.Append("<h1>").Append(HtmlPage.Encode(siteName)).Append("：").Append(say(kind.Heading)).Append("</h1>\n")
            .Append("<p class=\"muted\">").Link(urls.Index, $"{say("所有訂閱源")} · All feeds")
            .Append(CultureInfo.InvariantCulture, $" · {say($"第 {page} 頁，共 {pages} 頁")} · page {page} of {pages}</p>\n");
        IndexPage.NameList(html, script, kind, byName.Skip((page - 1) * PageSize).Take(PageSize));
        if (pages > 1)
        {
            html.Append("<nav class=\"pages\">");
            for (var number = 1; number <= pages; number++)
            {
                if (number == page)
                {
                    html.Append(CultureInfo.InvariantCulture, $"<strong>{number}</strong> ");
                }
                else
                {
                    html.Link(urls.Directory(kind, number), number.ToString(CultureInfo.InvariantCulture)).Append(' ');
                }
            }
            html.Append("</nav>\n");
        }
        return HtmlPage.End(html);
    }
}
