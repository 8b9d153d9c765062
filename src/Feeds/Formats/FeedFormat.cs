using System.Diagnostics.CodeAnalysis;
using System.ServiceModel.Syndication;
using System.Text;
using System.Xml;
using Feeds.Content;

namespace Feeds.Formats;

/// <summary>One way of writing a <see cref="FeedDocument"/>; each format owns its media type.</summary>
public abstract class FeedFormat
{
    public static readonly FeedFormat Rss = new RssFeedFormat();
    public static readonly FeedFormat Atom = new AtomFeedFormat();

    public static IReadOnlyList<FeedFormat> All { get; } = [Rss, Atom];

    /// <summary>The extension of the feed URL, for example "rss" in /feeds/all.rss.</summary>
    public abstract string Extension { get; }

    /// <summary>The media type, also written as the type of the feed's self link.</summary>
    public abstract string MediaType { get; }

    public string ContentType => $"{MediaType}; charset=utf-8";

    public static bool TryGet(string? extension, [NotNullWhen(true)] out FeedFormat? format)
    {
        format = All.FirstOrDefault(candidate => string.Equals(candidate.Extension, extension, StringComparison.Ordinal));
        return format is not null;
    }

    /// <summary>The whole document as UTF-8 without byte order mark, declared as such.</summary>
    public byte[] Write(FeedDocument document)
    {
        var formatter = CreateFormatter(document);
        // The formatters write synchronously; they write into memory here, never into the response.
        return RenderBuffer.Write(buffer =>
        {
            using var writer = XmlWriter.Create(buffer, WriterSettings);
            writer.WriteStartDocument();
            formatter.WriteTo(writer);
            writer.WriteEndDocument();
        });
    }

    protected abstract SyndicationFeedFormatter CreateFormatter(FeedDocument document);

    private static readonly XmlWriterSettings WriterSettings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = true,
        IndentChars = " ",
        NewLineChars = "\n",
        CheckCharacters = true,
    };
}

internal static class FeedNamespaces
{
    public const string Atom = "http://www.w3.org/2005/Atom";
    public const string DublinCore = "http://purl.org/dc/elements/1.1/";
    public const string Content = "http://purl.org/rss/1.0/modules/content/";
    public const string Media = "http://search.yahoo.com/mrss/";
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
