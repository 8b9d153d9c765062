using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Feeds.Data;

/// <summary>
/// SQLite (Microsoft.Data.Sqlite), the embedded default: a file beside the app, created and migrated by a
/// starting server, readers beside one writer in WAL mode. Every LIMIT takes its parameter through
/// CAST(@limit AS INTEGER): SQLite's planner reads the value of a bare LIMIT parameter, and so prepares the statement
/// again at every run after its bindings were set (sqlite3_stmt_status, SQLITE_STMTSTATUS_REPREPARE), which made
/// the statements kept prepared (KeptSqliteConnections) parse and plan every feed's keys anew: a fifth of an
/// uncached render. The cast is an expression whose value the planner does not read.
/// </summary>
internal sealed class SqliteDialect : SqlDialect
{
    public override string Name => "sqlite";

    // Before any connection of this process is opened through Feeds: every one is made by this dialect.
    static SqliteDialect() => ProcessSettingsApplied = ApplyProcessSettings();

    /// <summary>Whether SQLite took <see cref="ApplyProcessSettings"/>'s settings (it refuses them once a connection was opened).</summary>
    internal static bool ProcessSettingsApplied { get; }

    /// <summary>
    /// How SQLite runs in this process, set before its first connection (https://sqlite.org/c3ref/config.html).
    /// Multi-thread mode (SQLITE_CONFIG_MULTITHREAD, https://sqlite.org/threadsafe.html) instead of serialized: no
    /// connection here is ever used by two threads at once (a kept read connection is leased to one read, every
    /// other one belongs to the code that opened it), so the lock serialized mode takes around every call
    /// (each sqlite3_column_* of each value read) only costs. And no memory statistics (SQLITE_CONFIG_MEMSTATUS),
    /// which take a global lock on every allocation and which Feeds never reads. Under perf, these locks were a
    /// seventh of reading a feed's keys (README, "Cold renders").
    /// </summary>
    private static bool ApplyProcessSettings()
    {
        const int SqliteConfigMultithread = 2;
        const int SqliteConfigMemstatus = 9;
        SQLitePCL.Batteries_V2.Init();
        return SQLitePCL.raw.sqlite3_config(SqliteConfigMultithread) == SQLitePCL.raw.SQLITE_OK
            & SQLitePCL.raw.sqlite3_config(SqliteConfigMemstatus, 0) == SQLitePCL.raw.SQLITE_OK;
    }

    public override DbConnection CreateConnection(string connectionString) => new SqliteConnection(connectionString);

    // As many idle as reads can run at once on this machine, and a few more for the pollers.
    internal override KeptSqliteConnections KeepsReadConnections(string readConnectionString) =>
        new(readConnectionString, capacity: Environment.ProcessorCount * 2 + 4);

    public override bool MigratesOnStart => true;

    // JSON1 is built into the SQLite that Microsoft.Data.Sqlite bundles.
    protected override string IdsOfJsonArray => "(SELECT value FROM json_each(@ids))";

    // The category list, then the keys of the newest visible articles of @categorySlug and every category below it:
    // one index seek per category on ix_articles_category_newest, then a sort of at most (categories x limit)
    // keys. SQLite has no LATERAL join; a correlated IN-subquery does the same. UNION (not UNION ALL) makes
    // the walk stop even if the data holds a cycle.
    public override string SubtreeFeedStateSql { get; } = ArticleStore.CategoriesSql + """
        ;
        WITH RECURSIVE subtree (id) AS (
            SELECT id FROM categories WHERE slug = @categorySlug
            UNION
            SELECT child.id FROM categories child JOIN subtree parent ON child.parent_id = parent.id
        )
        SELECT a.id, a.external_id, a.category_id, a.published_at, a.updated_at, COALESCE(v.version, 0) AS version, v.text_version
        FROM subtree c
        JOIN articles a ON a.id IN (
            SELECT n.id
            FROM articles n
            WHERE n.category_id = c.id AND n.is_published = 1 AND n.published_at <= @now
            ORDER BY n.published_at DESC, n.id DESC
            LIMIT CAST(@limit AS INTEGER))
        LEFT JOIN entry_versions v ON v.article_id = a.id
        ORDER BY a.published_at DESC, a.id DESC
        LIMIT CAST(@limit AS INTEGER)
        """;

    // The category list, then the keys of the newest visible articles of the whole site.
    public override string SiteFeedStateSql { get; } = ArticleStore.CategoriesSql + """
        ;
        SELECT a.id, a.external_id, a.category_id, a.published_at, a.updated_at, COALESCE(v.version, 0) AS version, v.text_version
        FROM articles a
        LEFT JOIN entry_versions v ON v.article_id = a.id
        WHERE a.is_published = 1 AND a.published_at <= @now
        ORDER BY a.published_at DESC, a.id DESC
        LIMIT CAST(@limit AS INTEGER)
        """;

    // The category list, then the keys of the newest visible articles with tag @tagId: one seek on
    // ix_article_tags_newest, which carries each article's publish state (sql/*/0003_tag_feeds.sql).
    public override string TagFeedStateSql { get; } = ArticleStore.CategoriesSql + """
        ;
        SELECT a.id, a.external_id, a.category_id, a.published_at, a.updated_at, COALESCE(v.version, 0) AS version, v.text_version
        FROM article_tags x
        JOIN articles a ON a.id = x.article_id
        LEFT JOIN entry_versions v ON v.article_id = a.id
        WHERE x.tag_id = @tagId AND x.is_published = 1 AND x.published_at <= @now
          AND a.is_published = 1 AND a.published_at <= @now
        ORDER BY x.published_at DESC, x.article_id DESC
        LIMIT CAST(@limit AS INTEGER)
        """;

    // Archives (RFC 5005). Each scope (site, category subtree, tag) is a CTE of its visible articles over its
    // own index: ix_articles_newest, ix_articles_category_newest per category, ix_article_tags_newest. The
    // page, newer and count bodies read from it with keyset ranges on (published_at, id), never OFFSET.
    // NOT MATERIALIZED: the CTE is read as a view, so the range conditions reach the index.
    private const string SiteScope = """
        WITH scoped AS NOT MATERIALIZED (
            SELECT a.id, a.external_id, a.category_id, a.published_at, a.updated_at, COALESCE(v.version, 0) AS version, v.text_version
            FROM articles a
            LEFT JOIN entry_versions v ON v.article_id = a.id
            WHERE a.is_published = 1 AND a.published_at <= @now)

        """;

    private const string Subtree = """
        WITH RECURSIVE subtree (id) AS (
            SELECT id FROM categories WHERE slug = @categorySlug
            UNION
            SELECT child.id FROM categories child JOIN subtree parent ON child.parent_id = parent.id
        )

        """;

    private const string TagScope = """
        WITH scoped AS NOT MATERIALIZED (
            SELECT x.article_id AS id, a.external_id, a.category_id, x.published_at, a.updated_at, COALESCE(v.version, 0) AS version, v.text_version
            FROM article_tags x
            JOIN articles a ON a.id = x.article_id
            LEFT JOIN entry_versions v ON v.article_id = a.id
            WHERE x.tag_id = @tagId AND x.is_published = 1 AND x.published_at <= @now
              AND a.is_published = 1 AND a.published_at <= @now)

        """;

    // Newest first, older than (@beforeAt, @beforeId), not before @from.
    private const string PageBody = """
        SELECT id, external_id, category_id, published_at, updated_at, version, text_version
        FROM scoped
        WHERE published_at >= @from AND published_at <= @beforeAt
          AND (published_at < @beforeAt OR id < @beforeId)
        ORDER BY published_at DESC, id DESC
        LIMIT CAST(@take AS INTEGER)
        """;

    // Oldest first, from (@fromAt, @fromId) on, before @to.
    private const string NewerBody = """
        SELECT id, external_id, category_id, published_at, updated_at, version, text_version
        FROM scoped
        WHERE published_at >= @fromAt AND published_at < @to
          AND (published_at > @fromAt OR id >= @fromId)
        ORDER BY published_at, id
        LIMIT CAST(@take AS INTEGER)
        """;

    private const string CountBody = """
        SELECT COUNT(*) FROM scoped WHERE published_at >= @from AND published_at < @to
        """;

    private const string SiteArchivePage = SiteScope + PageBody;
    private const string SiteArchiveNewer = SiteScope + NewerBody;
    private const string SiteArchiveCount = SiteScope + CountBody;

    // A subtree joined to articles as a view would make SQLite's planner walk the site's index for the whole
    // month and probe the subtree; per category instead (as SubtreeFeedStateSql does), each category's part
    // is one range of ix_articles_category_newest. Page and Newer differ only in their range and direction, and
    // are still spelled whole: each reads as one query, as the planner and a reviewer see it.
    private const string SubtreeArchivePage = Subtree + """
        SELECT a.id, a.external_id, a.category_id, a.published_at, a.updated_at, COALESCE(v.version, 0) AS version, v.text_version
        FROM subtree c
        JOIN articles a ON a.id IN (
            SELECT n.id
            FROM articles n
            WHERE n.category_id = c.id AND n.is_published = 1 AND n.published_at <= @now
              AND n.published_at >= @from AND n.published_at <= @beforeAt
              AND (n.published_at < @beforeAt OR n.id < @beforeId)
            ORDER BY n.published_at DESC, n.id DESC
            LIMIT CAST(@take AS INTEGER))
        LEFT JOIN entry_versions v ON v.article_id = a.id
        ORDER BY a.published_at DESC, a.id DESC
        LIMIT CAST(@take AS INTEGER)
        """;

    private const string SubtreeArchiveNewer = Subtree + """
        SELECT a.id, a.external_id, a.category_id, a.published_at, a.updated_at, COALESCE(v.version, 0) AS version, v.text_version
        FROM subtree c
        JOIN articles a ON a.id IN (
            SELECT n.id
            FROM articles n
            WHERE n.category_id = c.id AND n.is_published = 1 AND n.published_at <= @now
              AND n.published_at >= @fromAt AND n.published_at < @to
              AND (n.published_at > @fromAt OR n.id >= @fromId)
            ORDER BY n.published_at, n.id
            LIMIT CAST(@take AS INTEGER))
        LEFT JOIN entry_versions v ON v.article_id = a.id
        ORDER BY a.published_at, a.id
        LIMIT CAST(@take AS INTEGER)
        """;

    // Each category's count reads only its index range (a covering index scan).
    private const string SubtreeArchiveCount = Subtree + """
        SELECT COALESCE(SUM((
            SELECT COUNT(*) FROM articles n
            WHERE n.category_id = c.id AND n.is_published = 1 AND n.published_at <= @now
              AND n.published_at >= @from AND n.published_at < @to)), 0)
        FROM subtree c
        """;
    private const string TagArchivePage = TagScope + PageBody;
    private const string TagArchiveNewer = TagScope + NewerBody;
    private const string TagArchiveCount = TagScope + CountBody;

    // The newest visible publish time before @from and the oldest from @to on: one seek each (per category
    // for a subtree), so finding the neighbouring months costs the same at any table size.
    private const string SiteArchiveNeighbours = """
        SELECT
            (SELECT MAX(a.published_at) FROM articles a WHERE a.is_published = 1 AND a.published_at < @from) AS older,
            (SELECT MIN(a.published_at) FROM articles a WHERE a.is_published = 1 AND a.published_at >= @to AND a.published_at <= @now) AS newer
        """;

    private const string SubtreeArchiveNeighbours = Subtree + """
        SELECT
            (SELECT MAX((SELECT MAX(a.published_at) FROM articles a
                         WHERE a.category_id = c.id AND a.is_published = 1 AND a.published_at < @from)) FROM subtree c) AS older,
            (SELECT MIN((SELECT MIN(a.published_at) FROM articles a
                         WHERE a.category_id = c.id AND a.is_published = 1 AND a.published_at >= @to AND a.published_at <= @now)) FROM subtree c) AS newer
        """;

    private const string TagArchiveNeighbours = """
        SELECT
            (SELECT MAX(x.published_at) FROM article_tags x WHERE x.tag_id = @tagId AND x.is_published = 1 AND x.published_at < @from) AS older,
            (SELECT MIN(x.published_at) FROM article_tags x WHERE x.tag_id = @tagId AND x.is_published = 1 AND x.published_at >= @to AND x.published_at <= @now) AS newer
        """;

    public override ArchiveSql SiteArchive { get; } = new(SiteArchivePage, SiteArchiveNewer, SiteArchiveCount, SiteArchiveNeighbours);
    public override ArchiveSql SubtreeArchive { get; } = new(SubtreeArchivePage, SubtreeArchiveNewer, SubtreeArchiveCount, SubtreeArchiveNeighbours);
    public override ArchiveSql TagArchive { get; } = new(TagArchivePage, TagArchiveNewer, TagArchiveCount, TagArchiveNeighbours);

    // WAL mode: readers never wait for the writer (the migrator sets it; a persistent setting of the file).
    // The log's rowid is the mark (sql/sqlite/0005): the first and last keys of its b-tree, and a seek of
    // ix_articles_newest past @now. An emptied log gives 0, below any mark a poller holds: it reads every feed.
    public override string ChangeMarkSql { get; } = """
        SELECT COALESCE((SELECT MAX(mark) FROM feed_changes), 0) AS mark,
               (SELECT MIN(mark) FROM feed_changes) AS oldest_logged,
               (SELECT MIN(a.published_at) FROM articles a WHERE a.is_published = 1 AND a.published_at > @now) AS next_due
        """;

    // In WAL mode a deferred transaction reads one snapshot, from its first read until it ends
    // (https://www.sqlite.org/isolation.html); autocommit statements each read their own.
    public override string BeginSnapshotSql { get; } = "BEGIN DEFERRED";

    public override string EndSnapshotSql { get; } = "COMMIT";

    public override string ReadsWaitForWritersSql { get; } = "SELECT CASE WHEN (SELECT journal_mode FROM pragma_journal_mode) = 'wal' THEN 0 ELSE 1 END";

    // Readers keep reading while an import writes (persistent setting of the file).
    public override string? PrepareMigrationsSql { get; } = "PRAGMA journal_mode = WAL";

    // The rowid of this connection's last INSERT outside triggers (a trigger's own inserts do not count once it ends).
    public override string InsertedIdSql { get; } = "SELECT last_insert_rowid();";

    public override string MigrationsTableExistsSql { get; } = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";

    public override string CreateMigrationsTableSql { get; } = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    TEXT NOT NULL PRIMARY KEY,
            applied_at TEXT NOT NULL
        )
        """;

    /// <summary>SQLITE_BUSY and SQLITE_LOCKED: another writer held the file.</summary>
    public override bool IsTransientError(Exception exception) => exception is SqliteException { SqliteErrorCode: 5 or 6 };

    /// <summary>Foreign keys on (SQLite's default is off), and the command timeout as the busy timeout.</summary>
    public override string WithDefaults(string connectionString, int commandTimeoutSeconds)
    {
        var sqlite = new SqliteConnectionStringBuilder(connectionString) { ForeignKeys = true };
        if (!sqlite.ContainsKey("Default Timeout"))
        {
            sqlite.DefaultTimeout = commandTimeoutSeconds;
        }
        return sqlite.ToString();
    }

    public override string Describe(string connectionString) => $"sqlite {FileOf(connectionString) ?? new SqliteConnectionStringBuilder(connectionString).DataSource}";

    /// <summary>Creates the folder of the database file, so that a first run needs no setup.</summary>
    public override void EnsureStorage(string connectionString)
    {
        if (FileOf(connectionString) is { } file && Path.GetDirectoryName(file) is { Length: > 0 } folder)
        {
            try
            {
                Directory.CreateDirectory(folder);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new DataPathException(folder, exception);
            }
        }
    }

    /// <summary>The full path of the database file; null for an in-memory or URI data source.</summary>
    private static string? FileOf(string connectionString)
    {
        var dataSource = new SqliteConnectionStringBuilder(connectionString).DataSource;
        return dataSource is "" or ":memory:" || dataSource.StartsWith("file:", StringComparison.Ordinal) ? null : Path.GetFullPath(dataSource);
    }
}
