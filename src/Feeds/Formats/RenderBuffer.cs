namespace Feeds.Formats;

/// <summary>
/// The buffer a document is written into, kept per thread: formatters write synchronously, so one thread
/// uses one buffer at a time, and a render allocates only its final, exactly sized array.
/// </summary>
internal static class RenderBuffer
{
    // A buffer that grew past this for one huge feed is not kept.
    private const int MaxKeptCapacity = 4 * 1024 * 1024;

    [ThreadStatic]
    private static MemoryStream? t_buffer;

    public static byte[] Write(Action<Stream> write) => Write(write, written => written.ToArray());

    /// <summary>Writes, then hands <paramref name="take"/> what was written, before the buffer is used again.</summary>
    public static T Write<T>(Action<Stream> write, Func<ReadOnlySpan<byte>, T> take)
    {
        var buffer = t_buffer ?? new MemoryStream(256 * 1024);
        t_buffer = null;
        try
        {
            buffer.SetLength(0);
            write(buffer);
            return take(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }
        finally
        {
            if (buffer.Capacity <= MaxKeptCapacity)
            {
                t_buffer = buffer;
            }
        }
    }
}
