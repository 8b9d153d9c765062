using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;

namespace Feeds.Data;

/// <summary>
/// Everything that differs between SQLite and SQL Server, one instance per provider: the connection type and
/// its defaults, which errors are worth a second read, how a database is named for people and prepared on first
/// use, whether a starting server migrates it, the newest-N and archive queries (LIMIT, WITH RECURSIVE and a
/// correlated subquery against TOP, WITH and CROSS APPLY), the migrations bookkeeping and lock, an import's
/// locks, the id of an inserted row, and how script batches are separated. Every other SQL text is shared;
/// no other code asks which provider it has. (Date binding is by parameter type: Data/UtcDateTimeHandler.)
/// </summary>
public sealed class SqlDialect
{
    public static readonly SqlDialect Sqlite = new()
    {
        Name = "sqlite",
        CreateConnection = connectionString => new SqliteConnection(connectionString),
        SubtreeFeedStateSql = SqliteSql.SubtreeFeedStateSql,
        SiteFeedStateSql = SqliteSql.SiteFeedStateSql,
        TagFeedStateSql = SqliteSql.TagFeedStateSql,
        SiteArchive = new(SqliteSql.SiteArchivePageSql, SqliteSql.SiteArchiveNewerSql, SqliteSql.SiteArchiveCountSql, SqliteSql.SiteArchiveNeighboursSql),
        SubtreeArchive = new(SqliteSql.SubtreeArchivePageSql, SqliteSql.SubtreeArchiveNewerSql, SqliteSql.SubtreeArchiveCountSql, SqliteSql.SubtreeArchiveNeighboursSql),
        TagArchive = new(SqliteSql.TagArchivePageSql, SqliteSql.TagArchiveNewerSql, SqliteSql.TagArchiveCountSql, SqliteSql.TagArchiveNeighboursSql),
        CreateMigrationsTableSql = SqliteSql.CreateMigrationsTableSql,
        InsertedIdSql = SqliteSql.InsertedIdSql,
        MigrationsTableExistsSql = SqliteSql.MigrationsTableExistsSql,
        SplitBatches = script => [script],
        MigratesOnStart = true,
        IsTransientError = SqliteSql.IsTransient,
        WithDefaults = SqliteSql.WithDefaults,
        Describe = SqliteSql.Describe,
        EnsureStorage = SqliteSql.EnsureStorage,
        ReadsWaitForWritersSql = SqliteSql.ReadsWaitForWritersSql,
        PrepareMigrationsSql = SqliteSql.PrepareMigrationsSql,
        MigrationLockSql = null,
        RecursiveTriggersSql = null,
        BeginImportSql = null,
        EndImportSql = null,
        ResetImportSessionSql = null,
    };

    public static readonly SqlDialect SqlServer = new()
    {
        Name = "sqlserver",
        CreateConnection = connectionString => new SqlConnection(connectionString),
        SubtreeFeedStateSql = SqlServerSql.SubtreeFeedStateSql,
        SiteFeedStateSql = SqlServerSql.SiteFeedStateSql,
        TagFeedStateSql = SqlServerSql.TagFeedStateSql,
        SiteArchive = new(SqlServerSql.SiteArchivePageSql, SqlServerSql.SiteArchiveNewerSql, SqlServerSql.SiteArchiveCountSql, SqlServerSql.SiteArchiveNeighboursSql),
        SubtreeArchive = new(SqlServerSql.SubtreeArchivePageSql, SqlServerSql.SubtreeArchiveNewerSql, SqlServerSql.SubtreeArchiveCountSql, SqlServerSql.SubtreeArchiveNeighboursSql),
        TagArchive = new(SqlServerSql.TagArchivePageSql, SqlServerSql.TagArchiveNewerSql, SqlServerSql.TagArchiveCountSql, SqlServerSql.TagArchiveNeighboursSql),
        CreateMigrationsTableSql = SqlServerSql.CreateMigrationsTableSql,
        InsertedIdSql = SqlServerSql.InsertedIdSql,
        MigrationsTableExistsSql = SqlServerSql.MigrationsTableExistsSql,
        SplitBatches = SqlServerSql.SplitBatches,
        MigratesOnStart = false,
        IsTransientError = SqlServerSql.IsTransient,
        WithDefaults = SqlServerSql.WithDefaults,
        Describe = SqlServerSql.Describe,
        EnsureStorage = _ => { },
        ReadsWaitForWritersSql = SqlServerSql.ReadsWaitForWritersSql,
        PrepareMigrationsSql = null,
        MigrationLockSql = SqlServerSql.MigrationLockSql,
        RecursiveTriggersSql = SqlServerSql.RecursiveTriggersSql,
        BeginImportSql = SqlServerSql.BeginImportSql,
        EndImportSql = SqlServerSql.EndImportSql,
        ResetImportSessionSql = SqlServerSql.ResetImportSessionSql,
    };

    public static IReadOnlyList<string> Names { get; } = [Sqlite.Name, SqlServer.Name];

    public required string Name { get; init; }
    public required Func<string, DbConnection> CreateConnection { get; init; }

    /// <summary>
    /// One command, two results: every category, then the keys of the newest visible articles of the
    /// category @categorySlug and all below it (@now, @limit).
    /// </summary>
    public required string SubtreeFeedStateSql { get; init; }

    /// <summary>One command, two results: every category, then the keys of the site's newest visible articles.</summary>
    public required string SiteFeedStateSql { get; init; }

    /// <summary>One command, two results: every category, then the keys of the newest visible articles with tag @tagId.</summary>
    public required string TagFeedStateSql { get; init; }

    /// <summary>The archive queries of the site (no scope parameter).</summary>
    public required ArchiveSql SiteArchive { get; init; }

    /// <summary>The archive queries of the category @categorySlug and all below it.</summary>
    public required ArchiveSql SubtreeArchive { get; init; }

    /// <summary>The archive queries of the tag @tagId.</summary>
    public required ArchiveSql TagArchive { get; init; }

    public required string CreateMigrationsTableSql { get; init; }

    /// <summary>1 when schema_migrations exists, else 0.</summary>
    public required string MigrationsTableExistsSql { get; init; }

    /// <summary>Appended to an INSERT: the id of the row it inserted, in the same round trip.</summary>
    public required string InsertedIdSql { get; init; }

    /// <summary>Splits a schema script into the batches the server executes one by one.</summary>
    public required Func<string, IReadOnlyList<string>> SplitBatches { get; init; }

    /// <summary>The embedded database is created and migrated by a starting server (and by import); SQL Server only by migrate.</summary>
    public required bool MigratesOnStart { get; init; }

    /// <summary>Whether trying the same read again may succeed after this error of the provider.</summary>
    public required Func<Exception, bool> IsTransientError { get; init; }

    /// <summary>The connection string with what every connection gets unless it says otherwise (command timeout in seconds).</summary>
    public required Func<string, int, string> WithDefaults { get; init; }

    /// <summary>Which database a connection string names, for people; never a password.</summary>
    public required Func<string, string> Describe { get; init; }

    /// <summary>Creates what a first connection needs (the folder of an embedded database file).</summary>
    public required Action<string> EnsureStorage { get; init; }

    /// <summary>1 when a read waits for a writer's locks (SQL Server without READ_COMMITTED_SNAPSHOT; SQLite not in WAL mode), else 0.</summary>
    public required string ReadsWaitForWritersSql { get; init; }

    /// <summary>Run before migrating, outside any transaction; null: nothing.</summary>
    public required string? PrepareMigrationsSql { get; init; }

    /// <summary>Taken at the start of each migration's transaction, so that two migrations take turns; null: the transaction's own write lock does.</summary>
    public required string? MigrationLockSql { get; init; }

    /// <summary>1 when the database fires a trigger again for its own updates (RECURSIVE_TRIGGERS); null: not a database setting.</summary>
    public required string? RecursiveTriggersSql { get; init; }

    /// <summary>Run at the start of an import's transaction (@waitMilliseconds), before its commit, and before its connection returns to the pool; null: nothing.</summary>
    public required string? BeginImportSql { get; init; }

    public required string? EndImportSql { get; init; }

    public required string? ResetImportSessionSql { get; init; }

    public static bool TryGet(string? name, [NotNullWhen(true)] out SqlDialect? dialect)
    {
        dialect = name?.Trim().ToLowerInvariant() switch
        {
            "sqlite" => Sqlite,
            "sqlserver" => SqlServer,
            _ => null,
        };
        return dialect is not null;
    }
}

/// <summary>
/// The four reads behind an archive page, for one scope. All take @now; the page reads keys newest first from
/// @from on, older than (@beforeAt, @beforeId), at most @take; Newer reads keys oldest first before @to from
/// (@fromAt, @fromId) on; Count counts [@from, @to); Neighbours gives the newest publish time before @from
/// (older) and the oldest from @to on (newer).
/// </summary>
public sealed record ArchiveSql(string Page, string Newer, string Count, string Neighbours);
