using Feeds.Data;
using Microsoft.Extensions.Options;

namespace Feeds.Publishing;

/// <summary>
/// Reads every category's and tag's version in one small query on a short interval (Feeds:RefreshInterval) and
/// publishes the result as <see cref="Current"/>. Whoever wrote to the database, its feeds show the change
/// after the next poll; between polls no request reads the database to learn whether a feed changed.
/// </summary>
public sealed class ChangeDetector(
    ArticleStore store,
    TimeProvider clock,
    IOptions<FeedsOptions> options,
    ILogger<ChangeDetector> logger) : BackgroundService
{
    private FeedVersions _current = FeedVersions.Empty;
    private bool _failing;

    /// <summary>Raised after each poll, with the versions it read.</summary>
    public event Action<FeedVersions>? Changed;

    public FeedVersions Current => Volatile.Read(ref _current);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // The first versions are read before the server takes requests.
        await RefreshAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Polls now (the background loop calls it; tests call it to skip the wait).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var (categories, tags) = await store.GetVersionsAsync(clock.GetUtcNow().UtcDateTime, cancellationToken);
        var next = new FeedVersions(categories, tags);
        Volatile.Write(ref _current, next);
        Changed?.Invoke(next);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RefreshInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RefreshAsync(stoppingToken);
                if (_failing)
                {
                    logger.LogInformation("Reading feed versions works again");
                    _failing = false;
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Keep serving what is known; say so once, not every interval.
                if (!_failing)
                {
                    logger.LogError(exception, "Reading feed versions failed; feeds stay as last seen until it works again");
                    _failing = true;
                }
            }
        }
    }
}
