using Feeds.Content;
using Feeds.Data;
using Feeds.Formats;

namespace Feeds.Rendering;

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
/// Each entry's bytes per format and script, kept while its version stays: a render reads the versions of its entries,
/// splices the bytes of those written before, and reads and writes only the others. Beside them, each article's
/// content in each script (its cleaned texts, converted for a twin, and its tags: what every format writes from), kept with the article's version and text
/// version: an entry new to a format (or to a renamed category) is written from it without reading anything more,
/// and one whose version moved while its text version stayed (a tag added or renamed) from its texts and its tags
/// read anew, without reading its body. The settings that shape an entry (site URL, id prefix, time zone) are
/// fixed for the life of the process. Bounded in bytes (shares of Feeds:CacheSizeMegabytes, Rendering/MemoryBudget):
/// entryBytes for the entries of every format together, contentBytes for contents; the least recently used go first. With keepTags false, a content is found by its
/// texts alone, as if every article's tags had moved since (the benchmarks' renders that read every tag).
/// </summary>
public sealed class EntryCache(long entryBytes = 64 * 1024 * 1024, long contentBytes = 32 * 1024 * 1024, bool keepTags = true) : IDisposable
{
    // An entry's bytes, and its deflate form (Formats/FeedBytes), made when a gzip is spliced, of at most about as many.
    private readonly BoundedMemo<(FeedFormat Format, Script Script, long ArticleId), EntryVersion, BytePart> _entries =
        new(entryBytes, (a, b) => a == b, part => 64 + 2L * part.Bytes.Length);

    private readonly BoundedMemo<(Script Script, long ArticleId), ContentVersion, ArticleContent> _contents = new(contentBytes, (a, b) => a == b, content => content.EstimatedBytes);
    private long _contentsKept;
    private long _textsKept;
    private long _nothingKept;

    public long Hits => _entries.Hits;
    public long Misses => _entries.Misses;

    /// <summary>Bytes charged for the entries kept now, and for the contents.</summary>
    public long EntryBytes => _entries.Bytes;
    public long ContentBytes => _contents.Bytes;
    public int EntryCount => _entries.Count;
    public int ContentCount => _contents.Count;

    /// <summary>Of the entries new to their format: how many found their article's content kept whole.</summary>
    public long ContentsKept => Interlocked.Read(ref _contentsKept);

    /// <summary>Of the entries new to their format: how many found their article's texts kept, and read its tags alone.</summary>
    public long TextsKept => Interlocked.Read(ref _textsKept);

    /// <summary>Of the entries new to their format: how many found nothing of their article's content kept.</summary>
    public long NothingKept => Interlocked.Read(ref _nothingKept);

    /// <summary>The entry written before from this version, or null.</summary>
    public BytePart? Find(FeedFormat format, Script script, long articleId, EntryVersion version) =>
        _entries.TryGet((format, script, articleId), version, out var entry) ? entry : null;

    /// <summary>Keeps the entry's bytes, written in this format, under this version.</summary>
    public BytePart Add(FeedFormat format, Script script, long articleId, EntryVersion version, byte[] entry)
    {
        var written = new BytePart(entry);
        _entries.Set((format, script, articleId), version, written);
        return written;
    }

    /// <summary>
    /// What is kept of the article's content at these versions: all of it while its version stays; its cleaned
    /// texts alone while its text version stays (a null text version is never the same); otherwise nothing.
    /// </summary>
    public (ArticleContent? Content, CleanArticle? Texts) FindContent(Script script, long articleId, EntryVersion version, long? textVersion)
    {
        var wanted = new ContentVersion(ContentOnly(version), textVersion);
        if (_contents.TryGetKept((script, articleId), out var kept, out var content))
        {
            if (keepTags && kept == wanted)
            {
                Interlocked.Increment(ref _contentsKept);
                return (content, null);
            }
            // The external id too, as in EntryVersion: a database restored from a backup hands versions out again.
            if (textVersion is not null && kept.TextVersion == textVersion && kept.Version.ExternalId == version.ExternalId)
            {
                Interlocked.Increment(ref _textsKept);
                return (null, content.Clean);
            }
        }
        Interlocked.Increment(ref _nothingKept);
        return (null, null);
    }

    /// <summary>Keeps the article's content under these versions.</summary>
    public ArticleContent AddContent(Script script, long articleId, EntryVersion version, long? textVersion, ArticleContent content)
    {
        _contents.Set((script, articleId), new ContentVersion(ContentOnly(version), textVersion), content);
        return content;
    }

    // The category's name is written into each entry, not into the content.
    private static EntryVersion ContentOnly(EntryVersion version) => version with { CategoryName = null };

    private readonly record struct ContentVersion(EntryVersion Version, long? TextVersion);

    public void Dispose()
    {
        _entries.Dispose();
        _contents.Dispose();
    }
}
