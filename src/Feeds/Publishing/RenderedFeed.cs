using System.IO.Compression;

namespace Feeds.Publishing;

/// <summary>
/// One rendered feed with everything a response needs, prepared once: the identity bytes, their gzip and
/// Brotli forms, and the header values. Serving it only copies bytes into the response.
/// </summary>
/// <remarks>
/// Gzip is spliced from the entries' own deflate blocks (Formats/FeedBytes.ToGzip), so it costs little more
/// than the shell. Brotli cannot be spliced, and compressing a whole document costs more than rendering it: it
/// is made in the background, at most one document at a time in the process, and until it is ready a client
/// that also accepts gzip gets gzip (Http/ContentCodings). Nobody waits for it but a client that accepts Brotli
/// alone.
/// </remarks>
public sealed class RenderedFeed
{
    // At most one Brotli compression runs in the background at a time, whatever the number of renders.
    private static int s_backgroundBrotli;

    private readonly Lazy<byte[]> _gzip;
    private byte[]? _brotli;
    private int _brotliStarted;
    private long _lastUsed;

    public RenderedFeed(string token, string etag, DateTime lastModifiedUtc, string contentType, Formats.FeedBytes identity)
    {
        Token = token;
        ETag = etag;
        EntityTag = Microsoft.Net.Http.Headers.EntityTagHeaderValue.Parse(etag);
        SetLastModified(lastModifiedUtc);
        ContentType = contentType;
        Identity = identity;
        _gzip = new Lazy<byte[]>(identity.ToGzip);
        Touch();
    }

    /// <summary>A rendering made elsewhere (another instance, through Redis), with its compressed forms (Brotli: null when not made yet).</summary>
    internal RenderedFeed(string token, string etag, DateTime lastModifiedUtc, string contentType, byte[] identity, byte[] gzip, byte[]? brotli)
        : this(token, etag, lastModifiedUtc, contentType, Formats.FeedBytes.Whole(identity))
    {
        _gzip = new Lazy<byte[]>(() => gzip);
        _ = _gzip.Value;
        _brotli = brotli;
    }

    /// <summary>
    /// The same rendering (a shallow copy: every field, the shared bytes included), served although its feed has
    /// changed since, in place of a render that could not run now. <see cref="Stale"/> makes its responses
    /// short-lived in caches (Http.FeedHeaders), and keeps it out of Redis.
    /// </summary>
    internal RenderedFeed AsStale()
    {
        var stale = (RenderedFeed)MemberwiseClone();
        stale.Stale = true;
        return stale;
    }

    /// <summary>The feed changed since this rendering was made; it is served only while renders are refused.</summary>
    public bool Stale { get; private set; }

    /// <summary>When this rendering was made (Environment.TickCount64).</summary>
    public long RenderedAt { get; } = Environment.TickCount64;

    /// <summary>HTTP dates have whole seconds (RFC 9110 5.6.7): the instant as an HTTP date carries it.</summary>
    public static DateTime WholeSeconds(DateTime utc) => new(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    /// <summary>The same rendering with an earlier Last-Modified: a new rendering whose bytes equal the last one's.</summary>
    internal RenderedFeed ModifiedAt(DateTime lastModifiedUtc)
    {
        var copy = (RenderedFeed)MemberwiseClone();
        copy.SetLastModified(lastModifiedUtc);
        return copy;
    }

    /// <summary>Last-Modified, and its header value prepared once: no request formats a date.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(LastModifiedHeader))]
    private void SetLastModified(DateTime lastModifiedUtc)
    {
        LastModifiedUtc = lastModifiedUtc;
        LastModifiedHeader = Microsoft.Net.Http.Headers.HeaderUtilities.FormatDate(WholeSeconds(lastModifiedUtc));
    }

    /// <summary>Served compressed when the client accepts it; false for images, which are compressed already.</summary>
    public bool Compressible { get; init; } = true;

    /// <summary>
    /// An archive page of a month that is over (RFC 5005): only a late article or a correction can still change
    /// it, so caches keep it a day (FeedHeaders), not forever.
    /// </summary>
    public bool ClosedArchive { get; init; }

    /// <summary>
    /// The type sent instead of <see cref="ContentType"/> to a browser opening the feed as a page: browsers show
    /// application/rss+xml as text, but apply the feed's XSLT stylesheet to application/xml. Null: no such switch.
    /// </summary>
    public string? BrowserContentType { get; init; }

    /// <summary>WebSub Link header values (hubs and self); empty without hubs.</summary>
    public Microsoft.Extensions.Primitives.StringValues LinkHeader { get; init; }

    /// <summary>The version token of the feed this was rendered for.</summary>
    public string Token { get; }
    public string ETag { get; }

    /// <summary>The ETag parsed once, for comparing with If-None-Match.</summary>
    public Microsoft.Net.Http.Headers.EntityTagHeaderValue EntityTag { get; }
    public DateTime LastModifiedUtc { get; private set; }
    public string LastModifiedHeader { get; private set; }
    public string ContentType { get; }
    /// <summary>The document uncompressed, as its parts.</summary>
    public Formats.FeedBytes Identity { get; }

    /// <summary>Spliced on first use; a cached feed makes it when it is stored.</summary>
    public byte[] Gzip => _gzip.Value;

    /// <summary>The Brotli form, compressed now if it is not made yet (for a client that accepts nothing else).</summary>
    public byte[] Brotli
    {
        get
        {
            if (Volatile.Read(ref _brotli) is { } brotli)
            {
                return brotli;
            }
            brotli = Compress(Identity, stream => new BrotliStream(stream, CompressionLevel.Optimal));
            Volatile.Write(ref _brotli, brotli);
            return brotli;
        }
    }

    /// <summary>The Brotli form if it is made; otherwise null, and it is started in the background (see remarks).</summary>
    public byte[]? BrotliIfReady()
    {
        var brotli = Volatile.Read(ref _brotli);
        if (brotli is null)
        {
            StartBrotli();
        }
        return brotli;
    }

    /// <summary>
    /// Memory held, counted against the cache budget: the whole uncompressed length even though entries are
    /// shared with other feeds, so that the budget bounds memory however the feeds overlap; and the gzip form
    /// twice, once for itself and once for the Brotli form, which may be added after the rendering is counted
    /// (Brotli is smaller than gzip).
    /// </summary>
    public long Size => Identity.Length + 2L * (_gzip.IsValueCreated ? _gzip.Value.Length : Identity.Length) + 512;

    internal long LastUsed => Volatile.Read(ref _lastUsed);

    internal void Touch() => Volatile.Write(ref _lastUsed, Environment.TickCount64);

    /// <summary>Makes the gzip form now and starts the Brotli form, so that no request pays for either later.</summary>
    internal RenderedFeed CompressAll()
    {
        _ = _gzip.Value;
        StartBrotli();
        return this;
    }

    /// <summary>Compresses Brotli on the thread pool, unless it is made, started, or another document's is running.</summary>
    private void StartBrotli()
    {
        if (Volatile.Read(ref _brotli) is not null || Interlocked.Exchange(ref _brotliStarted, 1) == 1)
        {
            return;
        }
        if (Interlocked.CompareExchange(ref s_backgroundBrotli, 1, 0) != 0)
        {
            // Busy: a later request for Brotli starts it again.
            Volatile.Write(ref _brotliStarted, 0);
            return;
        }
        ThreadPool.UnsafeQueueUserWorkItem(feed =>
        {
            try
            {
                _ = feed.Brotli;
            }
            finally
            {
                Volatile.Write(ref s_backgroundBrotli, 0);
            }
        }, this, preferLocal: false);
    }

    private static byte[] Compress(Formats.FeedBytes data, Func<Stream, Stream> compressor)
    {
        using var buffer = new MemoryStream((int)(data.Length / 4));
        using (var stream = compressor(buffer))
        {
            data.CopyTo(stream);
        }
        return buffer.ToArray();
    }
}
