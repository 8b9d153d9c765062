using System.Xml;

namespace Feeds.Formats;

/// <summary>
/// Writes "&lt;" and "&amp;" in RSS text elements as the hexadecimal references "&amp;#x3C;" and "&amp;#x26;",
/// as the RSS Best Practices Profile asks ("Encoding and character data"): a reader then knows a title such as
/// "x&lt;y" is text, not markup, and the W3C validator does not warn (CharacterData). The HTML elements
/// (item description, content:encoded) are HTML and stay as the formatter writes them; so do attribute values,
/// and the elements that hold an address (link, url, docs, comments, guid): a reader takes their text as a URL,
/// and some (rowan's parser) do not decode a reference there, which broke every address with two query
/// parameters ("?a=1&amp;#x26;b=2"). Everything else passes to the wrapped writer unchanged.
/// It is the one writer the formatters write through, and it changes escaping only: Syndication writes the
/// channel's title, description and image title and each item's title and categories itself (Rss20FeedFormatter's
/// WriteFeed and WriteItemContents, with XmlWriter.WriteString), with no extension point before the text, and
/// only an XmlWriter decides how "&lt;" and "&amp;" are written.
/// </summary>
internal sealed class RssCharacterDataWriter(XmlWriter inner) : ForwardingXmlWriter(inner)
{
    private readonly Stack<string> _elements = new();

    public override void WriteString(string? text)
    {
        if (InAttribute || text is null || text.AsSpan().IndexOfAny('<', '&') < 0 || IsHtml() || IsAddress())
        {
            Inner.WriteString(text);
            return;
        }
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is '<' or '&')
            {
                Inner.WriteString(text[start..i]);
                Inner.WriteCharEntity(text[i]);
                start = i + 1;
            }
        }
        Inner.WriteString(text[start..]);
    }

    /// <summary>RSS 2.0's elements whose text is a URL (or, for guid, an id that is one or a tag: URI).</summary>
    private bool IsAddress() => _elements.TryPeek(out var current) && current is "link" or "url" or "docs" or "comments" or "guid";

    /// <summary>content:encoded, and description inside an item: HTML by convention (RSS Best Practices Profile).</summary>
    private bool IsHtml()
    {
        if (!_elements.TryPeek(out var current))
        {
            return false;
        }
        if (current == "encoded")
        {
            return true;
        }
        return current == "description" && _elements.Count > 1 && _elements.ElementAt(1) == "item";
    }

    public override void WriteStartElement(string? prefix, string localName, string? ns)
    {
        _elements.Push(localName);
        Inner.WriteStartElement(prefix, localName, ns);
    }

    public override void WriteEndElement()
    {
        _elements.TryPop(out _);
        Inner.WriteEndElement();
    }

    public override void WriteFullEndElement()
    {
        _elements.TryPop(out _);
        Inner.WriteFullEndElement();
    }

    public override void WriteChars(char[] buffer, int index, int count) => WriteString(new string(buffer, index, count));
}
