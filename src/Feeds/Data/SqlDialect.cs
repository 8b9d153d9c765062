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
        CreateMigrationsTableSql = SqliteSql.CreateMigrationsTableSql,
        SplitBatches = script => [script],
    };

    public static readonly SqlDialect SqlServer = new()
    {
        Name = "sqlserver",
        CreateConnection = connectionString => new SqlConnection(connectionString),
        SubtreeFeedStateSql = SqlServerSql.SubtreeFeedStateSql,
        SiteFeedStateSql = SqlServerSql.SiteFeedStateSql,
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
