using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;

namespace Feeds.Data;

/// <summary>
/// The SQL that differs between SQLite and SQL Server: the connection type, the newest-N and archive queries
/// (LIMIT, WITH RECURSIVE and a correlated subquery against TOP, WITH and CROSS APPLY), the migrations
/// bookkeeping, the id of an inserted row and how script batches are separated. Every other SQL text is
/// shared. Behaviour that differs lives with what it concerns, keyed on the dialect: transient errors and
/// connection defaults (Database), date binding (UtcDateTimeHandler), WAL and the migration lock (Migrator),
/// migrating on start (DatabaseInitializer), the import's locks (ArticleWriter).
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
