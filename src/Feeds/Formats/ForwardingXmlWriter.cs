using System.Xml;

namespace Feeds.Formats;

/// <summary>
/// An XmlWriter that passes every call to the one it wraps, and knows whether an attribute is open; the writer
/// that changes how RSS text is escaped (<see cref="RssCharacterDataWriter"/>) overrides only what it changes.
/// </summary>
internal abstract class ForwardingXmlWriter(XmlWriter inner) : XmlWriter
{
    protected XmlWriter Inner { get; } = inner;

    /// <summary>Between WriteStartAttribute and WriteEndAttribute: text is an attribute value.</summary>
    protected bool InAttribute { get; private set; }

    public override WriteState WriteState => Inner.WriteState;

    public override void WriteStartAttribute(string? prefix, string localName, string? ns)
    {
        InAttribute = true;
        Inner.WriteStartAttribute(prefix, localName, ns);
    }

    public override void WriteEndAttribute()
    {
        InAttribute = false;
        Inner.WriteEndAttribute();
    }

    public override void WriteString(string? text) => Inner.WriteString(text);
    public override void WriteStartElement(string? prefix, string localName, string? ns) => Inner.WriteStartElement(prefix, localName, ns);
    public override void WriteEndElement() => Inner.WriteEndElement();
    public override void WriteFullEndElement() => Inner.WriteFullEndElement();
    public override void Flush() => Inner.Flush();
    public override string? LookupPrefix(string ns) => Inner.LookupPrefix(ns);
    public override void WriteBase64(byte[] buffer, int index, int count) => Inner.WriteBase64(buffer, index, count);
    public override void WriteCData(string? text) => Inner.WriteCData(text);
    public override void WriteCharEntity(char ch) => Inner.WriteCharEntity(ch);
    public override void WriteChars(char[] buffer, int index, int count) => Inner.WriteChars(buffer, index, count);
    public override void WriteComment(string? text) => Inner.WriteComment(text);
    public override void WriteDocType(string name, string? pubid, string? sysid, string? subset) => Inner.WriteDocType(name, pubid, sysid, subset);
    public override void WriteEndDocument() => Inner.WriteEndDocument();
    public override void WriteEntityRef(string name) => Inner.WriteEntityRef(name);
    public override void WriteProcessingInstruction(string name, string? text) => Inner.WriteProcessingInstruction(name, text);
    public override void WriteRaw(char[] buffer, int index, int count) => Inner.WriteRaw(buffer, index, count);
    public override void WriteRaw(string data) => Inner.WriteRaw(data);
    public override void WriteStartDocument() => Inner.WriteStartDocument();
    public override void WriteStartDocument(bool standalone) => Inner.WriteStartDocument(standalone);
    public override void WriteSurrogateCharEntity(char lowChar, char highChar) => Inner.WriteSurrogateCharEntity(lowChar, highChar);
    public override void WriteWhitespace(string? ws) => Inner.WriteWhitespace(ws);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
