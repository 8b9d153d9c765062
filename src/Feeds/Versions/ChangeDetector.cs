using Feeds.Data;
using Microsoft.Extensions.Options;
using Feeds.Publishing;

namespace Feeds.Versions;

/// <summary>
/// Polls feed versions on a short interval (Feeds:RefreshInterval) and publishes them as <see cref="Current"/>.
/// Whoever wrote to the database, its feeds show the change after the next poll; between polls no request reads
/// the database to learn whether a feed changed. A poll reads one row first (<see cref="VersionStore"/>): when
/// no category or tag changed and no scheduled article came due, that is all it reads, however many feeds the
/// site has; otherwise it reads the versions of the feeds that may have changed, and every feed's only at the
/// first poll or when the change log no longer reaches back to the last one.
/// </summary>
public sealed class ChangeDetector(
    VersionStore store,
    TimeProvider clock,
    IOptions<FeedsOptions> options,
    ILogger<ChangeDetector> logger,
    FeedsMetrics metrics) : BackgroundService
{
    private readonly SemaphoreSlim _polling = new(1, 1);
    private FeedVersions _current = FeedVersions.Empty;
    private LastPoll? _last;
    private long _polls;
    private bool _behind;
    private long _lastSuccessTicks;
    private bool _failing;

    /// <summary>
    /// Raised after each poll, with the versions it read and the feeds that are new or whose token moved since
    /// the previous successful poll (none after the first: nothing is known to have changed).
    /// </summary>
    public event Action<FeedVersions, IReadOnlyList<FeedKey>>? Changed;

    public FeedVersions Current => Volatile.Read(ref _current);

    /// <summary>How long a start waits for the database (the first poll; the schema check of a database Feeds does not migrate).</summary>
    public static readonly TimeSpan StartWait = TimeSpan.FromSeconds(2);

    /// <summary>How many polls this instance has made since start (the metrics count those of every instance in a process).</summary>
    public long Polls => Interlocked.Read(ref _polls);

    /// <summary>When a poll last succeeded; null while none has. What is served is as fresh as this.</summary>
    public DateTimeOffset? LastSuccess
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastSuccessTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>
    /// Throws <see cref="FeedsUnavailableException"/> when what is known is older than Feeds:MaxStaleness: no
    /// poll has succeeded yet, or none for that long (the database is unreachable).
    /// </summary>
    public void ThrowIfStale()
    {
        var lastSuccess = LastSuccess;
        if (lastSuccess is null)
        {
            throw new FeedsUnavailableException("The database has not been read since the server started.");
        }
        if (clock.GetUtcNow() - lastSuccess.Value > options.Value.MaxStaleness)
        {
            throw new FeedsUnavailableException($"The database has not been read since {lastSuccess.Value:u}.");
        }
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        metrics.ObserveChangeDetectionLag(() => LastSuccess is { } last ? (clock.GetUtcNow() - last).TotalSeconds : null);
        // The first versions are read before the server takes requests. A database that is down, or silent, does
        // not keep the server from starting: after StartWait it listens (liveness answers from then on, a probe
        // does not restart it in a loop), answers 503 until the database can be read, and readiness says why.
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(StartWait);
        try
        {
            await RefreshAsync(wait.Token);
        }
        catch (Exception exception) when (Database.IsOutage(exception))
        {
            logger.LogError("Reading feed versions failed at start ({Reason}); feeds answer 503 until the database can be read", Data.Database.Reason(exception));
            _failing = true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogError("The database did not answer within {Wait} at start; feeds answer 503 until it can be read", StartWait);
            _failing = true;
        }
        await base.StartAsync(cancellationToken);
    }

    /// <summary>
    /// Polls now (the background loop calls it; another instance's change message does; tests call it to skip the
    /// wait). One poll at a time, so that versions are never published out of order.
    /// </summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _polling.WaitAsync(cancellationToken);
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var polledAt = clock.GetUtcNow().UtcDateTime;
            var poll = await store.PollAsync(_last, polledAt, cancellationToken);
            Interlocked.Increment(ref _polls);
            metrics.Polled(System.Diagnostics.Stopwatch.GetElapsedTime(started), poll.Outcome.ToString().ToLowerInvariant(), poll.Read.RowsRead);
            if (poll.Outcome == PollOutcome.Behind)
            {
                // A replica behind the one read before (a failover, a balanced listener): its versions would move
                // feeds backwards. Nothing is published, and what is served is only as fresh as the last poll.
                if (!_behind)
                {
                    logger.LogWarning("The database read is behind the one read before (change mark {Mark} < {Last}): feeds stay as last seen until it catches up",
                        poll.Mark.Mark, _last!.Mark);
                    _behind = true;
                }
                return;
            }
            _behind = false;
            // Change times are when a version was first read: the end of the poll, after any write it saw.
            var next = Current.Apply(poll.Read, out var changed).AtMark(poll.Mark.Mark);
            _last = new LastPoll(poll.Mark.Mark, poll.Mark.NextDue, polledAt);
            Volatile.Write(ref _current, next);
            Interlocked.Exchange(ref _lastSuccessTicks, clock.GetUtcNow().UtcTicks);
            Changed?.Invoke(next, changed);
        }
        finally
        {
            _polling.Release();
        }
    }

    public override void Dispose()
    {
        _polling.Dispose();
        base.Dispose();
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
                    logger.LogError("Reading feed versions failed ({Reason}); feeds stay as last seen until it works again", Data.Database.Reason(exception));
                    _failing = true;
                }
            }
        }
    }
}

/// <summary>Feeds cannot answer now: the database is unreachable and nothing fresh enough is in memory.</summary>
public class FeedsUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
