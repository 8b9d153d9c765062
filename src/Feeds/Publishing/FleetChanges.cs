namespace Feeds.Publishing;

/// <summary>
/// With Redis, an instance whose poll sees new versions tells the others at once (pub/sub), with the change mark
/// it read, and they poll right away instead of at their next interval. An instance that already read that mark
/// does not poll, and one that learnt of a change from a message does not announce it again: one change costs
/// N−1 polls across N instances, not N(N−1). Correctness does not depend on it: every instance polls the database
/// itself, and renderings are keyed by version.
/// </summary>
public sealed class FleetChanges(ChangeDetector changeDetector, RedisFeedStore shared, ILogger<FleetChanges> logger) : IHostedService
{
    private int _refreshing;
    private long _announced;

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
        if (changed.Count > 0 && versions.Mark > Interlocked.Read(ref _announced))
        {
            _ = shared.PublishChangedAsync(versions.Mark);
        }
    }

    /// <param name="mark">The change mark announced; null from an instance of an older Feeds, which sends none.</param>
    private void OnOtherInstanceChanged(long? mark)
    {
        if (mark is { } announced)
        {
            // What another instance announced is announced: seeing it here is no news for the fleet.
            InterlockedMax(ref _announced, announced);
            // Read already (this instance's own poll got there first): nothing to poll for.
            if (changeDetector.Current.Mark >= announced)
            {
                return;
            }
        }
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

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }
}
