using System.ServiceModel.Syndication;
using System.Xml;
using System.Xml.Linq;
using Feeds.Content;

namespace Feeds.Formats;

/// <summary>
/// Atom 1.0 (RFC 4287). Ids and updated times are always set explicitly: left empty, the formatter would
/// invent random uuid ids and the current time, and readers would see every entry as new on every poll.
/// </summary>
internal sealed partial class AtomFeedFormat() : SyndicationFeedFormat("atom", "application/atom+xml", "Atom",
    container: XName.Get("feed", FeedNamespaces.Atom), namespaces: [("media", FeedNamespaces.Media)])
{
    protected override SyndicationFeedFormatter CreateFormatter(FeedDocument document)
    {
        var feed = new AtomFeed(document, this)
        {
            Id = document.Id,
            Title = Text(document.Title),
            Description = Text(document.Description),
            Language = document.Language,
            LastUpdatedTime = document.Updated.ToUniversalTime(),
            Generator = "Feeds",
            // Written as atom:logo (RFC 4287 4.2.8); atom:icon is an extension of the formatter's (below).
            ImageUrl = document.Logo,
        };
        // RFC 4287 4.1.1: an atom:feed element SHOULD contain one atom:link element with rel="self".
        feed.Links.Add(new SyndicationLink(document.SelfLink, "self", null, MediaType, 0));
        feed.Links.Add(new SyndicationLink(document.SiteLink, "alternate", null, "text/html", 0));
        foreach (var link in document.Links)
        {
            var written = new SyndicationLink(link.Href, link.Relation, null, link.MediaType, 0);
            if (link.HrefLang is not null)
            {
                // RFC 4287 4.2.7.4: the language of the resource linked (the twin in the other script).
                written.AttributeExtensions.Add(new XmlQualifiedName("hreflang"), link.HrefLang);
            }
            feed.Links.Add(written);
        }
        // RFC 4287 4.1.1: without a feed author every entry must carry one; entries always do, this is the fallback.
        feed.Authors.Add(new SyndicationPerson(null, document.Publisher, null));
        return new Atom10FeedFormatter(feed);
    }

    protected override SyndicationItemFormatter CreateItemFormatter(FeedEntry entry) => new Atom10ItemFormatter(CreateEntry(entry));

    private static AtomEntry CreateEntry(FeedEntry entry)
    {
        var item = new AtomEntry(entry)
        {
            Id = entry.Id,
            Title = Text(entry.Title),
            // In UTC ("Z"): RFC 3339 allows any offset, but elfeed and rsstail ignored the site's and showed every
            // Atom date 8 hours late; every reader shows UTC right (issue 32, fourth item).
            PublishDate = entry.Published.ToUniversalTime(),
            LastUpdatedTime = entry.Updated.ToUniversalTime(),
        };
        if (entry.Summary is not null)
        {
            item.Summary = Text(entry.Summary);
        }
        if (entry.ContentHtml is not null)
        {
            item.Content = new TextSyndicationContent(entry.ContentHtml, TextSyndicationContentKind.Html);
        }
        item.Links.Add(new SyndicationLink(entry.Link, "alternate", null, "text/html", 0));
        if (entry.Image is not null)
        {
            // RFC 4287 4.2.7.2: rel="enclosure" for a related resource; its length is unknown, so left out (4.2.7.6).
            item.Links.Add(new SyndicationLink(entry.Image.Url, "enclosure", null, entry.Image.MediaType, 0));
        }
        // One author naming everyone, as RSS's dc:creator does (RFC 4287 3.2: a person's name is text). With the writer
        // and the source as two, readers that keep one (sfeed, rsstail, XML::Feed, rss-parser, CodeHollow) showed
        // only the writer, and XML::FeedPP failed on the entry.
        item.Authors.Add(Person(entry.Byline));
        foreach (var category in entry.Categories)
        {
            item.Categories.Add(new SyndicationCategory(category));
        }
        return item;
    }

    /// <summary>
    /// A text construct (RFC 4287 3.1): type="text", unless the text reads as markup ("&lt;/b&gt;", "&amp;amp;"),
    /// which readers and the W3C validator take for undeclared HTML; then type="html", encoded so that it shows
    /// exactly the same text.
    /// </summary>
    private static TextSyndicationContent Text(string text) => HtmlText.ReadsAsMarkup(text)
        ? new TextSyndicationContent(HtmlText.Encode(text), TextSyndicationContentKind.Html)
        : new TextSyndicationContent(text, TextSyndicationContentKind.Plaintext);

    /// <summary>
    /// The byline as an Atom person: an address written into it ("Tom &lt;tom@example.com&gt;") goes to the person's
    /// email (RFC 4287 3.2.3), where readers look for it and the W3C validator does not warn of an address in a
    /// name (ContainsEmail). Only one fits there: a byline with more keeps them all in its name.
    /// </summary>
    private static SyndicationPerson Person(string byline)
    {
        var addresses = BylineAddress().Matches(byline);
        return addresses.Count == 1
            ? new SyndicationPerson(addresses[0].Groups["email"].Value, BylineAddress().Replace(byline, "").Trim(), null)
            : new SyndicationPerson(null, byline, null);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\s*<(?<email>[^<>\s@]+@[^<>\s@]+\.[^<>\s@]+)>")]
    private static partial System.Text.RegularExpressions.Regex BylineAddress();

    private sealed class AtomFeed(FeedDocument document, AtomFeedFormat format) : SyndicationFeed
    {
        protected override void WriteAttributeExtensions(XmlWriter writer, string version)
        {
            format.DeclareNamespaces(writer);
            base.WriteAttributeExtensions(writer, version);
        }

        protected override void WriteElementExtensions(XmlWriter writer, string version)
        {
            if (document.Icon is not null)
            {
                // RFC 4287 4.2.5: a small image, square (1:1).
                writer.WriteElementString("icon", FeedNamespaces.Atom, document.Icon.AbsoluteUri);
            }
            FeedNamespaces.WriteArchiveMarker(writer, document);
            base.WriteElementExtensions(writer, version);
        }
    }

    private sealed class AtomEntry(FeedEntry entry) : SyndicationItem
    {
        protected override void WriteElementExtensions(XmlWriter writer, string version)
        {
            if (entry.Image is not null)
            {
                FeedNamespaces.WriteImage(writer, entry.Image);
            }
            base.WriteElementExtensions(writer, version);
        }
    }
}
