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
public sealed class ArticleHtml
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
    /// The text a browser would show for this fragment, on one line: "AT&amp;amp;T &lt;b&gt;x&lt;/b&gt;" gives
    /// "AT&amp;T x", while "a &lt; b" and "&lt;漲跌&gt;" (no tag by the HTML tokenizer's rules) stay as they are.
    /// </summary>
    public string ToPlainText(string text)
    {
        var clean = XmlText.Clean(text);
        if (clean.AsSpan().IndexOfAny('<', '&') >= 0)
        {
            using var document = _parser.ParseDocument(string.Empty);
            var fragment = _parser.ParseFragment(clean, document.Body!);
            clean = XmlText.Clean(string.Concat(fragment.Select(node => node.TextContent)));
        }
        return string.Join(' ', clean.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }
}
