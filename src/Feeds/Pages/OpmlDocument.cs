using System.Globalization;
using System.Text;
using System.Xml;
using Feeds.Data;
using Feeds.Formats;
using Feeds.Publishing;

namespace Feeds.Pages;

/// <summary>
/// GET /feeds.opml: OPML 2.0 (http://opml.org/spec2.opml) subscription list of the site feed and every
/// section and category feed. Sections are folders holding their own feed and their categories', which is
/// how feed readers (newsboat -i, NetNewsWire, Feedly) import folders.
/// GET /categories.opml: only the categories without subcategories, in their sections' folders. An article is in
/// the site's feed, its section's and its category's with one id, and readers that keep each id once (newsboat)
/// show it in one of them only, leaving the others empty; in this list every article is in one feed.
/// </summary>
internal static class OpmlDocument
{
    private static readonly XmlWriterSettings Settings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = true,
    };

    public static byte[] Render(FeedsOptions options, PageScript script, IReadOnlyList<CategoryRow> categories, DateTime lastChangeUtc, bool categoriesOnly = false)
    {
        var (urls, say, language) = (script.Urls, script.Say, script.Language);
        var siteName = say(Content.XmlText.Clean(options.SiteName));
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, Settings))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement("opml");
            writer.WriteAttributeString("version", "2.0");
            writer.WriteStartElement("head");
            writer.WriteElementString("title", $"{siteName}：{say(categoriesOnly ? "各分類訂閱源" : "訂閱源")}");
            // OPML 2.0 dates are RFC 822, like RSS.
            writer.WriteElementString("dateModified", lastChangeUtc.ToString("ddd, dd MMM yyyy HH:mm:ss 'GMT'", CultureInfo.InvariantCulture));
            // No <docs>: OPML 2.0 allows it, but the W3C Feed Validation Service (OPML 1.0's head) calls it undefined,
            // and version="2.0" already says which format this is.
            writer.WriteEndElement();
            writer.WriteStartElement("body");
            if (!categoriesOnly)
            {
                Subscription(writer, urls, FeedKey.Site, $"{siteName}：{say("全部文章")}", language);
            }
            var children = categories.Where(row => row.ParentId is not null).ToLookup(row => row.ParentId!.Value);
            var seen = new HashSet<long>();
            foreach (var section in categories.Where(row => row.ParentId is null).OrderBy(row => row.Id))
            {
                Folder(writer, script, section, children, seen, categoriesOnly);
            }
            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteEndDocument();
        }
        return buffer.ToArray();
    }

    private static void Folder(XmlWriter writer, PageScript script, CategoryRow category, ILookup<long, CategoryRow> children, HashSet<long> seen, bool categoriesOnly)
    {
        if (!seen.Add(category.Id))
        {
            return;
        }
        var (urls, language) = (script.Urls, script.Language);
        var name = script.Say(Content.XmlText.Clean(category.Name));
        var below = children[category.Id].OrderBy(row => row.Id).ToList();
        if (below.Count == 0)
        {
            Subscription(writer, urls, FeedKey.Category(category.Slug), name, language);
            return;
        }
        writer.WriteStartElement("outline");
        writer.WriteAttributeString("text", name);
        if (!categoriesOnly)
        {
            Subscription(writer, urls, FeedKey.Category(category.Slug), $"{name}：{script.Say("全部")}", language);
        }
        foreach (var child in below)
        {
            Folder(writer, script, child, children, seen, categoriesOnly);
        }
        writer.WriteEndElement();
    }

    // OPML 2.0 "Subscription lists": type="rss" (for any feed format), text, xmlUrl; htmlUrl is the feed's page.
    private static void Subscription(XmlWriter writer, FeedUrls urls, FeedKey feed, string text, string language)
    {
        writer.WriteStartElement("outline");
        writer.WriteAttributeString("type", "rss");
        writer.WriteAttributeString("text", text);
        writer.WriteAttributeString("title", text);
        writer.WriteAttributeString("version", "RSS2");
        writer.WriteAttributeString("language", language);
        writer.WriteAttributeString("xmlUrl", urls.Feed(feed, FeedFormat.Rss).AbsoluteUri);
        writer.WriteAttributeString("htmlUrl", urls.Preview(feed).AbsoluteUri);
        writer.WriteEndElement();
    }
}
