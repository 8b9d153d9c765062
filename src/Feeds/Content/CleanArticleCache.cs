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
/// request: results are kept by article id and a SHA-256 fingerprint of the raw text fields
/// (<see cref="ArticleFields.Texts"/>), so any edit (even one that keeps updated_at) is cleaned anew. Bounded;
/// the least recently used go first.
/// </summary>
public sealed class CleanArticleCache(int capacity = 4096)
{
    private readonly BoundedMemo<long, UInt128, CleanArticle> _memo = new(capacity, (a, b) => a == b);

    public long Hits => _memo.Hits;
    public long Misses => _memo.Misses;
    public int Count => _memo.Count;

    public CleanArticle GetOrAdd(ArticleRow article, Func<ArticleRow, CleanArticle> clean) =>
        _memo.GetOrAdd(article.Id, Fingerprint(article), () => clean(article));

    private static UInt128 Fingerprint(ArticleRow article)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var text in ArticleFields.Texts)
        {
            var field = text(article);
            // A length prefix keeps ("ab", "c") and ("a", "bc") apart; -1 marks null.
            hash.AppendData(BitConverter.GetBytes(field?.Length ?? -1));
            hash.AppendData(MemoryMarshal.AsBytes((field ?? string.Empty).AsSpan()));
        }
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return MemoryMarshal.Read<UInt128>(digest);
    }
}
