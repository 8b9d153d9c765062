using System.Security.Cryptography;
using System.Text;

namespace Feeds.Admission;

/// <summary>
/// Counts per key within fixed windows (a key's window opens at its first count and lasts <see cref="Window"/>),
/// in a table of at most <see cref="Capacity"/> keys whatever keys clients send. Keys are 128-bit hashes
/// (<see cref="KeyOf"/>, made once per request by the caller), so an entry has a fixed size however long the key
/// was. Each key belongs to a group (the client that made it; by default itself). When the table is full, windows
/// that have ended go first, then a quarter of the table taken from the groups that hold the most, oldest windows
/// first: one client asking for ever new keys forgets its own windows, never another's. A forgotten key starts
/// afresh, which only ever errs towards serving.
/// </summary>
public sealed class WindowCounters(int capacity, TimeSpan window, TimeProvider clock)
{
    private readonly Dictionary<UInt128, Counter> _counters = [];
    private readonly Dictionary<UInt128, int> _groupSizes = [];
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
    public TimeSpan? TryAdd(UInt128 hash, int limit) => TryAdd(hash, limit, hash);

    /// <summary>As <see cref="TryAdd(UInt128, int)"/>, for a key of <paramref name="group"/> (the client it counts for).</summary>
    public TimeSpan? TryAdd(UInt128 hash, int limit, UInt128 group)
    {
        var now = clock.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            var tracked = _counters.TryGetValue(hash, out var counter);
            if (tracked && counter.Open(now, window))
            {
                if (counter.Count >= limit)
                {
                    return TimeSpan.FromTicks(counter.Start + window.Ticks - now);
                }
                _counters[hash] = counter with { Count = counter.Count + 1 };
                return null;
            }
            if (tracked)
            {
                // A new window for a key still in the table: it stays counted in its group.
                group = counter.Group;
            }
            else
            {
                if (_counters.Count >= capacity)
                {
                    MakeRoom(now);
                }
                _groupSizes[group] = _groupSizes.GetValueOrDefault(group) + 1;
            }
            _counters[hash] = new Counter(now, 1, group);
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
                Forget(hash, counter);
            }
        }
        var excess = _counters.Count - (capacity - Math.Max(1, capacity / 4));
        if (excess <= 0)
        {
            return;
        }
        // The highest level such that the groups' entries above it are at least the excess: every group is cut
        // down to level + 1, and the rest of the excess is taken from the groups at level + 1, oldest first.
        var level = HighestLevelCovering(excess);
        var over = new List<(UInt128 Hash, Counter Counter)>();
        foreach (var (hash, counter) in _counters)
        {
            if (_groupSizes[counter.Group] > level)
            {
                over.Add((hash, counter));
            }
        }
        over.Sort((a, b) => a.Counter.Start.CompareTo(b.Counter.Start));
        var kept = new Dictionary<UInt128, int>();
        var newest = new List<(UInt128 Hash, Counter Counter)>();
        // Newest first: each group keeps its level newest entries; of the rest, the oldest go.
        for (var i = over.Count - 1; i >= 0; i--)
        {
            var (hash, counter) = over[i];
            var count = kept.GetValueOrDefault(counter.Group);
            if (count < level)
            {
                kept[counter.Group] = count + 1;
            }
            else
            {
                newest.Add((hash, counter));
            }
        }
        for (var i = newest.Count - 1; i >= 0 && excess > 0; i--, excess--)
        {
            Forget(newest[i].Hash, newest[i].Counter);
        }
    }

    /// <summary>The largest level L with at least <paramref name="excess"/> entries above L in all groups together.</summary>
    private int HighestLevelCovering(int excess)
    {
        int low = 0, high = _groupSizes.Values.Max();
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            long above = 0;
            foreach (var size in _groupSizes.Values)
            {
                above += Math.Max(0, size - middle);
            }
            if (above >= excess)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }
        return low;
    }

    private void Forget(UInt128 hash, Counter counter)
    {
        _counters.Remove(hash);
        var size = _groupSizes[counter.Group] - 1;
        if (size == 0)
        {
            _groupSizes.Remove(counter.Group);
        }
        else
        {
            _groupSizes[counter.Group] = size;
        }
    }

    /// <summary>The table's key for a text key: the first 128 bits of its SHA-256.</summary>
    public static UInt128 KeyOf(string key)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), digest);
        return new UInt128(BitConverter.ToUInt64(digest), BitConverter.ToUInt64(digest[8..]));
    }

    private readonly record struct Counter(long Start, int Count, UInt128 Group)
    {
        public bool Open(long now, TimeSpan window) => now - Start < window.Ticks;
    }
}
