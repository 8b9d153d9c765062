using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Feeds.Data;

namespace Feeds.Content;

/// <summary>An article's feed content after the work that depends on the article alone.</summary>
public sealed record CleanArticle(
    string Title,
    Uri Link,
    string? Summary,
    string? ContentHtml,
    IReadOnlyList<string> Authors,
    FeedImage? Image);

/// <summary>
/// Sanitising, link resolution and character cleaning are done once per article version, not per feed or
/// request: results are kept by article id and a SHA-256 fingerprint of the raw fields, so any edit (even
/// one that keeps updated_at) is cleaned anew. Bounded; the least recently used go first.
/// </summary>
public sealed class CleanArticleCache(int capacity = 4096)
{
    private readonly ConcurrentDictionary<long, Entry> _entries = new();
    private long _hits;
    private long _misses;

    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);
    public int Count => _entries.Count;

    public CleanArticle GetOrAdd(ArticleRow article, Func<ArticleRow, CleanArticle> clean)
    {
        var fingerprint = Fingerprint(article);
        if (_entries.TryGetValue(article.Id, out var entry) && entry.Fingerprint == fingerprint)
        {
            Interlocked.Increment(ref _hits);
            entry.LastUsed = Environment.TickCount64;
            return entry.Value;
        }
        Interlocked.Increment(ref _misses);
        var value = clean(article);
        _entries[article.Id] = new Entry(fingerprint, value) { LastUsed = Environment.TickCount64 };
        if (_entries.Count > capacity)
        {
            Trim();
        }
        return value;
    }

    private void Trim()
    {
        foreach (var (id, _) in _entries.OrderBy(entry => entry.Value.LastUsed).Take(_entries.Count - capacity * 3 / 4).ToList())
        {
            _entries.TryRemove(id, out _);
        }
    }

    private static UInt128 Fingerprint(ArticleRow article)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var field in (ReadOnlySpan<string?>)[article.Title, article.Summary, article.ContentHtml, article.Author, article.Source, article.Url, article.ImageUrl])
        {
            // A length prefix keeps ("ab", "c") and ("a", "bc") apart; -1 marks null.
            hash.AppendData(BitConverter.GetBytes(field?.Length ?? -1));
            hash.AppendData(MemoryMarshal.AsBytes((field ?? string.Empty).AsSpan()));
        }
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return MemoryMarshal.Read<UInt128>(digest);
    }

    private sealed class Entry(UInt128 fingerprint, CleanArticle value)
    {
        public UInt128 Fingerprint { get; } = fingerprint;
        public CleanArticle Value { get; } = value;
        public long LastUsed { get; set; }
    }
}
