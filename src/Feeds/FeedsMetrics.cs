using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Feeds;

/// <summary>
/// The numbers operators watch, as OpenTelemetry metrics (meter "Feeds", exported for Prometheus at /metrics):
/// requests by document kind and status (the 304 ratio is feeds_requests_total{status="304"} over all),
/// cache lookups by result, render time, the age of the last successful poll of versions (change-detection
/// lag) and the poll's duration, WebSub pings by outcome, and database reads retried.
/// </summary>
public sealed class FeedsMetrics : IDisposable
{
    public const string MeterName = "Feeds";

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _cacheLookups;
    /// <summary>
    /// Buckets for durations in seconds, from a tenth of a millisecond (a render from cached parts) to ten
    /// seconds (a poll stuck behind a lock): OpenTelemetry's default buckets are for milliseconds (0, 5, 10 … 10000)
    /// and would put every observation into one bucket.
    /// </summary>
    public static readonly IReadOnlyList<double> SecondsBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly InstrumentAdvice<double> Seconds = new() { HistogramBucketBoundaries = SecondsBuckets };

    private readonly Histogram<double> _renderSeconds;
    private readonly Histogram<double> _pollSeconds;
    private readonly Counter<long> _pollRows;
    private readonly Counter<long> _webSubPings;
    private readonly Counter<long> _renderAdmissions;
    private readonly Counter<long> _sourceRows;
    private readonly Counter<long> _edgePurges;
    private readonly Counter<long> _conversions;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Func<int>> _trackedState = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (Func<long> Bytes, Func<long> Entries)> _caches = new();

    public FeedsMetrics(IMeterFactory meterFactory, Data.Database database)
    {
        _meter = meterFactory.Create(MeterName);
        _meter.CreateObservableCounter("feeds.database.read_retries", () => database.ReadRetries, "{retry}", "Reads tried again after a transient failure (writes never are).");
        _requests = _meter.CreateCounter<long>("feeds.requests", "{request}", "Requests answered, by document kind and status code.");
        _cacheLookups = _meter.CreateCounter<long>("feeds.cache.lookups", "{lookup}", "Rendered-document lookups: hit (memory), shared (Redis), miss (rendered).");
        _renderSeconds = _meter.CreateHistogram("feeds.render.duration", "s", "Time to read and write one document.", advice: Seconds);
        _pollSeconds = _meter.CreateHistogram("feeds.poll.duration", "s",
            "Time of one poll of feed versions, by outcome: unchanged (one row read), changed (the changed feeds read), all (every feed read).", advice: Seconds);
        _pollRows = _meter.CreateCounter<long>("feeds.poll.rows", "{row}", "Rows of versions and of the change log read by polls, by outcome.");
        _meter.CreateObservableGauge("feeds.tracked_state.entries",
            () => _trackedState.Select(table => new Measurement<int>(table.Value(), new KeyValuePair<string, object?>("table", table.Key))),
            "{entry}", "Entries of each bounded table of per-client state (render-budgets, polite-polling).");
        _meter.CreateObservableGauge("feeds.cache.bytes",
            () => _caches.Select(cache => new Measurement<long>(cache.Value.Bytes(), new KeyValuePair<string, object?>("cache", cache.Key))),
            "By", "Bytes charged to each cache (renderings, entries, contents, clean-texts, archive-boundaries) against its share of Feeds:CacheSizeMegabytes.");
        _meter.CreateObservableGauge("feeds.cache.entries",
            () => _caches.Select(cache => new Measurement<long>(cache.Value.Entries(), new KeyValuePair<string, object?>("cache", cache.Key))),
            "{entry}", "Entries of each cache.");
        _renderAdmissions = _meter.CreateCounter<long>("feeds.render.admissions", "{render}",
            "Renders asked for, by outcome: admitted, busy (no slot: last rendering or 503), over-budget and over-share (429), stale (the last rendering served).");
        _edgePurges = _meter.CreateCounter<long>("feeds.edge.purged.keys", "{key}", "Surrogate keys purged from the CDN, by outcome: ok, failed.");
        _sourceRows = _meter.CreateCounter<long>("feeds.source.rows", "{row}", "Rows of the followed CMS applied, by outcome: inserted, updated, unchanged, deleted, bad (skipped).");
        _conversions = _meter.CreateCounter<long>("feeds.conversions", "{text}",
            "Texts of articles a Simplified-Chinese twin needed, by outcome: converted (by OpenCC, here), shared (converted by another instance, read from Redis).");
        _webSubPings = _meter.CreateCounter<long>("feeds.websub.pings", "{ping}", "WebSub publish pings, by outcome: accepted, refused (retried), abandoned, other-instance (another instance pinged).");
    }

    /// <summary>Reads, on each collection, the seconds since the last successful poll of versions.</summary>
    public void ObserveFleetSettings(Func<long> fingerprints) =>
        _meter.CreateObservableGauge("feeds.fleet.settings", fingerprints, "{setting}",
            "Different rendering settings among the instances sharing the Redis within 10 minutes: 1 when all render alike.");

    public void ObserveChangeDetectionLag(Func<double?> secondsSinceLastPoll) =>
        _meter.CreateObservableGauge("feeds.change_detection.lag", () => secondsSinceLastPoll() ?? double.NaN, "s",
            "Seconds since versions were last read: how stale served documents can be.");

    /// <summary>
    /// Subscribers per feed (its formats together) and reader over the rolling week (Subscribers/SubscriberCounts), and
    /// the counters' own bounds: counters and register bytes held, observations dropped, reports capped.
    /// </summary>
    public void ObserveSubscribers(Subscribers.SubscriberCounts counts)
    {
        _meter.CreateObservableGauge("feeds.subscribers",
            () => counts.Current.Where(count => count.Format == Subscribers.SubscriberCounts.AllFormats).Select(count => new Measurement<long>(
                count.Subscribers, new KeyValuePair<string, object?>("feed", count.Feed), new KeyValuePair<string, object?>("reader", count.Reader))),
            "{subscriber}", "Subscribers of each feed (its formats together) by reader over the last 7 days: aggregators' reported counts, and distinct clients of every other reader.");
        _meter.CreateObservableGauge("feeds.subscriber.counters", () => counts.Counters, "{counter}",
            "Subscriber counters (feed × format × reader) this instance holds in memory, at most Feeds:Subscribers:MaxCounters.");
        _meter.CreateObservableGauge("feeds.subscriber.register_bytes", () => counts.RegisterBytes, "By",
            "Bytes of subscriber registers this instance holds in memory: 1 KB a counter and day.");
        _meter.CreateObservableCounter("feeds.subscriber.observations_dropped", () => counts.Dropped, "{observation}",
            "Polls not counted because every subscriber counter was taken (Feeds:Subscribers:MaxCounters).");
        _meter.CreateObservableCounter("feeds.subscriber.reports_capped", () => counts.Capped, "{report}",
            "Aggregators' reported counts larger than Feeds:Subscribers:MaxReported: flagged, not counted.");
    }

    /// <summary>Entries of a table of per-client or per-document state, whose size has a fixed bound.</summary>
    public void ObserveTrackedState(string table, Func<int> entries) => _trackedState[table] = entries;

    /// <summary>Reports a cache's bytes and entries on each collection; returns the cache.</summary>
    public T ObserveCache<T>(string name, T cache, Func<T, long> bytes, Func<T, long> entries)
    {
        _caches[name] = (() => bytes(cache), () => entries(cache));
        return cache;
    }

    public void RenderAdmission(string outcome) => _renderAdmissions.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Request(string kind, int status) =>
        _requests.Add(1, new TagList { { "kind", kind }, { "status", status } });

    public void CacheLookup(string result) => _cacheLookups.Add(1, new KeyValuePair<string, object?>("result", result));

    public void Rendered(string format, TimeSpan elapsed) =>
        _renderSeconds.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("format", format));

    public void Polled(TimeSpan elapsed, string outcome, int rowsRead)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        _pollSeconds.Record(elapsed.TotalSeconds, tag);
        _pollRows.Add(rowsRead, tag);
    }

    public void SourceRows(string outcome, int count)
    {
        if (count > 0)
        {
            _sourceRows.Add(count, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    public void EdgePurged(string outcome, int keys) => _edgePurges.Add(keys, new KeyValuePair<string, object?>("outcome", outcome));

    public void Converted(string outcome, int texts)
    {
        if (texts > 0)
        {
            _conversions.Add(texts, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    public void WebSubPing(string outcome) => _webSubPings.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Dispose() => _meter.Dispose();
}
