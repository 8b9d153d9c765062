using System.Buffers;
using System.Text;
using System.Text.Unicode;
using System.Xml;

namespace Feeds.Formats;

/// <summary>
/// Passes everything to the XmlWriter it wraps, except long element text (an entry's HTML body): that it escapes
/// and encodes itself, with vectorised search and UTF-8 encoding, and writes straight into the stream the XmlWriter
/// writes to. XmlWriter escapes and encodes text one character at a time (XmlUtf8RawTextWriter's
/// WriteElementTextBlock), which took half the CPU of a render whose entries were all new. The bytes are the ones
/// the XmlWriter writes (XML 1.0 section 2.4): '&amp;', '&lt;' and '&gt;' as entity references, every other
/// character as UTF-8. Text it would change in other ways is left to it: a carriage return (which it writes as a
/// line feed) or a character XML does not allow (which makes it throw).
/// </summary>
internal sealed class DirectTextWriter : XmlWriter
{
    // Shorter texts are cheaper through the XmlWriter than a flush.
    private const int MinimumLength = 256;

    private static readonly SearchValues<char> Escaped = SearchValues.Create("&<>");

    // C0 controls but tab and line feed (the carriage return included), and the non-characters U+FFFE and U+FFFF.
    private static readonly SearchValues<char> LeftToTheWriter = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Where(c => c is not '\t' and not '\n').Select(c => (char)c), '\uFFFE', '\uFFFF']);

    private readonly XmlWriter _inner;
    private readonly Stream _output;
    private readonly bool _enabled;
    private bool _inAttribute;

    public DirectTextWriter(XmlWriter inner, Stream output)
    {
        _inner = inner;
        _output = output;
        // The bytes are the writer's own only for UTF-8 and line feeds written as they are.
        _enabled = inner.Settings is { Encoding: UTF8Encoding, NewLineChars: "\n", NewLineHandling: NewLineHandling.Replace or NewLineHandling.None };
    }

    public override WriteState WriteState => _inner.WriteState;

    public override XmlWriterSettings? Settings => _inner.Settings;

    public override void WriteString(string? text)
    {
        if (!_enabled || _inAttribute || text is null || text.Length < MinimumLength || text.AsSpan().IndexOfAny(LeftToTheWriter) >= 0)
        {
            _inner.WriteString(text);
            return;
        }
        // Escaping turns a character into at most 5 bytes ("&amp;"); UTF-8 into at most 3 (a surrogate pair: 4 for 2).
        var bytes = ArrayPool<byte>.Shared.Rent(text.Length * 5);
        try
        {
            if (!TryEscape(text, bytes, out var length))
            {
                // A lone surrogate: the XmlWriter says so.
                _inner.WriteString(text);
                return;
            }
            // An empty text closes a start tag left open ('>'); the flush puts everything written so far before ours.
            _inner.WriteString(string.Empty);
            _inner.Flush();
            _output.Write(bytes, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>The text as element content in UTF-8; false when it holds a lone surrogate.</summary>
    internal static bool TryEscape(ReadOnlySpan<char> text, Span<byte> destination, out int length)
    {
        length = 0;
        while (true)
        {
            var next = text.IndexOfAny(Escaped);
            var plain = next < 0 ? text : text[..next];
            if (Utf8.FromUtf16(plain, destination[length..], out _, out var written, replaceInvalidSequences: false) != OperationStatus.Done)
            {
                return false;
            }
            length += written;
            if (next < 0)
            {
                return true;
            }
            var entity = text[next] switch
            {
                '&' => "&amp;"u8,
                '<' => "&lt;"u8,
                _ => "&gt;"u8,
            };
            entity.CopyTo(destination[length..]);
            length += entity.Length;
            text = text[(next + 1)..];
        }
    }

    public override void WriteStartAttribute(string? prefix, string localName, string? ns)
    {
        _inAttribute = true;
        _inner.WriteStartAttribute(prefix, localName, ns);
    }

    public override void WriteEndAttribute()
    {
        _inAttribute = false;
        _inner.WriteEndAttribute();
    }

    public override void WriteStartElement(string? prefix, string localName, string? ns) => _inner.WriteStartElement(prefix, localName, ns);
    public override void WriteEndElement() => _inner.WriteEndElement();
    public override void WriteFullEndElement() => _inner.WriteFullEndElement();
    public override void Flush() => _inner.Flush();
    public override string? LookupPrefix(string ns) => _inner.LookupPrefix(ns);
    public override void WriteBase64(byte[] buffer, int index, int count) => _inner.WriteBase64(buffer, index, count);
    public override void WriteCData(string? text) => _inner.WriteCData(text);
    public override void WriteCharEntity(char ch) => _inner.WriteCharEntity(ch);
    public override void WriteChars(char[] buffer, int index, int count) => _inner.WriteChars(buffer, index, count);
    public override void WriteComment(string? text) => _inner.WriteComment(text);
    public override void WriteDocType(string name, string? pubid, string? sysid, string? subset) => _inner.WriteDocType(name, pubid, sysid, subset);
    public override void WriteEndDocument() => _inner.WriteEndDocument();
    public override void WriteEntityRef(string name) => _inner.WriteEntityRef(name);
    public override void WriteProcessingInstruction(string name, string? text) => _inner.WriteProcessingInstruction(name, text);
    public override void WriteRaw(char[] buffer, int index, int count) => _inner.WriteRaw(buffer, index, count);
    public override void WriteRaw(string data) => _inner.WriteRaw(data);
    public override void WriteStartDocument() => _inner.WriteStartDocument();
    public override void WriteStartDocument(bool standalone) => _inner.WriteStartDocument(standalone);
    public override void WriteSurrogateCharEntity(char lowChar, char highChar) => _inner.WriteSurrogateCharEntity(lowChar, highChar);
    public override void WriteWhitespace(string? ws) => _inner.WriteWhitespace(ws);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
