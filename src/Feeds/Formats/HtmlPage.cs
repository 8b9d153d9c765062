using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Feeds.Formats;

/// <summary>
/// The frame of every HTML page Feeds serves: one inline style sheet and no other asset (nothing is fetched
/// from anywhere else), readable on a phone, with a Content-Security-Policy that allows exactly that style.
/// Every text is HTML-encoded here; no page carries article HTML.
/// </summary>
internal static class HtmlPage
{
    public const string MediaType = "text/html";

    private const string Style = """
        :root{color-scheme:light dark;--fg:#1b1b1b;--muted:#5f6368;--bg:#fdfdfc;--accent:#b3261e;--line:#e3e3e0}
        @media (prefers-color-scheme:dark){:root{--fg:#ececec;--muted:#a8abb0;--bg:#17181a;--accent:#ff8a80;--line:#2c2d30}}
        *{box-sizing:border-box}
        body{margin:0;background:var(--bg);color:var(--fg);font:17px/1.7 system-ui,-apple-system,"PingFang TC","Noto Sans CJK TC","Microsoft JhengHei",sans-serif}
        :lang(zh-Hans) body{font-family:system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif}
        main{max-width:46rem;margin:0 auto;padding:1.25rem 1rem 3rem}
        h1{font-size:1.6rem;line-height:1.3;margin:.5rem 0}
        h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
        h3{font-size:1.05rem;margin:0}
        a{color:var(--accent)}
        .muted,.meta{color:var(--muted);font-size:.9rem}
        .about{border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem;margin:1rem 0}
        .formats,.feeds,.names{list-style:none;padding:0;margin:.5rem 0}
        .formats li{margin:.25rem 0;overflow-wrap:anywhere}
        .feeds>li{padding:.5rem 0;border-bottom:1px solid var(--line)}
        .feeds .links a{margin-right:.75rem;font-size:.9rem;white-space:nowrap}
        .feeds ul{list-style:none;padding-left:1rem;margin:.25rem 0}
        .names li{display:inline-block;margin:0 .75rem .25rem 0}
        code{font-size:.85rem;background:var(--line);padding:.1rem .3rem;border-radius:.25rem}
        .items{list-style:none;padding:0}
        .items>li{padding:.75rem 0;border-bottom:1px solid var(--line)}
        .items p{margin:.25rem 0}
        """;

    /// <summary>CSP Level 3: nothing may load or run except this page's own style sheet, matched by its hash.</summary>
    public static readonly string ContentSecurityPolicy =
        $"default-src 'none'; style-src 'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Style)))}'; " +
        "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>
    /// Starts a page: head with title, alternates and style; the body's main element is open. An alternate with a
    /// media type of a feed is autodiscovery (RSS Autodiscovery, rssboard.org, and its Atom and JSON Feed
    /// equivalents); one with a language is the page or feed in the other script (HTML's hreflang).
    /// </summary>
    public static StringBuilder Begin(string language, string title, IEnumerable<PageAlternate> alternates)
    {
        var html = new StringBuilder(16 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"").Append(Encode(language)).Append("\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(Encode(title)).Append("</title>\n");
        foreach (var alternate in alternates)
        {
            html.Append("<link rel=\"alternate\"");
            if (alternate.MediaType != MediaType)
            {
                html.Append(" type=\"").Append(alternate.MediaType).Append("\" title=\"").Append(Encode(alternate.Title)).Append('"');
            }
            if (alternate.HrefLang is not null)
            {
                html.Append(" hreflang=\"").Append(Encode(alternate.HrefLang)).Append('"');
            }
            html.Append(" href=\"").Append(Encode(alternate.Href.AbsoluteUri)).Append("\">\n");
        }
        html.Append("<style>").Append(Style).Append("</style>\n</head>\n<body>\n<main>\n");
        return html;
    }

    /// <summary>
    /// A visible link to the page in the other script, named in that script's own writing so that its readers
    /// recognise it; nothing when there is none.
    /// </summary>
    public static StringBuilder TwinLink(this StringBuilder html, PageAlternate? twin)
    {
        if (twin is { HrefLang: { } language })
        {
            var name = language == Content.Scripts.SimplifiedLanguage ? "简体中文 · Simplified Chinese" : "繁體中文 · Traditional Chinese";
            html.Append("<p class=\"muted\"><a hreflang=\"").Append(Encode(language)).Append("\" lang=\"").Append(Encode(language))
                .Append("\" href=\"").Append(Encode(twin.Href.AbsoluteUri)).Append("\">").Append(name).Append("</a></p>\n");
        }
        return html;
    }

    public static byte[] End(StringBuilder html)
    {
        html.Append("</main>\n</body>\n</html>\n");
        return Encoding.UTF8.GetBytes(html.ToString());
    }

    public static string Encode(string text) => WebUtility.HtmlEncode(text);

    public static StringBuilder Link(this StringBuilder html, Uri href, string text) =>
        html.Append("<a href=\"").Append(Encode(href.AbsoluteUri)).Append("\">").Append(Encode(text)).Append("</a>");
}

/// <summary>A link in a page's head to the same content elsewhere: a feed (autodiscovery), or the page in the other script (<paramref name="HrefLang"/>).</summary>
internal sealed record PageAlternate(string MediaType, string Title, Uri Href, string? HrefLang = null);
