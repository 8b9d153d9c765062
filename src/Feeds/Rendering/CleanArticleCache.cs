using System.IO.Hashing;
using System.Runtime.InteropServices;
using Feeds.Data;
using Feeds.Content;

namespace Feeds.Rendering;

/// <summary>An article's feed content after the work that depends on the article alone.</summary>
public sealed record CleanArticle(
    string Title,
    Uri Link,
    string? Summary,
    string? ContentHtml,
    IReadOnlyList<string> Authors,
    FeedImage? Image)
{
    /// <summary>The authors its byline names and its source, as the article is filed under them (Data/FiledNames).</summary>
    public IReadOnlyList<FiledName> Names { get; init; } = [];

    /// <summary>Memory held, for the caches' byte budgets (<see cref="MemoryBudget"/>).</summary>
    public long EstimatedBytes =>
        128 + MemoryBudget.BytesOf(Title) + MemoryBudget.BytesOf(Link.OriginalString) + MemoryBudget.BytesOf(Summary)
        + MemoryBudget.BytesOf(ContentHtml) + Authors.Sum(author => 8 + MemoryBudget.BytesOf(author))
        + Names.Sum(name => 32 + MemoryBudget.BytesOf(name.Name))
        + (Image is null ? 0 : 64 + MemoryBudget.BytesOf(Image.Url.OriginalString));
}

/// <summary>What an article's entries show in every format, its category apart: its cleaned texts and its tags in the CMS's order.</summary>
public sealed record ArticleContent(CleanArticle Clean, IReadOnlyList<string> Tags)
{
    public long EstimatedBytes => 64 + Clean.EstimatedBytes + Tags.Sum(tag => 8 + MemoryBudget.BytesOf(tag));
}

/// <summary>
/// Sanitising, link resolution and character cleaning are done once per article version, not per feed or
/// request: results are kept by article id and a 128-bit fingerprint (XxHash128) of the raw text fields
/// (<see cref="ArticleFields.Texts"/>), so any edit (even one that keeps updated_at) is cleaned anew. A
/// fingerprint is taken for every entry a render writes; SHA-256 took a tenth of such a render. Two texts of one
/// article with one fingerprint would only keep the older cleaned text, which was sanitised too; chance alone
/// makes that a 2^-128 event. Bounded in bytes (a share of Feeds:CacheSizeMegabytes); the least recently used go first.
/// </summary>
public sealed class CleanArticleCache(long capacityBytes = 16 * 1024 * 1024)
{
    private readonly BoundedMemo<long, UInt128, CleanArticle> _memo = new(capacityBytes, (a, b) => a == b, clean => clean.EstimatedBytes);

    public long Hits => _memo.Hits;
    public long Misses => _memo.Misses;
    public int Count => _memo.Count;
    public long Bytes => _memo.Bytes;

    public CleanArticle GetOrAdd(ArticleRow article, Func<ArticleRow, CleanArticle> clean) =>
        _memo.GetOrAdd(article.Id, Fingerprint(article), () => clean(article));

    private static UInt128 Fingerprint(ArticleRow article)
    {
        var hash = new XxHash128();
        Span<byte> length = stackalloc byte[sizeof(int)];
        foreach (var text in ArticleFields.Texts)
        {
            var field = text(article);
            // A length prefix keeps ("ab", "c") and ("a", "bc") apart; -1 marks null.
            MemoryMarshal.Write(length, field?.Length ?? -1);
            hash.Append(length);
            hash.Append(MemoryMarshal.AsBytes((field ?? string.Empty).AsSpan()));
        }
        return hash.GetCurrentHashAsUInt128();
    }
}
