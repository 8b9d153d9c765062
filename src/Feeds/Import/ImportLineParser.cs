using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using System.Text.RegularExpressions;
using Feeds.Content;
using Feeds.Data;
using Feeds.Publishing;

namespace Feeds.Import;

/// <summary>
/// Reads one NDJSON line into an <see cref="ArticleInput"/>, or a delete (<c>{"id": "…", "deleted": true}</c>), or
/// says exactly what is wrong with it. Lengths match the SQL Server columns, so a line accepted here is stored
/// whole by either database.
/// </summary>
public sealed partial class ImportLineParser(SiteTime siteTime)
{
    /// <summary>
    /// The fields of a line, as <see cref="Read"/> reads them: also the columns a CMS's source query returns
    /// (Source/SourceRow). A new field is added here and in Read.
    /// </summary>
    public static readonly IReadOnlyList<string> Fields =
    [
        "id", "category", "categoryName", "section", "sectionName", "title", "summary", "contentHtml", "author",
        "source", "url", "imageUrl", "publishedAt", "updatedAt", "tags", "status",
    ];

    private const int MaxIdLength = 200;
    private const int MaxNameLength = 200;
    private const int MaxTitleLength = 1000;
    private const int MaxUrlLength = 2000;
    private const int MaxTagLength = 100;

    public ImportLineResult Parse(ReadOnlyMemory<byte> line)
    {
        if (!Utf8.IsValid(line.Span))
        {
            return ImportLineResult.Fail("not valid UTF-8");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException exception)
        {
            return ImportLineResult.Fail($"not valid JSON ({exception.Message.Split(" LineNumber:")[0].TrimEnd('.', ' ')})");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return ImportLineResult.Fail("not a JSON object");
            }
            try
            {
                return IsDelete(document.RootElement)
                    ? ImportLineResult.Delete(RequiredText(document.RootElement, "id", MaxIdLength))
                    : ImportLineResult.Ok(Read(document.RootElement));
            }
            catch (InvalidLineException exception)
            {
                return ImportLineResult.Fail(exception.Message);
            }
        }
    }

    /// <summary>A delete line: "deleted": true, and nothing but the id besides.</summary>
    private static bool IsDelete(JsonElement json)
    {
        if (!json.TryGetProperty("deleted", out var deleted) || deleted.ValueKind == JsonValueKind.False)
        {
            return false;
        }
        if (deleted.ValueKind != JsonValueKind.True)
        {
            throw new InvalidLineException($"deleted must be true or false, not {Describe(deleted.ValueKind)}");
        }
        foreach (var property in json.EnumerateObject())
        {
            if (property.Name is not ("id" or "deleted"))
            {
                throw new InvalidLineException($"a delete line carries only id and deleted, not {property.Name}");
            }
        }
        return true;
    }

    private ArticleInput Read(JsonElement json)
    {
        var id = RequiredText(json, "id", MaxIdLength);
        var category = Slug(json, "category", required: true)!;
        var categoryName = RequiredText(json, "categoryName", MaxNameLength);
        var section = Slug(json, "section", required: false);
        var sectionName = OptionalText(json, "sectionName", MaxNameLength);
        if (sectionName is not null && section is null)
        {
            throw new InvalidLineException("sectionName is given without section");
        }
        if (section == category)
        {
            throw new InvalidLineException("section must differ from category");
        }
        var title = RequiredText(json, "title", MaxTitleLength);
        var url = AbsoluteUrl(json, "url", required: true)!;
        var publishedAt = Time(json, "publishedAt", required: true)!.Value;
        var updatedAt = Time(json, "updatedAt", required: false);
        var status = OptionalText(json, "status", 20) ?? "published";
        if (status is not ("published" or "draft"))
        {
            throw new InvalidLineException("status must be \"published\" or \"draft\"");
        }
        return new ArticleInput(
            ExternalId: id,
            CategorySlug: category,
            CategoryName: categoryName,
            SectionSlug: section,
            SectionName: section is null ? null : sectionName ?? section,
            Title: title,
            Summary: OptionalText(json, "summary", int.MaxValue),
            ContentHtml: OptionalText(json, "contentHtml", int.MaxValue),
            Author: OptionalText(json, "author", MaxNameLength),
            Source: OptionalText(json, "source", MaxNameLength),
            Url: url,
            ImageUrl: AbsoluteUrl(json, "imageUrl", required: false),
            PublishedAt: publishedAt,
            UpdatedAt: updatedAt,
            IsPublished: status == "published",
            Tags: Tags(json));
    }

    private static string RequiredText(JsonElement json, string name, int maxLength) =>
        OptionalText(json, name, maxLength) ?? throw new InvalidLineException($"{name} is required");

    /// <summary>
    /// A string, cleaned of characters XML forbids (they could never be published, and a lone surrogate
    /// cannot even be stored as UTF-8); null when absent, null or blank.
    /// </summary>
    private static string? OptionalText(JsonElement json, string name, int maxLength)
    {
        if (!json.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new InvalidLineException($"{name} must be a string, not {Describe(value.ValueKind)}");
        }
        var text = XmlText.Clean(ReadString(value)).Trim();
        if (text.Length > maxLength)
        {
            throw new InvalidLineException($"{name} is longer than {maxLength.ToString(CultureInfo.InvariantCulture)} characters");
        }
        return text.Length == 0 ? null : text;
    }

    private static string? Slug(JsonElement json, string name, bool required)
    {
        var slug = required ? RequiredText(json, name, MaxIdLength) : OptionalText(json, name, MaxIdLength);
        if (slug is null)
        {
            return null;
        }
        if (!SlugPattern().IsMatch(slug))
        {
            throw new InvalidLineException($"{name} '{slug}' is not a slug (lower-case letters, digits and hyphens, up to 64)");
        }
        if (slug == FeedKey.SiteSlug)
        {
            throw new InvalidLineException($"{name} '{slug}' is reserved for the whole-site feed");
        }
        return slug;
    }

    private static string? AbsoluteUrl(JsonElement json, string name, bool required)
    {
        var text = required ? RequiredText(json, name, MaxUrlLength) : OptionalText(json, name, MaxUrlLength);
        if (text is null)
        {
            return null;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidLineException($"{name} '{text}' is not an absolute http or https URL");
        }
        return text;
    }

    /// <summary>RFC 3339 date-time, in UTC. Without an offset (as the reference CMS stores times) it is site-local time.</summary>
    private DateTime? Time(JsonElement json, string name, bool required)
    {
        var text = required ? RequiredText(json, name, 64) : OptionalText(json, name, 64);
        if (text is null)
        {
            return null;
        }
        // RFC 3339 5.6 allows a space for "T" and lower-case "t" and "z".
        var normalized = text.ToUpperInvariant();
        if (normalized.EndsWith('Z')
            && DateTime.TryParseExact(normalized[..^1], LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var utc))
        {
            return DateTime.SpecifyKind(utc, DateTimeKind.Utc);
        }
        if (OffsetSuffix().IsMatch(normalized)
            && DateTimeOffset.TryParseExact(normalized, OffsetFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var withOffset))
        {
            return withOffset.UtcDateTime;
        }
        if (DateTime.TryParseExact(normalized, LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var naive))
        {
            return siteTime.LocalToUtc(naive);
        }
        throw new InvalidLineException($"{name} '{text}' is not an RFC 3339 date-time such as 2026-11-28T10:05:39+08:00");
    }

    private static List<string> Tags(JsonElement json)
    {
        if (!json.TryGetProperty("tags", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidLineException($"tags must be an array of strings, not {Describe(value.ValueKind)}");
        }
        var tags = new List<string>();
        foreach (var element in value.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.String)
            {
                throw new InvalidLineException($"tags must hold only strings, not {Describe(element.ValueKind)}");
            }
            var tag = XmlText.Clean(ReadString(element)).Trim();
            if (tag.Length > MaxTagLength)
            {
                throw new InvalidLineException($"tag '{tag[..20]}…' is longer than {MaxTagLength.ToString(CultureInfo.InvariantCulture)} characters");
            }
            if (tag.Length > 0 && !tags.Contains(tag, StringComparer.Ordinal))
            {
                tags.Add(tag);
            }
        }
        return tags;
    }

    /// <summary>
    /// The string value. System.Text.Json refuses an escaped lone surrogate ("\ud800"), which exporters that
    /// cut strings by UTF-16 unit produce; such a string is unescaped here and the orphan later dropped.
    /// </summary>
    private static string ReadString(JsonElement value)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return UnescapeLeniently(value.GetRawText());
        }
    }

    private static string UnescapeLeniently(string literal)
    {
        var text = new StringBuilder(literal.Length);
        for (var i = 1; i < literal.Length - 1; i++)
        {
            var c = literal[i];
            if (c != '\\')
            {
                text.Append(c);
                continue;
            }
            c = literal[++i];
            text.Append(c switch
            {
                'b' => '\b',
                'f' => '\f',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'u' => (char)int.Parse(literal.AsSpan(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture),
                _ => c,
            });
            if (c == 'u')
            {
                i += 4;
            }
        }
        return text.ToString();
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static readonly string[] LocalFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF",
    ];

    private static readonly string[] OffsetFormats = LocalFormats.Select(format => format + "zzz").ToArray();

    [GeneratedRegex(@"[+-]\d\d:\d\d$")]
    private static partial Regex OffsetSuffix();

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")]
    private static partial Regex SlugPattern();

    private sealed class InvalidLineException(string message) : Exception(message);
}

/// <summary>What a line says: an article to store, the external id of one to delete, or what is wrong with it.</summary>
public sealed record ImportLineResult(ArticleInput? Article, string? DeletedId, string? Error)
{
    public static ImportLineResult Ok(ArticleInput article) => new(article, null, null);
    public static ImportLineResult Delete(string externalId) => new(null, externalId, null);
    public static ImportLineResult Fail(string error) => new(null, null, error);
}
