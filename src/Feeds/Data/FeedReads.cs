namespace Feeds.Data;

// What ArticleStore's reads give a rendering.

/// <summary>The ids of the articles whose bodies, and of those whose tags, a rendering reads.</summary>
public sealed record ArticleReads(IReadOnlyCollection<long> Bodies, IReadOnlyCollection<long> Tags);

/// <summary>
/// Given a rendering's categories and keys, what it reads of the articles: the bodies and tags of those whose
/// entries it writes from nothing kept, and the tags alone of those whose texts it keeps.
/// </summary>
public delegate ArticleReads ArticlesWanted(IReadOnlyList<CategoryRow> categories, IReadOnlyList<ArticleKey> keys);

/// <summary>A position in newest-first order: publish time, then id.</summary>
public readonly record struct ArchiveKey(DateTime PublishedAt, long Id)
{
    public static ArchiveKey Of(ArticleKey key) => new(key.PublishedAt, key.Id);
}

/// <summary>An archive page: the month (by its first instant, UTC) and the cursor the page ends before (null: the month's newest page).</summary>
public sealed record ArchiveLocation(DateTime MonthStart, ArchiveKey? Before);

/// <summary>One archive page's read and its neighbours (RFC 5005 prev-archive is <see cref="Older"/>).</summary>
public sealed record ArchiveRead(FeedRead Feed, ArchiveLocation? Older, ArchiveLocation? Newer);

public sealed class ArchiveNeighbours
{
    public DateTime? Older { get; init; }
    public DateTime? Newer { get; init; }
}

/// <summary>
/// One rendering's read: categories, the feed's keys in order, the articles and tags behind those asked for, and
/// the change mark of the snapshot they were all read in.
/// </summary>
public sealed record FeedRead(
    IReadOnlyList<CategoryRow> Categories,
    IReadOnlyList<ArticleKey> Keys,
    IReadOnlyDictionary<long, ArticleRow> Articles,
    ILookup<long, string> Tags,
    long Mark);
