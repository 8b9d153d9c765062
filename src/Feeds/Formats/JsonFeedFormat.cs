using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Feeds.Content;

namespace Feeds.Formats;

/// <summary>
/// JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/), written with System.Text.Json's Utf8JsonWriter:
/// the same entries, ids, dates and content as the XML formats. Served as application/feed+json (JSON Feed 1.1,
/// "Suggestions for Publishers").
/// </summary>
internal sealed class JsonFeedFormat() : FeedFormat("json", "application/feed+json", "JSON Feed")
{
    private const string Version = "https://jsonfeed.org/version/1.1";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Chinese text stays readable; characters that matter to HTML are still escaped.
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
        Indented = false,
    };

    private static readonly BytePart Comma = new(","u8.ToArray());

    public override BytePart EntrySeparator => Comma;

    /// <summary>The feed object with an empty "items", the last member: the items go before its closing "]".</summary>
    public override DocumentShell WriteShell(FeedDocument document, IReadOnlyList<string> entryIds)
    {
        var json = RenderBuffer.Write(buffer =>
        {
            using var writer = new Utf8JsonWriter(buffer, WriterOptions);
            WriteFeed(writer, document);
        });
        return new DocumentShell(json, json.AsSpan().LastIndexOf((byte)']'));
    }

    /// <summary>One item as Utf8JsonWriter writes it inside the array: the same escaping, no whitespace.</summary>
    public override byte[] WriteEntry(FeedEntry entry) => RenderBuffer.Write(buffer =>
    {
        using var writer = new Utf8JsonWriter(buffer, WriterOptions);
        WriteItem(writer, entry);
    });

    private static void WriteFeed(Utf8JsonWriter writer, FeedDocument document)
    {
        writer.WriteStartObject();
        writer.WriteString("version", Version);
        writer.WriteString("title", document.Title);
        writer.WriteString("home_page_url", document.SiteLink.AbsoluteUri);
        writer.WriteString("feed_url", document.SelfLink.AbsoluteUri);
        // 1.1 next_url: "the next n items"; here the next older archive page (RFC 5005 prev-archive).
        if (document.LinkOf(FeedRelations.PrevArchive) is { } next)
        {
            writer.WriteString("next_url", next.AbsoluteUri);
        }
        writer.WriteString("description", document.Description);
        if (document.Icon is not null)
        {
            // 1.1: icon for timelines (large, square), favicon for source lists (small, square): one square image serves both.
            writer.WriteString("icon", document.Icon.AbsoluteUri);
            writer.WriteString("favicon", document.Icon.AbsoluteUri);
        }
        writer.WriteString("language", document.Language);
        WriteAuthors(writer, [new EntryName(document.Publisher, null)]);
        var hubs = document.Links.Where(link => link.Relation == FeedRelations.Hub).ToList();
        if (hubs.Count > 0)
        {
            writer.WriteStartArray("hubs");
            foreach (var hub in hubs)
            {
                writer.WriteStartObject();
                writer.WriteString("type", "WebSub");
                writer.WriteString("url", hub.Href.AbsoluteUri);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        writer.WriteStartArray("items");
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteItem(Utf8JsonWriter writer, FeedEntry entry)
    {
        writer.WriteStartObject();
        writer.WriteString("id", entry.Id);
        writer.WriteString("url", entry.Link.AbsoluteUri);
        writer.WriteString("title", entry.Title);
        // 1.1: content_html or content_text must be present.
        if (entry.ContentHtml is not null)
        {
            writer.WriteString("content_html", entry.ContentHtml);
        }
        else
        {
            writer.WriteString("content_text", entry.Summary ?? entry.Title);
        }
        if (entry.Summary is not null)
        {
            writer.WriteString("summary", entry.Summary);
        }
        if (entry.Image is not null)
        {
            writer.WriteString("image", entry.Image.Url.AbsoluteUri);
        }
        writer.WriteString("date_published", Rfc3339(entry.Published));
        writer.WriteString("date_modified", Rfc3339(entry.Updated));
        WriteAuthors(writer, entry.Names.Count > 0 ? entry.Names : [.. entry.Authors.Select(name => new EntryName(name, null))]);
        writer.WriteStartArray("tags");
        foreach (var category in entry.Categories)
        {
            writer.WriteStringValue(category);
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>JSON Feed 1.1 authors: each with its name and, for an author or a source with a feed here, that feed's page as url.</summary>
    private static void WriteAuthors(Utf8JsonWriter writer, IEnumerable<EntryName> names)
    {
        writer.WriteStartArray("authors");
        foreach (var name in names)
        {
            writer.WriteStartObject();
            writer.WriteString("name", name.Name);
            if (name.Page is not null)
            {
                writer.WriteString("url", name.Page.AbsoluteUri);
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}
