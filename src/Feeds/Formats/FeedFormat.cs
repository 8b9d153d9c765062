using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Feeds.Content;

namespace Feeds.Formats;

/// <summary>One way of writing a <see cref="FeedDocument"/>; each format owns its media type.</summary>
/// <param name="extension">The extension of the feed URL, for example "rss" in /feeds/all.rss.</param>
/// <param name="mediaType">The media type, also written as the type of the feed's self link.</param>
/// <param name="displayName">What people call the format, on pages: "RSS", "Atom", "JSON Feed".</param>
public abstract class FeedFormat(string extension, string mediaType, string displayName)
{
    public static readonly FeedFormat Rss = new RssFeedFormat();
    public static readonly FeedFormat Atom = new AtomFeedFormat();
    public static readonly FeedFormat Json = new JsonFeedFormat();

    /// <summary>The page that shows a feed to a person; not a feed format, so not in <see cref="All"/>.</summary>
    public static readonly FeedFormat HtmlPreview = new HtmlPreviewFormat();

    public static IReadOnlyList<FeedFormat> All { get; } = [Rss, Atom, Json];

    public string Extension { get; } = extension;

    public string MediaType { get; } = mediaType;

    public string DisplayName { get; } = displayName;

    /// <summary>Whether the document references the XSLT stylesheet that shows it as a page in a browser.</summary>
    public virtual bool UsesStylesheet => false;

    /// <summary>The feed format of a media type, or null.</summary>
    public static FeedFormat? OfMediaType(string? mediaType) => All.FirstOrDefault(format => format.MediaType == mediaType);

    public string ContentType => $"{MediaType}; charset=utf-8";

    /// <summary>RFC 3339 with the site's offset, to the second, as the Atom formatter writes it.</summary>
    public static string Rfc3339(DateTimeOffset time) => time.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    public static bool TryGet(string? extension, [NotNullWhen(true)] out FeedFormat? format)
    {
        format = All.FirstOrDefault(candidate => string.Equals(candidate.Extension, extension, StringComparison.Ordinal));
        return format is not null;
    }

    /// <summary>What goes between two entries: "," in JSON; nothing in the others.</summary>
    public virtual BytePart? EntrySeparator => null;

    /// <summary>
    /// The document without its entries, and where in its bytes they go. <paramref name="entryIds"/> are the ids
    /// of the entries that will be spliced in, in order: a container that lists its entries (RSS 1.0's
    /// channel/items) lists them from these.
    /// </summary>
    public abstract DocumentShell WriteShell(FeedDocument document, IReadOnlyList<string> entryIds);

    /// <summary>One entry's bytes, exactly as they appear inside the document.</summary>
    public abstract byte[] WriteEntry(FeedEntry entry);

    /// <summary>Each entry's bytes, in order, as <see cref="WriteEntry"/> writes them; a format may write them in one pass.</summary>
    public virtual IReadOnlyList<byte[]> WriteEntries(IReadOnlyList<FeedEntry> entries) => [.. entries.Select(WriteEntry)];

    /// <summary>The document around entries written before (Rendering/EntryCache), in the order given.</summary>
    public FeedBytes WriteParts(FeedDocument document, IReadOnlyList<WrittenEntry> entries)
    {
        var shell = WriteShell(document, [.. entries.Select(entry => entry.Id)]);
        return new FeedBytes(shell.Bytes, shell.InsertAt, [.. entries.Select(entry => entry.Bytes)], EntrySeparator);
    }

    /// <summary>The whole document, each of its <see cref="FeedDocument.Entries"/> written anew.</summary>
    public FeedBytes WriteParts(FeedDocument document) =>
        WriteParts(document, [.. document.Entries.Zip(WriteEntries(document.Entries), (entry, bytes) => new WrittenEntry(entry.Id, new BytePart(bytes)))]);
}

/// <summary>A document without its entries, and the position in <paramref name="Bytes"/> where they go.</summary>
public readonly record struct DocumentShell(byte[] Bytes, int InsertAt);

/// <summary>An entry's id (<see cref="FeedEntry.Id"/>) and its bytes as a format wrote them.</summary>
public sealed record WrittenEntry(string Id, BytePart Bytes);
