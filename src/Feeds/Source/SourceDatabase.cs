using System.Data.Common;
using Feeds.Data;
using Npgsql;

namespace Feeds.Source;

/// <summary>
/// The CMS databases Feeds can follow (Feeds:Source:Provider): the two it keeps its own tables in, and
/// PostgreSQL, on which many CMSes run. Feeds only reads them; its own tables stay in Feeds:Database.
/// </summary>
public static class SourceDatabase
{
    public const string PostgresProvider = "postgresql";

    /// <summary>The name the follower's connections carry, so that a CMS's DBA can tell its queries apart.</summary>
    public const string ApplicationName = "feeds-follower";

    public static IReadOnlyList<string> Providers { get; } = [.. SqlDialect.Names, PostgresProvider];

    public static bool IsKnown(string provider) => Providers.Contains(provider.Trim(), StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Whether Feeds' own tables are in the CMS's database (the same SQLite file, or the same database of the same
    /// SQL Server): names like <c>articles</c> and <c>tags</c> could then collide with the CMS's own.
    /// </summary>
    public static bool IsTheCmsDatabase(DatabaseOptions feeds, SourceOptions source)
    {
        if (source.Provider.Length == 0 || !string.Equals(feeds.Provider.Trim(), source.Provider.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        if (string.Equals(feeds.Provider.Trim(), SqlDialect.Sqlite.Name, StringComparison.OrdinalIgnoreCase))
        {
            static string File(string connectionString) => Path.GetFullPath(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString).DataSource);
            return File(feeds.ConnectionString) == File(source.ConnectionString);
        }
        static (string Server, string Database) Of(string connectionString) =>
            new Microsoft.Data.SqlClient.SqlConnectionStringBuilder(connectionString) is var builder
                ? (builder.DataSource.ToUpperInvariant(), builder.InitialCatalog.ToUpperInvariant())
                : default;
        return Of(feeds.ConnectionString) == Of(source.ConnectionString);
    }

    /// <summary>A closed connection to the CMS, with Feeds' command timeout.</summary>
    public static DbConnection Connect(string provider, string connectionString, int commandTimeoutSeconds)
    {
        if (string.Equals(provider.Trim(), PostgresProvider, StringComparison.OrdinalIgnoreCase))
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = commandTimeoutSeconds };
            builder.ApplicationName ??= ApplicationName;
            return new NpgsqlConnection(builder.ConnectionString);
        }
        return SqlDialect.TryGet(provider, out var dialect)
            ? dialect.CreateConnection(dialect.WithDefaults(connectionString, commandTimeoutSeconds))
            : throw new InvalidOperationException($"Unknown CMS provider '{provider}'.");
    }
}
