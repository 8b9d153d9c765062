using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Feeds.Tests.Content;

/// <summary>
/// Simplified-Chinese text through OpenCC's C API (Content/OpenCcConverter), against OpenCC's own command-line tool
/// (Debian's opencc) as the oracle: every converted text equals `opencc -c CONFIG` of the original, and in HTML
/// nothing but text (text nodes, alt, title) changes, byte for byte.
/// </summary>
public sealed class OpenCcConverterTests
{
    public static TheoryData<string, string> HardTexts => new()
    {
        { "phrases", "軟體與網路的資訊安全，記憶體不足時請重新開機。" },
        { "extension B", "陳𠮷與𠀀字，㐀㐁。" },
        { "emoji and a ZWJ sequence", "港口👨‍👩‍👧‍👦今天😀開放🇹🇼" },
        { "ideographic space and full-width punctuation", "國家郵政局　發布「快遞」資料：（一）、（二）！？" },
        { "escaped markup as text", "&lt;script&gt;alert(1)&lt;/script&gt; 與 <b>粗體</b>" },
        { "a tag name", "綜合 物流" },
        { "Latin and digits", "ＡＩ 與 5G 物聯網 IoT 2026年" },
    };

    [Theory, MemberData(nameof(HardTexts))]
    public async Task EveryText_IsConvertedAsOpenCcsOwnToolConvertsIt(string name, string text)
    {
        foreach (var configuration in new[] { "t2s.json", "tw2sp.json" })
        {
            using var converter = Open(configuration);

            var converted = converter.Convert(text);

            Assert.True(converted == await OracleAsync(configuration, text), $"{name}, {configuration}: '{converted}'");
        }
    }

    [Fact]
    public void ByPhrase_WithTheTaiwanConfiguration_AndCharactersWithoutAMappingPassUnchanged()
    {
        using var taiwan = Open("tw2sp.json");
        using var plain = Open("t2s.json");

        Assert.Equal("软件", taiwan.Convert("軟體"));
        Assert.Equal("软体", plain.Convert("軟體"));
        Assert.Equal("陈𠮷与😀", plain.Convert("陳𠮷與😀"));
        Assert.Null(plain.Convert(null));
        Assert.Equal("", plain.Convert(""));
    }

    [Fact]
    public async Task InHtml_OnlyTextNodesAltAndTitleAreConverted_EveryUrlAndOtherAttributeKeepsItsBytes()
    {
        using var converter = Open("t2s.json");
        const string html = "<p>國家郵政局發布<a href=\"https://news.example.com/新聞/軟體?分類=資訊&amp;頁=2\" title=\"軟體新聞\" class=\"連結\">軟體新聞</a>，"
            + "詳見<img src=\"https://news.example.com/圖片/郵政.jpg\" alt=\"郵政總局大樓\" data-說明=\"郵政\"></p>"
            + "<p><ruby>漢<rp>(</rp><rt>ㄏㄢˋ</rt><rp>)</rp></ruby>字 &lt;script&gt; 與 &amp; 號</p><blockquote>國際　航運</blockquote>";

        var converted = converter.ConvertHtml(html)!;

        var parser = new HtmlParser();
        var before = parser.ParseDocument(html).Body!;
        var after = parser.ParseDocument(converted).Body!;
        var beforeNodes = before.Descendants().ToList();
        var afterNodes = after.Descendants().ToList();
        Assert.Equal(beforeNodes.Count, afterNodes.Count);
        for (var i = 0; i < beforeNodes.Count; i++)
        {
            switch (beforeNodes[i], afterNodes[i])
            {
                case (IText original, IText text):
                    Assert.Equal(await OracleAsync("t2s.json", original.Data), text.Data);
                    break;
                case (IElement original, IElement element):
                    Assert.Equal(original.LocalName, element.LocalName);
                    Assert.Equal(original.Attributes.Select(a => a.Name), element.Attributes.Select(a => a.Name));
                    foreach (var attribute in original.Attributes)
                    {
                        var expected = attribute.Name is "alt" or "title" ? await OracleAsync("t2s.json", attribute.Value) : attribute.Value;
                        Assert.Equal(expected, element.GetAttribute(attribute.Name));
                    }
                    break;
                default:
                    Assert.Fail($"node {i}: {beforeNodes[i].NodeType} became {afterNodes[i].NodeType}");
                    break;
            }
        }
        // The URL as written, percent-encoding and all: byte for byte, not converted.
        Assert.Contains("href=\"https://news.example.com/新聞/軟體?分類=資訊&amp;頁=2\"", converted, StringComparison.Ordinal);
        Assert.Contains("data-說明=\"郵政\"", converted, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", converted, StringComparison.Ordinal);
        Assert.Contains("软体新闻", converted, StringComparison.Ordinal);
    }

    [Fact]
    public void AConfigurationOpenCcDoesNotHave_IsRefusedInOneLine()
    {
        using var converter = OpenCcConverter.TryOpen("no-such-config.json", out var problem);

        Assert.Null(converter);
        Assert.NotNull(problem);
        Assert.DoesNotContain('\n', problem);
        Assert.Contains("no-such-config.json", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutTheLibrary_NoConverterIsOpened_AndTheProblemSaysWhatToInstall_InOneLine()
    {
        var converter = OpenCcConverter.TryOpen("t2s.json", "libopencc-not-here.so.1.1", out var problem);

        Assert.Null(converter);
        Assert.Equal("OpenCC (libopencc-not-here.so.1.1) is not installed: apt-get install libopencc1.1 libopencc-data", problem);
    }

    private static OpenCcConverter Open(string configuration)
    {
        var converter = OpenCcConverter.TryOpen(configuration, out var problem);
        Assert.SkipWhen(converter is null && problem!.Contains("not installed", StringComparison.Ordinal), problem ?? "");
        Assert.True(converter is not null, problem);
        return converter;
    }

    private static Task<string> OracleAsync(string configuration, string text) => OpenCcOracle.ConvertAsync(configuration, text);
}
