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
        // An element that is not allowed goes, but what it holds stays, cleaned in turn: the newsroom's text inside
        // a <math>, an <svg> or markup the allow-list does not know is still theirs. What holds no text for people
        // (scripts, styles, templates) is removed whole before (KeepWhatReadersCanShow).
        _sanitizer.KeepChildNodes = true;
    }

    public string Clean(string html, Uri articleUrl)
    {
        if (string.IsNullOrWhiteSpace(html))
        {
            return string.Empty;
        }
        var sanitized = _sanitizer.Sanitize(KeepWhatReadersCanShow(XmlText.Clean(html), articleUrl), articleUrl.AbsoluteUri);
        return XmlText.Clean(sanitized).Trim();
    }

    /// <summary>
    /// Before the allow-list, which keeps what a removed element holds:
    /// <list type="bullet">
    /// <item>An element whose raw text holds markup (a &lt;style&gt; inside MathML swallows everything after it as its
    /// text, in every HTML parser) gives that markup back as HTML, so that the text after a hostile fragment
    /// survives; then every script, style, template and the like is removed whole, text and all.</item>
    /// <item>A &lt;picture&gt; leaves its &lt;img&gt; (its fallback, which every reader shows).</item>
    /// <item>An embed (iframe, video, audio, embed, object) leaves a paragraph with a link to its absolute address,
    /// named by its title, or its fallback text, or the address, so that a reader learns that something was there
    /// and can open it.</item>
    /// </list>
    /// Bodies without any of these elements are not parsed twice. The markup goes back to the sanitiser as HTML.
    /// </summary>
    private string KeepWhatReadersCanShow(string html, Uri articleUrl)
    {
        if (!ElementsToPrepare().IsMatch(html))
        {
            return html;
        }
        using var document = _parser.ParseDocument(string.Empty);
        var body = document.Body!;
        body.InnerHtml = html;
        // Bounded: each round turns one swallowing element back into markup.
        for (var round = 0; round < 8 && body.QuerySelectorAll(Swallowing).FirstOrDefault(element => MarkupInText().IsMatch(element.TextContent)) is { } swallower; round++)
        {
            var container = document.CreateElement("div");
            container.InnerHtml = swallower.TextContent;
            swallower.Replace([.. container.ChildNodes]);
        }
        foreach (var hidden in body.QuerySelectorAll(Hidden).ToList())
        {
            hidden.Remove();
        }
        foreach (var picture in body.QuerySelectorAll("picture").ToList())
        {
            picture.Replace([.. picture.QuerySelectorAll("img").Cast<AngleSharp.Dom.INode>()]);
        }
        foreach (var embed in body.QuerySelectorAll("iframe, video, audio, embed, object").ToList())
        {
            if (embed.Parent is null || embed.ParentElement?.Closest("iframe, video, audio, embed, object") is not null)
            {
                continue;  // inside another embed, which stands for it
            }
            var address = embed.GetAttribute(embed.LocalName == "object" ? "data" : "src") ?? embed.QuerySelector("source[src]")?.GetAttribute("src");
            var target = address is not null && Uri.TryCreate(articleUrl, address.Trim(), out var absolute) && absolute.Scheme is "http" or "https" ? absolute : null;
            var fallback = AsciiWhitespace().Replace(embed.TextContent, " ").Trim(' ');
            var name = embed.GetAttribute("title") is { Length: > 0 } title ? title : fallback.Length > 0 ? fallback : target?.AbsoluteUri;
            if (name is null)
            {
                embed.Remove();
                continue;
            }
            var paragraph = document.CreateElement("p");
            if (target is null)
            {
                paragraph.TextContent = name;
            }
            else
            {
                var link = document.CreateElement("a");
                link.SetAttribute("href", target.AbsoluteUri);
                link.TextContent = name;
                paragraph.AppendChild(link);
            }
            embed.Replace(paragraph);
        }
        return body.InnerHtml;
    }

    /// <summary>
    /// Elements whose content the HTML parser takes as text up to their end tag, so that one left open (or opened
    /// in MathML, where its end tag is not seen) takes the rest of the body. Not scripts: their text is code, and
    /// never shown.
    /// </summary>
    private const string Swallowing = "style, xmp, noembed, noframes, textarea, title";

    /// <summary>Elements that hold nothing a reader shows: removed whole, before the sanitiser would keep their text.</summary>
    private const string Hidden = "script, style, xmp, noembed, noframes, textarea, title, template, noscript";

    // Every element the preparation acts on: "<name" then the end of the tag name (as the HTML tokenizer reads it).
    [GeneratedRegex(@"<(?:script|style|xmp|noembed|noframes|textarea|title|template|noscript|picture|iframe|video|audio|embed|object|math|svg)(?![A-Za-z0-9])", RegexOptions.IgnoreCase)]
    private static partial Regex ElementsToPrepare();

    [GeneratedRegex(@"<[A-Za-z/!]")]
    private static partial Regex MarkupInText();

    /// <summary>
    /// The text the newsroom meant, on one line: tags of known HTML elements ("&lt;b&gt;", "&lt;/i&gt;", "&lt;br/&gt;") and
    /// comments are CMS dirt and go (a line break or a block's edge leaves a space, so that "traffic&lt;br&gt;record"
    /// stays two words, as Excerpt keeps them), character references are decoded ("AT&amp;amp;T" gives "AT&amp;T"), and every
    /// other "&lt;" is text ("x&lt;y", "a &lt; b", "&lt;漲跌&gt;"). Runs of ASCII whitespace and line breaks become one
    /// space; every other character stays as written (U+3000, the ideographic space, included), except those XML forbids.
    /// </summary>
    public static string ToPlainText(string text)
    {
        var clean = XmlText.Clean(text);
        if (clean.AsSpan().IndexOfAny('<', '&') >= 0)
        {
            clean = WebUtility.HtmlDecode(MarkupTag().Replace(clean, match =>
                BreakingElements.Contains(match.Groups["name"].Value) ? " "
                : KnownElements.Contains(match.Groups["name"].Value) || match.Value.StartsWith("<!--", StringComparison.Ordinal) ? ""
                : match.Value));
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

    // Elements that break a line or are blocks (WHATWG HTML, "flow content" that is not phrasing): their tags separate words.
    private static readonly HashSet<string> BreakingElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl", "dt", "figcaption", "figure",
        "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary",
        "table", "td", "th", "tr", "ul",
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
