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
    [InlineData("<iframe src=\"https://ads.example.net/\" srcdoc=\"<script>x()</script>\" onload=\"x()\"></iframe><p>ok</p>", "<p><a href=\"https://ads.example.net/\">https://ads.example.net/</a></p><p>ok</p>")]
    [InlineData("<p style=\"position:fixed;top:0\">ok</p>", "<p>ok</p>")]
    [InlineData("<style>body{display:none}</style><p>ok</p>", "<p>ok</p>")]
    [InlineData("<svg><script>alert(1)</script></svg><p>ok</p>", "<p>ok</p>")]
    // The form and its controls go; the words a reader would have seen on them stay.
    [InlineData("<form action=\"/x\"><input name=\"q\"><button>go</button></form>", "go")]
    [InlineData("<object data=\"javascript:alert(1)\"></object><embed src=\"data:text/html,x\">", "")]
    [InlineData("<p>未閉合的<b>粗體", "<p>未閉合的<b>粗體</b></p>")]
    public void Clean_RemovesWhatCouldHarmAReader(string body, string expected)
    {
        Assert.Equal(expected, _html.Clean(body, ArticleUrl));
    }

    /// <summary>Issue 32, first item: what the allow-list used to remove with everything it held.</summary>
    [Theory]
    [InlineData("<picture><source srcset=\"c.webp\" type=\"image/webp\"><img src=\"c.jpg\" alt=\"乙\"></picture>",
        "<img src=\"https://news.example.com/news/logistics/c.jpg\" alt=\"乙\">")]
    [InlineData("<iframe src=\"//video.example.org/embed/7\" title=\"港口夜景\"></iframe>",
        "<p><a href=\"https://video.example.org/embed/7\">港口夜景</a></p>")]
    [InlineData("<video src=\"/media/a.mp4\" controls>你的瀏覽器不支援影片</video><p>後文</p>",
        "<p><a href=\"https://news.example.com/media/a.mp4\">你的瀏覽器不支援影片</a></p><p>後文</p>")]
    [InlineData("<video controls><source src=\"b.mp4\" type=\"video/mp4\"></video>",
        "<p><a href=\"https://news.example.com/news/logistics/b.mp4\">https://news.example.com/news/logistics/b.mp4</a></p>")]
    [InlineData("<audio title=\"專訪\"></audio>", "<p>專訪</p>")]
    public void Clean_KeepsWhatAReaderCanShow_OfPicturesAndEmbeds(string body, string expected)
    {
        Assert.Equal(expected, _html.Clean(body, ArticleUrl));
    }

    /// <summary>Issue 32, first item: a hostile fragment does not take the text after it.</summary>
    [Theory]
    [InlineData("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math><p>後文仍在</p>")]
    [InlineData("<math><mtext><table><mglyph><style><!--</style><img title=\"--&gt;&lt;img src=x onerror=alert(1)&gt;\">")]
    [InlineData("<svg><p><style><img src=x onerror=alert(1)></style><p>後文仍在</p>")]
    public void Clean_AHostileFragment_NeitherRunsNorSwallowsTheTextAfterIt(string fragment)
    {
        var cleaned = _html.Clean(fragment + "<p>最後一段</p>", ArticleUrl);
        using var parsed = new AngleSharp.Html.Parser.HtmlParser().ParseDocument($"<body>{cleaned}</body>");

        Assert.Contains("最後一段", parsed.Body!.TextContent, StringComparison.Ordinal);
        Assert.Empty(parsed.QuerySelectorAll("[onerror], script, style"));
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
    [InlineData("<i>斜體</i>與<br/>換行<BR>和<span class=\"x\">標記</span><!-- 註解 -->", "斜體與 換行 和標記")]
    [InlineData("Port traffic<br>record high", "Port traffic record high")]
    [InlineData("<p>First.</p><p>Second.</p>", "First. Second.")]
    [InlineData("<h2>港口</h2>物流<li>一</li><li>二</li>", "港口 物流 一 二")]
    [InlineData("a<b>c</b>d", "acd")]
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
