using System.Collections.Concurrent;

namespace Feeds.Content;

/// <summary>
/// Per key, the value last made and the input it was made from: while a later input is the same, the value is
/// reused; otherwise it is made anew. Bounded: past the capacity the least recently used quarter goes.
/// </summary>
public sealed class BoundedMemo<TKey, TInput, TValue>(int capacity, Func<TInput, TInput, bool> sameInput)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Entry> _entries = new();
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
        if (_entries.TryGetValue(key, out var entry) && sameInput(entry.Input, input))
        {
            Interlocked.Increment(ref _hits);
            entry.LastUsed = Environment.TickCount64;
            value = entry.Value;
            return true;
        }
        Interlocked.Increment(ref _misses);
        value = default!;
        return false;
    }

    /// <summary>Keeps the value made from this input, in place of any earlier one.</summary>
    public void Set(TKey key, TInput input, TValue value)
    {
        _entries[key] = new Entry(input, value) { LastUsed = Environment.TickCount64 };
        if (_entries.Count > capacity)
        {
            foreach (var (oldKey, _) in _entries.OrderBy(pair => pair.Value.LastUsed).Take(_entries.Count - capacity * 3 / 4).ToList())
            {
                _entries.TryRemove(oldKey, out _);
            }
        }
    }

    private sealed class Entry(TInput input, TValue value)
    {
        public TInput Input { get; } = input;
        public TValue Value { get; } = value;
        public long LastUsed { get; set; }
    }
}
