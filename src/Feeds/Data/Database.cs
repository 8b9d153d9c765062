using System.Data.Common;
using Polly;
using Polly.Retry;

namespace Feeds.Data;

/// <summary>
/// The configured database: its dialect, where reads go and where writes go (a SQL Server readable secondary
/// and the primary), command timeouts, and retries of idempotent reads. Writes are never retried: the import
/// runs in one transaction that either commits or leaves nothing.
/// </summary>
public sealed class Database : IDisposable
{
    private readonly ResiliencePipeline _reads;
    private readonly KeptSqliteConnections? _keptReads;
    private long _retries;

    public Database(SqlDialect dialect, string connectionString, string? readConnectionString = null, int commandTimeoutSeconds = 30, int readRetries = 2)
    {
        UtcDateTimeHandler.Register();
        Dialect = dialect;
        ConnectionString = dialect.WithDefaults(connectionString, commandTimeoutSeconds);
        ReadConnectionString = string.IsNullOrWhiteSpace(readConnectionString) ? ConnectionString : dialect.WithDefaults(readConnectionString, commandTimeoutSeconds);
        _reads = ReadPipeline(readRetries);
        _keptReads = dialect.KeepsReadConnections(ReadConnectionString);
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
    /// Runs an idempotent read on a read connection, trying again (Polly: after about 100, 200, 400 … ms, with
    /// jitter, at most 2 s) when it fails transiently, at most Feeds:Database:ReadRetries more times.
    /// On SQLite the connection is a kept one, whose statements stay prepared (<see cref="KeptSqliteConnections"/>).
    /// </summary>
    public async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> read, CancellationToken cancellationToken) =>
        await _reads.ExecuteAsync(async token =>
        {
            if (_keptReads is not null)
            {
                return await _keptReads.ReadAsync(read, token);
            }
            await using var connection = await OpenReadAsync(token);
            return await read(connection);
        }, cancellationToken);

    /// <summary>
    /// Like <see cref="ReadAsync{T}"/>, but every statement of <paramref name="read"/> sees one consistent snapshot
    /// of the database (<see cref="SqlDialect.BeginSnapshotSql"/>): a render's keys and bodies, a poll's mark and
    /// versions, are of one moment, even on a replica, whatever commits between them.
    /// </summary>
    public Task<T> ReadSnapshotAsync<T>(Func<DbConnection, Task<T>> read, CancellationToken cancellationToken) =>
        ReadAsync(async connection =>
        {
            await Dapper.SqlMapper.ExecuteAsync(connection, new Dapper.CommandDefinition(Dialect.BeginSnapshotSql, cancellationToken: cancellationToken));
            T result;
            try
            {
                result = await read(connection);
            }
            catch
            {
                // The read failed; end the snapshot if the connection still can (a kept connection is reused).
                try
                {
                    await Dapper.SqlMapper.ExecuteAsync(connection, new Dapper.CommandDefinition(Dialect.EndSnapshotSql, cancellationToken: CancellationToken.None));
                }
                catch (Exception ending) when (ending is DbException or InvalidOperationException)
                {
                }
                throw;
            }
            await Dapper.SqlMapper.ExecuteAsync(connection, new Dapper.CommandDefinition(Dialect.EndSnapshotSql, cancellationToken: cancellationToken));
            return result;
        }, cancellationToken);

    /// <summary>
    /// Closes the read connections kept open between reads, so that the next read opens the file anew (after it
    /// was replaced, say). Like Microsoft.Data.Sqlite's <c>ClearAllPools</c>, for the connections Feeds keeps.
    /// </summary>
    public void CloseKeptConnections() => _keptReads?.Clear();

    /// <summary>How many commands the kept read connections have prepared since start (0 where none are kept).</summary>
    internal long KeptCommandsMade => _keptReads?.CommandsMade ?? 0;

    /// <summary>The kept read statements SQLite prepared again, by SQL text (none where none are kept).</summary>
    internal IReadOnlyDictionary<string, int> KeptStatementsReprepared => _keptReads?.Reprepared() ?? new Dictionary<string, int>();

    public void Dispose() => _keptReads?.Dispose();

    private ResiliencePipeline ReadPipeline(int readRetries) => readRetries == 0
        ? ResiliencePipeline.Empty
        : new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
            MaxRetryAttempts = readRetries,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromSeconds(2),
            UseJitter = true,
            OnRetry = _ =>
            {
                Interlocked.Increment(ref _retries);
                return ValueTask.CompletedTask;
            },
        }).Build();

    /// <summary>
    /// Whether <paramref name="exception"/> says the database is unreachable or failing (as opposed to a bug):
    /// a connection that could not be opened, or a command the server or driver failed or timed out.
    /// </summary>
    public static bool IsOutage(Exception exception) =>
        exception is DatabaseUnavailableException or DbException or TimeoutException
        || (exception is InvalidOperationException && exception.InnerException is DbException);

    /// <summary>
    /// Why a database operation failed, in the database driver's own words: the first database exception's message
    /// (a refused SQL Server connection's socket error says "Success", a silent one "Unknown error 258"; the
    /// SqlException around them says what happened), else the exception's own.
    /// </summary>
    public static string Reason(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is DbException)
            {
                return current.Message.ReplaceLineEndings(" ");
            }
        }
        return exception.GetBaseException().Message.ReplaceLineEndings(" ");
    }

    /// <summary>Whether trying the same read again may succeed.</summary>
    public bool IsTransient(Exception exception) => exception is DatabaseUnavailableException or TimeoutException || Dialect.IsTransientError(exception);

    /// <summary>Whether a read waits for a writer's locks (SqlDialect.ReadsWaitForWritersSql).</summary>
    public async Task<bool> ReadsWaitForWritersAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        return await Dapper.SqlMapper.ExecuteScalarAsync<int>(connection, new Dapper.CommandDefinition(Dialect.ReadsWaitForWritersSql, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Throws <see cref="DatabaseRequirementsException"/> when the database lacks what Feeds relies on (SQL Server).</summary>
    public async Task CheckRequirementsAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        if (Dialect.RequirementsSql is not { } sql)
        {
            return;
        }
        var requirements = await Dapper.SqlMapper.QuerySingleAsync<DatabaseRequirements>(connection, new Dapper.CommandDefinition(sql, cancellationToken: cancellationToken));
        if (requirements.Unmet() is { Count: > 0 } unmet)
        {
            throw new DatabaseRequirementsException(unmet);
        }
    }

    /// <summary>Which database this is, for people: "sqlite /srv/feeds/data/feeds.db", "sqlserver db.example.net/Feeds"; never a password.</summary>
    public string Describe() => Dialect.Describe(ConnectionString);

    /// <summary>Creates what a first connection needs, so that a first run needs no setup.</summary>
    public void EnsureStorage() => Dialect.EnsureStorage(ConnectionString);

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
}

/// <summary>The folder of the embedded database cannot be made where the settings put it (relative paths: the working directory).</summary>
public sealed class DataPathException(string folder, Exception inner)
    : Exception($"cannot create the data folder {folder} ({inner.Message.TrimEnd('.')}): the user Feeds runs as must be able to create and write it. Give it write access, or set Feeds:Database:ConnectionString to a path it can write; a relative path is taken from the working directory (README, Deploy).", inner);

/// <summary>No connection to the database could be opened.</summary>
public sealed class DatabaseUnavailableException(Exception inner)
    : Exception($"The database cannot be reached: {inner.Message}", inner);
