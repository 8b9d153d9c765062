using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Feeds.Tests.Support;

/// <summary>Reads a feed the way the strictest reader would: a conforming XML 1.0 parser that checks characters.</summary>
public static class FeedXml
{
    public static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    public static readonly XNamespace Dc = "http://purl.org/dc/elements/1.1/";
    public static readonly XNamespace ContentModule = "http://purl.org/rss/1.0/modules/content/";
    public static readonly XNamespace Media = "http://search.yahoo.com/mrss/";

    /// <summary>An updated time as Feeds writes it: the stored second exactly (<paramref name="second"/>), no fraction.</summary>
    public static void AssertUpdatedIn(string second, string? written) => Assert.Equal(second, written);

    public static XDocument Parse(byte[] body)
    {
        Assert.False(body.AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }), "The feed starts with a byte order mark.");
        var settings = new XmlReaderSettings { CheckCharacters = true, DtdProcessing = DtdProcessing.Prohibit, ConformanceLevel = ConformanceLevel.Document };
        using var reader = XmlReader.Create(new MemoryStream(body), settings);
        var document = XDocument.Load(reader, LoadOptions.None);
        Assert.Equal("utf-8", document.Declaration?.Encoding, ignoreCase: true);
        return document;
    }

    /// <summary>A response body as sent with Content-Encoding gzip, br or identity, decoded.</summary>
    public static byte[] Decode(byte[] body, string encoding)
    {
        using var input = new MemoryStream(body);
        using Stream decoder = encoding switch
        {
            "gzip" => new System.IO.Compression.GZipStream(input, System.IO.Compression.CompressionMode.Decompress),
            "br" => new System.IO.Compression.BrotliStream(input, System.IO.Compression.CompressionMode.Decompress),
            _ => input,
        };
        using var output = new MemoryStream();
        decoder.CopyTo(output);
        return output.ToArray();
    }

    public static string Text(byte[] body) => new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);

    public static IReadOnlyList<XElement> RssItems(XDocument document) => document.Root!.Element("channel")!.Elements("item").ToList();

    public static IReadOnlyList<XElement> AtomEntries(XDocument document) => document.Root!.Elements(Atom + "entry").ToList();
}
