using System.Buffers;

namespace Feeds.Import;

/// <summary>
/// Splits a stream into lines of raw bytes, so that each line's UTF-8 is checked by the JSON parser and
/// a bad byte is reported with its line number instead of being replaced silently.
/// </summary>
internal static class ByteLines
{
    public static async IAsyncEnumerable<(int Number, ReadOnlyMemory<byte> Line)> ReadAsync(
        Stream stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            var start = 0;
            var end = 0;
            var number = 0;
            while (true)
            {
                var newline = Array.IndexOf(buffer, (byte)'\n', start, end - start);
                if (newline >= 0)
                {
                    number++;
                    yield return (number, TrimLine(buffer.AsMemory(start, newline - start), number));
                    start = newline + 1;
                    continue;
                }
                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                if (end == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    Buffer.BlockCopy(buffer, 0, larger, 0, end);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken);
                if (read == 0)
                {
                    if (end > start)
                    {
                        number++;
                        yield return (number, TrimLine(buffer.AsMemory(start, end - start), number));
                    }
                    yield break;
                }
                end += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Drops a CR before the LF and, on the first line, a UTF-8 byte order mark.</summary>
    private static ReadOnlyMemory<byte> TrimLine(ReadOnlyMemory<byte> line, int number)
    {
        if (number == 1 && line.Span.StartsWith("\uFEFF"u8))
        {
            line = line[3..];
        }
        if (line.Length > 0 && line.Span[^1] == (byte)'\r')
        {
            line = line[..^1];
        }
        return line;
    }
}
