using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Feeds.Import;

namespace Feeds.Source;

/// <summary>
/// A row of the CMS's changes query as a line of the import format, so that a row is checked and stored exactly
/// as an imported line is (Import/ImportLineParser): the one definition of an article's fields. Columns are named
/// as the import's fields (case ignored); <c>change</c> is the row's change value and <c>deleted</c>, when true,
/// makes the line a delete. A naive date-time is written without an offset, so it is read in Feeds:SiteTimeZone,
/// as the reference CMS stores its times; <c>tags</c> is JSON array text.
/// </summary>
public static class SourceRow
{
    public const string ChangeColumn = "change";
    public const string DeletedColumn = "deleted";

    private static readonly HashSet<string> Fields = new(ImportLineParser.Fields, StringComparer.OrdinalIgnoreCase);

    /// <summary>The row as an import line, or what in it cannot be one.</summary>
    public static (byte[]? Line, string? Error) ToImportLine(DbDataReader row)
    {
        var deleted = false;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            for (var i = 0; i < row.FieldCount; i++)
            {
                var name = row.GetName(i);
                if (string.Equals(name, ChangeColumn, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                if (string.Equals(name, DeletedColumn, StringComparison.OrdinalIgnoreCase))
                {
                    deleted = !row.IsDBNull(i) && Convert.ToBoolean(row.GetValue(i), CultureInfo.InvariantCulture);
                    continue;
                }
                if (!Fields.TryGetValue(name, out var field))
                {
                    return (null, $"column {name} is not a field of the import format");
                }
                json.WritePropertyName(field);
                WriteValue(json, field, row.IsDBNull(i) ? null : row.GetValue(i));
            }
            json.WriteEndObject();
        }
        if (!deleted)
        {
            return (buffer.ToArray(), null);
        }
        var id = JsonDocument.Parse(buffer.ToArray()).RootElement.TryGetProperty("id", out var value) ? value.GetString() : null;
        return id is null ? (null, "a deleted row has no id") : (JsonSerializer.SerializeToUtf8Bytes(new { id, deleted = true }), null);
    }

    /// <summary>The row's id column as text, for a log line ("without id" when it has none).</summary>
    public static string IdOf(DbDataReader row)
    {
        for (var i = 0; i < row.FieldCount; i++)
        {
            if (string.Equals(row.GetName(i), "id", StringComparison.OrdinalIgnoreCase) && !row.IsDBNull(i))
            {
                return Convert.ToString(row.GetValue(i), CultureInfo.InvariantCulture) ?? "";
            }
        }
        return "without id";
    }

    /// <summary>The change value as the cursor keeps it: a number (a counter, a rowversion) or a UTC-less date-time.</summary>
    public static string CursorOf(object change) => change switch
    {
        byte[] { Length: 8 } rowversion => System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(rowversion).ToString(CultureInfo.InvariantCulture),
        DateTime time => time.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture),
        DateTimeOffset time => time.ToString("o", CultureInfo.InvariantCulture),
        IConvertible number when change is long or int or short or decimal => number.ToString(CultureInfo.InvariantCulture),
        _ => Convert.ToString(change, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>Orders two cursors: as numbers when both are, else as their text (a date-time written one way).</summary>
    public static int CompareCursors(string a, string b) =>
        long.TryParse(a, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var x) && long.TryParse(b, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var y)
            ? x.CompareTo(y)
            : string.CompareOrdinal(a, b);

    /// <summary>The cursor as the @after parameter: a number when it is one, else its text (a date-time).</summary>
    public static object ParameterOf(string cursor) =>
        long.TryParse(cursor, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) ? number
        : DateTime.TryParseExact(cursor, "yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? time
        : cursor;

    private static void WriteValue(Utf8JsonWriter json, string field, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case string text when field == "tags":
                try
                {
                    using var tags = JsonDocument.Parse(text);
                    tags.RootElement.WriteTo(json);
                }
                catch (JsonException)
                {
                    json.WriteStringValue(text);  // the parser names what is wrong with it
                }
                break;
            case DateTime time:
                json.WriteStringValue(time.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture) + (time.Kind == DateTimeKind.Utc ? "Z" : ""));
                break;
            case DateTimeOffset time:
                json.WriteStringValue(time.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture));
                break;
            default:
                json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
