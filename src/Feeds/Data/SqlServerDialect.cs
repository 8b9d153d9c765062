using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Data.SqlClient;

namespace Feeds.Data;

/// <summary>
/// SQL Server (Microsoft.Data.SqlClient), the production database: migrated only by the migrate command, since
/// a server shared with the CMS changes its schema when its operators choose.
/// </summary>
internal sealed partial class SqlServerDialect : SqlDialect
{
    public override string Name => "sqlserver";

    public override DbConnection CreateConnection(string connectionString) => new SqlConnection(connectionString);

    public override bool MigratesOnStart => false;

    // A category and every category below it, to 100 levels. T-SQL's recursive CTE allows only UNION ALL, so
    // a parent_id cycle (which the import refuses, but a CMS or a hand-typed UPDATE may write) would recurse
    // until MAXRECURSION raised Msg 530; the depth bound ends the walk instead, and DISTINCT keeps each
    // category once: a cycle is walked like a tree, as SQLite's UNION and the C# walk do.
    private const string Subtree = """
        WITH walk (id, depth) AS (
            SELECT id, 0 FROM dbo.categories WHERE slug = @categorySlug
            UNION ALL
            SELECT child.id, parent.depth + 1 FROM dbo.categories child JOIN walk parent ON child.parent_id = parent.id
            WHERE parent.depth < 100
        ),
        subtree (id) AS (SELECT DISTINCT id FROM walk)

        """;

    // The depth bound above ends every walk; no MAXRECURSION error can happen.
    private const string Recursion = """

        OPTION (MAXRECURSION 0);
        """;

    // OPENJSON: SQL Server 2016 and later, database compatibility level 130 or higher.
    protected override string IdsOfJsonArray => "(SELECT CAST([value] AS bigint) FROM OPENJSON(@ids))";

    // The category list, then the keys of the newest visible articles of @categorySlug and every category below it:
    // one index seek per category on ix_articles_category_newest (CROSS APPLY ... TOP), then a top-N sort of
    // at most (categories x limit) keys.
    public override string SubtreeFeedStateSql { get; } = ArticleStore.CategoriesSql + """
        ;
        """ + Subtree + """
        SELECT TOP (@limit) a.id, a.external_id, a.category_id, a.published_at, a.updated_at, CAST(a.version AS bigint) AS version, a.text_version
        FROM subtree c
        CROSS APPLY (
            SELECT TOP (@limit) n.id, n.external_id, n.category_id, n.published_at, n.updated_at, n.version, n.text_version
            FROM articles n
            WHERE n.category_id = c.id AND n.is_published = 1 AND n.published_at <= @now
            ORDER BY n.published_at DESC, n.id DESC) a
        ORDER BY a.published_at DESC, a.id DESC
        """ + Recursion;

    // The category list, then the keys of the newest visible articles of the whole site.
    public override string SiteFeedStateSql { get; } = ArticleStore.CategoriesSql + """
        ;
        SELECT TOP (@limit) a.id, a.external_id, a.category_id, a.published_at, a.updated_at, CAST(a.version AS bigint) AS version, a.text_version
        FROM articles a
        WHERE a.is_published = 1 AND a.published_at <= @now
        ORDER BY a.published_at DESC, a.id DESC;
        """;

    // The category list, then the keys of the newest visible articles with tag @tagId: one seek on
    // ix_article_tags_newest, which carries each article's publish state (sql/*/0003_tag_feeds.sql).
    public override string TagFeedStateSql { get; } = ArticleStore.CategoriesSql + """
        ;
        SELECT TOP (@limit) a.id, a.external_id, a.category_id, a.published_at, a.updated_at, CAST(a.version AS bigint) AS version, a.text_version
        FROM dbo.article_tags x
        JOIN dbo.articles a ON a.id = x.article_id
        WHERE x.tag_id = @tagId AND x.is_published = 1 AND x.published_at <= @now
          AND a.is_published = 1 AND a.published_at <= @now
        ORDER BY x.published_at DESC, x.article_id DESC;
        """;

    // Archives (RFC 5005): see SqliteDialect. SQL Server expands a CTE where it is used, like a view.
    private const string SiteScope = """
        WITH scoped AS (
            SELECT a.id, a.external_id, a.category_id, a.published_at, a.updated_at, CAST(a.version AS bigint) AS version, a.text_version
            FROM dbo.articles a
            WHERE a.is_published = 1 AND a.published_at <= @now)

        """;


    private const string TagScope = """
        WITH scoped AS (
            SELECT x.article_id AS id, a.external_id, a.category_id, x.published_at, a.updated_at, CAST(a.version AS bigint) AS version, a.text_version
            FROM dbo.article_tags x
            JOIN dbo.articles a ON a.id = x.article_id
            WHERE x.tag_id = @tagId AND x.is_published = 1 AND x.published_at <= @now
              AND a.is_published = 1 AND a.published_at <= @now)

        """;

    private const string PageBody = """
        SELECT TOP (@take) id, external_id, category_id, published_at, updated_at, version, text_version
        FROM scoped
        WHERE published_at >= @from AND published_at <= @beforeAt
          AND (published_at < @beforeAt OR id < @beforeId)
        ORDER BY published_at DESC, id DESC
        """;

    private const string NewerBody = """
        SELECT TOP (@take) id, external_id, category_id, published_at, updated_at, version, text_version
        FROM scoped
        WHERE published_at >= @fromAt AND published_at < @to
          AND (published_at > @fromAt OR id >= @fromId)
        ORDER BY published_at, id
        """;

    private const string CountBody = """
        SELECT COUNT_BIG(*) FROM scoped WHERE published_at >= @from AND published_at < @to
        """;

    private const string SiteArchivePage = SiteScope + PageBody + ";";
    private const string SiteArchiveNewer = SiteScope + NewerBody + ";";
    private const string SiteArchiveCount = SiteScope + CountBody + ";";
    // Per category, as SubtreeFeedStateSql: each category's part is one range of ix_articles_category_newest
    // read in order (TOP per category), then a top-N of at most (categories x @take) keys. Joining the subtree
    // with the whole month's articles would read every article of the month to return a page. Page and Newer
    // differ only in their range and direction, and are still spelled whole, as the planner sees them.
    private const string SubtreeArchivePage = Subtree + """
        SELECT TOP (@take) a.id, a.external_id, a.category_id, a.published_at, a.updated_at, CAST(a.version AS bigint) AS version, a.text_version
        FROM subtree c
        CROSS APPLY (
            SELECT TOP (@take) n.id, n.external_id, n.category_id, n.published_at, n.updated_at, n.version, n.text_version
            FROM dbo.articles n
            WHERE n.category_id = c.id AND n.is_published = 1 AND n.published_at <= @now
              AND n.published_at >= @from AND n.published_at <= @beforeAt
              AND (n.published_at < @beforeAt OR n.id < @beforeId)
            ORDER BY n.published_at DESC, n.id DESC) a
        ORDER BY a.published_at DESC, a.id DESC
        """ + Recursion;

    private const string SubtreeArchiveNewer = Subtree + """
        SELECT TOP (@take) a.id, a.external_id, a.category_id, a.published_at, a.updated_at, CAST(a.version AS bigint) AS version, a.text_version
        FROM subtree c
        CROSS APPLY (
            SELECT TOP (@take) n.id, n.external_id, n.category_id, n.published_at, n.updated_at, n.version, n.text_version
            FROM dbo.articles n
            WHERE n.category_id = c.id AND n.is_published = 1 AND n.published_at <= @now
              AND n.published_at >= @fromAt AND n.published_at < @to
              AND (n.published_at > @fromAt OR n.id >= @fromId)
            ORDER BY n.published_at, n.id) a
        ORDER BY a.published_at, a.id
        """ + Recursion;

    // Each category's count reads only its index range.
    private const string SubtreeArchiveCount = Subtree + """
        SELECT COALESCE(SUM(n.articles), 0)
        FROM subtree c
        CROSS APPLY (
            SELECT COUNT_BIG(*) AS articles FROM dbo.articles a
            WHERE a.category_id = c.id AND a.is_published = 1 AND a.published_at <= @now
              AND a.published_at >= @from AND a.published_at < @to) n
        """ + Recursion;
    private const string TagArchivePage = TagScope + PageBody + ";";
    private const string TagArchiveNewer = TagScope + NewerBody + ";";
    private const string TagArchiveCount = TagScope + CountBody + ";";

    private const string SiteArchiveNeighbours = """
        SELECT
            (SELECT MAX(a.published_at) FROM dbo.articles a WHERE a.is_published = 1 AND a.published_at < @from) AS older,
            (SELECT MIN(a.published_at) FROM dbo.articles a WHERE a.is_published = 1 AND a.published_at >= @to AND a.published_at <= @now) AS newer;
        """;

    private const string SubtreeArchiveNeighbours = Subtree + """
        SELECT
            (SELECT MAX(n.older) FROM subtree c CROSS APPLY (
                SELECT MAX(a.published_at) AS older FROM dbo.articles a
                WHERE a.category_id = c.id AND a.is_published = 1 AND a.published_at < @from) n) AS older,
            (SELECT MIN(n.newer) FROM subtree c CROSS APPLY (
                SELECT MIN(a.published_at) AS newer FROM dbo.articles a
                WHERE a.category_id = c.id AND a.is_published = 1 AND a.published_at >= @to AND a.published_at <= @now) n) AS newer
        """ + Recursion;

    private const string TagArchiveNeighbours = """
        SELECT
            (SELECT MAX(x.published_at) FROM dbo.article_tags x WHERE x.tag_id = @tagId AND x.is_published = 1 AND x.published_at < @from) AS older,
            (SELECT MIN(x.published_at) FROM dbo.article_tags x WHERE x.tag_id = @tagId AND x.is_published = 1 AND x.published_at >= @to AND x.published_at <= @now) AS newer;
        """;

    public override ArchiveSql SiteArchive { get; } = new(SiteArchivePage, SiteArchiveNewer, SiteArchiveCount, SiteArchiveNeighbours);
    public override ArchiveSql SubtreeArchive { get; } = new(SubtreeArchivePage, SubtreeArchiveNewer, SubtreeArchiveCount, SubtreeArchiveNeighbours);
    public override ArchiveSql TagArchive { get; } = new(TagArchivePage, TagArchiveNewer, TagArchiveCount, TagArchiveNeighbours);

    // SCOPE_IDENTITY, not OUTPUT: OUTPUT without INTO is refused on a table with triggers (Msg 334), and
    // @@IDENTITY would be a trigger's insert.
    public override string InsertedIdSql { get; } = "SELECT CAST(SCOPE_IDENTITY() AS bigint);";

    // UPDLOCK, HOLDLOCK: the key range stays locked from the check to the insert, so two instances giving the same
    // document its first time insert one row between them instead of one failing with Msg 2627.
    public override string InsertDocumentTimeSql { get; } = """
        INSERT INTO dbo.document_times (document, etag, mark, modified_at)
        SELECT @document, @etag, @mark, @modifiedAt
        WHERE NOT EXISTS (SELECT 1 FROM dbo.document_times WITH (UPDLOCK, HOLDLOCK) WHERE document = @document)
        """;

    public override string MigrationsTableExistsSql { get; } = "SELECT CASE WHEN OBJECT_ID(N'dbo.schema_migrations', N'U') IS NULL THEN 0 ELSE 1 END";

    public override string CreateMigrationsTableSql { get; } = """
        IF OBJECT_ID(N'dbo.schema_migrations', N'U') IS NULL
        CREATE TABLE dbo.schema_migrations (
            version    nvarchar(100) NOT NULL CONSTRAINT pk_schema_migrations PRIMARY KEY,
            applied_at datetime2(7)  NOT NULL
        )
        """;

    /// <summary>"GO" alone on a line ends a batch (a client convention, not T-SQL).</summary>
    public override IReadOnlyList<string> SplitBatches(string script) =>
        BatchSeparator().Split(script).Where(batch => !string.IsNullOrWhiteSpace(batch)).ToArray();

    [GeneratedRegex(@"^\s*GO\s*;?\s*$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex BatchSeparator();

    // SQL Server errors worth a second try: deadlock victim, timeouts, and the transient errors Azure SQL and
    // availability-group failovers report (https://learn.microsoft.com/azure/azure-sql/database/troubleshoot-common-errors-issues).
    private static readonly HashSet<int> TransientErrors = [-2, 64, 233, 1205, 4060, 4221, 10053, 10054, 10060, 10928, 10929, 40143, 40197, 40501, 40613, 49918, 49919, 49920];

    public override bool IsTransientError(Exception exception) =>
        exception is SqlException sql && sql.Errors.Cast<SqlError>().Any(error => TransientErrors.Contains(error.Number));

    /// <summary>The command timeout, unless the connection string sets one.</summary>
    public override string WithDefaults(string connectionString, int commandTimeoutSeconds)
    {
        var sql = new SqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Command Timeout", StringComparison.OrdinalIgnoreCase))
        {
            sql.CommandTimeout = commandTimeoutSeconds;
        }
        return sql.ToString();
    }

    public override string Describe(string connectionString)
    {
        var sql = new SqlConnectionStringBuilder(connectionString);
        return $"sqlserver {sql.DataSource}/{sql.InitialCatalog}";
    }

    // Without READ_COMMITTED_SNAPSHOT (SQL Server's default on premises; Azure SQL has it on) a read waits for
    // every lock a writer holds: the poll and every render would wait for an import's whole transaction.
    // The mark's own row (sql/sqlserver/0005), the first key of feed_changes, and a seek of ix_articles_newest.
    public override string ChangeMarkSql { get; } = """
        SELECT m.mark,
               (SELECT MIN(l.mark) FROM dbo.feed_changes l) AS oldest_logged,
               (SELECT MIN(a.published_at) FROM dbo.articles a WHERE a.is_published = 1 AND a.published_at > @now) AS next_due
        FROM dbo.feed_change_mark m
        """;

    // Under READ_COMMITTED_SNAPSHOT each statement reads its own snapshot; a SNAPSHOT transaction reads one for all
    // of them, as of its first read (ALLOW_SNAPSHOT_ISOLATION, which migrate turns on; on a readable secondary
    // every read is already snapshot). The isolation level is set back, so that a pooled connection reused for a
    // write does not keep it.
    public override string BeginSnapshotSql { get; } = """
        SET TRANSACTION ISOLATION LEVEL SNAPSHOT;
        BEGIN TRANSACTION;
        """;

    public override string EndSnapshotSql { get; } = """
        IF @@TRANCOUNT > 0 COMMIT TRANSACTION;
        SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
        """;

    // Outside any transaction (ALTER DATABASE cannot run in one), before migrate checks the requirements: the
    // renders' and polls' snapshots need it. It waits for transactions that began before it to end.
    public override string? PrepareMigrationsSql { get; } = """
        IF (SELECT snapshot_isolation_state FROM sys.databases WHERE database_id = DB_ID()) <> 1
            ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON;
        """;

    public override string ReadsWaitForWritersSql { get; } = "SELECT CASE WHEN is_read_committed_snapshot_on = 1 THEN 0 ELSE 1 END FROM sys.databases WHERE database_id = DB_ID()";

    // Held by the session for a whole migrate, from before schema_migrations is made (two first migrations at
    // once would otherwise both create it: Msg 2714); waits as long as the other migrate takes.
    public override string? MigrationLockSql { get; } = """
        DECLARE @locked int;
        EXEC @locked = sys.sp_getapplock @Resource = N'feeds:migrate', @LockMode = N'Exclusive', @LockOwner = N'Session', @LockTimeout = -1;
        IF @locked < 0
            THROW 50002, N'The migration lock could not be taken.', 1;
        """;

    public override string? MigrationUnlockSql { get; } = """
        EXEC sys.sp_releaseapplock @Resource = N'feeds:migrate', @LockOwner = N'Session';
        """;

    // What Feeds' scripts and reads rely on: OPENJSON (compatibility level 130), CREATE OR ALTER (SQL Server 2016
    // SP1, 13.0.4001; Azure SQL Database and Managed Instance, engine editions 5 and 8, have both), and nested
    // triggers (the article triggers move the change mark through the category triggers).
    public override string? RequirementsSql { get; } = """
        SELECT
            (SELECT compatibility_level FROM sys.databases WHERE database_id = DB_ID()) AS CompatibilityLevel,
            CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS ProductVersion,
            CAST(SERVERPROPERTY('EngineEdition') AS int) AS EngineEdition,
            (SELECT CAST(value_in_use AS int) FROM sys.configurations WHERE name = N'nested triggers') AS NestedTriggers,
            (SELECT CAST(snapshot_isolation_state AS int) FROM sys.databases WHERE database_id = DB_ID()) AS SnapshotIsolation
        """;

    // With RECURSIVE_TRIGGERS ON a trigger's UPDATE of its own table fires it again; Feeds' triggers guard
    // against it (sql/sqlserver/0004), a CMS's own triggers may not.
    public override string? RecursiveTriggersSql { get; } = "SELECT CAST(is_recursive_triggers_on AS int) FROM sys.databases WHERE database_id = DB_ID()";

    // An import (Data/ArticleWriter, and sql/sqlserver/0004): one at a time, winning deadlocks, its version moves collected.
    public override string? BeginImportSql { get; } = """
        SET DEADLOCK_PRIORITY HIGH;
        DECLARE @locked int;
        EXEC @locked = sys.sp_getapplock @Resource = N'feeds:import', @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = @waitMilliseconds;
        IF @locked < 0
            THROW 50001, N'Another import is running: it did not finish within the wait.', 1;
        CREATE TABLE #feeds_pending_versions (category_id int NULL, tag_id int NULL);
        """;

    public override string? EndImportSql { get; } = """
        UPDATE c SET version = c.version + 1
        FROM dbo.categories AS c
        WHERE c.id IN (SELECT category_id FROM #feeds_pending_versions);
        UPDATE t SET version = t.version + 1
        FROM dbo.tags AS t
        WHERE t.id IN (SELECT tag_id FROM #feeds_pending_versions);
        DROP TABLE #feeds_pending_versions;
        """;

    // The connection returns to the pool, where the next user (maybe a read) must not inherit the import's
    // deadlock priority or isolation level.
    public override string? ResetImportSessionSql { get; } = """
        SET DEADLOCK_PRIORITY NORMAL;
        SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
        """;
}
