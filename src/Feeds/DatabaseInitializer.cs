using Feeds.Demo;
using Microsoft.Extensions.Options;

using Feeds.Data;

namespace Feeds;

/// <summary>
/// Before the server listens: brings the embedded database up to date, and beside a newly created one makes the
/// demo CMS and follows it once (unless Feeds:DemoData is false or Feeds:Source names a CMS of the site's own). A SQL Server database is migrated by the operator
/// with the migrate command, never by a starting server: the server refuses to start on a schema older than
/// its scripts (every poll would fail on what is missing), and warns when reads would block behind writers.
/// </summary>
internal sealed class DatabaseInitializer(
    Database database,
    Migrator migrator,
    IOptions<FeedsOptions> options,
    TimeProvider clock,
    Content.SiteTime siteTime,
    Source.CmsFollower follower,
    ILogger<DatabaseInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!database.Dialect.MigratesOnStart)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(Versions.ChangeDetector.StartWait);
            try
            {
                await CheckSchemaAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // A silent server (not a refusing one, which fails at once): start, and answer 503 until it answers.
                logger.LogWarning("The database did not answer within {Wait}: its schema was not checked at start", Versions.ChangeDetector.StartWait);
            }
            return;
        }
        var applied = await migrator.MigrateAsync(cancellationToken);
        if (applied.Count > 0)
        {
            logger.LogInformation("Applied migrations {Versions}", string.Join(", ", applied));
        }
        var created = applied.Count > 0 && applied[0] == migrator.Scripts()[0].Version;
        var feeds = options.Value;
        if (created && feeds.DemoData && feeds.Source.Provider.Length == 0 && DemoCms.PathBeside(feeds.Database) is { } demo)
        {
            // A demo CMS left beside a database since deleted belongs to that one: made anew.
            foreach (var file in new[] { demo, demo + "-wal", demo + "-shm" })
            {
                File.Delete(file);
            }
            await DemoCms.CreateAsync(demo, clock.GetUtcNow().UtcDateTime, siteTime, cancellationToken);
            var first = await follower.FollowOnceAsync(cancellationToken);
            logger.LogInformation("Made the demo CMS {Path} with {Count} articles; Feeds follows it (README: Following the CMS)", demo, first.Inserted);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// For a database the operator migrates: refuse one that lacks what Feeds relies on, or whose schema is older
    /// than the scripts; warn when reads wait for writers.
    /// </summary>
    private async Task CheckSchemaAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using (var connection = await database.OpenReadAsync(cancellationToken))
            {
                await database.CheckRequirementsAsync(connection, cancellationToken);
            }
            var missing = await migrator.MissingAsync(cancellationToken);
            if (missing.Count > 0)
            {
                throw new SchemaBehindException(missing);
            }
            if (await database.ReadsWaitForWritersAsync(cancellationToken))
            {
                logger.LogWarning(
                    "READ_COMMITTED_SNAPSHOT is OFF for this database: the poll and every render wait behind any writer's locks, an import's " +
                    "for its whole transaction. Turn it on: ALTER DATABASE CURRENT SET READ_COMMITTED_SNAPSHOT ON (README, SQL Server)");
            }
        }
        catch (Exception exception) when (Database.IsOutage(exception))
        {
            // A database that is down does not keep the server from starting (it answers 503 until it is back). One
            // line: the reason in the driver's words, no stack trace.
            logger.LogWarning("The database schema could not be checked at start: {Reason}", Database.Reason(exception));
        }
    }
}

/// <summary>The database was migrated by a newer Feeds: it has scripts this one does not know.</summary>
public sealed class SchemaAheadException(IReadOnlyList<string> unknown, string newestKnown)
    : Exception($"the database schema is newer than this version of Feeds: it has {string.Join(", ", unknown)}, and this Feeds knows scripts up to {newestKnown}. Run the Feeds that migrated it, or restore the backup taken before that migrate.");

/// <summary>The database lacks migrations this version of Feeds needs.</summary>
public sealed class SchemaBehindException(IReadOnlyList<string> missing)
    : Exception($"the database schema is older than this version of Feeds: run `migrate` to apply {string.Join(", ", missing)}.")
{
    public IReadOnlyList<string> Missing { get; } = missing;
}
