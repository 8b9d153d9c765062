using Ganss.Xss;

namespace Feeds.Content;

/// <summary>
/// Turns a CMS article body into HTML that a feed reader can show safely: scripts, event handlers,
/// javascript: and data: URLs, iframes, forms and styles are removed by HtmlSanitizer (an AngleSharp-based
/// allow-list sanitiser), relative URLs become absolute against the article's own URL, and characters
/// that XML forbids are dropped.
/// </summary>
public sealed class ArticleHtml
{
    // Sanitize() is thread-safe on a shared instance once configured (HtmlSanitizer README, "Thread safety").
    private readonly HtmlSanitizer _sanitizer;

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
}
