using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Feeds.Content;

/// <summary>Plain text as HTML that displays exactly that text.</summary>
public static partial class HtmlText
{
    /// <summary>
    /// Text that a reader (or the W3C validator, "ContainsUndeclaredHTML") may take for markup although it is
    /// text: an end tag such as "&lt;/b&gt;", or what reads as a reference: "&amp;amp", "&amp;#60", "&amp;1" (not
    /// "AT&amp;T" or "R&amp;D"). A false alarm only costs writing the text as encoded HTML, which shows the same.
    /// </summary>
    public static bool ReadsAsMarkup(string text)
    {
        if (text.AsSpan().IndexOfAny('<', '&') < 0)
        {
            return false;
        }
        if (EndTag().IsMatch(text))
        {
            return true;
        }
        foreach (Match reference in ReferenceLike().Matches(text))
        {
            var name = reference.Groups["name"].Value;
            if (!name.All(char.IsAsciiLetter) || WebUtility.HtmlDecode($"&{name};") != $"&{name};")
            {
                return true;
            }
        }
        return false;
    }

    [GeneratedRegex("</[A-Za-z][A-Za-z0-9]*>")]
    private static partial Regex EndTag();

    [GeneratedRegex("&(?<name>#?[A-Za-z0-9_]+)")]
    private static partial Regex ReferenceLike();

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
