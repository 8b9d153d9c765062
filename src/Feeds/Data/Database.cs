using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Feeds.Data;

/// <summary>The configured database: its dialect and how to open a connection to it.</summary>
public sealed class Database
{
    public Database(SqlDialect dialect, string connectionString)
    {
        UtcDateTimeHandler.Register();
        Dialect = dialect;
        ConnectionString = dialect == SqlDialect.Sqlite ? WithSqliteDefaults(connectionString) : connectionString;
    }

    public static Database From(DatabaseOptions options) =>
        SqlDialect.TryGet(options.Provider, out var dialect)
            ? new Database(dialect, options.ConnectionString)
            : throw new InvalidOperationException($"Unknown database provider '{options.Provider}'.");

    public SqlDialect Dialect { get; }
    public string ConnectionString { get; }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = Dialect.CreateConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            await connection.DisposeAsync();
            // SqlClient reports an exhausted pool as InvalidOperationException, a refused or silent server as
            // SqlException: to the caller all of them mean the database cannot be reached now.
            throw new DatabaseUnavailableException(exception);
        }
    }

    /// <summary>
    /// Whether <paramref name="exception"/> says the database is unreachable or failing (as opposed to a bug):
    /// a connection that could not be opened, or a command the server or driver failed or timed out.
    /// </summary>
    public static bool IsOutage(Exception exception) =>
        exception is DatabaseUnavailableException or DbException or TimeoutException
        || (exception is InvalidOperationException && exception.InnerException is DbException);

    /// <summary>Creates the folder of an embedded database file, so that a first run needs no setup.</summary>
    public void EnsureStorage()
    {
        if (Dialect != SqlDialect.Sqlite)
        {
            return;
        }
        var dataSource = new SqliteConnectionStringBuilder(ConnectionString).DataSource;
        if (string.IsNullOrEmpty(dataSource) || dataSource == ":memory:" || dataSource.StartsWith("file:", StringComparison.Ordinal))
        {
            return;
        }
        var folder = Path.GetDirectoryName(Path.GetFullPath(dataSource));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }
    }

    private static string WithSqliteDefaults(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString) { ForeignKeys = true };
        if (!builder.ContainsKey("Default Timeout"))
        {
            builder.DefaultTimeout = 30;
        }
        return builder.ToString();
    }
}

/// <summary>No connection to the database could be opened.</summary>
public sealed class DatabaseUnavailableException(Exception inner)
    : Exception($"The database cannot be reached: {inner.Message}", inner);
