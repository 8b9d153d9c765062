using System.Text;

namespace Feeds.Content;

/// <summary>Makes CMS text safe for a strict XML parser.</summary>
public static class XmlText
{
    /// <summary>
    /// Drops every character that XML 1.0 forbids (section 2.2, production [2] Char: controls other than tab,
    /// LF and CR, U+FFFE, U+FFFF, lone surrogates) and the C1 controls it discourages. A well-formed surrogate
    /// pair is one character outside the BMP (CJK Extension B such as U+20000) and is kept.
    /// </summary>
    public static string Clean(string text)
    {
        var firstBad = FindFirstInvalid(text);
        if (firstBad < 0)
        {
            return text;
        }
        var builder = new StringBuilder(text.Length);
        builder.Append(text, 0, firstBad);
        for (var i = firstBad; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    builder.Append(c).Append(text[i + 1]);
                    i++;
                }
                continue;
            }
            if (IsAllowedBmp(c))
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }

    public static string? CleanOrNull(string? text) => text is null ? null : Clean(text);

    private static int FindFirstInvalid(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (!IsAllowedBmp(c))
            {
                return i;
            }
        }
        return -1;
    }

    private static bool IsAllowedBmp(char c) => c switch
    {
        '\t' or '\n' or '\r' => true,
        < '\u0020' => false,
        >= '\u007F' and <= '\u009F' => false,
        >= '\uD800' and <= '\uDFFF' => false,
        '\uFFFE' or '\uFFFF' => false,
        _ => true,
    };
}
