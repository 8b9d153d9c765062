using System.Data.Common;
using Dapper;
using Feeds.Data;

namespace Feeds.Benchmarks;

/// <summary>
/// A SQLite benchmark database in the temporary folder, migrated and filled once: built under another name and
/// moved into place only when complete, so an interrupted build is never measured, and reused by later runs
/// (the name carries a hash of the schema scripts, and a version to bump when the data changes).
/// </summary>
internal static class BenchmarkDatabase
{
    /// <param name="journalMode">DELETE for a file only read; WAL for one a setup writes to while reading.</param>
    /// <param name="check">Throws when the filled file is not what the benchmark needs.</param>
    public static async Task<Database> OpenAsync(string name, string fillSql, object parameters, string journalMode,
        Func<DbConnection, Task>? check = null)
    {
        var scripts = new Migrator(new Database(SqlDialect.Sqlite, "Data Source=:memory:"), Migrator.DefaultScriptsRoot).Scripts();
        var schema = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(string.Concat(scripts.Select(script => File.ReadAllText(script.Path))))).AsSpan(0, 6));
        var path = Path.Combine(Path.GetTempPath(), $"{name}-schema-{schema}.db");
        if (!File.Exists(path))
        {
            var building = path + ".building";
            File.Delete(building);
            var target = new Database(SqlDialect.Sqlite, $"Data Source={building};Pooling=False");
            await new Migrator(target, Migrator.DefaultScriptsRoot).MigrateAsync(CancellationToken.None);
            await using (var connection = await target.OpenAsync(CancellationToken.None))
            {
                await connection.ExecuteAsync(fillSql, parameters, commandTimeout: 900);
                if (check is not null)
                {
                    await check(connection);
                }
                await connection.ExecuteAsync($"PRAGMA journal_mode = {journalMode}; ANALYZE;");
            }
            File.Move(building, path);
        }
        return new Database(SqlDialect.Sqlite, $"Data Source={path}");
    }
}
