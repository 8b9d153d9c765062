using System.Security.Cryptography;
using System.Text;

namespace Feeds.Publishing;

/// <summary>
/// Counts per key within fixed windows (a key's window opens at its first count and lasts <see cref="Window"/>),
/// in a table of at most <see cref="Capacity"/> keys whatever keys clients send. Keys are 128-bit hashes
/// (<see cref="KeyOf"/>, made once per request by the caller), so an entry has a fixed size however long the key was. When the table is full, windows that have ended go
/// first, then the quarter of the table with the oldest windows: a forgotten key starts afresh, which only ever
/// errs towards serving.
/// </summary>
public sealed class WindowCounters(int capacity, TimeSpan window, TimeProvider clock)
{
    private readonly Dictionary<UInt128, Counter> _counters = [];
    private readonly Lock _lock = new();

    public int Capacity => capacity;

    public TimeSpan Window => window;

    /// <summary>Keys tracked now; never more than <see cref="Capacity"/>.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _counters.Count;
            }
        }
    }

    /// <summary>How long until the key's window ends when it has counted <paramref name="limit"/> in it; otherwise null.</summary>
    public TimeSpan? Exhausted(UInt128 hash, int limit)
    {
        var now = clock.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            return _counters.TryGetValue(hash, out var counter) && counter.Open(now, window) && counter.Count >= limit
                ? TimeSpan.FromTicks(counter.Start + window.Ticks - now)
                : null;
        }
    }

    /// <summary>Counts one for the key, unless it has counted <paramref name="limit"/> in its window: then how long until it ends.</summary>
    public TimeSpan? TryAdd(UInt128 hash, int limit)
    {
        var now = clock.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            if (_counters.TryGetValue(hash, out var counter) && counter.Open(now, window))
            {
                if (counter.Count >= limit)
                {
                    return TimeSpan.FromTicks(counter.Start + window.Ticks - now);
                }
                _counters[hash] = counter with { Count = counter.Count + 1 };
                return null;
            }
            if (_counters.Count >= capacity && !_counters.ContainsKey(hash))
            {
                MakeRoom(now);
            }
            _counters[hash] = new Counter(now, 1);
            return null;
        }
    }

    /// <summary>Takes back one count (what it was for turned out to cost nothing).</summary>
    public void Remove(UInt128 hash)
    {
        lock (_lock)
        {
            if (_counters.TryGetValue(hash, out var counter) && counter.Count > 0)
            {
                _counters[hash] = counter with { Count = counter.Count - 1 };
            }
        }
    }

    private void MakeRoom(long now)
    {
        foreach (var (hash, counter) in _counters)
        {
            if (!counter.Open(now, window))
            {
                _counters.Remove(hash);
            }
        }
        if (_counters.Count >= capacity)
        {
            foreach (var (hash, _) in _counters.OrderBy(pair => pair.Value.Start).Take(Math.Max(1, capacity / 4)).ToList())
            {
                _counters.Remove(hash);
            }
        }
    }

    /// <summary>The table's key for a text key: the first 128 bits of its SHA-256.</summary>
    public static UInt128 KeyOf(string key)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), digest);
        return new UInt128(BitConverter.ToUInt64(digest), BitConverter.ToUInt64(digest[8..]));
    }

    private readonly record struct Counter(long Start, int Count)
    {
        public bool Open(long now, TimeSpan window) => now - Start < window.Ticks;
    }
}
