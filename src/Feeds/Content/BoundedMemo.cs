using Microsoft.Extensions.Caching.Memory;

namespace Feeds.Content;

/// <summary>
/// Per key, the value last made and the input it was made from: while a later input is the same, the value is
/// reused; otherwise it is made anew. Bounded in bytes by Microsoft.Extensions.Caching.Memory (SizeLimit, each
/// entry charged <paramref name="bytesOf"/> its value plus <see cref="EntryOverhead"/>): past the capacity new
/// values are not kept until its compaction has removed the least recently used quarter.
/// </summary>
public sealed class BoundedMemo<TKey, TInput, TValue>(long capacityBytes, Func<TInput, TInput, bool> sameInput, Func<TValue, long> bytesOf) : IDisposable
    where TKey : notnull
{
    /// <summary>What an entry costs besides its value: the cache's own entry, its key, the input record.</summary>
    public const int EntryOverhead = 256;

    private readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = Math.Max(1, capacityBytes), CompactionPercentage = 0.25, TrackStatistics = true });
    private long _hits;
    private long _misses;

    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);
    public int Count => _entries.Count;

    /// <summary>Bytes charged for the values kept now.</summary>
    public long Bytes => _entries.GetCurrentStatistics()?.CurrentEstimatedSize ?? 0;

    public TValue GetOrAdd(TKey key, TInput input, Func<TValue> make)
    {
        if (TryGet(key, input, out var value))
        {
            return value;
        }
        value = make();
        Set(key, input, value);
        return value;
    }

    /// <summary>The value made from this input, if it is kept.</summary>
    public bool TryGet(TKey key, TInput input, out TValue value)
    {
        if (_entries.TryGetValue(key, out Entry? entry) && entry is not null && sameInput(entry.Input, input))
        {
            Interlocked.Increment(ref _hits);
            value = entry.Value;
            return true;
        }
        Interlocked.Increment(ref _misses);
        value = default!;
        return false;
    }

    /// <summary>The value kept for the key and the input it was made from, whatever that input; not counted as a hit or miss.</summary>
    public bool TryGetKept(TKey key, out TInput input, out TValue value)
    {
        if (_entries.TryGetValue(key, out Entry? entry) && entry is not null)
        {
            (input, value) = (entry.Input, entry.Value);
            return true;
        }
        (input, value) = (default!, default!);
        return false;
    }

    /// <summary>Keeps the value made from this input, in place of any earlier one.</summary>
    public void Set(TKey key, TInput input, TValue value)
    {
        // A memo of capacity 0 keeps nothing (the benchmarks' renders that write every entry anew). MemoryCache
        // would refuse the entry too, but only after starting a compaction on the thread pool for each.
        if (capacityBytes > 0)
        {
            _entries.Set(key, new Entry(input, value), new MemoryCacheEntryOptions { Size = bytesOf(value) + EntryOverhead });
        }
    }

    public void Dispose() => _entries.Dispose();

    private sealed record Entry(TInput Input, TValue Value);
}
