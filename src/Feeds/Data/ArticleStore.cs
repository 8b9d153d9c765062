using System.Data.Common;
using Dapper;

namespace Feeds.Data;

/// <summary>The reads behind every feed: the category tree with the newest keys, then the chosen articles.</summary>
public sealed class ArticleStore(Database database)
{
    internal const string CategoriesSql = """
        SELECT id, slug, name, parent_id, updated_at
        FROM categories
        """;

    // The change detector's poll: every category's version and the publish time of its newest visible
    // article (one index seek each), so that a scheduled article coming due changes its feeds too.
    private const string CategoryVersionsSql = """
        SELECT c.id, c.slug, c.parent_id, c.version,
               (SELECT MAX(a.published_at)
                FROM articles a
                WHERE a.category_id = c.id AND a.is_published = 1 AND a.published_at <= @now) AS newest_due
        FROM categories c
        """;

    private const string ArticlesByIdSql = """
        SELECT id, external_id, category_id, title, summary, content_html, author, source, url, image_url,
               published_at, updated_at, is_published
        FROM articles
        WHERE id IN @ids
        """;

    private const string TagsByArticleSql = """
        SELECT x.article_id, t.name
        FROM article_tags x
        JOIN tags t ON t.id = x.tag_id
        WHERE x.article_id IN @ids
        ORDER BY x.article_id, x.position
        """;

    /// <summary>
    /// In one command: every category, and the keys of the newest published articles whose publish time
    /// has come, newest first, of the category <paramref name="slug"/> and all below it, or of the whole site
    /// when <paramref name="slug"/> is null. Reads no article body: enough to answer a conditional request.
    /// </summary>
    public async Task<(IReadOnlyList<CategoryRow> Categories, IReadOnlyList<ArticleKey> Keys)> GetFeedStateAsync(
        string? slug, DateTime nowUtc, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadStateAsync(connection, slug, nowUtc, limit, cancellationToken);
    }

    private async Task<(IReadOnlyList<CategoryRow> Categories, IReadOnlyList<ArticleKey> Keys)> ReadStateAsync(
        DbConnection connection, string? slug, DateTime nowUtc, int limit, CancellationToken cancellationToken)
    {
        var command = slug is null
            ? new CommandDefinition(database.Dialect.SiteFeedStateSql, new { now = nowUtc, limit }, cancellationToken: cancellationToken)
            : new CommandDefinition(database.Dialect.SubtreeFeedStateSql, new { slug, now = nowUtc, limit }, cancellationToken: cancellationToken);
        await using var results = await connection.QueryMultipleAsync(command);
        var categories = (await results.ReadAsync<CategoryRow>()).AsList();
        var keys = (await results.ReadAsync<ArticleKey>()).AsList();
        return (categories, keys);
    }

    /// <summary>Everything one rendering needs, on one connection: the feed's state, then its articles and their tags.</summary>
    public async Task<FeedRead> ReadFeedAsync(string? slug, DateTime nowUtc, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var (categories, keys) = await ReadStateAsync(connection, slug, nowUtc, limit, cancellationToken);
        var (articles, tags) = await ReadArticlesAsync(connection, keys.Select(key => key.Id).ToArray(), cancellationToken);
        return new FeedRead(categories, keys, articles, tags);
    }

    public async Task<IReadOnlyList<CategoryVersionRow>> GetCategoryVersionsAsync(DateTime nowUtc, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<CategoryVersionRow>(new CommandDefinition(CategoryVersionsSql, new { now = nowUtc }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>The full articles of these ids, with their tags in order; ids no longer present are absent.</summary>
    public async Task<(IReadOnlyDictionary<long, ArticleRow> Articles, ILookup<long, string> Tags)> GetArticlesAsync(
        IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadArticlesAsync(connection, ids, cancellationToken);
    }

    private static async Task<(IReadOnlyDictionary<long, ArticleRow> Articles, ILookup<long, string> Tags)> ReadArticlesAsync(
        DbConnection connection, IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return (new Dictionary<long, ArticleRow>(), Array.Empty<ArticleTagRow>().ToLookup(tag => tag.ArticleId, tag => tag.Name));
        }
        var articles = await connection.QueryAsync<ArticleRow>(new CommandDefinition(ArticlesByIdSql, new { ids }, cancellationToken: cancellationToken));
        var tags = await connection.QueryAsync<ArticleTagRow>(new CommandDefinition(TagsByArticleSql, new { ids }, cancellationToken: cancellationToken));
        return (articles.ToDictionary(article => article.Id), tags.ToLookup(tag => tag.ArticleId, tag => tag.Name));
    }
}

/// <summary>One rendering's read: categories, the feed's keys in order, and the articles and tags behind them.</summary>
public sealed record FeedRead(
    IReadOnlyList<CategoryRow> Categories,
    IReadOnlyList<ArticleKey> Keys,
    IReadOnlyDictionary<long, ArticleRow> Articles,
    ILookup<long, string> Tags);
