using System.Text;

namespace Feeds.Content;

/// <summary>Plain text as HTML that displays exactly that text.</summary>
public static class HtmlText
{
    /// <summary>Escapes the characters that HTML text content reads as markup or references: &amp;, &lt; and &gt;.</summary>
    public static string Encode(string text)
    {
        if (text.AsSpan().IndexOfAny('&', '<', '>') < 0)
        {
            return text;
        }
        var html = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            _ = c switch
            {
                '&' => html.Append("&amp;"),
                '<' => html.Append("&lt;"),
                '>' => html.Append("&gt;"),
                _ => html.Append(c),
            };
        }
        return html.ToString();
    }
}
