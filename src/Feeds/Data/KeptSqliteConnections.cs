using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Feeds.Data;

/// <summary>
/// SQLite read connections that stay open with their statements prepared. Microsoft.Data.Sqlite prepares a
/// statement anew for every command and keeps it prepared only inside that command object while its connection
/// stays open (efcore#14044); Dapper makes a new command for every query. Under load (perf, uncached renders)
/// SQLite's tokenizer, parser and planner took about a fifth of the server's CPU, more than running the
/// statements. So the reads (<see cref="Database.ReadAsync{T}"/>) lease one of these connections: Dapper still
/// makes its command, but the command runs the statement this connection keeps for the same SQL text, with
/// Dapper's parameters bound to it. At most <paramref name="capacity"/> idle connections are kept, each with at
/// most <see cref="StatementsPerConnection"/> statements; a connection that a read leaves in a transaction or with
/// a statement still running is closed, not kept.
/// </summary>
internal sealed class KeptSqliteConnections(string connectionString, int capacity) : IDisposable
{
    /// <summary>Statements kept per connection: the SQL texts are constants, a few dozen in all.</summary>
    public const int StatementsPerConnection = 64;

    private readonly ConcurrentBag<KeptSqliteConnection> _idle = [];
    private int _idleCount;
    private long _commandsMade;
    private bool _disposed;

    /// <summary>How many commands were made (each prepares its statements once); for tests.</summary>
    public long CommandsMade => Interlocked.Read(ref _commandsMade);

    /// <summary>
    /// Runs <paramref name="read"/> on a kept connection (or a new one), and keeps the connection for the next read
    /// if the read succeeded and left it fit; a read that throws closes it, whatever it left behind.
    /// </summary>
    public async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> read, CancellationToken cancellationToken)
    {
        var kept = await LeaseAsync(cancellationToken);
        T result;
        try
        {
            result = await read(kept);
        }
        catch
        {
            kept.Discard();
            throw;
        }
        Return(kept);
        return result;
    }

    private async Task<KeptSqliteConnection> LeaseAsync(CancellationToken cancellationToken)
    {
        if (_idle.TryTake(out var kept))
        {
            Interlocked.Decrement(ref _idleCount);
            return kept;
        }
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            await connection.DisposeAsync();
            throw new DatabaseUnavailableException(exception);
        }
        // IsReusable walks the connection's statements (SQLitePCLRaw leaves that off unless asked).
        connection.Handle!.enable_sqlite3_next_stmt(true);
        return new KeptSqliteConnection(connection, this);
    }

    /// <summary>
    /// The SQL texts of the idle connections' statements that SQLite prepared again since they were made, and how
    /// often (SQLITE_STMTSTATUS_REPREPARE): a kept statement is worth keeping only if SQLite keeps its plan; for tests.
    /// </summary>
    internal IReadOnlyDictionary<string, int> Reprepared()
    {
        const int SqliteStmtstatusReprepare = 5;
        var reprepared = new Dictionary<string, int>();
        foreach (var kept in _idle)
        {
            foreach (var (sql, count) in kept.Statuses(SqliteStmtstatusReprepare).Where(status => status.Count > 0))
            {
                reprepared[sql] = reprepared.GetValueOrDefault(sql) + count;
            }
        }
        return reprepared;
    }

    /// <summary>Closes every idle connection (those leased close when they come back): after the file was replaced, say.</summary>
    public void Clear()
    {
        while (_idle.TryTake(out var kept))
        {
            Interlocked.Decrement(ref _idleCount);
            kept.Discard();
        }
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        Clear();
    }

    internal void CountCommand() => Interlocked.Increment(ref _commandsMade);

    /// <summary>Takes a connection back when it is fit to keep and there is room; otherwise closes it.</summary>
    private void Return(KeptSqliteConnection kept)
    {
        if (!Volatile.Read(ref _disposed) && kept.IsReusable())
        {
            if (Interlocked.Increment(ref _idleCount) <= capacity)
            {
                _idle.Add(kept);
                if (Volatile.Read(ref _disposed))
                {
                    Clear();
                }
                return;
            }
            Interlocked.Decrement(ref _idleCount);
        }
        kept.Discard();
    }
}

/// <summary>
/// One kept connection, as Dapper sees it while a read holds it: an open connection whose commands run the
/// statements it keeps. The pool opens and closes it; Close and Dispose from the read do nothing.
/// </summary>
internal sealed class KeptSqliteConnection(SqliteConnection inner, KeptSqliteConnections pool) : DbConnection
{
    private readonly Dictionary<string, SqliteCommand> _statements = new(StringComparer.Ordinal);
    private readonly HashSet<SqliteCommand> _inUse = [];

    /// <summary>The command this connection keeps for <paramref name="sql"/>, or a new one when it is busy or there are too many.</summary>
    internal SqliteCommand Take(string sql, out bool kept)
    {
        if (_statements.TryGetValue(sql, out var command) && _inUse.Add(command))
        {
            kept = true;
            return command;
        }
        pool.CountCommand();
        command = inner.CreateCommand();
        command.CommandText = sql;
        kept = _statements.Count < KeptSqliteConnections.StatementsPerConnection && _statements.TryAdd(sql, command) && _inUse.Add(command);
        return command;
    }

    /// <summary>A kept command is done: its parameters go (Dapper adds them anew), its prepared statements stay.</summary>
    internal void Release(SqliteCommand command)
    {
        command.Parameters.Clear();
        _inUse.Remove(command);
    }

    /// <summary>
    /// Whether the next read may have it: open, not in a transaction, and no statement still running (a reader
    /// left open would hold a read snapshot for ever).
    /// </summary>
    internal bool IsReusable()
    {
        if (inner.State != ConnectionState.Open || _inUse.Count > 0 || raw.sqlite3_get_autocommit(inner.Handle) == 0)
        {
            return false;
        }
        return !Statements().Any(statement => raw.sqlite3_stmt_busy(statement) != 0);
    }

    /// <summary>A counter of each of the connection's prepared statements (sqlite3_stmt_status), by its SQL text.</summary>
    internal IEnumerable<(string Sql, int Count)> Statuses(int counter) =>
        Statements().Select(statement => (raw.sqlite3_sql(statement).utf8_to_string(), raw.sqlite3_stmt_status(statement, counter, 0)));

    /// <summary>Every statement SQLite holds for the connection, the kept ones and any other still open.</summary>
    private IEnumerable<sqlite3_stmt> Statements()
    {
        for (var statement = raw.sqlite3_next_stmt(inner.Handle, null); statement is not null && !statement.IsInvalid; statement = raw.sqlite3_next_stmt(inner.Handle, statement))
        {
            yield return statement;
        }
    }

    /// <summary>Closes the connection and its statements for good.</summary>
    internal void Discard()
    {
        foreach (var command in _statements.Values)
        {
            command.Dispose();
        }
        _statements.Clear();
        inner.Dispose();
    }

    public override void Close()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [AllowNull]
    public override string ConnectionString
    {
        get => inner.ConnectionString;
        set => throw new NotSupportedException("A kept connection keeps its connection string.");
    }

    public override string Database => inner.Database;
    public override string DataSource => inner.DataSource;
    public override string ServerVersion => inner.ServerVersion;
    public override ConnectionState State => inner.State;
    public override void ChangeDatabase(string databaseName) => inner.ChangeDatabase(databaseName);
    public override void Open() => throw new InvalidOperationException("A kept connection is opened by its pool.");
    protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) => inner.BeginTransaction(isolationLevel);
    protected override DbCommand CreateDbCommand() => new KeptSqliteCommand(this);
}

/// <summary>
/// Dapper's command on a kept connection: once its SQL text is set, everything goes to the connection's
/// command for that text.
/// </summary>
internal sealed class KeptSqliteCommand(KeptSqliteConnection connection) : DbCommand
{
    private SqliteCommand? _command;
    private bool _kept;
    private int? _timeout;
    private SqliteTransaction? _transaction;

    private SqliteCommand Command => _command ?? throw new InvalidOperationException("Set CommandText first.");

    [AllowNull]
    public override string CommandText
    {
        get => _command?.CommandText ?? string.Empty;
        set
        {
            // Dapper expands a list parameter by rewriting the text after adding the other parameters: they move along.
            SqliteParameter[] added = _command is null ? [] : [.. _command.Parameters.Cast<SqliteParameter>()];
            Finish();
            _command = connection.Take(value ?? string.Empty, out _kept);
            _command.Parameters.AddRange(added);
            _command.Transaction = _transaction;
            if (_timeout is { } timeout)
            {
                _command.CommandTimeout = timeout;
            }
        }
    }

    public override int CommandTimeout
    {
        get => _command?.CommandTimeout ?? _timeout ?? 30;
        set
        {
            _timeout = value;
            if (_command is not null)
            {
                _command.CommandTimeout = value;
            }
        }
    }

    public override CommandType CommandType
    {
        get => CommandType.Text;
        set
        {
            if (value != CommandType.Text)
            {
                throw new NotSupportedException("SQLite runs text commands only.");
            }
        }
    }

    public override bool DesignTimeVisible { get; set; }
    public override UpdateRowSource UpdatedRowSource { get; set; }

    protected override DbConnection? DbConnection
    {
        get => connection;
        set => throw new NotSupportedException("A kept command stays on its connection.");
    }

    protected override DbParameterCollection DbParameterCollection => Command.Parameters;

    protected override DbTransaction? DbTransaction
    {
        get => _transaction;
        set
        {
            _transaction = (SqliteTransaction?)value;
            if (_command is not null)
            {
                _command.Transaction = _transaction;
            }
        }
    }

    public override void Cancel() => _command?.Cancel();
    protected override DbParameter CreateDbParameter() => new SqliteParameter();
    public override int ExecuteNonQuery() => Command.ExecuteNonQuery();
    public override object? ExecuteScalar() => Command.ExecuteScalar();
    public override void Prepare() => Command.Prepare();
    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => Command.ExecuteReader(behavior);

    protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken) =>
        await Command.ExecuteReaderAsync(behavior, cancellationToken);

    /// <summary>Gives the connection's command back (or disposes a one-off).</summary>
    private void Finish()
    {
        if (_command is null)
        {
            return;
        }
        if (_kept)
        {
            _command.Transaction = null;
            connection.Release(_command);
        }
        else
        {
            _command.Dispose();
        }
        _command = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Finish();
        }
        base.Dispose(disposing);
    }
}
