using System.ServiceModel.Syndication;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Feeds.Content;

namespace Feeds.Formats;

/// <summary>
/// The XML formats. The feed's own elements and every entry are written by System.ServiceModel.Syndication's
/// formatters: each entry on its own (kept as bytes per version), then spliced into the feed where the
/// formatter puts its items, before the closing tag of the channel or feed.
/// </summary>
/// <param name="container">The element the formatter writes the entries in (channel, atom:feed), unprefixed.</param>
/// <param name="namespaces">
/// The prefixes of the format's extensions and their namespaces: declared on its container, once, in the feed
/// and in the context its entries are written in alike, so an entry repeats no declaration.
/// </param>
internal abstract class SyndicationFeedFormat(
    string extension, string mediaType, string displayName, XName container, IReadOnlyList<(string Prefix, string Namespace)> namespaces)
    : FeedFormat(extension, mediaType, displayName)
{
    // Line feeds as line feeds on every platform (the default is the platform's newline).
    private static readonly XmlWriterSettings DocumentSettings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        CheckCharacters = true,
        NewLineChars = "\n",
    };

    /// <summary>What entries are written with.</summary>
    private static readonly XmlWriterSettings FragmentSettings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        CheckCharacters = true,
        NewLineChars = "\n",
        ConformanceLevel = ConformanceLevel.Fragment,
        OmitXmlDeclaration = true,
    };

    // The container's closing tag, before which the formatter writes the entries.
    private readonly byte[] _closingTag = Encoding.UTF8.GetBytes($"</{container.LocalName}>");

    public override bool UsesStylesheet => true;

    /// <summary>The feed's own elements, declared as UTF-8; the entries go before the closing tag.</summary>
    public override DocumentShell WriteShell(FeedDocument document, IReadOnlyList<string> entryIds)
    {
        // The formatters write synchronously; they write into memory here, never into the response.
        var shell = RenderBuffer.Write(buffer =>
        {
            using var writer = Wrap(XmlWriter.Create(buffer, DocumentSettings));
            writer.WriteStartDocument();
            if (document.Stylesheet is not null)
            {
                // W3C "Associating Style Sheets with XML documents": browsers that still run XSLT show a page.
                writer.WriteProcessingInstruction("xml-stylesheet", $"type=\"text/xsl\" href=\"{document.Stylesheet.OriginalString}\"");
            }
            CreateFormatter(document).WriteTo(writer);
            writer.WriteEndDocument();
        });
        return new DocumentShell(shell, shell.AsSpan().LastIndexOf(_closingTag));
    }

    /// <summary>The writer the formatters write through; the format may change how it escapes text.</summary>
    protected virtual XmlWriter Wrap(XmlWriter writer) => writer;

    /// <summary>The formatter of the feed's own elements, without entries.</summary>
    protected abstract SyndicationFeedFormatter CreateFormatter(FeedDocument document);

    /// <summary>The formatter of one entry.</summary>
    protected abstract SyndicationItemFormatter CreateItemFormatter(FeedEntry entry);

    /// <summary>Declares the format's extension prefixes on the element just started: its container, in the feed (from the feed's attribute extensions) and around its entries.</summary>
    protected void DeclareNamespaces(XmlWriter writer)
    {
        foreach (var (prefix, ns) in namespaces)
        {
            writer.WriteAttributeString("xmlns", prefix, FeedNamespaces.XmlNamespaceDeclaration, ns);
        }
    }

    /// <summary>The entry's XML as it appears inside the feed: written inside a wrapper element, then cut out of it.</summary>
    public override byte[] WriteEntry(FeedEntry entry) => WriteEntries([entry])[0];

    /// <summary>
    /// The entries one after another inside one wrapper element, by one writer, each cut out where the writer
    /// stood after it: a render that writes 50 entries makes one writer and one buffer, not 50. An entry closes
    /// every element and namespace scope it opens, so its bytes are the same as when written alone.
    /// </summary>
    public override IReadOnlyList<byte[]> WriteEntries(IReadOnlyList<FeedEntry> entries)
    {
        if (entries.Count == 0)
        {
            // A render whose entries were all written before: no writer at all.
            return [];
        }
        var ends = new int[entries.Count];
        return RenderBuffer.Write(buffer =>
        {
            using var writer = Wrap(XmlWriter.Create(buffer, FragmentSettings));
            // The container the entries go in within the feed, with the same declarations, so that their bytes
            // are those they have in the feed.
            writer.WriteStartElement(container.LocalName, container.NamespaceName);
            DeclareNamespaces(writer);
            for (var i = 0; i < entries.Count; i++)
            {
                CreateItemFormatter(entries[i]).WriteTo(writer);
                writer.Flush();
                ends[i] = (int)buffer.Position;
            }
            writer.WriteEndElement();
        }, wrapped =>
        {
            // The wrapper's start tag is closed ('>') when the first entry begins.
            var start = wrapped.IndexOf((byte)'>') + 1;
            var written = new byte[entries.Count][];
            for (var i = 0; i < entries.Count; i++)
            {
                written[i] = wrapped[start..ends[i]].ToArray();
                start = ends[i];
            }
            return written;
        });
    }
}

internal static class FeedNamespaces
{
    /// <summary>RFC 5005 section 4: an archive document says so with fh:archive.</summary>
    public static void WriteArchiveMarker(XmlWriter writer, FeedDocument document)
    {
        if (document.IsArchive)
        {
            writer.WriteStartElement("fh", "archive", FeedHistory);
            writer.WriteEndElement();
        }
    }

    public const string Atom = "http://www.w3.org/2005/Atom";
    public const string DublinCore = "http://purl.org/dc/elements/1.1/";
    public const string Content = "http://purl.org/rss/1.0/modules/content/";
    public const string Media = "http://search.yahoo.com/mrss/";
    public const string FeedHistory = "http://purl.org/syndication/history/1.0";
    public const string XmlNamespaceDeclaration = "http://www.w3.org/2000/xmlns/";

    /// <summary>Media RSS (https://www.rssboard.org/media-rss#media-content) for the lead image.</summary>
    public static void WriteImage(XmlWriter writer, FeedImage image)
    {
        writer.WriteStartElement("media", "content", Media);
        writer.WriteAttributeString("url", image.Url.AbsoluteUri);
        writer.WriteAttributeString("medium", "image");
        if (image.MediaType is not null)
        {
            writer.WriteAttributeString("type", image.MediaType);
        }
        writer.WriteEndElement();
    }
}
