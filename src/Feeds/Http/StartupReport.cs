using Feeds.Data;
using Feeds.Publishing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Options;

namespace Feeds.Http;

/// <summary>
/// One line once the server listens: where, over which database, and where its links point. And a warning
/// when no Feeds:PublicBaseUrl is set and the server listens on every address, whose links no reader elsewhere
/// can follow; one for each setting that still holds its example value outside Development; and one when
/// Feeds' own tables are in the CMS's database, and one for each key under Feeds that names no setting. And one
/// line when it has stopped cleanly.
/// </summary>
internal sealed class StartupReport(
    IHostApplicationLifetime lifetime,
    IServer server,
    FeedUrls urls,
    Database database,
    IOptions<FeedsOptions> options,
    IHostEnvironment environment,
    IConfiguration configuration,
    Content.Scripts scripts,
    ILogger<StartupReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(Report);
        // A clean stop says so, once: an operator tells it apart from a crash by this line.
        lifetime.ApplicationStopped.Register(() => logger.LogInformation("Feeds stopped"));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Report()
    {
        var addresses = server.Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses ?? [];
        logger.LogInformation("Feeds listens on {Addresses} over {Database}; its links start with {Base}",
            string.Join(", ", addresses), database.Describe(), urls.Base.AbsoluteUri);
        if (options.Value.PublicBaseUrl is null && FeedUrls.ListeningBase(server) is (_, true))
        {
            logger.LogWarning("Feeds:PublicBaseUrl is not set and Feeds listens on every address: its links name {Base}, which readers elsewhere cannot reach. Set Feeds:PublicBaseUrl to the address readers use",
                urls.Base.AbsoluteUri);
        }
        foreach (var key in SettingsCheck.Unknown(configuration))
        {
            logger.LogWarning("{Key} is not a setting of Feeds and is ignored: a misspelt name? (README, Settings)", key);
        }
        var feeds = options.Value;
        if (scripts.Problem is { } problem)
        {
            logger.LogWarning("Simplified-Chinese twins are off: {Problem}. The original documents are served (README, Simplified Chinese)", problem);
        }
        else if (scripts.Configuration is { } configuration)
        {
            logger.LogInformation("Simplified-Chinese twins are served under {Base}, converted by OpenCC with {Configuration}",
                urls.In(Content.Script.Simplified).Index.AbsoluteUri, configuration);
        }
        // The examples that must never reach readers: an id prefix cannot change once published.
        var examples = new FeedsOptions();
        foreach (var (setting, value, example) in new[] { ("Feeds:IdPrefix", feeds.IdPrefix, examples.IdPrefix), ("Feeds:SiteUrl", feeds.SiteUrl.AbsoluteUri, examples.SiteUrl.AbsoluteUri) })
        {
            if (!environment.IsDevelopment() && value == example)
            {
                logger.LogWarning("{Setting} still holds its example value {Value}: set the site's own before readers subscribe (README, Settings)", setting, value);
            }
        }
        if (Source.SourceDatabase.IsTheCmsDatabase(feeds.Database, feeds.Source))
        {
            logger.LogWarning("Feeds:Database and Feeds:Source name the same database: Feeds' own tables (articles, tags, …) are beside the CMS's. " +
                "Keep them in a database of their own (README, Following the CMS)");
        }
    }
}
