using System.ServiceModel.Syndication;
using System.Xml;
using Feeds.Content;

namespace Feeds.Formats;

/// <summary>
/// RSS 2.0 (https://www.rssboard.org/rss-specification). Extensions the formatter cannot express are
/// written under their customary prefixes, declared once on the channel: atom:link rel="self"
/// (RSS Best Practices, "atom:link"), dc:creator for name-only authors (RSS's author element requires
/// an e-mail address), content:encoded for the full HTML body, media:content for the lead image.
/// </summary>
internal sealed class RssFeedFormat() : SyndicationFeedFormat("rss", "application/rss+xml", "RSS", container: "channel",
    namespaces: [("atom", FeedNamespaces.Atom), ("dc", FeedNamespaces.DublinCore), ("content", FeedNamespaces.Content), ("media", FeedNamespaces.Media)])
{
    protected override XmlWriter Wrap(XmlWriter writer) => new RssCharacterDataWriter(writer);

    protected override SyndicationFeedFormatter CreateFormatter(FeedDocument document)
    {
        var channel = new RssChannel(document, this)
        {
            Title = new TextSyndicationContent(document.Title),
            Description = new TextSyndicationContent(document.Description),
            Language = document.Language,
            LastUpdatedTime = document.Updated,
            TimeToLive = document.TimeToLive,
            Generator = "Feeds",
            // RSS 2.0 "image": the formatter repeats the channel's title and link, as the spec asks.
            ImageUrl = document.Icon,
        };
        channel.Links.Add(SyndicationLink.CreateAlternateLink(document.SiteLink));
        // Without Atom serialisation the formatter writes no a10: prefix, which the W3C validator warns about.
        return new Rss20FeedFormatter(channel, serializeExtensionsAsAtom: false);
    }

    protected override SyndicationItemFormatter CreateItemFormatter(FeedEntry entry) =>
        new Rss20ItemFormatter(CreateItem(entry), serializeExtensionsAsAtom: false);

    private static RssItem CreateItem(FeedEntry entry)
    {
        var item = new RssItem(entry)
        {
            Id = entry.Id,
            Title = new TextSyndicationContent(entry.Title),
            PublishDate = entry.Published,
            LastUpdatedTime = entry.Updated,
        };
        if (entry.Summary is not null)
        {
            // Readers take description as HTML (RSS Best Practices Profile, "description"): the plain-text summary
            // is HTML-encoded, so that it shows exactly as written and no text of the CMS can become markup.
            item.Summary = new TextSyndicationContent(HtmlText.Encode(entry.Summary));
        }
        item.Links.Add(SyndicationLink.CreateAlternateLink(entry.Link));
        foreach (var category in entry.Categories)
        {
            item.Categories.Add(new SyndicationCategory(category));
        }
        return item;
    }

    private sealed class RssChannel(FeedDocument document, RssFeedFormat format) : SyndicationFeed
    {
        protected override void WriteAttributeExtensions(XmlWriter writer, string version)
        {
            format.DeclareNamespaces(writer);
            base.WriteAttributeExtensions(writer, version);
        }

        protected override void WriteElementExtensions(XmlWriter writer, string version)
        {
            writer.WriteStartElement("atom", "link", FeedNamespaces.Atom);
            writer.WriteAttributeString("href", document.SelfLink.AbsoluteUri);
            writer.WriteAttributeString("rel", "self");
            writer.WriteAttributeString("type", format.MediaType);
            writer.WriteEndElement();
            // WebSub hubs, RFC 5005 archive links and the twin in the other script, as atom:link like the self link (WebSub 4, RFC 5005 3).
            foreach (var link in document.Links)
            {
                writer.WriteStartElement("atom", "link", FeedNamespaces.Atom);
                writer.WriteAttributeString("href", link.Href.AbsoluteUri);
                writer.WriteAttributeString("rel", link.Relation);
                if (link.MediaType is not null)
                {
                    writer.WriteAttributeString("type", link.MediaType);
                }
                if (link.HrefLang is not null)
                {
                    writer.WriteAttributeString("hreflang", link.HrefLang);
                }
                writer.WriteEndElement();
            }
            FeedNamespaces.WriteArchiveMarker(writer, document);
            base.WriteElementExtensions(writer, version);
        }
    }

    private sealed class RssItem(FeedEntry entry) : SyndicationItem
    {
        protected override void WriteElementExtensions(XmlWriter writer, string version)
        {
            // One dc:creator naming everyone: most readers keep only one (newsboat, gofeed, sfeed, rss-parser).
            writer.WriteElementString("dc", "creator", FeedNamespaces.DublinCore, entry.Byline);
            if (FeedFormat.Rfc3339(entry.Updated) != FeedFormat.Rfc3339(entry.Published))
            {
                // RSS has no update date: corrections (a later second than pubDate's) carry Atom's (RFC 4287 4.2.15),
                // which feedparser and others read; with Atom's published beside it (4.2.9), or SimplePie takes the
                // correction's time for the publish date and sorts the item first, as if new.
                writer.WriteElementString("atom", "published", FeedNamespaces.Atom, FeedFormat.Rfc3339(entry.Published));
                writer.WriteElementString("atom", "updated", FeedNamespaces.Atom, FeedFormat.Rfc3339(entry.Updated));
            }
            if (entry.ContentHtml is not null)
            {
                writer.WriteElementString("content", "encoded", FeedNamespaces.Content, entry.ContentHtml);
            }
            if (entry.Image is not null)
            {
                WriteEnclosure(writer, entry.Image);
                FeedNamespaces.WriteImage(writer, entry.Image);
            }
            base.WriteElementExtensions(writer, version);
        }

        /// <summary>
        /// RSS 2.0 "enclosure": url, length and type are all required. The size is unknown, and the RSS Best
        /// Practices Profile says to write 0 then (the formatter would leave length out). Without a known type
        /// the image is left to media:content: an enclosure does not guess one.
        /// </summary>
        private static void WriteEnclosure(XmlWriter writer, FeedImage image)
        {
            if (image.MediaType is null)
            {
                return;
            }
            writer.WriteStartElement("enclosure");
            writer.WriteAttributeString("url", image.Url.AbsoluteUri);
            writer.WriteAttributeString("length", "0");
            writer.WriteAttributeString("type", image.MediaType);
            writer.WriteEndElement();
        }
    }
}
