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

    public static byte[] Write(Action<Stream> write)
    {
        var buffer = t_buffer ?? new MemoryStream(256 * 1024);
        t_buffer = null;
        try
        {
            buffer.SetLength(0);
            write(buffer);
            return buffer.ToArray();
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
