using System.Net;
using System.Text.RegularExpressions;
using AngleSharp.Html.Parser;
using Ganss.Xss;

namespace Feeds.Content;

/// <summary>
/// Turns CMS text into what a feed reader can show safely. Bodies keep their HTML, cleaned by HtmlSanitizer
/// (an AngleSharp-based allow-list sanitiser): scripts, event handlers, javascript: and data: URLs, iframes,
/// forms and styles go, and relative URLs become absolute against the article's own URL. Titles and
/// summaries are plain text: markup in them is CMS dirt and is reduced to its text. Characters that XML
/// forbids are dropped from both.
/// </summary>
public sealed partial class ArticleHtml
{
    // Sanitize() is thread-safe on a shared instance once configured (HtmlSanitizer README, "Thread safety").
    private readonly HtmlSanitizer _sanitizer;
    private readonly HtmlParser _parser = new();

    public ArticleHtml()
    {
        _sanitizer = new HtmlSanitizer();
        _sanitizer.AllowedSchemes.Clear();
        _sanitizer.AllowedSchemes.UnionWith(["http", "https", "mailto"]);
        // Inline styles can hide or overlay content in a reader; classes and ids mean nothing outside the site.
        _sanitizer.AllowedAttributes.ExceptWith(["style", "class", "id"]);
        _sanitizer.AllowedTags.ExceptWith(["style", "form", "input", "button", "select", "option", "textarea", "fieldset", "legend"]);
        _sanitizer.AllowedAtRules.Clear();
        _sanitizer.AllowDataAttributes = false;
    }

    public string Clean(string html, Uri articleUrl)
    {
        if (string.IsNullOrWhiteSpace(html))
        {
            return string.Empty;
        }
        var sanitized = _sanitizer.Sanitize(XmlText.Clean(html), articleUrl.AbsoluteUri);
        return XmlText.Clean(sanitized).Trim();
    }

    /// <summary>
    /// The text the newsroom meant, on one line: tags of known HTML elements ("&lt;b&gt;", "&lt;/i&gt;", "&lt;br/&gt;") and
    /// comments are CMS dirt and go, character references are decoded ("AT&amp;amp;T" gives "AT&amp;T"), and every
    /// other "&lt;" is text ("x&lt;y", "a &lt; b", "&lt;漲跌&gt;"). Runs of ASCII whitespace and line breaks become one
    /// space; every other character stays as written (U+3000, the ideographic space, included), except those XML forbids.
    /// </summary>
    public static string ToPlainText(string text)
    {
        var clean = XmlText.Clean(text);
        if (clean.AsSpan().IndexOfAny('<', '&') >= 0)
        {
            clean = WebUtility.HtmlDecode(MarkupTag().Replace(clean, match => KnownElements.Contains(match.Groups["name"].Value) || match.Value.StartsWith("<!--", StringComparison.Ordinal) ? "" : match.Value));
            clean = XmlText.Clean(clean);
        }
        return AsciiWhitespace().Replace(clean, " ").Trim(' ');
    }

    /// <summary>
    /// The start of an HTML body's text for a feed item that has no summary: whole sentences up to about
    /// <paramref name="length"/> characters, or the first <paramref name="length"/> and an ellipsis; null when the body has no text.
    /// </summary>
    public string? Excerpt(string? html, int length = 120)
    {
        if (string.IsNullOrWhiteSpace(html))
        {
            return null;
        }
        using var document = _parser.ParseDocument(string.Empty);
        // Block ends separate words that the markup kept apart.
        var fragment = _parser.ParseFragment(BlockEnd().Replace(html, "$0 "), document.Body!);
        var text = AsciiWhitespace().Replace(XmlText.Clean(string.Concat(fragment.Select(node => node.TextContent))), " ").Trim(' ');
        if (text.Length <= length)
        {
            return text.Length == 0 ? null : text;
        }
        var cut = text.AsSpan(0, length).LastIndexOfAny("。！？!?.");
        if (cut >= length / 4)
        {
            return text[..(cut + 1)];
        }
        var end = char.IsHighSurrogate(text[length - 1]) ? length - 1 : length;
        return text[..end].TrimEnd(' ') + "…";
    }

    // The elements of HTML (WHATWG HTML, section 4, and the obsolete ones of section 16) whose tags CMS text carries.
    private static readonly HashSet<string> KnownElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "abbr", "acronym", "address", "area", "article", "aside", "audio", "b", "base", "bdi", "bdo", "big", "blink",
        "blockquote", "body", "br", "button", "canvas", "caption", "center", "cite", "code", "col", "colgroup", "data",
        "datalist", "dd", "del", "details", "dfn", "dialog", "div", "dl", "dt", "em", "embed", "fieldset", "figcaption",
        "figure", "font", "footer", "form", "frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header",
        "hgroup", "hr", "html", "i", "iframe", "img", "input", "ins", "kbd", "label", "legend", "li", "link", "main", "map",
        "mark", "marquee", "menu", "meta", "meter", "nav", "nobr", "noscript", "object", "ol", "optgroup", "option",
        "output", "p", "param", "picture", "pre", "progress", "q", "rp", "rt", "ruby", "s", "samp", "script", "search",
        "section", "select", "slot", "small", "source", "span", "strike", "strong", "style", "sub", "summary", "sup", "svg",
        "table", "tbody", "td", "template", "textarea", "tfoot", "th", "thead", "time", "title", "tr", "track", "tt", "u",
        "ul", "var", "video", "wbr",
    };

    // A tag formed and closed: "<name", then whitespace and attributes (no "<" or ">"), optionally "/", then ">"; or a comment.
    [GeneratedRegex(@"<!--.*?-->|</?(?<name>[A-Za-z][A-Za-z0-9]*)(?:[\t\n\f\r ][^<>]*)?/?>", RegexOptions.Singleline)]
    private static partial Regex MarkupTag();

    // HTML's ASCII whitespace (WHATWG Infra: tab, LF, FF, CR, space).
    [GeneratedRegex(@"[\t\n\f\r ]+")]
    private static partial Regex AsciiWhitespace();

    [GeneratedRegex(@"<br\b[^>]*>|</(?:p|div|li|h[1-6]|blockquote|tr|td|th|dd|dt|figcaption|pre)>", RegexOptions.IgnoreCase)]
    private static partial Regex BlockEnd();
}
