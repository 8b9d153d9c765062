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

    public const string CreateMigrationsTableSql = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    TEXT NOT NULL PRIMARY KEY,
            applied_at TEXT NOT NULL
        )
        """;
}
