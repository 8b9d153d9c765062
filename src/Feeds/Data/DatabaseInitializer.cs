using Feeds.Demo;
using Microsoft.Extensions.Options;

namespace Feeds.Data;

/// <summary>
/// Before the server listens: brings the embedded database up to date and fills a newly created one with
/// demo articles (unless Feeds:DemoData is false). A SQL Server database is migrated by the operator
/// with the migrate command, never by a starting server.
/// </summary>
internal sealed class DatabaseInitializer(
    Database database,
    Migrator migrator,
    IOptions<FeedsOptions> options,
    TimeProvider clock,
    Content.SiteTime siteTime,
    ILogger<DatabaseInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (database.Dialect != SqlDialect.Sqlite)
        {
            return;
        }
        var applied = await migrator.MigrateAsync(cancellationToken);
        if (applied.Count > 0)
        {
            logger.LogInformation("Applied migrations {Versions}", string.Join(", ", applied));
        }
        var created = applied.Count > 0 && applied[0] == migrator.Scripts()[0].Version;
        if (created && options.Value.DemoData)
        {
            var count = await DemoArticles.SeedAsync(database, clock, siteTime, cancellationToken);
            logger.LogInformation("Filled the new database with {Count} demo articles", count);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
