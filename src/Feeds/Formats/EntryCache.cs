using Feeds.Content;
using Feeds.Data;

namespace Feeds.Formats;

/// <summary>
/// What an entry's bytes are written from, known before its article's body is read: the article's version
/// (sql/*/0006_entry_versions.sql: it moves with every change the entry shows) and its category's name. The id,
/// dates and external id are there too, though the version alone moves with them: with them, a database restored
/// from a backup under a running server, which hands out versions again, would need the same article, dates and
/// version to confuse two entries.
/// </summary>
public readonly record struct EntryVersion(long Version, string ExternalId, DateTime PublishedAt, DateTime UpdatedAt, string? CategoryName)
{
    public static EntryVersion Of(ArticleKey key, string? categoryName) =>
        new(key.Version, key.ExternalId, key.PublishedAt, key.UpdatedAt, categoryName);
}

/// <summary>
/// Each entry's bytes per format, kept while its version stays: a render reads the versions of its entries,
/// splices the bytes of those written before, and reads and writes only the others. Beside them, each article's
/// content (its cleaned texts and tags, what every format writes from), kept while the article's version stays:
/// an entry new to a format (or to a renamed category) is written from it without reading the article's body.
/// The settings that shape an entry (site URL, id prefix, time zone) are fixed for the life of the process.
/// Bounded: capacityPerFormat entries for each format, held together, and contentCapacity contents; the least
/// recently used go first.
/// </summary>
public sealed class EntryCache(int capacityPerFormat = 8192, int contentCapacity = 8192) : IDisposable
{
    private readonly BoundedMemo<(FeedFormat Format, long ArticleId), EntryVersion, BytePart> _entries =
        new(capacityPerFormat * (FeedFormat.All.Count + 1), (a, b) => a == b);

    private readonly BoundedMemo<long, EntryVersion, ArticleContent> _contents = new(contentCapacity, (a, b) => a == b);

    public long Hits => _entries.Hits;
    public long Misses => _entries.Misses;

    /// <summary>How many entries new to their format found their article's content kept, and how many read the body.</summary>
    public long ContentHits => _contents.Hits;
    public long ContentMisses => _contents.Misses;

    /// <summary>The entry written before from this version, or null.</summary>
    public BytePart? Find(FeedFormat format, long articleId, EntryVersion version) =>
        _entries.TryGet((format, articleId), version, out var entry) ? entry : null;

    /// <summary>Keeps the entry's bytes, written in this format, under this version.</summary>
    public BytePart Add(FeedFormat format, long articleId, EntryVersion version, byte[] entry)
    {
        var written = new BytePart(entry);
        _entries.Set((format, articleId), version, written);
        return written;
    }

    /// <summary>The content of the article at this version (its category apart), or null.</summary>
    public ArticleContent? FindContent(long articleId, EntryVersion version) =>
        _contents.TryGet(articleId, ContentVersion(version), out var content) ? content : null;

    /// <summary>Keeps the article's content under this version.</summary>
    public ArticleContent AddContent(long articleId, EntryVersion version, ArticleContent content)
    {
        _contents.Set(articleId, ContentVersion(version), content);
        return content;
    }

    // The category's name is written into each entry, not into the content.
    private static EntryVersion ContentVersion(EntryVersion version) => version with { CategoryName = null };

    public void Dispose()
    {
        _entries.Dispose();
        _contents.Dispose();
    }
}
