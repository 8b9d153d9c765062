using System.Net.Sockets;
using System.Text;
using AngleSharp.Html.Parser;

namespace Feeds.Tests.Http;

/// <summary>
/// Random and hostile requests against the real server (a fuzz test), and article bodies carrying the usual
/// XSS vectors: never a 5xx, never a stack trace, always a well-formed problem or a valid document; nothing
/// executable reaches any format.
/// </summary>
public sealed class HostileInputTests : FeedsTest
{
    private static readonly string[] Paths =
    [
        "/", "/feeds.opml", "/feeds/feed.xsl", "/feeds/all.rss", "/feeds/news.atom", "/feeds/logistics.json", "/feeds/news",
        "/feeds/tags/供應鏈.rss", "/feeds/tags/供應鏈", "/feeds/news/archive/2026-11.atom", "/feeds/all/archive/2026-10.json",
        "/health/live", "/health/ready", "/feeds/../../etc/passwd", "/feeds/%2e%2e/%2e%2e/etc/passwd", "/feeds/..%2f..%2fetc%2fpasswd.rss",
        "/feeds/%00.rss", "/feeds/%C3%28.rss", "/feeds/%FF%FE.atom", "/feeds/tags/%ED%A0%80.json", "/feeds/news/archive/%FF-%FE.rss",
        "/feeds/'%20OR%201=1--.rss", "/feeds/news;DROP%20TABLE%20articles.rss", "/feeds/" + new string('a', 4000) + ".rss",
        "/feeds/news.rss.rss", "/feeds/.rss", "/feeds/tags/.json", "/feeds/news/archive/.atom", "/feeds//news.rss", "/feeds/news.RSS",
        "/feeds/news/archive/0000-00.rss", "/feeds/news/archive/9999-99.rss", "/feeds/news/archive/2026-1.rss", "/%u002e%u002e/x",
        "/feeds/\u202Enews.rss", "/feeds/tags/%F0%A0%80%80.rss", "/feeds/tags/<script>.rss", "/feeds/tags/%3Cscript%3E", "/favicon.ico",
    ];

    private static readonly string[] Queries =
    [
        "", "?limit=5", "?limit=0", "?limit=-1", "?limit=99999999999999999999", "?limit=1e3", "?limit=%00", "?limit=5&limit=6",
        "?limit=1%20OR%201=1", "?before=1-1", "?before=-1--1", "?before=99999999999999999999-1", "?before=%FF", "?before=" + new string('9', 300),
        "?%FF=%FE", "?limit=%C3%28", "?utm_source=x&utm_medium=<script>", "?" + new string('q', 3000), "?before=639000000000000000-5&before=1-1",
    ];

    private static readonly (string Name, string Value)[] Headers =
    [
        ("If-None-Match", "\"abc\""), ("If-None-Match", "W/\"\""), ("If-None-Match", "*"), ("If-None-Match", "garbage without quotes"),
        ("If-None-Match", "W/\"" + new string('x', 2000) + "\""), ("If-None-Match", "\"a\", , W/\"b\",,"), ("If-Modified-Since", "yesterday"),
        ("If-Modified-Since", "Sat, 32 Nov 2026 99:99:99 GMT"), ("If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT"),
        ("If-Modified-Since", "Fri, 31 Dec 9999 23:59:59 GMT"), ("Accept-Encoding", "gzip;q=abc, br;q=-1, *;q=2"), ("Accept-Encoding", ";;;,,,"),
        ("Accept-Encoding", "identity;q=0, *;q=0"), ("Host", "evil.example"), ("X-Forwarded-Host", "evil.example"), ("X-Forwarded-For", "not an ip"),
        ("X-Forwarded-Proto", "gopher"), ("Accept", "*/*;q=x"), ("Range", "bytes=0-10"), ("If-Range", "\"x\""), ("Sec-Fetch-Dest", "document"),
    ];

    [Fact]
    public async Task ThousandsOfRandomAndHostileRequests_NeverGetA5xx_AndAlwaysAWellFormedAnswer()
    {
        await using var site = await TestSite.StartAsync("sqlite", settings: new Dictionary<string, string?>
        {
            ["Feeds:PolitePolling:Enabled"] = "true", ["Feeds:PolitePolling:UnconditionalPerTimeToLive"] = "2",
            // Most of these requests are detours (404, 400, redirects): paced as a flood's are, but not slowed.
            ["Feeds:RenderLimits:DetoursPerSecond"] = "1", ["Feeds:TooManyRequestsDelay"] = "00:00:00",
        }, Articles.Sample("a-1") with { Tags = ["供應鏈"] }, Articles.Sample("a-2", category: "express"));
        var (db, app, client) = site;
        var seed = Environment.GetEnvironmentVariable("FEEDS_FUZZ_SEED") is { } text ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : 20261128;
        var random = new Random(seed);
        string[] methods = ["GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH"];
        var seen = new HashSet<HttpStatusCode>();

        for (var i = 0; i < 3000; i++)
        {
            var path = random.Next(4) == 0 ? RandomPath(random) : Paths[random.Next(Paths.Length)];
            var target = path + Queries[random.Next(Queries.Length)];
            using var request = new HttpRequestMessage(new HttpMethod(methods[random.Next(methods.Length)]), target);
            for (var h = random.Next(4); h > 0; h--)
            {
                var (name, value) = Headers[random.Next(Headers.Length)];
                if (name == "Host")
                {
                    request.Headers.Host = value;
                }
                else
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }
            }
            var response = await client.SendAsync(request, Cancel);
            seen.Add(response.StatusCode);
            await AssertWellFormedAsync(response, $"seed {seed}, request {i}: {request.Method} {target}");
        }
        // The requests reached every kind of answer, not only one error path.
        Assert.Superset(new HashSet<HttpStatusCode> { HttpStatusCode.OK, HttpStatusCode.NotModified, HttpStatusCode.BadRequest, HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed, HttpStatusCode.TooManyRequests }, seen);

        // Bytes no HttpClient would send: invalid UTF-8 and control characters in the request line itself.
        foreach (var line in new[] { "GET /feeds/\xff\xfe.rss HTTP/1.1", "GET /feeds/all.rss\x00 HTTP/1.1", "GET /feeds/%%%.rss HTTP/1.1", "GET " + new string('/', 20000) + " HTTP/1.1", "BREW /coffee HTTP/1.1" })
        {
            var status = await SendRawAsync(app.Address, line);
            Assert.True(status is >= 200 and < 500, $"{status} for raw request line {line[..Math.Min(line.Length, 60)]}");
        }
    }

    [Fact]
    public async Task XssVectorsInArticles_ComeOutHarmless_InEveryFormatAndPage()
    {
        const string vectors = """
            <p>正文<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">點我</a>
            <a href="data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==">資料</a><svg onload=alert(5)><circle/></svg>
            <iframe src="https://evil.example/"></iframe><object data="x.swf"></object><embed src="x.swf">
            <div style="background:url(javascript:alert(6))">樣式</div><a href=" JaVaScRiPt:alert(7)">空白</a>
            <math><mtext><table><mglyph><style><img src=x onerror=alert(8)></style></mglyph></table></mtext></math>
            <img src="x" onerror="alert(9)"/><body onload=alert(10)><form action="https://evil.example/"><input autofocus onfocus=alert(11)></form>
            <a href="vbscript:msgbox(12)">vb</a><p onclick="alert(13)">點</p><<script>script>alert(14)<</script>/script></p>
            """;
        await using var site = await TestSite.StartAsync("sqlite", Articles.Sample("x-1", title: "<script>alert('title')</script>標題<img src=x onerror=alert(15)>") with
        {
            ContentHtml = vectors,
            Summary = "<b onmouseover=alert(16)>摘要</b><script>alert(17)</script>",
            ImageUrl = "javascript:alert(18)",
            Url = "javascript:alert(19)",
        });
        var (db, app, client) = site;

        var rss = FeedXml.Parse(await client.GetByteArrayAsync("/feeds/news.rss", Cancel));
        var atom = FeedXml.Parse(await client.GetByteArrayAsync("/feeds/news.atom", Cancel));
        using var json = JsonDocument.Parse(await client.GetByteArrayAsync("/feeds/news.json", Cancel));
        var page = await client.GetStringAsync("/feeds/news", Cancel);

        var item = FeedXml.RssItems(rss).Single();
        var htmlBodies = new[]
        {
            item.Element(FeedXml.ContentModule + "encoded")!.Value,
            FeedXml.AtomEntries(atom).Single().Element(FeedXml.Atom + "content")!.Value,
            json.RootElement.GetProperty("items")[0].GetProperty("content_html").GetString()!,
        };
        foreach (var body in htmlBodies)
        {
            AssertHarmless(body);
            Assert.Contains("正文", body, StringComparison.Ordinal);
        }
        // Titles and summaries are text: whatever markup they had is gone, and in XML the rest is escaped once.
        foreach (var text in new[] { item.Element("title")!.Value, item.Element("description")!.Value, json.RootElement.GetProperty("items")[0].GetProperty("title").GetString()! })
        {
            Assert.DoesNotContain("<", text, StringComparison.Ordinal);
        }
        // Links are http(s) only: a javascript: article URL or image is never written.
        var everything = string.Join("\n", rss.ToString(), atom.ToString(), json.RootElement.GetRawText(), page);
        Assert.DoesNotContain("javascript:", everything, StringComparison.OrdinalIgnoreCase);
        // The HTML page: no script, no handler, nothing from the article body.
        AssertHarmless(page);
        Assert.DoesNotContain("正文", page, StringComparison.Ordinal);
    }

    private static void AssertHarmless(string html)
    {
        var document = new HtmlParser().ParseDocument(html);
        Assert.Empty(document.QuerySelectorAll("script, iframe, object, embed, svg, math, form, input, base, meta[http-equiv], link[rel=import]"));
        foreach (var element in document.All)
        {
            foreach (var attribute in element.Attributes)
            {
                Assert.False(attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"{element.LocalName} has {attribute.Name}");
                Assert.NotEqual("style", attribute.Name);
                if (attribute.Name is "href" or "src" or "action" or "formaction" or "xlink:href")
                {
                    var value = attribute.Value.Trim();
                    Assert.True(value.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("http://", StringComparison.OrdinalIgnoreCase),
                        $"{element.LocalName} {attribute.Name}=\"{value}\"");
                }
            }
        }
    }

    private static async Task AssertWellFormedAsync(HttpResponseMessage response, string context)
    {
        var status = (int)response.StatusCode;
        Assert.True(status < 500, $"{status} for {context}");
        var body = await response.Content.ReadAsByteArrayAsync(Cancel);
        var text = Encoding.UTF8.GetString(body);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        if (body.Length == 0)
        {
            return;
        }
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (response.Content.Headers.ContentEncoding.Count > 0)
        {
            body = FeedXml.Decode(body, response.Content.Headers.ContentEncoding.Single());
        }
        switch (mediaType)
        {
            case "application/problem+json":
                using (var problem = JsonDocument.Parse(body))
                {
                    Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
                    Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("title").GetString()), context);
                }
                break;
            case "application/rss+xml" or "application/atom+xml" or "application/xml" or "text/x-opml" or "text/xsl":
                FeedXml.Parse(body);
                break;
            case "application/feed+json" or "application/json":
                using (JsonDocument.Parse(body))
                {
                }
                break;
            case "text/html":
                Assert.StartsWith("<!DOCTYPE html>", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
                break;
            default:
                Assert.Fail($"{status} with content type {mediaType ?? "(none)"} and a body for {context}");
                break;
        }
    }

    private static string RandomPath(Random random)
    {
        string[] pieces = ["feeds", "tags", "archive", "all", "news", "2026-11", ".rss", ".atom", ".json", "..", "%2F", "%00", "%FF", "%E4%BE%9B", "~", "*", "'", "\"", "<", ">", "`", "|", "%20", ";", "$", "{x}", "𠀀"];
        var path = new StringBuilder();
        for (var n = random.Next(1, 6); n > 0; n--)
        {
            path.Append('/').Append(pieces[random.Next(pieces.Length)]);
            if (random.Next(3) == 0)
            {
                path.Append(pieces[random.Next(pieces.Length)]);
            }
        }
        // Uri escapes what a request line may not carry, as a client library would; percent sequences stay.
        return path.ToString();
    }

    private static async Task<int> SendRawAsync(Uri address, string requestLine)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(address.Host, address.Port, Cancel);
        var stream = socket.GetStream();
        var bytes = Encoding.Latin1.GetBytes($"{requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(bytes, Cancel);
        using var reader = new StreamReader(stream, Encoding.Latin1);
        var statusLine = await reader.ReadLineAsync(Cancel) ?? "";
        var parts = statusLine.Split(' ');
        return parts.Length > 1 && int.TryParse(parts[1], out var status) ? status : 0;
    }
}
