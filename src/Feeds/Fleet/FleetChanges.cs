using Feeds.Versions;
using Feeds.Publishing;
using Feeds.Rendering;

namespace Feeds.Fleet;

/// <summary>
/// With Redis, an instance whose poll sees new versions tells the others at once (pub/sub), with the change mark
/// it read, and they poll right away instead of at their next interval. An instance that already read that mark
/// does not poll, and one that learnt of a change from a message does not announce it again: one change costs
/// N−1 polls across N instances, not N(N−1). Correctness does not depend on it: every instance polls the database
/// itself, and renderings are keyed by version.
/// </summary>
public sealed class FleetChanges(
    ChangeDetector changeDetector, RedisFeedStore shared, FeedPublisher publisher, TimeProvider clock, FeedsMetrics metrics, ILogger<FleetChanges> logger) : IHostedService
{
    /// <summary>How long an instance counts as using the Redis after it last said so (it says so at most once a minute).</summary>
    public static readonly TimeSpan FingerprintWindow = TimeSpan.FromMinutes(10);

    private int _refreshing;
    private long _announced;
    private long _fingerprints = 1;
    private DateTimeOffset _lastAnnounced = DateTimeOffset.MinValue;
    private int _announcing;

    /// <summary>
    /// How many different rendering settings the instances sharing this Redis used within the last
    /// <see cref="FingerprintWindow"/> (1: all alike). More means they share no rendering and readers get different
    /// documents from each: a warning at the first sight of it, and <c>feeds_fleet_settings</c>.
    /// </summary>
    public long Fingerprints => Interlocked.Read(ref _fingerprints);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!shared.Enabled)
        {
            return;
        }
        changeDetector.Changed += OnVersions;
        await shared.SubscribeChangedAsync(OnOtherInstanceChanged);
        metrics.ObserveFleetSettings(() => Fingerprints);
        await AnnounceFingerprintAsync();
    }

    /// <summary>Tells the Redis which settings this instance renders with (once a minute at most), and reads how many others do.</summary>
    public async Task AnnounceFingerprintAsync()
    {
        var now = clock.GetUtcNow();
        if (now - _lastAnnounced < TimeSpan.FromMinutes(1) || Interlocked.Exchange(ref _announcing, 1) == 1)
        {
            return;
        }
        try
        {
            _lastAnnounced = now;
            if (await shared.AnnounceFingerprintAsync(publisher.RenderingsFingerprint, now, FingerprintWindow) is not { } count)
            {
                return;
            }
            if (Interlocked.Exchange(ref _fingerprints, count) == 1 && count > 1)
            {
                logger.LogWarning("Instances sharing this Redis render with {Count} different settings (or versions of Feeds) within {Window}: they share no rendering, and readers get different documents from each. Compare their Feeds settings (site names and addresses, PublicBaseUrl, limits, ttl, hubs); a rolling deploy shows this until the old instances are gone",
                    count, FingerprintWindow);
            }
        }
        finally
        {
            Volatile.Write(ref _announcing, 0);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        changeDetector.Changed -= OnVersions;
        return Task.CompletedTask;
    }

    private void OnVersions(FeedVersions versions, IReadOnlyList<FeedKey> changed)
    {
        _ = AnnounceFingerprintAsync();
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
