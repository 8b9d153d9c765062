using System.IO.Compression;
using Feeds.Content;

namespace Feeds.Publishing;

/// <summary>
/// One rendered feed with everything a response needs, prepared once: the identity bytes, their gzip and
/// Brotli forms, and the header values. Serving it only copies bytes into the response.
/// </summary>
/// <remarks>
/// Gzip is first spliced from the entries' own deflate blocks (Formats/FeedBytes.ToGzip), so a cold answer
/// costs little more than the shell; but entries compressed apart share no history, so the spliced form is
/// larger than one compressed whole. Once a document is asked for compressed a second time, it is worth
/// compressing whole: in the background, at most one document at a time in the process, the whole gzip (when
/// smaller) replaces the spliced one and the Brotli form is made. Until then a client that takes gzip gets the
/// spliced gzip, even if it prefers Brotli (Http/ContentCodings); only a client that takes Brotli alone waits
/// for a compression. A document asked for once (a crawler's archive page) is never compressed whole.
/// </remarks>
public sealed class RenderedFeed
{
    // At most one document is compressed whole in the background at a time, whatever the number of renders.
    private static int s_compressingWhole;

    private byte[]? _gzip;
    private byte[]? _brotli;
    private int _compressedAnswers;
    private int _wholeStarted;
    private long _lastUsed;

    public RenderedFeed(string token, string etag, DateTime lastModifiedUtc, string contentType, Formats.FeedBytes identity)
    {
        Token = token;
        ETag = etag;
        EntityTag = Microsoft.Net.Http.Headers.EntityTagHeaderValue.Parse(etag);
        SetLastModified(lastModifiedUtc);
        ContentType = contentType;
        Identity = identity;
        Touch();
    }

    /// <summary>A rendering made elsewhere (another instance, through Redis), with its compressed forms (Brotli: null when not made yet).</summary>
    internal RenderedFeed(string token, string etag, DateTime lastModifiedUtc, string contentType, byte[] identity, byte[] gzip, byte[]? brotli)
        : this(token, etag, lastModifiedUtc, contentType, Formats.FeedBytes.Whole(identity))
    {
        _gzip = gzip;
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
        LastModifiedHeader = Microsoft.Net.Http.Headers.HeaderUtilities.FormatDate(SiteTime.WholeSeconds(lastModifiedUtc));
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

    /// <summary>
    /// Spliced on first use (a cached feed makes it when it is stored); later, maybe, compressed whole (see
    /// remarks). The read before EnsureInitialized keeps an answer from allocating the delegate.
    /// </summary>
    public byte[] Gzip => Volatile.Read(ref _gzip) ?? LazyInitializer.EnsureInitialized(ref _gzip, Identity.ToGzip);

    /// <summary>The Brotli form, compressed now if it is not made yet (for a client that takes nothing else).</summary>
    public byte[] Brotli => Volatile.Read(ref _brotli) ?? LazyInitializer.EnsureInitialized(ref _brotli, CompressBrotli);

    private byte[] CompressBrotli() => Compress(Identity, stream => new BrotliStream(stream, CompressionLevel.Optimal));

    /// <summary>The Brotli form if it is made, else null.</summary>
    public byte[]? BrotliIfReady() => Volatile.Read(ref _brotli);

    /// <summary>Counts an answer in gzip or Brotli; the second starts the whole compression (see remarks).</summary>
    public void CountCompressedAnswer()
    {
        if (Volatile.Read(ref _wholeStarted) == 0 && Interlocked.Increment(ref _compressedAnswers) >= 2)
        {
            StartWholeCompression();
        }
    }

    /// <summary>
    /// Memory held, counted against the cache budget: the whole uncompressed length even though entries are
    /// shared with other feeds, so that the budget bounds memory however the feeds overlap; and the gzip form
    /// twice, once for itself and once for the Brotli form, which may be added after the rendering is counted
    /// (the spliced gzip is the largest compressed form).
    /// </summary>
    public long Size => Identity.Length + 2L * (Volatile.Read(ref _gzip)?.Length ?? Identity.Length) + 512;

    internal long LastUsed => Volatile.Read(ref _lastUsed);

    internal void Touch() => Volatile.Write(ref _lastUsed, Environment.TickCount64);

    /// <summary>Makes the (spliced) gzip form now, so that no request pays for it later.</summary>
    internal RenderedFeed PrepareGzip()
    {
        _ = Gzip;
        return this;
    }

    /// <summary>On the thread pool, unless started already or another document is being compressed (a later answer asks again).</summary>
    private void StartWholeCompression()
    {
        if (Interlocked.Exchange(ref _wholeStarted, 1) == 1)
        {
            return;
        }
        if (Interlocked.CompareExchange(ref s_compressingWhole, 1, 0) != 0)
        {
            Volatile.Write(ref _wholeStarted, 0);
            return;
        }
        ThreadPool.UnsafeQueueUserWorkItem(feed =>
        {
            try
            {
                var whole = Compress(feed.Identity, stream => new GZipStream(stream, CompressionLevel.Optimal));
                if (whole.Length < feed.Gzip.Length)
                {
                    Volatile.Write(ref feed._gzip, whole);
                }
                _ = feed.Brotli;
            }
            finally
            {
                Volatile.Write(ref s_compressingWhole, 0);
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
