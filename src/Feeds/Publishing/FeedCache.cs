using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Feeds.Publishing;

/// <summary>
/// Rendered feeds by request (feed, format, limit). A hit is a dictionary lookup and a token comparison.
/// Concurrent misses for one feed share one render; with Redis, a miss first asks the other instances'
/// renderings (<see cref="RedisFeedStore"/>), so the fleet renders each version once. When the change
/// detector sees new versions, exactly the entries whose feed token moved are dropped; past the size budget
/// the least recently used go first.
/// </summary>
public sealed class FeedCache
{
    private readonly ConcurrentDictionary<FeedRequest, RenderedFeed> _entries = new();
    private readonly ConcurrentDictionary<FeedRequest, Lazy<Task<RenderedFeed?>>> _rendering = new();
    private readonly Lock _evictionLock = new();
    private readonly long _maxBytes;
    private long _bytes;

    private readonly RedisFeedStore _shared;
    private readonly FeedsMetrics _metrics;

    public FeedCache(IOptions<FeedsOptions> options, ChangeDetector changeDetector, RedisFeedStore shared, FeedsMetrics metrics)
    {
        _shared = shared;
        _metrics = metrics;
        _maxBytes = options.Value.CacheSizeMegabytes * 1024L * 1024L;
        changeDetector.Changed += DropStale;
    }

    public int Count => _entries.Count;

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The cached feed when it was rendered for <paramref name="token"/>; otherwise one shared render.</summary>
    /// <param name="sharedKey">The rendering's name among all instances (its ETag); asked for on a miss only.</param>
    public async ValueTask<RenderedFeed?> GetOrRenderAsync(
        FeedRequest request, string token, Func<FeedRequest, string, string> sharedKey, Func<FeedRequest, string, Task<RenderedFeed?>> render,
        CancellationToken cancellationToken)
    {
        if (_entries.TryGetValue(request, out var cached) && cached.Token == token)
        {
            cached.Touch();
            _metrics.CacheLookup("hit");
            return cached;
        }
        var rendering = _rendering.GetOrAdd(request, key => new Lazy<Task<RenderedFeed?>>(() => RenderAndStoreAsync(key, token, sharedKey, render)));
        // Waiting is cancellable; the render itself is not, others may be waiting for it.
        return await rendering.Value.WaitAsync(cancellationToken);
    }

    private async Task<RenderedFeed?> RenderAndStoreAsync(
        FeedRequest request, string token, Func<FeedRequest, string, string> sharedKey, Func<FeedRequest, string, Task<RenderedFeed?>> render)
    {
        try
        {
            if (!_shared.Enabled)
            {
                _metrics.CacheLookup("miss");
                return Stored(request, await render(request, token));
            }
            var key = sharedKey(request, token);
            if (await _shared.TryGetAsync(key) is { } shared)
            {
                _metrics.CacheLookup("shared");
                return Stored(request, shared);
            }
            if (!await _shared.TryLockAsync(key))
            {
                // Another instance is rendering this version: take its result when it is there.
                for (var wait = 0; wait < 40; wait++)
                {
                    await Task.Delay(25);
                    if (await _shared.TryGetAsync(key) is { } theirs)
                    {
                        _metrics.CacheLookup("shared");
                        return Stored(request, theirs);
                    }
                }
            }
            _metrics.CacheLookup("miss");
            try
            {
                var feed = Stored(request, await render(request, token));
                if (feed is not null)
                {
                    await _shared.TrySetAsync(key, feed);
                }
                return feed;
            }
            finally
            {
                await _shared.ReleaseAsync(key);
            }
        }
        finally
        {
            _rendering.TryRemove(request, out _);
        }
    }

    private RenderedFeed? Stored(FeedRequest request, RenderedFeed? feed)
    {
        if (feed is not null)
        {
            Store(request, feed.CompressAll());
        }
        return feed;
    }

    private void Store(FeedRequest request, RenderedFeed feed)
    {
        _entries.AddOrUpdate(request, feed, (_, old) =>
        {
            Interlocked.Add(ref _bytes, -old.Size);
            return feed;
        });
        if (Interlocked.Add(ref _bytes, feed.Size) > _maxBytes)
        {
            EvictLeastRecentlyUsed();
        }
    }

    private void DropStale(FeedVersions versions, IReadOnlyList<FeedKey> changed)
    {
        foreach (var (request, feed) in _entries)
        {
            if (feed.Token != FeedPublisher.ClosedArchiveToken && versions.TokenOf(request.Feed) != feed.Token)
            {
                Remove(request, feed);
            }
        }
    }

    /// <summary>Down to 90 % of the budget, oldest use first.</summary>
    private void EvictLeastRecentlyUsed()
    {
        lock (_evictionLock)
        {
            var target = _maxBytes * 9 / 10;
            foreach (var (request, feed) in _entries.OrderBy(entry => entry.Value.LastUsed).ToList())
            {
                if (Bytes <= target)
                {
                    break;
                }
                Remove(request, feed);
            }
        }
    }

    private void Remove(FeedRequest request, RenderedFeed feed)
    {
        // Removes only this rendering, never a newer one stored meanwhile.
        if (_entries.TryRemove(KeyValuePair.Create(request, feed)))
        {
            Interlocked.Add(ref _bytes, -feed.Size);
        }
    }
}
