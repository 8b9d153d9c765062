using System.Text;
using System.Xml;
using Feeds.Formats;

namespace Feeds.Tests.Content;

/// <summary>
/// DirectTextWriter writes long element text itself: every byte must be the XmlWriter's own, and whatever the
/// XmlWriter refuses it must refuse too. Each text is written both ways, as element text and as an attribute
/// value, between other content, with the settings entries are written with, and the outputs compared byte for byte;
/// the direct way twice, since the second time writes the bytes kept from the first.
/// </summary>
public sealed class DirectTextWriterTests
{
    public static TheoryData<string, string> HardTexts => new()
    {
        { "markup", "<p>港口 &amp; 物流 <a href=\"x?a=1&b=2\">連結</a> 1 > 0 'quoted' \"double\"</p>" },
        { "tabs and line feeds", "第一行\n\t第二行\n" },
        { "carriage returns", "第一行\r\n第二行\r第三行" },
        { "surrogate pairs", "𠀀𠀁 港口🚢 😀" },
        { "a lone high surrogate", "前\uD840後" },
        { "a lone low surrogate", "前\uDC00後" },
        { "a control character", "前\u0001後" },
        { "a non-character", "前\uFFFE後" },
        { "next line and line separator", "前\u0085中\u2028後" },
        { "only ASCII", "plain text with nothing to escape" },
        { "an entity at each end", "&開始與結束<" },
    };

    [Theory, MemberData(nameof(HardTexts))]
    public void LongText_IsWrittenByteForByteAsTheXmlWriterWritesIt_OrRefusedLikeIt(string name, string piece)
    {
        var text = string.Concat(Enumerable.Repeat(piece, 1 + 300 / piece.Length));
        Assert.True(text.Length >= 256, name);

        var (plain, plainError) = Write(text, direct: false);
        var (direct, directError) = Write(text, direct: true);
        var (again, againError) = Write(text, direct: true);

        Assert.Equal(plainError?.GetType(), directError?.GetType());
        Assert.Equal(plainError?.GetType(), againError?.GetType());
        Assert.Equal(plain, direct);
        Assert.Equal(plain, again);
    }

    [Fact]
    public void ALongTextsBytes_AreKeptWhileItLives_ExceptTextTheXmlWriterWrites()
    {
        var body = string.Concat(Enumerable.Repeat("<p>港口 &amp; 物流</p>", 30));
        var withReturn = string.Concat(Enumerable.Repeat("第一行\r\n", 60));
        var shortText = new string('港', 100);

        Write(body, direct: true);
        Write(withReturn, direct: true);
        Write(shortText, direct: true);

        Assert.True(DirectTextWriter.IsKept(body));
        // The same characters in another string are escaped anew: kept bytes are found by the string, not its text.
        Assert.False(DirectTextWriter.IsKept(new string(body.AsSpan())));
        Assert.False(DirectTextWriter.IsKept(shortText));
        Assert.False(DirectTextWriter.IsKept(withReturn));
        Assert.Equal(Write(withReturn, direct: false).Bytes, Write(withReturn, direct: true).Bytes);
    }

    [Fact]
    public void RandomTexts_AreWrittenAsTheXmlWriterWritesThem()
    {
        var random = new Random(20261201);
        char[] alphabet = ['a', 'Z', ' ', '&', '<', '>', '"', '\'', '\t', '\n', '港', '口', '。', '\u00e9', '\u0085', '\u2028'];
        for (var round = 0; round < 200; round++)
        {
            var text = new string([.. Enumerable.Range(0, random.Next(256, 2000)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            var (plain, _) = Write(text, direct: false);
            Assert.Equal(plain, Write(text, direct: true).Bytes);
            Assert.Equal(plain, Write(text, direct: true).Bytes);
        }
    }

    [Fact]
    public void ATextWrittenDirectly_TakesTheSamePlaceAsTheWritersOwn()
    {
        var text = new string('港', 300);

        var (direct, error) = Write(text, direct: true);

        Assert.Null(error);
        var document = new XmlDocument();
        document.LoadXml(Encoding.UTF8.GetString(direct));
        Assert.Equal(text, document.SelectSingleNode("/root/element")!.InnerText);
        Assert.Equal(text, document.SelectSingleNode("/root/element/@attribute")!.Value);
        Assert.Equal("after", document.SelectSingleNode("/root/next")!.InnerText);
    }

    private static (byte[] Bytes, Exception? Error) Write(string text, bool direct)
    {
        using var buffer = new MemoryStream();
        Exception? error = null;
        try
        {
            var inner = XmlWriter.Create(buffer, SyndicationFeedFormat.FragmentSettings);
            using var writer = direct ? new DirectTextWriter(inner, buffer) : inner;
            writer.WriteStartElement("root");
            writer.WriteStartElement("element");
            writer.WriteAttributeString("attribute", text);
            writer.WriteString(text);
            writer.WriteEndElement();
            writer.WriteElementString("next", "after");
            writer.WriteEndElement();
        }
        catch (ArgumentException exception)
        {
            error = exception;
        }
        return (buffer.ToArray(), error);
    }
}
