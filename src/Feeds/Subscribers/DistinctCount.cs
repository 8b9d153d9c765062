using System.IO.Hashing;
using System.Numerics;

namespace Feeds.Subscribers;

/// <summary>
/// How many distinct clients, estimated in a fixed 1 KB whatever their number: HyperLogLog (Flajolet et al., 2007)
/// with 1,024 one-byte registers (standard error 3.25 %), and linear counting while many registers are empty, which
/// makes small counts exact in practice. Two counts merge by the larger of each register, so a fleet's instances
/// merge theirs in Redis (<see cref="SubscriberCounts"/>) and a week's days merge into one count.
/// </summary>
public static class DistinctCount
{
    public const int Registers = 1 << Precision;
    private const int Precision = 10;

    /// <summary>Adds <paramref name="client"/> (an address, a client name) to <paramref name="registers"/>.</summary>
    public static void Add(byte[] registers, string client)
    {
        var (index, rank) = Position(client);
        if (registers[index] < rank)
        {
            registers[index] = rank;
        }
    }

    /// <summary>The register a client sets and the rank it sets it to.</summary>
    public static (int Index, byte Rank) Position(string client)
    {
        // The string's own bytes (UTF-16): no copy on a poll's path, and the same on every instance.
        var hash = XxHash64.HashToUInt64(System.Runtime.InteropServices.MemoryMarshal.AsBytes(client.AsSpan()));
        var index = (int)(hash >> (64 - Precision));
        var rest = (hash << Precision) | (1UL << (Precision - 1));
        return (index, (byte)(BitOperations.LeadingZeroCount(rest) + 1));
    }

    /// <summary>Takes into <paramref name="into"/> the larger of each register of <paramref name="other"/>.</summary>
    public static void Merge(byte[] into, ReadOnlySpan<byte> other)
    {
        for (var i = 0; i < Math.Min(into.Length, other.Length); i++)
        {
            if (other[i] > into[i])
            {
                into[i] = other[i];
            }
        }
    }

    /// <summary>The estimate, rounded.</summary>
    public static long Estimate(ReadOnlySpan<byte> registers)
    {
        double sum = 0;
        var empty = 0;
        foreach (var register in registers)
        {
            sum += Math.ScaleB(1, -register);
            empty += register == 0 ? 1 : 0;
        }
        const double m = Registers;
        var raw = 0.7213 / (1 + 1.079 / m) * m * m / sum;
        // Linear counting below 2.5 m, as the paper says, where it is the better estimate.
        var estimate = raw <= 2.5 * m && empty > 0 ? m * Math.Log(m / empty) : raw;
        return (long)Math.Round(estimate);
    }
}
