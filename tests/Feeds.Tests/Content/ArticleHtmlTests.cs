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
    [InlineData("港口吞吐量\u3000「農產品」", "港口吞吐量\u3000「農產品」")]
    [InlineData("全形\u3000\u3000空格\u00A0與 \t\r\n 半形", "全形\u3000\u3000空格\u00A0與 半形")]
    [InlineData("比較 x<y 與 p<q 結果", "比較 x<y 與 p<q 結果")]
    [InlineData("若 x<y 則 y>x，否則 a<b", "若 x<y 則 y>x，否則 a<b")]
    [InlineData("a<b", "a<b")]
    [InlineData("p < q && r > s", "p < q && r > s")]
    [InlineData("<i>斜體</i>與<br/>換行<BR>和<span class=\"x\">標記</span><!-- 註解 -->", "斜體與換行和標記")]
    [InlineData("摘要 &lt;script&gt;alert(1)&lt;/script&gt; 結束", "摘要 <script>alert(1)</script> 結束")]
    [InlineData("&lt;tag&gt; 與 &amp;lt;", "<tag> 與 &lt;")]
    public void ToPlainText_KeepsTheTextAndDropsTheMarkup(string input, string expected)
    {
        Assert.Equal(expected, ArticleHtml.ToPlainText(input));
    }

    [Theory]
    [InlineData("<p>短短一句。</p>", "短短一句。")]
    [InlineData("<p>第一句說明港口的夜間作業。第二句補充細節，內容較長，用來測試只取到句子結束的位置，而不是從中間截斷文字，讓讀者看到完整的句子。第三句更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長更長。</p>",
        "第一句說明港口的夜間作業。第二句補充細節，內容較長，用來測試只取到句子結束的位置，而不是從中間截斷文字，讓讀者看到完整的句子。")]
    [InlineData("<p>One.</p><p>Two<br>three</p>", "One. Two three")]
    [InlineData("<p> </p>", null)]
    public void Excerpt_IsTheStartOfTheBodysText_CutAtASentence(string body, string? expected)
    {
        Assert.Equal(expected, _html.Excerpt(body));
    }

    [Fact]
    public void Excerpt_OfTextWithoutASentenceEnd_IsCutWithAnEllipsis()
    {
        var excerpt = _html.Excerpt("<p>" + new string('字', 300) + "</p>");

        Assert.Equal(new string('字', 120) + "…", excerpt);
    }
}
