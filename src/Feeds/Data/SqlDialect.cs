using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;

namespace Feeds.Data;

/// <summary>
/// Everything that differs between SQLite and SQL Server, in one place: the connection type, the
/// newest-N queries (LIMIT and a correlated subquery against TOP and CROSS APPLY), the migrations
/// bookkeeping table and how script batches are separated. Every other SQL text is shared.
/// </summary>
public sealed class SqlDialect
{
    public static readonly SqlDialect Sqlite = new()
    {
        Name = "sqlite",
        CreateConnection = connectionString => new SqliteConnection(connectionString),
        NewestInCategoriesSql = SqliteSql.NewestInCategoriesSql,
        NewestInSiteSql = SqliteSql.NewestInSiteSql,
        CreateMigrationsTableSql = SqliteSql.CreateMigrationsTableSql,
        SplitBatches = script => [script],
    };

    public static readonly SqlDialect SqlServer = new()
    {
        Name = "sqlserver",
        CreateConnection = connectionString => new SqlConnection(connectionString),
        NewestInCategoriesSql = SqlServerSql.NewestInCategoriesSql,
        NewestInSiteSql = SqlServerSql.NewestInSiteSql,
        CreateMigrationsTableSql = SqlServerSql.CreateMigrationsTableSql,
        SplitBatches = SqlServerSql.SplitBatches,
    };

    public static IReadOnlyList<string> Names { get; } = [Sqlite.Name, SqlServer.Name];

    public required string Name { get; init; }
    public required Func<string, DbConnection> CreateConnection { get; init; }

    /// <summary>Keys of the newest visible articles of a set of categories: @categoryIds, @now, @limit.</summary>
    public required string NewestInCategoriesSql { get; init; }

    /// <summary>Keys of the newest visible articles of the whole site: @now, @limit.</summary>
    public required string NewestInSiteSql { get; init; }

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
