namespace Feeds.Data;

/// <summary>SQLite texts of the dialect-specific queries (see <see cref="SqlDialect"/>).</summary>
internal static class SqliteSql
{
    // The category list, then the keys of the newest visible articles of @slug and every category below it:
    // one index seek per category on ix_articles_category_newest, then a sort of at most (categories x limit)
    // keys. SQLite has no LATERAL join; a correlated IN-subquery does the same. UNION (not UNION ALL) makes
    // the walk stop even if the data holds a cycle.
    public const string SubtreeFeedStateSql = ArticleStore.CategoriesSql + """
        ;
        WITH RECURSIVE subtree (id) AS (
            SELECT id FROM categories WHERE slug = @slug
            UNION
            SELECT child.id FROM categories child JOIN subtree parent ON child.parent_id = parent.id
        )
        SELECT a.id, a.external_id, a.category_id, a.published_at, a.updated_at
        FROM subtree c
        JOIN articles a ON a.id IN (
            SELECT n.id
            FROM articles n
            WHERE n.category_id = c.id AND n.is_published = 1 AND n.published_at <= @now
            ORDER BY n.published_at DESC, n.id DESC
            LIMIT @limit)
        ORDER BY a.published_at DESC, a.id DESC
        LIMIT @limit
        """;

    // The category list, then the keys of the newest visible articles of the whole site.
    public const string SiteFeedStateSql = ArticleStore.CategoriesSql + """
        ;
        SELECT a.id, a.external_id, a.category_id, a.published_at, a.updated_at
        FROM articles a
        WHERE a.is_published = 1 AND a.published_at <= @now
        ORDER BY a.published_at DESC, a.id DESC
        LIMIT @limit
        """;

    // The category list, then the keys of the newest visible articles with tag @tagId: one seek on
    // ix_article_tags_newest, which carries each article's publish state (sql/*/0003_tag_feeds.sql).
    public const string TagFeedStateSql = ArticleStore.CategoriesSql + """
        ;
        SELECT a.id, a.external_id, a.category_id, a.published_at, a.updated_at
        FROM article_tags x
        JOIN articles a ON a.id = x.article_id
        WHERE x.tag_id = @tagId AND x.is_published = 1 AND x.published_at <= @now
          AND a.is_published = 1 AND a.published_at <= @now
        ORDER BY x.published_at DESC, x.article_id DESC
        LIMIT @limit
        """;

    // Archives (RFC 5005): a feed's visible articles in a time range, for the site (@categorySlug and @tagId
    // NULL), a category's subtree or a tag. Archive pages are rendered rarely and then kept, so one text
    // serves the three scopes; every page is a keyset range, never OFFSET.
    private const string ArchiveSubtree = """
        WITH RECURSIVE subtree (id) AS (
            SELECT id FROM categories WHERE slug = @categorySlug
            UNION
            SELECT child.id FROM categories child JOIN subtree parent ON child.parent_id = parent.id
        )

        """;

    // Newest first, older than (@beforeAt, @beforeId) and not before @from.
    public const string ArchivePageSql = ArchiveSubtree + """
        SELECT a.id, a.external_id, a.category_id, a.published_at, a.updated_at
        FROM articles a
        WHERE
        """ + ArticleStore.ArchiveScopeCondition + """
          AND a.published_at >= @from
          AND (a.published_at < @beforeAt OR (a.published_at = @beforeAt AND a.id < @beforeId))
        ORDER BY a.published_at DESC, a.id DESC
        LIMIT @take
        """;

    // Oldest first, from (@fromAt, @fromId) on and before @to.
    public const string ArchiveNewerSql = ArchiveSubtree + """
        SELECT a.id, a.external_id, a.category_id, a.published_at, a.updated_at
        FROM articles a
        WHERE
        """ + ArticleStore.ArchiveScopeCondition + """
          AND a.published_at < @to
          AND (a.published_at > @fromAt OR (a.published_at = @fromAt AND a.id >= @fromId))
        ORDER BY a.published_at, a.id
        LIMIT @take
        """;

    public const string ArchiveCountSql = ArchiveSubtree + """
        SELECT COUNT(*)
        FROM articles a
        WHERE
        """ + ArticleStore.ArchiveScopeCondition + """
          AND a.published_at >= @from AND a.published_at < @to
        """;

    // The newest visible publish time before @from and the oldest from @to on: the neighbouring months.
    public const string ArchiveNeighboursSql = ArchiveSubtree + """
        SELECT
            (SELECT MAX(a.published_at) FROM articles a WHERE
        """ + ArticleStore.ArchiveScopeCondition + """
             AND a.published_at < @from) AS older,
            (SELECT MIN(a.published_at) FROM articles a WHERE
        """ + ArticleStore.ArchiveScopeCondition + """
             AND a.published_at >= @to) AS newer
        """;

    public const string CreateMigrationsTableSql = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    TEXT NOT NULL PRIMARY KEY,
            applied_at TEXT NOT NULL
        )
        """;
}
