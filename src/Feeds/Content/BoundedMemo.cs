using Microsoft.Extensions.Caching.Memory;

namespace Feeds.Content;

/// <summary>
/// Per key, the value last made and the input it was made from: while a later input is the same, the value is
/// reused; otherwise it is made anew. Bounded by Microsoft.Extensions.Caching.Memory (SizeLimit, one unit per
/// entry): past the capacity new values are not kept until its compaction has removed the least recently used
/// quarter.
/// </summary>
public sealed class BoundedMemo<TKey, TInput, TValue>(int capacity, Func<TInput, TInput, bool> sameInput) : IDisposable
    where TKey : notnull
{
    private static readonly MemoryCacheEntryOptions OneUnit = new() { Size = 1 };

    private readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = capacity, CompactionPercentage = 0.25 });
    private long _hits;
    private long _misses;

    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);
    public int Count => _entries.Count;

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
        if (capacity > 0)
        {
            _entries.Set(key, new Entry(input, value), OneUnit);
        }
    }

    public void Dispose() => _entries.Dispose();

    private sealed record Entry(TInput Input, TValue Value);
}
