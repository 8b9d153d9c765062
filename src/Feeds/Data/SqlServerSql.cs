using System.Text.RegularExpressions;

namespace Feeds.Data;

/// <summary>T-SQL texts of the dialect-specific queries (see <see cref="SqlDialect"/>).</summary>
internal static partial class SqlServerSql
{
    // The category list, then the keys of the newest visible articles of @slug and every category below it:
    // one index seek per category on ix_articles_category_newest (CROSS APPLY ... TOP), then a top-N sort of
    // at most (categories x limit) keys. The import never creates a cycle; MAXRECURSION bounds the walk.
    public const string SubtreeFeedStateSql = ArticleStore.CategoriesSql + """
        ;
        WITH subtree (id) AS (
            SELECT id FROM categories WHERE slug = @slug
            UNION ALL
            SELECT child.id FROM categories child JOIN subtree parent ON child.parent_id = parent.id
        )
        SELECT TOP (@limit) a.id, a.external_id, a.category_id, a.published_at, a.updated_at
        FROM subtree c
        CROSS APPLY (
            SELECT TOP (@limit) n.id, n.external_id, n.category_id, n.published_at, n.updated_at
            FROM articles n
            WHERE n.category_id = c.id AND n.is_published = 1 AND n.published_at <= @now
            ORDER BY n.published_at DESC, n.id DESC) a
        ORDER BY a.published_at DESC, a.id DESC
        OPTION (MAXRECURSION 32);
        """;

    // The category list, then the keys of the newest visible articles of the whole site.
    public const string SiteFeedStateSql = ArticleStore.CategoriesSql + """
        ;
        SELECT TOP (@limit) a.id, a.external_id, a.category_id, a.published_at, a.updated_at
        FROM articles a
        WHERE a.is_published = 1 AND a.published_at <= @now
        ORDER BY a.published_at DESC, a.id DESC;
        """;

    // The category list, then the keys of the newest visible articles with tag @tagId: one seek on
    // ix_article_tags_newest, which carries each article's publish state (sql/*/0003_tag_feeds.sql).
    public const string TagFeedStateSql = ArticleStore.CategoriesSql + """
        ;
        SELECT TOP (@limit) a.id, a.external_id, a.category_id, a.published_at, a.updated_at
        FROM dbo.article_tags x
        JOIN dbo.articles a ON a.id = x.article_id
        WHERE x.tag_id = @tagId AND x.is_published = 1 AND x.published_at <= @now
          AND a.is_published = 1 AND a.published_at <= @now
        ORDER BY x.published_at DESC, x.article_id DESC;
        """;

    // Archives (RFC 5005): see SqliteSql. RECOMPILE: the scope parameters decide which conditions matter,
    // and archive pages are rendered rarely, so a plan per execution costs little and fits each scope.
    private const string ArchiveSubtree = """
        WITH subtree (id) AS (
            SELECT id FROM categories WHERE slug = @categorySlug
            UNION ALL
            SELECT child.id FROM categories child JOIN subtree parent ON child.parent_id = parent.id
        )

        """;

    private const string ArchiveOptions = """

        OPTION (MAXRECURSION 32, RECOMPILE);
        """;

    public const string ArchivePageSql = ArchiveSubtree + """
        SELECT TOP (@take) a.id, a.external_id, a.category_id, a.published_at, a.updated_at
        FROM articles a
        WHERE
        """ + ArticleStore.ArchiveScopeCondition + """
          AND a.published_at >= @from
          AND (a.published_at < @beforeAt OR (a.published_at = @beforeAt AND a.id < @beforeId))
        ORDER BY a.published_at DESC, a.id DESC
        """ + ArchiveOptions;

    public const string ArchiveNewerSql = ArchiveSubtree + """
        SELECT TOP (@take) a.id, a.external_id, a.category_id, a.published_at, a.updated_at
        FROM articles a
        WHERE
        """ + ArticleStore.ArchiveScopeCondition + """
          AND a.published_at < @to
          AND (a.published_at > @fromAt OR (a.published_at = @fromAt AND a.id >= @fromId))
        ORDER BY a.published_at, a.id
        """ + ArchiveOptions;

    public const string ArchiveCountSql = ArchiveSubtree + """
        SELECT COUNT(*)
        FROM articles a
        WHERE
        """ + ArticleStore.ArchiveScopeCondition + """
          AND a.published_at >= @from AND a.published_at < @to
        """ + ArchiveOptions;

    public const string ArchiveNeighboursSql = ArchiveSubtree + """
        SELECT
            (SELECT MAX(a.published_at) FROM articles a WHERE
        """ + ArticleStore.ArchiveScopeCondition + """
             AND a.published_at < @from) AS older,
            (SELECT MIN(a.published_at) FROM articles a WHERE
        """ + ArticleStore.ArchiveScopeCondition + """
             AND a.published_at >= @to) AS newer
        """ + ArchiveOptions;

    public const string CreateMigrationsTableSql = """
        IF OBJECT_ID(N'dbo.schema_migrations', N'U') IS NULL
        CREATE TABLE dbo.schema_migrations (
            version    nvarchar(100) NOT NULL CONSTRAINT pk_schema_migrations PRIMARY KEY,
            applied_at datetime2(7)  NOT NULL
        )
        """;

    /// <summary>"GO" alone on a line ends a batch (a client convention, not T-SQL).</summary>
    public static IReadOnlyList<string> SplitBatches(string script) =>
        BatchSeparator().Split(script).Where(batch => !string.IsNullOrWhiteSpace(batch)).ToArray();

    [GeneratedRegex(@"^\s*GO\s*;?\s*$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex BatchSeparator();
}
