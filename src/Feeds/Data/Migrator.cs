using System.Globalization;
using Dapper;

namespace Feeds.Data;

/// <summary>
/// Applies the numbered scripts of sql/{provider}/ in order, each in one transaction together with its
/// row in schema_migrations, so that running it again changes nothing and a failed script leaves no trace.
/// </summary>
public sealed class Migrator(Database database, string scriptsRoot)
{
    private const string AppliedVersionsSql = "SELECT version FROM schema_migrations";
    private const string RecordVersionSql = "INSERT INTO schema_migrations (version, applied_at) VALUES (@version, @appliedAt)";

    public static string DefaultScriptsRoot => Path.Combine(AppContext.BaseDirectory, "sql");

    /// <summary>Returns the versions applied by this call, oldest first.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        database.EnsureStorage();
        await using var connection = await database.OpenAsync(cancellationToken);
        if (database.Dialect == SqlDialect.Sqlite)
        {
            // Readers keep reading while an import writes (persistent setting of the file).
            await connection.ExecuteAsync(new CommandDefinition("PRAGMA journal_mode = WAL", cancellationToken: cancellationToken));
        }
        await connection.ExecuteAsync(new CommandDefinition(database.Dialect.CreateMigrationsTableSql, cancellationToken: cancellationToken));
        var applied = (await connection.QueryAsync<string>(new CommandDefinition(AppliedVersionsSql, cancellationToken: cancellationToken)))
            .ToHashSet(StringComparer.Ordinal);

        var appliedNow = new List<string>();
        foreach (var script in Scripts())
        {
            if (applied.Contains(script.Version))
            {
                continue;
            }
            var text = await File.ReadAllTextAsync(script.Path, cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            foreach (var batch in database.Dialect.SplitBatches(text))
            {
                await connection.ExecuteAsync(new CommandDefinition(batch, transaction: transaction, cancellationToken: cancellationToken));
            }
            await connection.ExecuteAsync(new CommandDefinition(RecordVersionSql,
                new { version = script.Version, appliedAt = DateTime.UtcNow }, transaction, cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            appliedNow.Add(script.Version);
        }
        return appliedNow;
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
}
