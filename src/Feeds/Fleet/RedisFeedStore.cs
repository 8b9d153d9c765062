using System.Text;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using StackExchange.Redis;
using Feeds.Rendering;

namespace Feeds.Fleet;

/// <summary>
/// Renderings shared by every instance through Redis (Feeds:Redis:Configuration): the tier between an
/// instance's own memory (<see cref="FeedCache"/>) and a render. A key names the code, the settings, the
/// request and the feed's version token, so keys are versioned: a change makes new keys, and nothing needs
/// deleting: each key lives Feeds:Redis:TimeToLive after it was last read (GETEX), so the renderings of versions
/// gone by leave within that time, and Redis holds what the fleet serves plus the edits of one such time. A full
/// Redis (maxmemory with a policy that evicts nothing) is told apart from an unreachable one: reads go on, the
/// renderings are not shared, and it is logged once and shown in readiness. A short lock lets one instance
/// render a cold feed while the others wait for its result. When Redis is unreachable every call answers
/// "nothing shared" at once (fail-fast backlog), each instance renders for itself, the outage is logged once,
/// and sharing resumes by itself when Redis returns.
/// </summary>
public sealed class RedisFeedStore : IAsyncDisposable
{
    private const byte FormatVersion = 3;
    private static readonly TimeSpan LockTime = TimeSpan.FromSeconds(10);

    // A circuit breaker (Polly): once calls fail, Redis is left alone for 5 s (then one call tries again), since
    // until the client notices a dead connection each call would otherwise wait for its timeout.
    private readonly ResiliencePipeline _breaker;

    private readonly RedisOptions _options;
    private readonly ILogger<RedisFeedStore> _logger;
    private readonly Lazy<Task<ConnectionMultiplexer>>? _connection;
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private int _failing;
    private int _full;

    public RedisFeedStore(IOptions<FeedsOptions> options, ILogger<RedisFeedStore> logger)
    {
        _options = options.Value.Redis;
        _logger = logger;
        _breaker = new ResiliencePipelineBuilder().AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            // A full Redis still answers: only an unreachable one is left alone.
            ShouldHandle = new PredicateBuilder().Handle<RedisException>(exception => !IsFull(exception)).Handle<TimeoutException>(),
            // Polly's smallest sample: two calls, one of them failed.
            MinimumThroughput = 2,
            FailureRatio = 0.5,
            SamplingDuration = TimeSpan.FromSeconds(5),
            BreakDuration = TimeSpan.FromSeconds(5),
            OnOpened = args =>
            {
                Failed(args.Outcome.Exception);
                return ValueTask.CompletedTask;
            },
        }).Build();
        if (!string.IsNullOrWhiteSpace(_options.Configuration))
        {
            var configuration = ConfigurationOptions.Parse(_options.Configuration);
            // Never wait for a Redis that is down: fail at once and render locally; reconnect in the background.
            configuration.AbortOnConnectFail = false;
            configuration.BacklogPolicy = BacklogPolicy.FailFast;
            configuration.ConnectTimeout = 2000;
            configuration.AsyncTimeout = 1000;
            configuration.SyncTimeout = 1000;
            _connection = new Lazy<Task<ConnectionMultiplexer>>(() => ConnectionMultiplexer.ConnectAsync(configuration));
        }
    }

    public bool Enabled => _connection is not null;

    /// <summary>Whether Redis answered the last call.</summary>
    public bool Available => Enabled && Volatile.Read(ref _failing) == 0;

    /// <summary>Whether Redis refused the last write for want of memory (OOM: maxmemory reached, nothing evicted).</summary>
    public bool Full => Enabled && Volatile.Read(ref _full) == 1;

    /// <summary>
    /// The rendering any instance stored under <paramref name="key"/>; otherwise <paramref name="render"/>'s, which
    /// is then shared. One instance renders a key at a time: the others wait up to a second for its result, then
    /// render themselves. Without Redis (or while it is down) this is <paramref name="render"/> alone.
    /// </summary>
    public async Task<SharedRendering> GetOrRenderAsync(string key, Func<Task<RenderedFeed?>> render)
    {
        if (!Enabled)
        {
            return new SharedRendering(await render(), FromOtherInstance: false);
        }
        if (await TryGetAsync(key) is { } stored)
        {
            return new SharedRendering(stored, FromOtherInstance: true);
        }
        if (!await TryClaimAsync("lock:" + key, LockTime))
        {
            for (var wait = 0; wait < 40; wait++)
            {
                await Task.Delay(25);
                if (await TryGetAsync(key) is { } theirs)
                {
                    return new SharedRendering(theirs, FromOtherInstance: true);
                }
            }
        }
        try
        {
            var feed = await render();
            if (feed is { Stale: false } && await CallAsync(database => database.StringSetAsync(Key(key), Serialize(feed), _options.TimeToLive), false))
            {
                Stored();
            }
            return new SharedRendering(feed, FromOtherInstance: false);
        }
        finally
        {
            await CallAsync(database => database.KeyDeleteAsync(Key("lock:" + key)), false);
        }
    }

    private async Task<RenderedFeed?> TryGetAsync(string key)
    {
        // Read, and kept TimeToLive longer (Redis 6.2's GETEX): what the fleet serves stays, versions gone by expire.
        var value = await CallAsync(database => database.StringGetSetExpiryAsync(Key(key), _options.TimeToLive), RedisValue.Null);
        return value.IsNull ? null : Deserialize((byte[])value!);
    }

    /// <summary>
    /// The texts any instance stored under <paramref name="names"/> (null where none), each kept TimeToLive longer
    /// (GETEX), in one round trip; all null without Redis.
    /// </summary>
    public async Task<string?[]> GetTextsAsync(IReadOnlyList<string> names)
    {
        if (!Enabled || names.Count == 0)
        {
            return new string?[names.Count];
        }
        var values = await CallAsync(async database =>
        {
            var batch = database.CreateBatch();
            var reads = names.Select(name => batch.StringGetSetExpiryAsync(Key(name), _options.TimeToLive)).ToArray();
            batch.Execute();
            return await Task.WhenAll(reads);
        }, new RedisValue[names.Count]);
        return [.. values.Select(value => value.IsNull ? null : (string?)value)];
    }

    /// <summary>Shares texts under their names for TimeToLive, in one round trip; nothing without Redis.</summary>
    public async Task SetTextsAsync(IReadOnlyList<(string Name, string Text)> texts)
    {
        if (!Enabled || texts.Count == 0)
        {
            return;
        }
        await CallAsync(async database =>
        {
            var batch = database.CreateBatch();
            var writes = texts.Select(text => batch.StringSetAsync(Key(text.Name), text.Text, _options.TimeToLive)).ToArray();
            batch.Execute();
            await Task.WhenAll(writes);
            return true;
        }, false);
    }

    /// <summary>
    /// True for the first instance to claim <paramref name="name"/> within <paramref name="time"/>, and for every
    /// instance when Redis cannot tell (doing a thing twice beats not doing it).
    /// </summary>
    public async Task<bool> TryClaimAsync(string name, TimeSpan time) =>
        await CallAsync(database => database.StringSetAsync(Key(name), _instance, time, When.NotExists), true);

    /// <summary>Tells the other instances that this one saw new versions, read at change mark <paramref name="mark"/>.</summary>
    public Task PublishChangedAsync(long mark) =>
        CallAsync(async _ => await (await _connection!.Value).GetSubscriber().PublishAsync(Channel, $"{_instance} {mark.ToString(System.Globalization.CultureInfo.InvariantCulture)}"), 0L);

    /// <summary>Calls <paramref name="handler"/> with the change mark another instance announced.</summary>
    public async Task SubscribeChangedAsync(Action<long?> handler)
    {
        if (_connection is null)
        {
            return;
        }
        try
        {
            var subscriber = (await _connection.Value).GetSubscriber();
            await subscriber.SubscribeAsync(Channel, (_, message) =>
            {
                // "{instance} {mark}"; a message of an older Feeds (no mark) is taken as news.
                var parts = ((string?)message ?? "").Split(' ');
                if (parts[0] != _instance)
                {
                    handler(parts.Length > 1 && long.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var mark) ? mark : null);
                }
            });
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // The multiplexer restores subscriptions when it reconnects; polling covers the gap.
            Failed(exception);
        }
    }

    /// <summary>
    /// Notes that an instance rendering with <paramref name="fingerprint"/> uses this Redis now, and answers how many
    /// different fingerprints did within <paramref name="window"/> (1: every instance renders alike), or null when
    /// Redis cannot tell. A sorted set scored by time: bounded by the fingerprints of one window.
    /// </summary>
    public async Task<long?> AnnounceFingerprintAsync(string fingerprint, DateTimeOffset now, TimeSpan window)
    {
        var key = Key("fingerprints");
        var count = await CallAsync(async database =>
        {
            var batch = database.CreateBatch();
            var added = batch.SortedSetAddAsync(key, fingerprint, now.ToUnixTimeSeconds());
            var trimmed = batch.SortedSetRemoveRangeByScoreAsync(key, double.NegativeInfinity, (now - window).ToUnixTimeSeconds(), Exclude.Stop);
            var expiry = batch.KeyExpireAsync(key, window);
            var counted = batch.SortedSetLengthAsync(key);
            batch.Execute();
            await Task.WhenAll(added, trimmed, expiry, counted);
            return counted.Result;
        }, -1L);
        return count < 0 ? null : count;
    }

    /// <summary>A call of another room's (Subscribers/SubscriberCounts) through this connection and its breaker, under its key prefix.</summary>
    internal Task<T> RunAsync<T>(Func<IDatabase, Func<string, RedisKey>, Task<T>> call, T fallback) =>
        CallAsync(database => call(database, Key), fallback);

    /// <summary>For readiness: Redis answers a PING.</summary>
    public async Task<TimeSpan> PingAsync() => await (await _connection!.Value).GetDatabase().PingAsync();

    public async ValueTask DisposeAsync()
    {
        if (_connection is { IsValueCreated: true })
        {
            await (await _connection.Value).DisposeAsync();
        }
    }

    private RedisChannel Channel => RedisChannel.Literal(_options.KeyPrefix + "changed");

    private RedisKey Key(string name) => _options.KeyPrefix + name;

    private async Task<T> CallAsync<T>(Func<IDatabase, Task<T>> call, T fallback)
    {
        if (_connection is null)
        {
            return fallback;
        }
        try
        {
            var result = await _breaker.ExecuteAsync(async _ => await call((await _connection.Value).GetDatabase()));
            if (Interlocked.Exchange(ref _failing, 0) == 1)
            {
                _logger.LogInformation("Redis answers again; renderings are shared again");
            }
            return result;
        }
        catch (RedisException exception) when (IsFull(exception))
        {
            if (Interlocked.Exchange(ref _full, 1) == 0)
            {
                _logger.LogWarning("Redis is full (maxmemory, and its policy evicts nothing): renderings are not shared until it has room. Set maxmemory-policy allkeys-lru, or raise maxmemory (README: Many instances). {Reply}",
                    exception.Message);
            }
            return fallback;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            Failed(exception);
            return fallback;
        }
        catch (BrokenCircuitException)
        {
            return fallback;
        }
    }

    /// <summary>Redis's answer to a write past maxmemory under noeviction: "OOM command not allowed when used memory > 'maxmemory'".</summary>
    private static bool IsFull(RedisException exception) =>
        exception is RedisServerException && exception.Message.StartsWith("OOM", StringComparison.Ordinal);

    private void Stored()
    {
        if (Interlocked.Exchange(ref _full, 0) == 1)
        {
            _logger.LogInformation("Redis has room again; renderings are shared again");
        }
    }

    private void Failed(Exception? exception)
    {
        if (Interlocked.Exchange(ref _failing, 1) == 0)
        {
            _logger.LogWarning(exception, "Redis cannot be reached; each instance renders into its own memory until it returns");
        }
    }

    // Version, then the header values as length-prefixed UTF-8, then the three bodies (Brotli empty when not made yet).
    private static byte[] Serialize(RenderedFeed feed)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(FormatVersion);
            writer.Write(feed.Token);
            writer.Write(feed.ETag);
            writer.Write(feed.LastModifiedUtc?.Ticks ?? 0);
            writer.Write(feed.ContentType);
            writer.Write(feed.BrowserContentType ?? "");
            writer.Write(feed.ClosedArchive);
            writer.Write(feed.LinkHeader.Count);
            foreach (var link in feed.LinkHeader)
            {
                writer.Write(link ?? "");
            }
            WriteBytes(writer, feed.Identity.ToArray());
            WriteBytes(writer, feed.Gzip);
            // Empty when not made yet (it is made in the background): each instance then makes its own.
            WriteBytes(writer, feed.BrotliIfReady() ?? []);
        }
        return buffer.ToArray();
    }

    private static RenderedFeed? Deserialize(byte[] data)
    {
        using var reader = new BinaryReader(new MemoryStream(data), Encoding.UTF8);
        if (reader.ReadByte() != FormatVersion)
        {
            return null;
        }
        var token = reader.ReadString();
        var etag = reader.ReadString();
        var lastModifiedTicks = reader.ReadInt64();
        DateTime? lastModified = lastModifiedTicks == 0 ? null : new DateTime(lastModifiedTicks, DateTimeKind.Utc);
        var contentType = reader.ReadString();
        var browserContentType = reader.ReadString();
        var closedArchive = reader.ReadBoolean();
        var links = new string[reader.ReadInt32()];
        for (var i = 0; i < links.Length; i++)
        {
            links[i] = reader.ReadString();
        }
        var identity = ReadBytes(reader);
        var gzip = ReadBytes(reader);
        var brotli = ReadBytes(reader);
        return new RenderedFeed(token, etag, lastModified, contentType, identity, gzip, brotli.Length == 0 ? null : brotli)
        {
            BrowserContentType = browserContentType.Length == 0 ? null : browserContentType,
            ClosedArchive = closedArchive,
            LinkHeader = links,
        };
    }

    private static void WriteBytes(BinaryWriter writer, byte[] bytes)
    {
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    private static byte[] ReadBytes(BinaryReader reader) => reader.ReadBytes(reader.ReadInt32());
}

/// <param name="FromOtherInstance">The rendering was found in Redis, not rendered here.</param>
public readonly record struct SharedRendering(RenderedFeed? Feed, bool FromOtherInstance);
