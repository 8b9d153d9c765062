using System.Xml;

namespace Feeds.Formats;

/// <summary>
/// Writes "&lt;" and "&amp;" in RSS text elements as the hexadecimal references "&amp;#x3C;" and "&amp;#x26;",
/// as the RSS Best Practices Profile asks ("Encoding and character data"): a reader then knows a title such as
/// "x&lt;y" is text, not markup, and the W3C validator does not warn (CharacterData). The HTML elements
/// (item description, content:encoded) are HTML and stay as the formatter writes them; so do attribute values.
/// Everything else passes to the wrapped writer unchanged.
/// </summary>
internal sealed class RssCharacterDataWriter(XmlWriter inner) : XmlWriter
{
    private readonly Stack<string> _elements = new();
    private bool _inAttribute;

    public override WriteState WriteState => inner.WriteState;

    public override void WriteString(string? text)
    {
        if (_inAttribute || text is null || text.AsSpan().IndexOfAny('<', '&') < 0 || IsHtml())
        {
            inner.WriteString(text);
            return;
        }
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is '<' or '&')
            {
                inner.WriteString(text[start..i]);
                inner.WriteCharEntity(text[i]);
                start = i + 1;
            }
        }
        inner.WriteString(text[start..]);
    }

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
        inner.WriteStartElement(prefix, localName, ns);
    }

    public override void WriteEndElement()
    {
        _elements.TryPop(out _);
        inner.WriteEndElement();
    }

    public override void WriteFullEndElement()
    {
        _elements.TryPop(out _);
        inner.WriteFullEndElement();
    }

    public override void WriteStartAttribute(string? prefix, string localName, string? ns)
    {
        _inAttribute = true;
        inner.WriteStartAttribute(prefix, localName, ns);
    }

    public override void WriteEndAttribute()
    {
        _inAttribute = false;
        inner.WriteEndAttribute();
    }

    public override void Flush() => inner.Flush();
    public override string? LookupPrefix(string ns) => inner.LookupPrefix(ns);
    public override void WriteBase64(byte[] buffer, int index, int count) => inner.WriteBase64(buffer, index, count);
    public override void WriteCData(string? text) => inner.WriteCData(text);
    public override void WriteCharEntity(char ch) => inner.WriteCharEntity(ch);
    public override void WriteChars(char[] buffer, int index, int count) => WriteString(new string(buffer, index, count));
    public override void WriteComment(string? text) => inner.WriteComment(text);
    public override void WriteDocType(string name, string? pubid, string? sysid, string? subset) => inner.WriteDocType(name, pubid, sysid, subset);
    public override void WriteEndDocument() => inner.WriteEndDocument();
    public override void WriteEntityRef(string name) => inner.WriteEntityRef(name);
    public override void WriteProcessingInstruction(string name, string? text) => inner.WriteProcessingInstruction(name, text);
    public override void WriteRaw(char[] buffer, int index, int count) => inner.WriteRaw(buffer, index, count);
    public override void WriteRaw(string data) => inner.WriteRaw(data);
    public override void WriteStartDocument() => inner.WriteStartDocument();
    public override void WriteStartDocument(bool standalone) => inner.WriteStartDocument(standalone);
    public override void WriteSurrogateCharEntity(char lowChar, char highChar) => inner.WriteSurrogateCharEntity(lowChar, highChar);
    public override void WriteWhitespace(string? ws) => inner.WriteWhitespace(ws);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
