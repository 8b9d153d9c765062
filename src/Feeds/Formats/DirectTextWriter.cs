using System.Buffers;
using System.Runtime.CompilerServices;
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
/// line feed) or a character XML does not allow (which makes it throw). The bytes of each text are kept while the
/// text lives, and written again without escaping it again.
/// </summary>
internal sealed class DirectTextWriter : ForwardingXmlWriter
{
    // Shorter texts are cheaper through the XmlWriter than a flush.
    private const int MinimumLength = 256;

    private static readonly SearchValues<char> Escaped = SearchValues.Create("&<>");

    // C0 controls but tab and line feed (the carriage return included), and the non-characters U+FFFE and U+FFFF.
    private static readonly SearchValues<char> LeftToTheWriter = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Where(c => c is not '\t' and not '\n').Select(c => (char)c), '\uFFFE', '\uFFFF']);

    // The escaped bytes of each long text, kept as long as the string itself lives: an article's cleaned body is one
    // string, kept with its content (EntryCache, CleanArticleCache) and written into every format, and again whenever
    // its entry is written anew (a tag renamed). Escaping and encoding it was a third of such a render's CPU. Keyed by
    // the string's identity, so nothing here outlives what the caches above keep, and no text is compared.
    private static readonly ConditionalWeakTable<string, byte[]> EscapedTexts = new();

    private readonly Stream _output;
    private readonly bool _enabled;

    public DirectTextWriter(XmlWriter inner, Stream output)
        : base(inner)
    {
        _output = output;
        // The bytes are the writer's own only for UTF-8 and line feeds written as they are.
        _enabled = inner.Settings is { Encoding: UTF8Encoding, NewLineChars: "\n", NewLineHandling: NewLineHandling.Replace or NewLineHandling.None };
    }

    public override XmlWriterSettings? Settings => Inner.Settings;

    public override void WriteString(string? text)
    {
        if (!_enabled || InAttribute || text is null || text.Length < MinimumLength)
        {
            Inner.WriteString(text);
            return;
        }
        var escaped = EscapedTexts.GetValue(text, Escape);
        if (escaped.Length == 0)
        {
            Inner.WriteString(text);
            return;
        }
        // An empty text closes a start tag left open ('>'); the flush puts everything written so far before ours.
        Inner.WriteString(string.Empty);
        Inner.Flush();
        _output.Write(escaped);
    }

    /// <summary>Whether the escaped bytes of this very string are kept (for tests).</summary>
    internal static bool IsKept(string text) => EscapedTexts.TryGetValue(text, out var escaped) && escaped.Length > 0;

    /// <summary>The text as element content in UTF-8, or nothing when the XmlWriter must write it (see above).</summary>
    private static byte[] Escape(string text)
    {
        if (text.AsSpan().IndexOfAny(LeftToTheWriter) >= 0)
        {
            return [];
        }
        // Escaping turns a character into at most 5 bytes ("&amp;"); UTF-8 into at most 3 (a surrogate pair: 4 for 2).
        var buffer = ArrayPool<byte>.Shared.Rent(text.Length * 5);
        try
        {
            // A lone surrogate: the XmlWriter says so.
            return TryEscape(text, buffer, out var length) ? buffer.AsSpan(0, length).ToArray() : [];
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
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
}
