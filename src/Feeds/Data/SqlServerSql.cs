using System.Text.RegularExpressions;

namespace Feeds.Data;

/// <summary>T-SQL texts of the dialect-specific queries (see <see cref="SqlDialect"/>).</summary>
internal static partial class SqlServerSql
{
    // One index seek per category on ix_articles_category_newest (CROSS APPLY ... TOP), then a
    // top-N sort of at most (categories x limit) keys.
    public const string NewestInCategoriesSql = """
        SELECT TOP (@limit) a.id, a.external_id, a.category_id, a.published_at, a.updated_at
        FROM categories c
        CROSS APPLY (
            SELECT TOP (@limit) n.id, n.external_id, n.category_id, n.published_at, n.updated_at
            FROM articles n
            WHERE n.category_id = c.id AND n.is_published = 1 AND n.published_at <= @now
            ORDER BY n.published_at DESC, n.id DESC) a
        WHERE c.id IN @categoryIds
        ORDER BY a.published_at DESC, a.id DESC
        """;

    public const string NewestInSiteSql = """
        SELECT TOP (@limit) a.id, a.external_id, a.category_id, a.published_at, a.updated_at
        FROM articles a
        WHERE a.is_published = 1 AND a.published_at <= @now
        ORDER BY a.published_at DESC, a.id DESC
        """;

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
