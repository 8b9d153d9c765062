using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Feeds.Publishing;

/// <summary>What the cache needs to render a document it does not have: which, for which version, its name among the instances, and how.</summary>
/// <param name="SharedKey">The rendering's name in Redis: names the version, the request, the settings and the code.</param>
public sealed record Rendering(FeedRequest Request, string Token, string SharedKey, Func<Task<RenderedFeed?>> Render);

/// <summary>
/// Rendered feeds by request (feed, format, limit). A hit is a dictionary lookup and a token comparison.
/// Concurrent misses for one feed share one render; with Redis, a miss first asks the other instances'
/// renderings (<see cref="RedisFeedStore"/>), so the fleet renders each version once. A new render is charged
/// to the client that caused it and waits for a slot (<see cref="RenderAdmission"/>); when none comes, the
/// feed's last rendering is served if it is younger than Feeds:MaxStaleness, so a rendering whose feed has
/// changed is kept until its new one replaces it. Past the size budget the least recently used go first,
/// whether current or not: the budget bounds them all.
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
    private readonly RenderAdmission _admission;
    private readonly long _maxStaleMilliseconds;

    public FeedCache(IOptions<FeedsOptions> options, RedisFeedStore shared, FeedsMetrics metrics, RenderAdmission admission)
    {
        _shared = shared;
        _metrics = metrics;
        _admission = admission;
        _maxBytes = options.Value.CacheSizeMegabytes * 1024L * 1024L;
        _maxStaleMilliseconds = (long)options.Value.MaxStaleness.TotalMilliseconds;
    }

    public int Count => _entries.Count;

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The cached document when it was rendered for <paramref name="token"/> (a hit: no allocation, no hashing).</summary>
    public bool TryGetCurrent(FeedRequest request, string token, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RenderedFeed? feed)
    {
        if (_entries.TryGetValue(request, out feed) && feed.Token == token)
        {
            feed.Touch();
            _metrics.CacheLookup("hit");
            return true;
        }
        feed = null;
        return false;
    }

    /// <summary>
    /// One shared render of a document that <see cref="TryGetCurrent"/> did not have, charged to
    /// <paramref name="client"/> unless one is already running; its last rendering when no render can run now.
    /// </summary>
    /// <exception cref="RenderBudgetExceededException">The client has caused as many renders as it may.</exception>
    /// <exception cref="FeedsUnavailableException">No render slot, and no earlier rendering to serve.</exception>
    public async ValueTask<RenderedFeed?> RenderOnceAsync(Rendering job, ClientId client, CancellationToken cancellationToken)
    {
        // Asked again: a render of this version may have finished (and left _rendering) since the caller's miss.
        if (TryGetCurrent(job.Request, job.Token, out var cached))
        {
            return cached;
        }
        if (!_rendering.TryGetValue(job.Request, out var rendering))
        {
            _admission.Charge(client);
            rendering = _rendering.GetOrAdd(job.Request, _ => new Lazy<Task<RenderedFeed?>>(() => RenderAndStoreAsync(job, client)));
        }
        // Waiting is cancellable; the render itself is not, others may be waiting for it.
        return await rendering.Value.WaitAsync(cancellationToken);
    }

    private async Task<RenderedFeed?> RenderAndStoreAsync(Rendering job, ClientId client)
    {
        try
        {
            var shared = await _shared.GetOrRenderAsync(job.SharedKey, () => AdmittedRenderAsync(job, client));
            if (!shared.FromOtherInstance)
            {
                return shared.Feed;
            }
            _metrics.CacheLookup("shared");
            _admission.Refund(client);
            return Stored(job.Request, shared.Feed);
        }
        finally
        {
            _rendering.TryRemove(job.Request, out _);
        }
    }

    /// <summary>Renders once a slot is free; without one, serves the last rendering while it is young enough.</summary>
    private async Task<RenderedFeed?> AdmittedRenderAsync(Rendering job, ClientId client)
    {
        var request = job.Request;
        using var slot = await _admission.EnterAsync(client);
        if (slot is null)
        {
            if (_entries.TryGetValue(request, out var last) && Environment.TickCount64 - last.RenderedAt <= _maxStaleMilliseconds)
            {
                _metrics.RenderAdmission("stale");
                return last.AsStale();
            }
            throw RenderAdmission.Busy();
        }
        _metrics.CacheLookup("miss");
        return Stored(request, await job.Render());
    }

    /// <summary>
    /// Keeps a new rendering. When its bytes equal the last rendering's (the feed's version moved, but not what
    /// this document shows), it keeps the last one's Last-Modified, so that If-Modified-Since still matches.
    /// </summary>
    private RenderedFeed? Stored(FeedRequest request, RenderedFeed? feed)
    {
        if (feed is null)
        {
            return null;
        }
        if (_entries.TryGetValue(request, out var last) && last.ETag == feed.ETag && last.LastModifiedUtc < feed.LastModifiedUtc)
        {
            feed = feed.ModifiedAt(last.LastModifiedUtc);
        }
        Store(request, feed.PrepareGzip());
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
