using System.Globalization;
using Dapper;

namespace Feeds.Data;

/// <summary>
/// Applies the numbered scripts of sql/{provider}/ in order, each in one transaction together with its
/// row in schema_migrations, so that running it again changes nothing and a failed script leaves no trace.
/// Two migrations at once take turns: on SQL Server the session takes an application lock for the whole migrate,
/// before schema_migrations is made; on SQLite each script's transaction takes the write lock (BEGIN IMMEDIATE).
/// Either way a script is asked again, under the lock, whether it is applied. A SQL Server that lacks what Feeds
/// relies on (<see cref="DatabaseRequirements"/>) is refused before anything is changed. Scripts run without a command timeout: a backfill of a large table takes as long as it takes, and
/// running servers wait on its schema locks meanwhile (README, "Databases").
/// </summary>
public sealed class Migrator(Database database, string scriptsRoot)
{
    private const string AppliedVersionsSql = "SELECT version FROM schema_migrations";
    private const string IsAppliedSql = "SELECT COUNT(*) FROM schema_migrations WHERE version = @version";
    private const string RecordVersionSql = "INSERT INTO schema_migrations (version, applied_at) VALUES (@version, @appliedAt)";

    public static string DefaultScriptsRoot => Path.Combine(AppContext.BaseDirectory, "sql");

    /// <summary>What the last <see cref="MigrateAsync"/> found worth telling the operator.</summary>
    public IReadOnlyList<string> Warnings { get; private set; } = [];

    /// <summary>Returns the versions applied by this call, oldest first.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        database.EnsureStorage();
        await using var connection = await database.OpenAsync(cancellationToken);
        if (database.Dialect.MigrationLockSql is { } migrationLock)
        {
            await connection.ExecuteAsync(new CommandDefinition(migrationLock, commandTimeout: 0, cancellationToken: cancellationToken));
        }
        try
        {
            return await MigrateLockedAsync(connection, cancellationToken);
        }
        finally
        {
            if (database.Dialect.MigrationUnlockSql is { } unlock && connection.State == System.Data.ConnectionState.Open)
            {
                await connection.ExecuteAsync(new CommandDefinition(unlock, cancellationToken: CancellationToken.None));
            }
        }
    }

    private async Task<IReadOnlyList<string>> MigrateLockedAsync(System.Data.Common.DbConnection connection, CancellationToken cancellationToken)
    {
        if (database.Dialect.PrepareMigrationsSql is { } prepare)
        {
            await connection.ExecuteAsync(new CommandDefinition(prepare, commandTimeout: 0, cancellationToken: cancellationToken));
        }
        await database.CheckRequirementsAsync(connection, cancellationToken);
        if (database.Dialect.RecursiveTriggersSql is { } recursiveTriggers)
        {
            var recursive = await connection.ExecuteScalarAsync<int>(new CommandDefinition(recursiveTriggers, cancellationToken: cancellationToken));
            Warnings = recursive == 1
                ? ["RECURSIVE_TRIGGERS is ON for this database: Feeds' triggers are guarded against it, but a trigger that updates its own table without a guard fires itself again up to 32 levels deep (Msg 217). SQL Server's default is OFF."]
                : [];
        }
        await connection.ExecuteAsync(new CommandDefinition(database.Dialect.CreateMigrationsTableSql, commandTimeout: 0, cancellationToken: cancellationToken));
        var applied = await AppliedAsync(connection, cancellationToken);
        ThrowIfAhead(applied);

        var appliedNow = new List<string>();
        foreach (var script in Scripts())
        {
            if (applied.Contains(script.Version))
            {
                continue;
            }
            var text = await File.ReadAllTextAsync(script.Path, cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // Under the lock: another migration may have applied it meanwhile.
            if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(IsAppliedSql, new { version = script.Version }, transaction, cancellationToken: cancellationToken)) > 0)
            {
                await transaction.RollbackAsync(cancellationToken);
                continue;
            }
            foreach (var batch in database.Dialect.SplitBatches(text))
            {
                await connection.ExecuteAsync(new CommandDefinition(batch, transaction: transaction, commandTimeout: 0, cancellationToken: cancellationToken));
            }
            await connection.ExecuteAsync(new CommandDefinition(RecordVersionSql,
                new { version = script.Version, appliedAt = DateTime.UtcNow }, transaction, cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            appliedNow.Add(script.Version);
        }
        return appliedNow;
    }

    /// <summary>
    /// The shipped scripts the database has not applied, oldest first: a server of this version needs them all
    /// (a missing column would fail every poll). Empty when the schema is current.
    /// </summary>
    public async Task<IReadOnlyList<string>> MissingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenReadAsync(cancellationToken);
        var applied = await connection.ExecuteScalarAsync<int>(new CommandDefinition(database.Dialect.MigrationsTableExistsSql, cancellationToken: cancellationToken)) == 1
            ? await AppliedAsync(connection, cancellationToken)
            : [];
        ThrowIfAhead(applied);
        return Scripts().Select(script => script.Version).Where(version => !applied.Contains(version)).ToArray();
    }

    /// <summary>
    /// A database migrated by a newer Feeds has scripts this one does not know: its reads and writes may not fit
    /// them (a rolled-back binary on a rolled-forward schema). Refused, naming both.
    /// </summary>
    private void ThrowIfAhead(HashSet<string> applied)
    {
        var known = Scripts().Select(script => script.Version).ToHashSet(StringComparer.Ordinal);
        if (applied.Where(version => !known.Contains(version)).Order(StringComparer.Ordinal).ToArray() is { Length: > 0 } unknown)
        {
            throw new SchemaAheadException(unknown, known.Max(StringComparer.Ordinal) ?? "none");
        }
    }

    /// <summary>The scripts of the configured dialect: files named NNNN_description.sql, in number order.</summary>
    public IReadOnlyList<(string Version, string Path)> Scripts()
    {
        var folder = Path.Combine(scriptsRoot, database.Dialect.Name);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"No migration scripts at {folder}.");
        }
        return Directory.GetFiles(folder, "*.sql")
            .Select(path => (Version: Path.GetFileNameWithoutExtension(path), Path: path))
            .Where(script => script.Version.Length > 4 && int.TryParse(script.Version.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .OrderBy(script => script.Version, StringComparer.Ordinal)
            .ToArray();
    }

    private static async Task<HashSet<string>> AppliedAsync(System.Data.Common.DbConnection connection, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<string>(new CommandDefinition(AppliedVersionsSql, cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
}
