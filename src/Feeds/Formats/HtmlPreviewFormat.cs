using System.Globalization;
using System.Text;
using Feeds.Content;
using Feeds.Pages;

namespace Feeds.Formats;

/// <summary>
/// A feed as a page for people (/feeds/{slug} without extension): its title, what a feed is and how to
/// subscribe, the addresses of its three formats, and its items with dates and summaries. Browsers are
/// dropping XSLT, so this page needs none. Only plain text from the feed appears, HTML-encoded.
/// </summary>
internal sealed class HtmlPreviewFormat() : FeedFormat("html", HtmlPage.MediaType, "HTML")
{
    private const string ItemsEnd = "</ol>\n";
    private static readonly byte[] ItemsEndBytes = Encoding.UTF8.GetBytes(ItemsEnd);

    /// <summary>The page; the items go at the end of its list.</summary>
    public override DocumentShell WriteShell(FeedDocument document, IReadOnlyList<string> entryIds)
    {
        var say = document.Say;
        var alternates = document.Links.Where(link => link.Relation == FeedRelations.Alternate).ToList();
        var formats = alternates.Where(link => link.HrefLang is null).ToList();
        var pageAlternates = alternates.Select(link => new PageAlternate(link.MediaType!, $"{document.Title} ({NameOf(link)})", link.Href, link.HrefLang)).ToList();
        var html = HtmlPage.Begin(document.Language, document.Title, pageAlternates);
        if (document.LinkOf(FeedRelations.Index) is { } index)
        {
            html.Append("<p class=\"muted\">").Link(index, $"{document.Publisher}：{say("所有訂閱源")} All feeds").Append("</p>\n");
        }
        html.TwinLink(pageAlternates.FirstOrDefault(alternate => alternate.HrefLang is not null && alternate.MediaType == MediaType));
        html.Append("<h1>").Append(HtmlPage.Encode(document.Title)).Append("</h1>\n")
            .Append("<p class=\"muted\">").Append(HtmlPage.Encode(document.Description)).Append("</p>\n")
            .Append("<section class=\"about\">\n<h2>").Append(say("這是一個訂閱源")).Append(" · This is a news feed</h2>\n")
            .Append("<p>").Append(say("把下面任一個網址貼到你的 RSS 閱讀器（例如 NetNewsWire、Feedly、Miniflux、Thunderbird、newsboat），有新文章時閱讀器就會自動收到。"))
            .Append("Copy one of these addresses into your feed reader to follow this page.</p>\n")
            .Append("<ul class=\"formats\">\n");
        foreach (var link in formats)
        {
            html.Append("<li><strong>").Append(NameOf(link)).Append("</strong> ")
                .Link(link.Href, link.Href.AbsoluteUri).Append("</li>\n");
        }
        if (document.LinkOf(FeedRelations.PrevArchive) is { } archive)
        {
            // RFC 5005 archives: everything the feed ever had, month by month (a browser shows it through the XSLT view).
            html.Append("<li><strong>").Append(say("封存")).Append(" · Archive</strong> ").Link(archive, $"{say("較舊的文章")} · Older articles").Append("</li>\n");
        }
        html.Append("</ul>\n</section>\n<h2>").Append(say("最新文章")).Append(" · Latest articles</h2>\n");
        if (entryIds.Count == 0)
        {
            html.Append("<p class=\"muted\">").Append(say("目前沒有文章。")).Append("No articles yet.</p>\n");
        }
        html.Append("<ol class=\"items\">\n").Append(ItemsEnd);
        var bytes = HtmlPage.End(html);
        return new DocumentShell(bytes, bytes.AsSpan().LastIndexOf(ItemsEndBytes));
    }

    /// <summary>
    /// One item of the list: title, time, byline and summary, all plain text HTML-encoded; each author and the
    /// source link to their feed's page.
    /// </summary>
    public override byte[] WriteEntry(FeedEntry entry)
    {
        var html = new StringBuilder();
        html.Append("<li><article>\n<h3>").Link(entry.Link, entry.Title).Append("</h3>\n")
            .Append("<p class=\"meta\"><time datetime=\"").Append(Rfc3339(entry.Published)).Append("\">")
            .Append(entry.Published.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)).Append("</time> · ");
        if (entry.Names.Count == 0)
        {
            html.Append(HtmlPage.Encode(entry.Byline));
        }
        var separator = FeedEntry.Separator(entry.Names.Select(name => name.Name));
        for (var i = 0; i < entry.Names.Count; i++)
        {
            var name = entry.Names[i];
            if (i > 0)
            {
                html.Append(separator);
            }
            if (name.Page is null)
            {
                html.Append(HtmlPage.Encode(name.Name));
            }
            else
            {
                html.Link(name.Page, name.Name);
            }
        }
        html.Append("</p>\n");
        if (entry.Summary is not null)
        {
            html.Append("<p>").Append(HtmlPage.Encode(entry.Summary)).Append("</p>\n");
        }
        html.Append("</article></li>\n");
        return Encoding.UTF8.GetBytes(html.ToString());
    }

    private static string NameOf(FeedLink link) => FeedFormat.OfMediaType(link.MediaType)?.DisplayName ?? link.MediaType ?? "";
}
