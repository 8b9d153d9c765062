using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;

namespace Feeds.Data;

/// <summary>
/// Everything that differs between SQLite and SQL Server, in one place: the connection type, the
/// newest-N queries (LIMIT, WITH RECURSIVE and a correlated subquery against TOP, WITH and CROSS APPLY),
/// the migrations bookkeeping table and how script batches are separated. Every other SQL text is shared.
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
        ArchivePageSql = SqliteSql.ArchivePageSql,
        ArchiveNewerSql = SqliteSql.ArchiveNewerSql,
        ArchiveCountSql = SqliteSql.ArchiveCountSql,
        ArchiveNeighboursSql = SqliteSql.ArchiveNeighboursSql,
        CreateMigrationsTableSql = SqliteSql.CreateMigrationsTableSql,
        SplitBatches = script => [script],
    };

    public static readonly SqlDialect SqlServer = new()
    {
        Name = "sqlserver",
        CreateConnection = connectionString => new SqlConnection(connectionString),
        SubtreeFeedStateSql = SqlServerSql.SubtreeFeedStateSql,
        SiteFeedStateSql = SqlServerSql.SiteFeedStateSql,
        TagFeedStateSql = SqlServerSql.TagFeedStateSql,
        ArchivePageSql = SqlServerSql.ArchivePageSql,
        ArchiveNewerSql = SqlServerSql.ArchiveNewerSql,
        ArchiveCountSql = SqlServerSql.ArchiveCountSql,
        ArchiveNeighboursSql = SqlServerSql.ArchiveNeighboursSql,
        CreateMigrationsTableSql = SqlServerSql.CreateMigrationsTableSql,
        SplitBatches = SqlServerSql.SplitBatches,
    };

    public static IReadOnlyList<string> Names { get; } = [Sqlite.Name, SqlServer.Name];

    public required string Name { get; init; }
    public required Func<string, DbConnection> CreateConnection { get; init; }

    /// <summary>
    /// One command, two results: every category, then the keys of the newest visible articles of the
    /// category @slug and all below it (@now, @limit).
    /// </summary>
    public required string SubtreeFeedStateSql { get; init; }

    /// <summary>One command, two results: every category, then the keys of the site's newest visible articles.</summary>
    public required string SiteFeedStateSql { get; init; }

    /// <summary>One command, two results: every category, then the keys of the newest visible articles with tag @tagId.</summary>
    public required string TagFeedStateSql { get; init; }

    /// <summary>
    /// Archive keys newest first: visible, in scope (@categorySlug subtree, @tagId, or both NULL for the
    /// site), from @from on, older than (@beforeAt, @beforeId); at most @take.
    /// </summary>
    public required string ArchivePageSql { get; init; }

    /// <summary>Archive keys oldest first: in scope, before @to, from (@fromAt, @fromId) on; at most @take.</summary>
    public required string ArchiveNewerSql { get; init; }

    /// <summary>How many visible articles in scope were published in [@from, @to).</summary>
    public required string ArchiveCountSql { get; init; }

    /// <summary>One row: the newest visible publish time in scope before @from (older), the oldest from @to on (newer).</summary>
    public required string ArchiveNeighboursSql { get; init; }

    public required string CreateMigrationsTableSql { get; init; }

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
