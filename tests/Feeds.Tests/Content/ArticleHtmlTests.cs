using Feeds.Content;

namespace Feeds.Tests.Content;

public sealed class ArticleHtmlTests
{
    private static readonly Uri ArticleUrl = new("https://news.example.com/news/logistics/a-1.html");
    private readonly ArticleHtml _html = new();

    [Theory]
    [InlineData("<script>alert(1)</script><p>ok</p>", "<p>ok</p>")]
    [InlineData("<p onclick=\"steal()\" onmouseover=\"x()\">ok</p>", "<p>ok</p>")]
    [InlineData("<a href=\"javascript:alert(1)\">x</a>", "<a>x</a>")]
    [InlineData("<a href=\"JaVaScRiPt:alert(1)\">x</a>", "<a>x</a>")]
    [InlineData("<img src=\"data:image/svg+xml;base64,PHN2Zz4=\">", "<img>")]
    [InlineData("<iframe src=\"https://ads.example.net/\"></iframe><p>ok</p>", "<p>ok</p>")]
    [InlineData("<p style=\"position:fixed;top:0\">ok</p>", "<p>ok</p>")]
    [InlineData("<style>body{display:none}</style><p>ok</p>", "<p>ok</p>")]
    [InlineData("<svg><script>alert(1)</script></svg><p>ok</p>", "<p>ok</p>")]
    [InlineData("<form action=\"/x\"><input name=\"q\"><button>go</button></form>", "")]
    [InlineData("<object data=\"x.swf\"></object><embed src=\"x.swf\">", "")]
    [InlineData("<p>未閉合的<b>粗體", "<p>未閉合的<b>粗體</b></p>")]
    public void Clean_RemovesWhatCouldHarmAReader(string body, string expected)
    {
        Assert.Equal(expected, _html.Clean(body, ArticleUrl));
    }

    [Fact]
    public void Clean_MakesRelativeUrlsAbsolute_AgainstTheArticle()
    {
        var cleaned = _html.Clean("<a href=\"/about\">a</a><a href=\"other.html\">b</a><img src=\"../img/c.png\"><a href=\"#top\">d</a>", ArticleUrl);

        Assert.Equal(
            "<a href=\"https://news.example.com/about\">a</a><a href=\"https://news.example.com/news/logistics/other.html\">b</a>" +
            "<img src=\"https://news.example.com/news/img/c.png\"><a href=\"https://news.example.com/news/logistics/a-1.html#top\">d</a>",
            cleaned);
    }

    [Fact]
    public void Clean_PassesDirtyButHarmlessTextThroughFaithfully()
    {
        const string body = "<p>点击关注获取最新优惠信息</p><p>業(ye) 者表示，物流(wu liu) 需求“持續”增加、成長。</p>";

        Assert.Equal(body, _html.Clean(body, ArticleUrl));
    }

    [Theory]
    [InlineData("運價 & 油價 <漲跌> \"兩難\"", "運價 & 油價 <漲跌> \"兩難\"")]
    [InlineData("AT&amp;T <b>粗體</b>", "AT&T 粗體")]
    [InlineData("<em>獨家</em>：港口  夜間\n作業", "獨家：港口 夜間 作業")]
    [InlineData("a < b > c", "a < b > c")]
    [InlineData("<script>alert(1)</script>標題", "alert(1)標題")]
    [InlineData("標題\u0008𠀀", "標題𠀀")]
    public void ToPlainText_KeepsTheTextAndDropsTheMarkup(string input, string expected)
    {
        Assert.Equal(expected, _html.ToPlainText(input));
    }
}
