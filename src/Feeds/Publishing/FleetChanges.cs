namespace Feeds.Publishing;

/// <summary>
/// With Redis, an instance whose poll sees new versions tells the others at once (pub/sub), and they poll
/// right away instead of at their next interval. Correctness does not depend on it: every instance polls
/// the database itself, and renderings are keyed by version.
/// </summary>
public sealed class FleetChanges(ChangeDetector changeDetector, RedisFeedStore shared, ILogger<FleetChanges> logger) : IHostedService
{
    private int _refreshing;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!shared.Enabled)
        {
            return;
        }
        changeDetector.Changed += OnVersions;
        await shared.SubscribeChangedAsync(OnOtherInstanceChanged);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        changeDetector.Changed -= OnVersions;
        return Task.CompletedTask;
    }

    private void OnVersions(FeedVersions versions, IReadOnlyList<FeedKey> changed)
    {
        if (changed.Count > 0)
        {
            _ = shared.PublishChangedAsync();
        }
    }

    private void OnOtherInstanceChanged()
    {
        // One refresh at a time; a burst of messages needs only one.
        if (Interlocked.Exchange(ref _refreshing, 1) == 1)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await changeDetector.RefreshAsync(CancellationToken.None);
            }
            catch (Exception exception) when (Data.Database.IsOutage(exception))
            {
                logger.LogDebug(exception, "Polling after another instance's change failed; the regular poll retries");
            }
            finally
            {
                Volatile.Write(ref _refreshing, 0);
            }
        });
    }
}
