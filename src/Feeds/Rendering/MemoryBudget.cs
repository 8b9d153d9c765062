namespace Feeds.Rendering;

/// <summary>
/// One budget for everything Feeds keeps to answer without work, Feeds:CacheSizeMegabytes, split between its
/// caches: half for rendered documents (FeedCache), a quarter for entries' bytes in each format (EntryCache), an
/// eighth for articles' contents (in each script: Content/Scripts), a sixteenth for cleaned texts and a thirty-second
/// each for archive page boundaries and the names and labels converted to Simplified Chinese. Each cache
/// counts the bytes of what it keeps (strings at two bytes a character, plus a fixed overhead per entry) and
/// drops the least recently used past its share, so no crawl of any number of documents holds more. What else
/// the process keeps is bounded by count and small: per-client tables (RenderAdmission, PolitePolling), the
/// SQLite statements of a few connections, the pages of the index and tag directory.
/// </summary>
public sealed record MemoryBudget(long RenderingBytes, long EntryBytes, long ContentBytes, long CleanTextBytes, long BoundaryBytes, long ConvertedTextBytes)
{
    public static MemoryBudget Of(int megabytes)
    {
        var total = megabytes * 1024L * 1024L;
        return new MemoryBudget(total / 2, total / 4, total / 8, total / 16, total / 32, total / 32);
    }

    /// <summary>A string's share of memory: two bytes a character and the object's header.</summary>
    public static long BytesOf(string? text) => text is null ? 0 : 24 + 2L * text.Length;
}
