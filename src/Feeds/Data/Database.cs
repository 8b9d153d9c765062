using System.Data.Common;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;

namespace Feeds.Data;

/// <summary>
/// The configured database: its dialect, where reads go and where writes go (a SQL Server readable secondary
/// and the primary), command timeouts, and retries of idempotent reads. Writes are never retried: the import
/// runs in one transaction that either commits or leaves nothing.
/// </summary>
public sealed class Database
{
    // SQL Server errors worth a second try: deadlock victim, timeouts, and the transient errors Azure SQL and
    // availability-group failovers report (https://learn.microsoft.com/azure/azure-sql/database/troubleshoot-common-errors-issues).
    private static readonly HashSet<int> TransientSqlErrors = [-2, 64, 233, 1205, 4060, 4221, 10053, 10054, 10060, 10928, 10929, 40143, 40197, 40501, 40613, 49918, 49919, 49920];

    private readonly int _readRetries;
    private long _retries;

    public Database(SqlDialect dialect, string connectionString, string? readConnectionString = null, int commandTimeoutSeconds = 30, int readRetries = 2)
    {
        UtcDateTimeHandler.Register();
        Dialect = dialect;
        ConnectionString = WithDefaults(dialect, connectionString, commandTimeoutSeconds);
        ReadConnectionString = string.IsNullOrWhiteSpace(readConnectionString) ? ConnectionString : WithDefaults(dialect, readConnectionString, commandTimeoutSeconds);
        _readRetries = readRetries;
    }

    public static Database From(DatabaseOptions options) =>
        SqlDialect.TryGet(options.Provider, out var dialect)
            ? new Database(dialect, options.ConnectionString, options.ReadConnectionString, options.CommandTimeoutSeconds, options.ReadRetries)
            : throw new InvalidOperationException($"Unknown database provider '{options.Provider}'.");

    public SqlDialect Dialect { get; }

    /// <summary>Where writes go.</summary>
    public string ConnectionString { get; }

    /// <summary>Where reads go.</summary>
    public string ReadConnectionString { get; }

    /// <summary>How many reads were tried again since start.</summary>
    public long ReadRetries => Interlocked.Read(ref _retries);

    /// <summary>A connection for writing (import, migrations). Never retried.</summary>
    public Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => OpenAsync(ConnectionString, cancellationToken);

    /// <summary>A connection for one read attempt, without retries (readiness wants the plain answer).</summary>
    public Task<DbConnection> OpenReadAsync(CancellationToken cancellationToken) => OpenAsync(ReadConnectionString, cancellationToken);

    /// <summary>
    /// Runs an idempotent read on a read connection, trying again after 100, 200, 400 … ms when it fails
    /// transiently, at most Feeds:Database:ReadRetries more times.
    /// </summary>
    public async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> read, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var connection = await OpenReadAsync(cancellationToken);
                return await read(connection);
            }
            catch (Exception exception) when (attempt < _readRetries && IsTransient(exception) && !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _retries);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(100 << attempt, 2000)), cancellationToken);
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="exception"/> says the database is unreachable or failing (as opposed to a bug):
    /// a connection that could not be opened, or a command the server or driver failed or timed out.
    /// </summary>
    public static bool IsOutage(Exception exception) =>
        exception is DatabaseUnavailableException or DbException or TimeoutException
        || (exception is InvalidOperationException && exception.InnerException is DbException);

    /// <summary>Whether trying the same read again may succeed.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        DatabaseUnavailableException or TimeoutException => true,
        SqlException sql => sql.Errors.Cast<SqlError>().Any(error => TransientSqlErrors.Contains(error.Number)),
        SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6,  // SQLITE_BUSY, SQLITE_LOCKED
        _ => false,
    };

    // Without READ_COMMITTED_SNAPSHOT (SQL Server's default on premises; Azure SQL has it on) a read waits for
    // every lock a writer holds: the poll and every render would wait for an import's whole transaction.
    private const string ReadCommittedSnapshotSql = "SELECT CAST(is_read_committed_snapshot_on AS int) FROM sys.databases WHERE database_id = DB_ID()";

    /// <summary>
    /// Whether a read waits for a writer's locks: on SQL Server when READ_COMMITTED_SNAPSHOT is off; on SQLite
    /// unless the file is in WAL mode (the migrator sets it).
    /// </summary>
    public async Task<bool> ReadsWaitForWritersAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        if (Dialect == SqlDialect.Sqlite)
        {
            var mode = await Dapper.SqlMapper.ExecuteScalarAsync<string>(connection, new Dapper.CommandDefinition("PRAGMA journal_mode", cancellationToken: cancellationToken));
            return !string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase);
        }
        return await Dapper.SqlMapper.ExecuteScalarAsync<int>(connection, new Dapper.CommandDefinition(ReadCommittedSnapshotSql, cancellationToken: cancellationToken)) != 1;
    }

    /// <summary>Which database this is, for people: "sqlite /srv/feeds/data/feeds.db", "sqlserver db.example.net/Feeds"; never a password.</summary>
    public string Describe()
    {
        if (Dialect == SqlDialect.Sqlite)
        {
            var dataSource = new SqliteConnectionStringBuilder(ConnectionString).DataSource;
            return $"sqlite {(dataSource is "" or ":memory:" || dataSource.StartsWith("file:", StringComparison.Ordinal) ? dataSource : Path.GetFullPath(dataSource))}";
        }
        var sql = new SqlConnectionStringBuilder(ConnectionString);
        return $"sqlserver {sql.DataSource}/{sql.InitialCatalog}";
    }

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

    private async Task<DbConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = Dialect.CreateConnection(connectionString);
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

    /// <summary>Settings every connection gets unless its string says otherwise: the command timeout; SQLite foreign keys.</summary>
    private static string WithDefaults(SqlDialect dialect, string connectionString, int commandTimeoutSeconds)
    {
        if (dialect == SqlDialect.Sqlite)
        {
            var sqlite = new SqliteConnectionStringBuilder(connectionString) { ForeignKeys = true };
            if (!sqlite.ContainsKey("Default Timeout"))
            {
                sqlite.DefaultTimeout = commandTimeoutSeconds;
            }
            return sqlite.ToString();
        }
        var sql = new SqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Command Timeout", StringComparison.OrdinalIgnoreCase))
        {
            sql.CommandTimeout = commandTimeoutSeconds;
        }
        return sql.ToString();
    }
}

/// <summary>No connection to the database could be opened.</summary>
public sealed class DatabaseUnavailableException(Exception inner)
    : Exception($"The database cannot be reached: {inner.Message}", inner);
