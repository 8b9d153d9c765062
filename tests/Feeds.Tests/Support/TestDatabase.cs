using Microsoft.Data.SqlClient;

namespace Feeds.Tests.Support;

/// <summary>
/// A fresh, migrated database for one test: a SQLite file in its own folder, or, when FEEDS_TEST_SQLSERVER
/// holds a connection string, a new SQL Server database that is dropped afterwards. The SQL Server database
/// keeps the server's defaults (READ_COMMITTED_SNAPSHOT off on premises, as most production databases start),
/// unless FEEDS_TEST_SQLSERVER_RCSI=on turns it on.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string SqlServerVariable = "FEEDS_TEST_SQLSERVER";
    public const string SqlServerSnapshotVariable = "FEEDS_TEST_SQLSERVER_RCSI";

    private readonly Func<Task> _cleanup;

    private TestDatabase(string provider, string connectionString, Func<Task> cleanup)
    {
        Provider = provider;
        ConnectionString = connectionString;
        Database = new Database(SqlDialect.TryGet(provider, out var dialect) ? dialect : throw new ArgumentException(provider), connectionString);
        _cleanup = cleanup;
    }

    /// <summary>Every provider a store or feed test runs on; SQL Server is skipped, with its reason, when not configured.</summary>
    public static TheoryData<string> Providers => new("sqlite", "sqlserver");

    public string Provider { get; }
    public string ConnectionString { get; }
    public Database Database { get; }

    public static async Task<TestDatabase> CreateAsync(string provider, bool migrate = true)
    {
        var database = provider switch
        {
            "sqlite" => CreateSqlite(),
            "sqlserver" => await CreateSqlServerAsync(),
            _ => throw new ArgumentOutOfRangeException(nameof(provider)),
        };
        if (migrate)
        {
            await new Migrator(database.Database, Migrator.DefaultScriptsRoot).MigrateAsync(TestContext.Current.CancellationToken);
        }
        return database;
    }

    /// <summary>The sums of every category's and every tag's version: each moves whenever a feed of theirs changes.</summary>
    public async Task<(long Category, long Tag)> VersionSumsAsync()
    {
        await using var connection = await Database.OpenAsync(TestContext.Current.CancellationToken);
        return (await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT SUM(version) FROM categories"),
            await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT COALESCE(SUM(version), 0) FROM tags"));
    }

    /// <summary>Applies the shipped scripts numbered below <paramref name="version"/> only: the schema as an older Feeds left it.</summary>
    public async Task MigrateBeforeAsync(string version)
    {
        using var folder = new TempFolder("feeds-migrations-");
        var dialectFolder = Directory.CreateDirectory(Path.Combine(folder.FullName, Database.Dialect.Name));
        foreach (var script in new Migrator(Database, Migrator.DefaultScriptsRoot).Scripts().Where(s => string.CompareOrdinal(s.Version, version) < 0))
        {
            File.Copy(script.Path, Path.Combine(dialectFolder.FullName, Path.GetFileName(script.Path)));
        }
        await new Migrator(Database, folder.FullName).MigrateAsync(TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        Database.Dispose();
        return new(_cleanup());
    }

    private static TestDatabase CreateSqlite()
    {
        var folder = Directory.CreateTempSubdirectory("feeds-test-");
        var connectionString = $"Data Source={Path.Combine(folder.FullName, "feeds.db")}";
        return new TestDatabase("sqlite", connectionString, () =>
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
            return Task.CompletedTask;
        });
    }

    private static async Task<TestDatabase> CreateSqlServerAsync()
    {
        var server = Environment.GetEnvironmentVariable(SqlServerVariable);
        if (string.IsNullOrWhiteSpace(server))
        {
            Assert.Skip($"SQL Server not configured: set {SqlServerVariable} to a connection string of a login that may create databases.");
        }
        var name = $"feeds_test_{Guid.NewGuid():N}";
        var master = new SqlConnectionStringBuilder(server) { InitialCatalog = "master" }.ConnectionString;
        await using (var connection = new SqlConnection(master))
        {
            await connection.OpenAsync();
            // CREATE DATABASE alone in its batch: Azure SQL Database refuses it beside other statements.
            await using var create = new SqlCommand($"CREATE DATABASE [{name}]", connection);
            await create.ExecuteNonQueryAsync();
            if (string.Equals(Environment.GetEnvironmentVariable(SqlServerSnapshotVariable), "on", StringComparison.OrdinalIgnoreCase))
            {
                await using var snapshot = new SqlCommand($"ALTER DATABASE [{name}] SET READ_COMMITTED_SNAPSHOT ON", connection);
                await snapshot.ExecuteNonQueryAsync();
            }
        }
        var connectionString = new SqlConnectionStringBuilder(server) { InitialCatalog = name }.ConnectionString;
        return new TestDatabase("sqlserver", connectionString, async () =>
        {
            SqlConnection.ClearAllPools();
            await using var connection = new SqlConnection(master);
            await connection.OpenAsync();
            await using var drop = new SqlCommand($"ALTER DATABASE [{name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [{name}];", connection);
            await drop.ExecuteNonQueryAsync();
        });
    }
}
