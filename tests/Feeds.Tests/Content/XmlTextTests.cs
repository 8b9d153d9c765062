namespace Feeds.Tests.Content;

public sealed class XmlTextTests
{
    [Theory]
    [InlineData("abc", "abc")]
    [InlineData("a\u0008b", "ab")]
    [InlineData("a\u000Bb\u000Cc", "abc")]
    [InlineData("a\u0000b", "ab")]
    [InlineData("tab\tlf\ncr\r", "tab\tlf\ncr\r")]
    [InlineData("a\uFFFEb\uFFFFc", "abc")]
    [InlineData("c1\u0085\u009F", "c1")]
    [InlineData("𠀀𪚥", "𠀀𪚥")]
    [InlineData("全形，標點“引號”", "全形，標點“引號”")]
    public void Clean_DropsWhatXmlForbids_AndKeepsSurrogatePairs(string input, string expected)
    {
        Assert.Equal(expected, XmlText.Clean(input));
    }

    // Attribute arguments are stored as UTF-8 and cannot carry a lone surrogate, so these are built at run time
    // and not serialised for discovery (which would turn them into U+FFFD too).
    public static TheoryData<string, string> LoneSurrogates => new()
    {
        { "a\uD800b", "ab" },
        { "a\uDC00b", "ab" },
        { "end\uD800", "end" },
        { "\uDC00\uD800", "" },
        { "\u0008𠀀\uD800", "𠀀" },
        { "\uD840\uD840\uDC00", "𠀀" },
    };

    [Theory, MemberData(nameof(LoneSurrogates), DisableDiscoveryEnumeration = true)]
    public void Clean_DropsLoneSurrogates(string input, string expected)
    {
        Assert.Equal(expected, XmlText.Clean(input));
    }

    [Fact]
    public void Clean_ReturnsTheSameInstance_WhenNothingIsWrong()
    {
        var text = "乾淨的文字 𠀀";

        Assert.Same(text, XmlText.Clean(text));
    }
}
