using System.Data.Common;
using Dapper;

namespace Feeds.Data;

/// <summary>The reads behind every feed: the category tree with the newest keys, then the chosen articles.</summary>
public sealed class ArticleStore(Database database)
{
    private long _bodiesRead;

    /// <summary>How many article bodies (whole rows) the renders have read.</summary>
    public long BodiesRead => Interlocked.Read(ref _bodiesRead);

    internal const string CategoriesSql = """
        SELECT id, slug, name, parent_id, updated_at
        FROM categories
        """;

    /// <summary>
    /// In one command: every category, and the keys of the newest published articles whose publish time
    /// has come, newest first, of the scope (a category and all below it, a tag, or the whole site).
    /// Reads no article body. The first half of <see cref="ReadFeedAsync"/>, alone for the query benchmarks.
    /// </summary>
    public async Task<(IReadOnlyList<CategoryRow> Categories, IReadOnlyList<ArticleKey> Keys)> GetFeedStateAsync(
        FeedScope scope, DateTime nowUtc, int limit, CancellationToken cancellationToken)
    {
        return await database.ReadAsync(connection => ReadStateAsync(connection, scope, nowUtc, limit, cancellationToken), cancellationToken);
    }

    private async Task<(IReadOnlyList<CategoryRow> Categories, IReadOnlyList<ArticleKey> Keys)> ReadStateAsync(
        DbConnection connection, FeedScope scope, DateTime nowUtc, int limit, CancellationToken cancellationToken)
    {
        var command = new CommandDefinition(scope.StateSql(database.Dialect), scope.With(new { now = nowUtc, limit }), cancellationToken: cancellationToken);
        await using var results = await connection.QueryMultipleAsync(command);
        var categories = (await results.ReadAsync<CategoryRow>()).AsList();
        var keys = (await results.ReadAsync<ArticleKey>()).AsList();
        return (categories, keys);
    }

    /// <summary>
    /// Everything one rendering needs, in one snapshot of the database: the feed's state, then the bodies and the
    /// tags of the articles <paramref name="articlesWanted"/> names (by default every body and every tag), and the
    /// change mark they were read at. Bodies are never of a later (or, on a replica, an earlier) moment than keys.
    /// </summary>
    public async Task<FeedRead> ReadFeedAsync(FeedScope scope, DateTime nowUtc, int limit, CancellationToken cancellationToken, ArticlesWanted? articlesWanted = null)
    {
        return await database.ReadSnapshotAsync(async connection =>
        {
            var (categories, keys) = await ReadStateAsync(connection, scope, nowUtc, limit, cancellationToken);
            var (articles, tags) = await ReadArticlesAsync(connection, Wanted(articlesWanted, categories, keys), cancellationToken);
            return new FeedRead(categories, keys, articles, tags, await ReadMarkAsync(connection, nowUtc, cancellationToken));
        }, cancellationToken);
    }

    private async Task<long> ReadMarkAsync(DbConnection connection, DateTime nowUtc, CancellationToken cancellationToken) =>
        (await ChangeMark.ReadAsync(connection, database.Dialect, nowUtc, cancellationToken)).Mark;

    private static ArticleReads Wanted(ArticlesWanted? articlesWanted, IReadOnlyList<CategoryRow> categories, IReadOnlyList<ArticleKey> keys)
    {
        if (articlesWanted is not null)
        {
            return articlesWanted(categories, keys);
        }
        long[] all = [.. keys.Select(key => key.Id)];
        return new ArticleReads(all, all);
    }

    /// <summary>
    /// One archive page and where its neighbours are, in one snapshot (as <see cref="ReadFeedAsync"/>). The page holds at most
    /// <paramref name="pageSize"/> articles of [<paramref name="from"/>, <paramref name="to"/>) older than
    /// <paramref name="before"/>, newest first; a month's pages are counted from its end, so the newest page of
    /// a month needs no cursor. Null when the page is empty. Every step is a keyset range, never OFFSET.
    /// </summary>
    /// <param name="monthOf">The [start, end) of the month containing an instant.</param>
    /// <param name="articlesWanted">As in <see cref="ReadFeedAsync"/>.</param>
    public Task<ArchiveRead?> ReadArchiveAsync(
        FeedScope scope, DateTime from, DateTime to, ArchiveKey? before, int pageSize, DateTime nowUtc,
        Func<DateTime, (DateTime Start, DateTime End)> monthOf, CancellationToken cancellationToken, ArticlesWanted? articlesWanted = null) =>
        database.ReadSnapshotAsync(connection => ReadArchiveAsync(connection, scope, from, to, before, pageSize, nowUtc, monthOf, articlesWanted, cancellationToken), cancellationToken);

    private async Task<ArchiveRead?> ReadArchiveAsync(
        DbConnection connection, FeedScope scope, DateTime from, DateTime to, ArchiveKey? before, int pageSize, DateTime nowUtc,
        Func<DateTime, (DateTime Start, DateTime End)> monthOf, ArticlesWanted? articlesWanted, CancellationToken cancellationToken)
    {
        var sql = scope.ArchiveSql(database.Dialect);
        var end = before ?? new ArchiveKey(to, 0);
        var keys = await QueryKeysAsync(connection, sql.Page,
            scope.With(new { now = nowUtc, from, beforeAt = end.PublishedAt, beforeId = end.Id, take = pageSize + 1 }),
            cancellationToken);
        if (keys.Count == 0)
        {
            return null;
        }
        var page = keys.Count > pageSize ? keys.GetRange(0, pageSize) : keys;
        var neighbours = await connection.QuerySingleAsync<ArchiveNeighbours>(new CommandDefinition(sql.Neighbours,
            scope.With(new { now = nowUtc, from, to }), cancellationToken: cancellationToken));

        // Older: the next page of this month, else the newest page of the month of the newest older article.
        ArchiveLocation? older = keys.Count > pageSize
            ? new ArchiveLocation(from, ArchiveKey.Of(page[^1]))
            : neighbours.Older is { } olderAt ? new ArchiveLocation(monthOf(olderAt).Start, null) : null;

        // Newer: within the month, the page ending at this page's cursor; else the oldest page of the next month.
        ArchiveLocation? newer = null;
        if (before is { } cursor)
        {
            var above = await QueryKeysAsync(connection, sql.Newer,
                scope.With(new { now = nowUtc, to, fromAt = cursor.PublishedAt, fromId = cursor.Id, take = pageSize + 1 }),
                cancellationToken);
            newer = new ArchiveLocation(from, above.Count > pageSize ? ArchiveKey.Of(above[pageSize]) : null);
        }
        else if (neighbours.Newer is { } newerAt)
        {
            var (start, monthEnd) = monthOf(newerAt);
            var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition(sql.Count,
                scope.With(new { now = nowUtc, from = start, to = monthEnd }), cancellationToken: cancellationToken));
            // Pages are counted from the month's end: the oldest holds the remainder.
            var oldest = (int)(count % pageSize == 0 ? pageSize : count % pageSize);
            ArchiveKey? oldestCursor = null;
            if (count > pageSize)
            {
                var first = await QueryKeysAsync(connection, sql.Newer,
                    scope.With(new { now = nowUtc, to = monthEnd, fromAt = start, fromId = long.MinValue, take = oldest + 1 }),
                    cancellationToken);
                oldestCursor = ArchiveKey.Of(first[oldest]);
            }
            newer = new ArchiveLocation(start, oldestCursor);
        }

        var categories = (await connection.QueryAsync<CategoryRow>(new CommandDefinition(CategoriesSql, cancellationToken: cancellationToken))).AsList();
        var (articles, tags) = await ReadArticlesAsync(connection, Wanted(articlesWanted, categories, page), cancellationToken);
        return new ArchiveRead(new FeedRead(categories, page, articles, tags, await ReadMarkAsync(connection, nowUtc, cancellationToken)), older, newer);
    }

    /// <summary>
    /// The page boundaries of [<paramref name="from"/>, <paramref name="to"/>) in newest-first order: the key of
    /// every <paramref name="pageSize"/>-th article that has an older one after it, the cursors of the month's
    /// second and later pages. The month's keys are streamed, so memory holds only the boundaries.
    /// </summary>
    public Task<(IReadOnlyList<ArchiveKey> Boundaries, bool HasArticles)> ReadArchiveBoundariesAsync(
        FeedScope scope, DateTime from, DateTime to, int pageSize, DateTime nowUtc, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            // Its own text, so its own cached plan on SQL Server: a plan made for a page (TOP 51) is not reused for
            // the whole month (TOP 2^31-1), nor the other way round.
            var sql = scope.ArchiveSql(database.Dialect).Page + "\n-- the month's page boundaries";
            var boundaries = new List<ArchiveKey>();
            ArchiveKey? candidate = null;
            var position = 0L;
            var parameters = scope.With(new { now = nowUtc, from, beforeAt = to, beforeId = 0L, take = int.MaxValue });
            await foreach (var key in connection.QueryUnbufferedAsync<ArticleKey>(sql, parameters).WithCancellation(cancellationToken))
            {
                if (candidate is { } boundary)
                {
                    boundaries.Add(boundary);
                    candidate = null;
                }
                position++;
                if (position % pageSize == 0)
                {
                    candidate = ArchiveKey.Of(key);
                }
            }
            return ((IReadOnlyList<ArchiveKey>)boundaries, position > 0);
        }, cancellationToken);

    private static async Task<List<ArticleKey>> QueryKeysAsync(DbConnection connection, string sql, object parameters, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<ArticleKey>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken))).AsList();

    /// <summary>Every category and section.</summary>
    public async Task<IReadOnlyList<CategoryRow>> GetCategoriesAsync(CancellationToken cancellationToken)
    {
        return await database.ReadAsync(async connection =>
            (IReadOnlyList<CategoryRow>)(await connection.QueryAsync<CategoryRow>(new CommandDefinition(CategoriesSql, cancellationToken: cancellationToken))).AsList(),
            cancellationToken);
    }

    /// <summary>The full articles and the tags (in order) that <paramref name="wanted"/> names; ids no longer present are absent.</summary>
    private async Task<(IReadOnlyDictionary<long, ArticleRow> Articles, ILookup<long, string> Tags)> ReadArticlesAsync(
        DbConnection connection, ArticleReads wanted, CancellationToken cancellationToken)
    {
        var articles = wanted.Bodies.Count == 0
            ? []
            : await connection.QueryAsync<ArticleRow>(new CommandDefinition(database.Dialect.ArticlesByIdSql, new { ids = SqlDialect.IdList(wanted.Bodies) }, cancellationToken: cancellationToken));
        var tags = wanted.Tags.Count == 0
            ? []
            : await connection.QueryAsync<ArticleTagRow>(new CommandDefinition(database.Dialect.TagsByArticleSql, new { ids = SqlDialect.IdList(wanted.Tags) }, cancellationToken: cancellationToken));
        var byId = articles.ToDictionary(article => article.Id);
        Interlocked.Add(ref _bodiesRead, byId.Count);
        return (byId, tags.ToLookup(tag => tag.ArticleId, tag => tag.Name));
    }
}
