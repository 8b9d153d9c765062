using System.Buffers;
using System.IO.Pipelines;

namespace Feeds.Formats;

/// <summary>
/// A written document as its parts: the formatter's shell, split where the entries go, and each entry's
/// stored XML. Entries are shared by every feed that lists them (the same article in its category, section
/// and site feeds, at every limit), so a cached feed holds its shell and references, not a copy.
/// </summary>
public sealed class FeedBytes
{
    private readonly ReadOnlyMemory<byte>[] _parts;

    public FeedBytes(byte[] shell, int insertAt, byte[][] entries)
    {
        _parts = new ReadOnlyMemory<byte>[entries.Length + 2];
        _parts[0] = shell.AsMemory(0, insertAt);
        for (var i = 0; i < entries.Length; i++)
        {
            _parts[i + 1] = entries[i];
        }
        _parts[^1] = shell.AsMemory(insertAt);
        Length = _parts.Sum(part => (long)part.Length);
    }

    public long Length { get; }

    /// <summary>
    /// Copies the parts into the pipe, flushing about every 64 KB (Kestrel's response buffer) so that
    /// sending overlaps copying.
    /// </summary>
    public async ValueTask WriteToAsync(PipeWriter writer, CancellationToken cancellationToken)
    {
        const int FlushEvery = 64 * 1024;
        var unflushed = 0;
        foreach (var part in _parts)
        {
            writer.Write(part.Span);
            unflushed += part.Length;
            if (unflushed >= FlushEvery)
            {
                await writer.FlushAsync(cancellationToken);
                unflushed = 0;
            }
        }
        await writer.FlushAsync(cancellationToken);
    }

    public void CopyTo(Stream stream)
    {
        foreach (var part in _parts)
        {
            stream.Write(part.Span);
        }
    }

    /// <summary>
    /// A weak entity tag (RFC 9110 8.8.3) from the bytes themselves: it changes exactly when they do, whatever
    /// caused it, and is the same on every instance. XxHash128 runs at memory speed; nothing here needs a
    /// cryptographic hash.
    /// </summary>
    public string EntityTag()
    {
        var hash = new System.IO.Hashing.XxHash128();
        foreach (var part in _parts)
        {
            hash.Append(part.Span);
        }
        return $"W/\"{Convert.ToHexStringLower(hash.GetCurrentHash())}\"";
    }

    public byte[] ToArray()
    {
        using var buffer = new MemoryStream((int)Length);
        CopyTo(buffer);
        return buffer.ToArray();
    }
}
