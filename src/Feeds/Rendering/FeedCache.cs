using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Feeds.Admission;
using Feeds.Fleet;

namespace Feeds.Rendering;

/// <summary>What the cache needs to render a document it does not have: which, for which version, its name among the instances, and how.</summary>
/// <param name="SharedKey">The rendering's name in Redis: names the version, the request, the settings and the code.</param>
/// <param name="LongTail">An archive page or a feed of another length than the default: charged to everyone's budget too (<see cref="RenderAdmission"/>).</param>
public sealed record RenderJob(FeedRequest Request, string Token, string SharedKey, Func<Task<RenderedFeed?>> Render, bool LongTail);

/// <summary>
/// Rendered feeds by request (feed, format, limit). A hit is a dictionary lookup and a token comparison.
/// Concurrent misses for one feed share one render; with Redis, a miss first asks the other instances'
/// renderings (<see cref="RedisFeedStore"/>), so the fleet renders each version once. A new render is charged
/// to the client that caused it and waits for a slot (<see cref="RenderAdmission"/>); when none comes, the
/// feed's last rendering is served if it is younger than Feeds:MaxStaleness, so a rendering whose feed has
/// changed is kept until its new one replaces it. Past the size budget the least recently used go first,
/// whether current or not: the budget bounds them all. Each rendering is charged its size once, when it is
/// stored, and exactly that charge is taken back when it is replaced or evicted, whatever its compressed forms
/// became meanwhile; so the byte count is always the sum of what is held.
/// </summary>
public sealed class FeedCache
{
    private readonly ConcurrentDictionary<FeedRequest, Held> _entries = new();
    private readonly ConcurrentDictionary<FeedRequest, Lazy<Task<RenderedFeed?>>> _rendering = new();
    private readonly Lock _evictionLock = new();
    private readonly long _maxBytes;
    private long _bytes;

    private readonly RedisFeedStore _shared;
    private readonly FeedsMetrics _metrics;
    private readonly RenderAdmission _admission;
    private readonly long _maxStaleMilliseconds;

    public FeedCache(IOptions<FeedsOptions> options, MemoryBudget budget, RedisFeedStore shared, FeedsMetrics metrics, RenderAdmission admission)
    {
        _shared = shared;
        _metrics = metrics;
        _admission = admission;
        _maxBytes = budget.RenderingBytes;
        _maxStaleMilliseconds = (long)options.Value.MaxStaleness.TotalMilliseconds;
        metrics.ObserveCache("renderings", this, cache => cache.Bytes, cache => cache.Count);
    }

    public int Count => _entries.Count;

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>What the renderings held now were charged, summed (a test's check of <see cref="Bytes"/>).</summary>
    internal long ChargedBytes() => _entries.Values.Sum(held => held.Charge);

    /// <summary>What the renderings held now take, summed: never more than they were charged.</summary>
    internal long HeldBytes() => _entries.Values.Sum(held => held.Feed.Size);

    /// <summary>The cached document when it was rendered for <paramref name="token"/> (a hit: no allocation, no hashing).</summary>
    public bool TryGetCurrent(FeedRequest request, string token, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RenderedFeed? feed)
    {
        if (_entries.TryGetValue(request, out var held) && held.Feed.Token == token)
        {
            feed = held.Feed;
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
    public async ValueTask<RenderedFeed?> RenderOnceAsync(RenderJob job, ClientId client, CancellationToken cancellationToken)
    {
        // Asked again: a render of this version may have finished (and left _rendering) since the caller's miss.
        if (TryGetCurrent(job.Request, job.Token, out var cached))
        {
            return cached;
        }
        if (!_rendering.TryGetValue(job.Request, out var rendering))
        {
            _admission.Charge(client, job.LongTail);
            rendering = _rendering.GetOrAdd(job.Request, _ => new Lazy<Task<RenderedFeed?>>(() => RenderAndStoreAsync(job, client)));
        }
        // Waiting is cancellable; the render itself is not, others may be waiting for it.
        return await rendering.Value.WaitAsync(cancellationToken);
    }

    private async Task<RenderedFeed?> RenderAndStoreAsync(RenderJob job, ClientId client)
    {
        try
        {
            var shared = await _shared.GetOrRenderAsync(job.SharedKey, () => AdmittedRenderAsync(job, client));
            if (!shared.FromOtherInstance)
            {
                return shared.Feed;
            }
            _metrics.CacheLookup("shared");
            _admission.Refund(client, job.LongTail);
            return Stored(job.Request, shared.Feed);
        }
        finally
        {
            _rendering.TryRemove(job.Request, out _);
        }
    }

    /// <summary>Renders once a slot is free; without one, serves the last rendering while it is young enough.</summary>
    private async Task<RenderedFeed?> AdmittedRenderAsync(RenderJob job, ClientId client)
    {
        var request = job.Request;
        using var slot = await _admission.EnterAsync(client, new RenderAdmission.Charged(job.LongTail, RenderedBefore: _entries.ContainsKey(request)));
        if (slot is null)
        {
            if (_entries.TryGetValue(request, out var last) && Environment.TickCount64 - last.Feed.RenderedAt <= _maxStaleMilliseconds)
            {
                _metrics.RenderAdmission("stale");
                return last.Feed.AsStale();
            }
            throw RenderAdmission.Busy();
        }
        _metrics.CacheLookup("miss");
        return Stored(request, await job.Render());
    }

    /// <summary>Keeps a new rendering.</summary>
    private RenderedFeed? Stored(FeedRequest request, RenderedFeed? feed)
    {
        if (feed is null)
        {
            return null;
        }
        Store(request, feed.PrepareGzip());
        return feed;
    }

    private void Store(FeedRequest request, RenderedFeed feed)
    {
        var held = new Held(feed, feed.Size);
        // Not AddOrUpdate: its delegate may run more than once, and the charge must move exactly once.
        while (true)
        {
            if (_entries.TryGetValue(request, out var old))
            {
                if (_entries.TryUpdate(request, held, old))
                {
                    Interlocked.Add(ref _bytes, held.Charge - old.Charge);
                    break;
                }
            }
            else if (_entries.TryAdd(request, held))
            {
                Interlocked.Add(ref _bytes, held.Charge);
                break;
            }
        }
        if (Bytes > _maxBytes)
        {
            EvictLeastRecentlyUsed();
        }
    }

    /// <summary>
    /// Down to 90 % of the budget, oldest use first. ToArray takes a snapshot under the dictionary's locks:
    /// enumerating it into LINQ while requests add to it throws (ICollection.CopyTo with a stale count).
    /// </summary>
    private void EvictLeastRecentlyUsed()
    {
        lock (_evictionLock)
        {
            var target = _maxBytes * 9 / 10;
            // The times of use are read once: requests touch them meanwhile, and a sort must compare fixed keys.
            var snapshot = _entries.ToArray();
            var lastUsed = Array.ConvertAll(snapshot, entry => entry.Value.Feed.LastUsed);
            Array.Sort(lastUsed, snapshot);
            foreach (var (request, held) in snapshot)
            {
                if (Bytes <= target)
                {
                    break;
                }
                // Removes only this rendering, never a newer one stored meanwhile.
                if (_entries.TryRemove(KeyValuePair.Create(request, held)))
                {
                    Interlocked.Add(ref _bytes, -held.Charge);
                }
            }
        }
    }

    /// <summary>A rendering and what it was charged when stored (compared by reference: each store is a new one).</summary>
    private sealed class Held(RenderedFeed feed, long charge)
    {
        public RenderedFeed Feed { get; } = feed;
        public long Charge { get; } = charge;
    }
}
