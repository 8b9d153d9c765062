using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.IO.Pipelines;

namespace Feeds.Formats;

/// <summary>
/// A written document as its parts: the start of the document, each entry's stored bytes (with what separates
/// them, in JSON), and the end. Entries are shared by every feed that lists them (the same article in its
/// category, section and site feeds, at every limit), so a cached feed holds its shell and references, not a
/// copy; and each part keeps its compressed form, so gzip is spliced, not compressed anew (<see cref="ToGzip"/>).
/// </summary>
public sealed class FeedBytes
{
    // RFC 1952 section 2.3: ID1 ID2, CM 8 (deflate), no flags, no MTIME, no XFL, OS 255 (unknown).
    private static readonly byte[] GzipHeader = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

    // RFC 1951 section 3.2.3: a final block (BFINAL 1) of fixed Huffman codes (BTYPE 01) holding only the
    // end-of-block code, 256 (seven zero bits): ten bits, padded to two bytes.
    private static readonly byte[] FinalEmptyBlock = [0x03, 0x00];

    private readonly BytePart[] _parts;

    /// <param name="shell">The document without its entries.</param>
    /// <param name="insertAt">Where in <paramref name="shell"/> the entries go.</param>
    /// <param name="separator">What goes between two entries, if anything.</param>
    public FeedBytes(byte[] shell, int insertAt, IReadOnlyList<BytePart> entries, BytePart? separator = null)
    {
        var parts = new List<BytePart>(2 * entries.Count + 2) { new(shell.AsMemory(0, insertAt)) };
        for (var i = 0; i < entries.Count; i++)
        {
            if (i > 0 && separator is not null)
            {
                parts.Add(separator);
            }
            parts.Add(entries[i]);
        }
        parts.Add(new BytePart(shell.AsMemory(insertAt)));
        _parts = [.. parts];
        Length = _parts.Sum(part => (long)part.Bytes.Length);
    }

    /// <summary>A document written whole (pages, renderings from another instance).</summary>
    public static FeedBytes Whole(byte[] bytes) => new(bytes, bytes.Length, []);

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
            writer.Write(part.Bytes.Span);
            unflushed += part.Bytes.Length;
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
            stream.Write(part.Bytes.Span);
        }
    }

    /// <summary>
    /// A weak entity tag (RFC 9110 8.8.3) from the bytes themselves: it changes exactly when they do, whatever
    /// caused it, and is the same on every instance. XxHash128 runs at memory speed; nothing here needs a
    /// cryptographic hash.
    /// </summary>
    public string EntityTag()
    {
        var hash = new XxHash128();
        foreach (var part in _parts)
        {
            hash.Append(part.Bytes.Span);
        }
        return $"W/\"{Convert.ToHexStringLower(hash.GetCurrentHash())}\"";
    }

    public byte[] ToArray()
    {
        using var buffer = new MemoryStream((int)Length);
        CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>
    /// The document as gzip (RFC 1952), spliced from each part's own deflate blocks: a part ends in a sync flush
    /// (an empty stored block, so the next part starts on a byte boundary) and never sets BFINAL, and no part
    /// refers back into another, so the parts' blocks in order are one valid deflate stream of the whole
    /// document; a final empty block ends it. An entry is compressed once per version, shared by every feed
    /// that lists it; a render compresses only its shell. The CRC-32 is computed over the whole document at
    /// memory speed (vectorised), which costs less than combining the parts' CRCs.
    /// </summary>
    public byte[] ToGzip()
    {
        var crc = new Crc32();
        var length = GzipHeader.Length + FinalEmptyBlock.Length + 8;
        foreach (var part in _parts)
        {
            crc.Append(part.Bytes.Span);
            length += part.Deflated.Length;
        }
        var gzip = new byte[length];
        var output = gzip.AsSpan();
        GzipHeader.CopyTo(output);
        output = output[GzipHeader.Length..];
        foreach (var part in _parts)
        {
            part.Deflated.CopyTo(output);
            output = output[part.Deflated.Length..];
        }
        FinalEmptyBlock.CopyTo(output);
        output = output[FinalEmptyBlock.Length..];
        // RFC 1952 2.3.1: CRC32, then ISIZE (the length modulo 2^32), both little-endian.
        crc.GetCurrentHash(output[..4]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[4..], (uint)Length);
        return gzip;
    }
}

/// <summary>
/// A run of a document's bytes and, made on first use and then kept, the same bytes as raw deflate blocks
/// ending in a sync flush (<see cref="FeedBytes.ToGzip"/>).
/// </summary>
public sealed class BytePart(ReadOnlyMemory<byte> bytes)
{
    private byte[]? _deflated;

    public ReadOnlyMemory<byte> Bytes { get; } = bytes;

    /// <summary>Made at most a few times if threads race, and every result is the same: no lock.</summary>
    public byte[] Deflated => _deflated ??= Deflate(Bytes.Span);

    private static byte[] Deflate(ReadOnlySpan<byte> bytes)
    {
        using var buffer = new MemoryStream(bytes.Length / 3 + 64);
        using var deflate = new DeflateStream(buffer, CompressionLevel.Optimal, leaveOpen: true);
        deflate.Write(bytes);
        // Z_SYNC_FLUSH: every byte written is in complete blocks, and the last is an empty stored block.
        deflate.Flush();
        // Taken before Dispose, which would append the stream's final block.
        return buffer.ToArray();
    }
}
