using System.Globalization;
using Feeds.Publishing;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Feeds.Fleet;

namespace Feeds.Subscribers;

/// <summary>One feed's subscribers through one reader over the window: distinct clients, and what aggregators reported.</summary>
/// <param name="Format">The format's extension, or <see cref="SubscriberCounts.AllFormats"/> for the formats together.</param>
public sealed record SubscriberCount(string Feed, string Format, string Reader, long Clients, long Reported)
{
    public long Subscribers => Clients + Reported;
}

/// <summary>
/// How many people read each feed, counted as FeedPress counts them over a rolling week (README, Subscribers): for an
/// aggregator, the last count it reported for each of its own feed ids; for every other reader, one per distinct
/// client (an address, an IPv6 /64), estimated by <see cref="DistinctCount"/> in 1 KB a day whatever the number of
/// clients. No address is kept, only registers. With Redis every instance merges its observations into shared keys
/// every few seconds and reads the fleet's counts back, so all report the same; without it the process counts alone.
/// </summary>
/// <remarks>
/// Bounded whatever clients send: reader names come from a fixed list (<see cref="ReaderAgent"/>), feeds only from
/// those that exist, so the counters are at most Feeds:Subscribers:MaxCounters (feed × format × reader), each 8 days
/// of 1 KB registers in Redis and in memory; reports at most 64 feed ids per feed and format; a reported count past
/// Feeds:Subscribers:MaxReported is flagged and not counted.
/// </remarks>
public sealed class SubscriberCounts(IOptions<FeedsOptions> options, RedisFeedStore redis, TimeProvider clock, ILogger<SubscriberCounts> logger)
    : BackgroundService
{
    public const string AllFormats = "*";
    public const int WindowDays = 7;
    public const int MaxFeedIdsPerDocument = 64;

    // Days kept: the window and the day before it, so that a day that began in another time zone is never cut short.
    private const int KeptDays = WindowDays + 1;

    // Adds the counter ARGV[3] to the index KEYS[1] unless the index holds ARGV[4] counters already (then 0), and
    // takes the larger of each register of ARGV[1] into KEYS[2] (Redis's strings are bytes), kept ARGV[2] seconds.
    private const string MergeScript = """
        if redis.call('SISMEMBER', KEYS[1], ARGV[3]) == 0 then
          if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[4]) then
            return 0
          end
          redis.call('SADD', KEYS[1], ARGV[3])
        end
        local current = redis.call('GET', KEYS[2])
        local new = ARGV[1]
        if current and #current == #new then
          local merged = {}
          for i = 1, #new do
            local a, b = string.byte(current, i), string.byte(new, i)
            merged[i] = string.char(a > b and a or b)
          end
          new = table.concat(merged)
        end
        redis.call('SET', KEYS[2], new, 'EX', ARGV[2])
        return 1
        """;

    // Keeps a report unless the document's hash holds the bound already (KEYS[1]: the hash, KEYS[2]: the index of hashes).
    private const string ReportScript = """
        if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 or redis.call('HLEN', KEYS[1]) < tonumber(ARGV[3]) then
          redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
          redis.call('EXPIRE', KEYS[1], ARGV[4])
          redis.call('SADD', KEYS[2], ARGV[5])
          return 1
        end
        return 0
        """;

    private readonly SubscribersOptions _options = options.Value.Subscribers;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Counter, long Day), byte[]> _registers = [];
    private readonly HashSet<string> _counters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, Report>> _reports = new(StringComparer.Ordinal);
    private IReadOnlyList<SubscriberCount> _current = [];
    private long _dropped;
    private long _capped;

    /// <summary>The counts at the last refresh, per format and for the formats together.</summary>
    public IReadOnlyList<SubscriberCount> Current => Volatile.Read(ref _current);

    /// <summary>Counters this instance holds in memory (Feeds:Subscribers:MaxCounters bounds them).</summary>
    public int Counters
    {
        get
        {
            lock (_lock)
            {
                return _counters.Count;
            }
        }
    }

    /// <summary>Bytes of registers this instance holds in memory.</summary>
    public long RegisterBytes
    {
        get
        {
            lock (_lock)
            {
                return (long)_registers.Count * DistinctCount.Registers;
            }
        }
    }

    /// <summary>Observations not counted because every counter was taken.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Reports larger than Feeds:Subscribers:MaxReported: flagged, not counted.</summary>
    public long Capped => Interlocked.Read(ref _capped);

    /// <summary>Counts one poll of a feed's current document by <paramref name="client"/>, read as <paramref name="agent"/>.</summary>
    public void Observe(FeedKey feed, string format, ReaderAgent agent, string client)
    {
        if (!_options.Enabled || agent.Kind == ReaderKind.NotAReader)
        {
            return;
        }
        var document = Document(feed.Name, format);
        lock (_lock)
        {
            if (agent.Kind == ReaderKind.Aggregator)
            {
                if (agent.Capped)
                {
                    // A claim past any believable count is flagged, not counted: a User-Agent can say anything.
                    Interlocked.Increment(ref _capped);
                    return;
                }
                if (!_reports.TryGetValue(document, out var reports))
                {
                    _reports[document] = reports = new(StringComparer.Ordinal);
                }
                var source = $"{agent.Reader}\n{agent.FeedId}";
                if (reports.ContainsKey(source) || reports.Count < MaxFeedIdsPerDocument)
                {
                    reports[source] = new Report(agent.Subscribers ?? 0, clock.GetUtcNow().ToUnixTimeSeconds());
                }
                return;
            }
            var counter = $"{document}\n{agent.Reader}";
            if (!_counters.Contains(counter))
            {
                if (_counters.Count >= _options.MaxCounters)
                {
                    Interlocked.Increment(ref _dropped);
                    return;
                }
                _counters.Add(counter);
            }
            var key = (counter, Today);
            if (!_registers.TryGetValue(key, out var registers))
            {
                _registers[key] = registers = new byte[DistinctCount.Registers];
            }
            DistinctCount.Add(registers, client);
        }
    }

    /// <summary>Merges this instance's observations into Redis (when configured) and reads the counts anew.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (redis.Enabled && await FlushAsync())
        {
            Volatile.Write(ref _current, await ReadSharedAsync() ?? Current);
        }
        else if (!redis.Enabled)
        {
            Volatile.Write(ref _current, ReadLocal());
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }
        using var timer = new PeriodicTimer(_options.RefreshInterval, clock);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "Subscriber counts could not be refreshed; the last ones stay");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private long Today => clock.GetUtcNow().ToUnixTimeSeconds() / 86_400;

    private static string Document(string feed, string format) => $"{feed}\n{format}";

    /// <summary>The counts from this process's own registers and reports; days past the window are dropped.</summary>
    private IReadOnlyList<SubscriberCount> ReadLocal()
    {
        var today = Today;
        var oldest = clock.GetUtcNow().ToUnixTimeSeconds() - WindowDays * 86_400L;
        lock (_lock)
        {
            foreach (var key in _registers.Keys.Where(key => key.Day <= today - KeptDays).ToList())
            {
                _registers.Remove(key);
            }
            var clients = _registers.GroupBy(pair => pair.Key.Counter)
                .Where(group => group.Any(pair => pair.Key.Day > today - WindowDays))
                .ToDictionary(group => group.Key, group => Union(group.Where(pair => pair.Key.Day > today - WindowDays).Select(pair => pair.Value)));
            _counters.IntersectWith(_registers.Keys.Select(key => key.Counter));
            var reports = _reports.ToDictionary(pair => pair.Key, pair => pair.Value.Where(report => report.Value.At > oldest)
                .ToDictionary(report => report.Key, report => report.Value));
            return Counts(clients, reports);
        }
    }

    /// <summary>Sends this instance's registers and reports to Redis, and forgets them once sent; false when Redis failed.</summary>
    private async Task<bool> FlushAsync()
    {
        List<KeyValuePair<(string Counter, long Day), byte[]>> registers;
        List<(string Document, string Source, Report Report)> reports;
        lock (_lock)
        {
            // Copies: polls go on setting the registers while these are sent, and what they set must stay for the next flush.
            registers = [.. _registers.Select(pair => KeyValuePair.Create(pair.Key, (byte[])pair.Value.Clone()))];
            reports = [.. _reports.SelectMany(document => document.Value.Select(report => (document.Key, report.Key, report.Value)))];
        }
        var kept = (long)TimeSpan.FromDays(KeptDays).TotalSeconds;
        var sent = await redis.RunAsync(async (database, key) =>
        {
            foreach (var ((counter, day), bytes) in registers)
            {
                var merged = await database.ScriptEvaluateAsync(MergeScript,
                    [key("subscribers:counters"), key($"subscribers:d:{day.ToString(CultureInfo.InvariantCulture)}:{counter}")],
                    [bytes, kept, counter, _options.MaxCounters]);
                if ((int)merged == 0)
                {
                    Interlocked.Increment(ref _dropped);
                }
            }
            foreach (var (document, source, report) in reports)
            {
                await database.ScriptEvaluateAsync(ReportScript, [key($"subscribers:r:{document}"), key("subscribers:documents")],
                    [source, $"{report.Count.ToString(CultureInfo.InvariantCulture)} {report.At.ToString(CultureInfo.InvariantCulture)}", MaxFeedIdsPerDocument, kept, document]);
            }
            return true;
        }, false);
        if (sent)
        {
            lock (_lock)
            {
                // What came in since the copy was taken stays for the next flush (registers only grow: sending again is harmless).
                foreach (var (key, bytes) in registers)
                {
                    if (_registers.TryGetValue(key, out var now) && now.AsSpan().SequenceEqual(bytes))
                    {
                        _registers.Remove(key);
                    }
                }
                foreach (var (document, source, report) in reports)
                {
                    if (_reports.TryGetValue(document, out var byDocument) && byDocument.TryGetValue(source, out var now) && now == report)
                    {
                        byDocument.Remove(source);
                        if (byDocument.Count == 0)
                        {
                            _reports.Remove(document);
                        }
                    }
                }
                _counters.IntersectWith(_registers.Keys.Select(key => key.Counter));
            }
        }
        return sent;
    }

    /// <summary>The fleet's counts, read from Redis; null when it failed.</summary>
    private async Task<IReadOnlyList<SubscriberCount>?> ReadSharedAsync()
    {
        var today = Today;
        var oldest = clock.GetUtcNow().ToUnixTimeSeconds() - WindowDays * 86_400L;
        return await redis.RunAsync<IReadOnlyList<SubscriberCount>?>(async (database, key) =>
        {
            var clients = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            // Every read is sent before any answer is awaited: the client pipelines them, one round trip in all.
            var counters = await database.SetMembersAsync(key("subscribers:counters"));
            var weeks = counters.Select(counter => database.StringGetAsync(
                [.. Enumerable.Range(0, WindowDays).Select(back => key($"subscribers:d:{(today - back).ToString(CultureInfo.InvariantCulture)}:{counter}"))])).ToList();
            for (var i = 0; i < counters.Length; i++)
            {
                var values = await weeks[i];
                if (values.All(value => value.IsNull))
                {
                    // Every day of it expired: the counter leaves the index.
                    await database.SetRemoveAsync(key("subscribers:counters"), counters[i]);
                    continue;
                }
                clients[counters[i]!] = Union(values.Where(value => !value.IsNull).Select(value => (byte[])value!));
            }
            var reports = new Dictionary<string, Dictionary<string, Report>>(StringComparer.Ordinal);
            var documents = await database.SetMembersAsync(key("subscribers:documents"));
            var hashes = documents.Select(document => database.HashGetAllAsync(key($"subscribers:r:{document}"))).ToList();
            for (var i = 0; i < documents.Length; i++)
            {
                var document = documents[i];
                var entries = await hashes[i];
                if (entries.Length == 0)
                {
                    await database.SetRemoveAsync(key("subscribers:documents"), document);
                    continue;
                }
                reports[document!] = entries.Select(entry => (Source: (string)entry.Name!, Report: Report.Parse(entry.Value!)))
                    .Where(entry => entry.Report.At > oldest)
                    .ToDictionary(entry => entry.Source, entry => entry.Report, StringComparer.Ordinal);
            }
            return Counts(clients, reports);
        }, null);
    }

    private static byte[] Union(IEnumerable<byte[]> registers)
    {
        var union = new byte[DistinctCount.Registers];
        foreach (var day in registers)
        {
            DistinctCount.Merge(union, day);
        }
        return union;
    }

    /// <summary>Counts per feed, format and reader, and per feed and reader with the formats together (clients by the union of their registers).</summary>
    private static IReadOnlyList<SubscriberCount> Counts(Dictionary<string, byte[]> clients, Dictionary<string, Dictionary<string, Report>> reports)
    {
        var rows = new Dictionary<(string Feed, string Format, string Reader), (byte[]? Registers, long Reported)>();
        void Add(string feed, string format, string reader, byte[]? registers, long reported)
        {
            foreach (var target in new[] { format, AllFormats })
            {
                var key = (feed, target, reader);
                var (known, sum) = rows.GetValueOrDefault(key);
                if (registers is not null)
                {
                    known ??= new byte[DistinctCount.Registers];
                    DistinctCount.Merge(known, registers);
                }
                rows[key] = (known, sum + reported);
            }
        }
        foreach (var (counter, registers) in clients)
        {
            var parts = counter.Split('\n');
            Add(parts[0], parts[1], parts[2], registers, 0);
        }
        foreach (var (document, sources) in reports)
        {
            var parts = document.Split('\n');
            foreach (var (source, report) in sources)
            {
                Add(parts[0], parts[1], source.Split('\n')[0], null, report.Count);
            }
        }
        return [.. rows.Select(row => new SubscriberCount(row.Key.Feed, row.Key.Format, row.Key.Reader,
                row.Value.Registers is { } registers ? DistinctCount.Estimate(registers) : 0, row.Value.Reported))
            .OrderBy(count => count.Feed, StringComparer.Ordinal).ThenBy(count => count.Format, StringComparer.Ordinal).ThenBy(count => count.Reader, StringComparer.Ordinal)];
    }

    /// <summary>An aggregator's last report for one of its feed ids: the count, and when (Unix seconds).</summary>
    private readonly record struct Report(long Count, long At)
    {
        public static Report Parse(string text)
        {
            var parts = text.Split(' ');
            return new(long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
        }
    }
}
