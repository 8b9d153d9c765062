using System.IO.Compression;
using Feeds.Content;

namespace Feeds.Rendering;

/// <summary>
/// One rendered feed with everything a response needs, prepared once: the identity bytes, their gzip and
/// Brotli forms, and the header values. Serving it only copies bytes into the response.
/// </summary>
/// <remarks>
/// Gzip is first spliced from the entries' own deflate blocks (Formats/FeedBytes.ToGzip), so a cold answer
/// costs little more than the shell; but entries compressed apart share no history, so the spliced form is
/// larger than one compressed whole. Once a document is asked for compressed a second time, it is worth
/// compressing whole: in the background, at most one document at a time in the process, the whole gzip (when
/// smaller) replaces the spliced one and the Brotli form is made. No compression ever runs on a request's
/// thread: until Brotli is made, a client that takes gzip gets the spliced gzip even if it prefers Brotli, and
/// one that takes Brotli alone gets identity (Http/ContentCodings). A document asked for once (a crawler's
/// archive page) is never compressed whole. The compressed forms are held apart from the headers, so that the
/// copies of a rendering (served stale) share them and compress nothing twice.
/// </remarks>
public sealed class RenderedFeed
{
    // At most one document is compressed whole in the background at a time, whatever the number of renders.
    private static int s_compressingWhole;

    private readonly CompressedForms _compressed = new();
    private long _lastUsed;

    public RenderedFeed(string token, string etag, DateTime? lastModifiedUtc, string contentType, Formats.FeedBytes identity)
    {
        Token = token;
        ETag = etag;
        EntityTag = Microsoft.Net.Http.Headers.EntityTagHeaderValue.Parse(etag);
        LastModifiedUtc = lastModifiedUtc is { } utc ? SiteTime.WholeSeconds(utc) : null;
        LastModifiedHeader = LastModifiedUtc is { } seconds ? Microsoft.Net.Http.Headers.HeaderUtilities.FormatDate(seconds) : null;
        ContentType = contentType;
        Identity = identity;
        Touch();
    }

    /// <summary>A rendering made elsewhere (another instance, through Redis), with its compressed forms (Brotli: null when not made yet).</summary>
    internal RenderedFeed(string token, string etag, DateTime? lastModifiedUtc, string contentType, byte[] identity, byte[] gzip, byte[]? brotli)
        : this(token, etag, lastModifiedUtc, contentType, Formats.FeedBytes.Whole(identity))
    {
        // With its Brotli form it was compressed whole by the instance that rendered it: nothing is compressed again here.
        _compressed.Brotli = brotli;
        _compressed.SetGzip(gzip);
        _compressed.WholeStarted = brotli is null ? 0 : 1;
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

    /// <summary>Whole seconds (Data/DocumentTimes), prepared as a header value once: no request formats a date. Null: none is sent.</summary>
    public DateTime? LastModifiedUtc { get; }
    public string? LastModifiedHeader { get; }
    public string ContentType { get; }
    /// <summary>The document uncompressed, as its parts.</summary>
    public Formats.FeedBytes Identity { get; }

    /// <summary>Spliced on first use (a cached feed makes it when it is stored); later, maybe, compressed whole (see remarks).</summary>
    public byte[] Gzip => Volatile.Read(ref _compressed.Gzip) ?? _compressed.SetGzip(Identity.ToGzip());

    /// <summary>The Brotli form if it is made, else null: it is only ever made in the background.</summary>
    public byte[]? BrotliIfReady() => Volatile.Read(ref _compressed.Brotli);

    /// <summary>Counts an answer in gzip or Brotli, or one that would have taken Brotli; the second starts the whole compression (see remarks).</summary>
    public void CountCompressedAnswer()
    {
        if (Volatile.Read(ref _compressed.WholeStarted) == 0 && Interlocked.Increment(ref _compressed.Answers) >= 2)
        {
            StartWholeCompression();
        }
    }

    /// <summary>
    /// Memory held, counted against the cache budget: the whole uncompressed length even though entries are
    /// shared with other feeds, so that the budget bounds memory however the feeds overlap; and the first gzip
    /// form twice, once for itself and once for the Brotli form. It never grows: the whole gzip replaces the
    /// first only when smaller, and a Brotli form larger than its allowance is not kept.
    /// </summary>
    public long Size => Identity.Length + Volatile.Read(ref _compressed.FirstGzipLength) + BrotliAllowance + 512;

    private long BrotliAllowance => Volatile.Read(ref _compressed.BrotliAllowance) is var allowance and > 0 ? allowance : Identity.Length;

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
        var forms = _compressed;
        if (Interlocked.Exchange(ref forms.WholeStarted, 1) == 1)
        {
            return;
        }
        if (Interlocked.CompareExchange(ref s_compressingWhole, 1, 0) != 0)
        {
            Volatile.Write(ref forms.WholeStarted, 0);
            return;
        }
        ThreadPool.UnsafeQueueUserWorkItem(feed =>
        {
            try
            {
                var gzip = feed.Gzip;
                var whole = Compress(feed.Identity, stream => new GZipStream(stream, CompressionLevel.Optimal));
                if (whole.Length < gzip.Length)
                {
                    Volatile.Write(ref feed._compressed.Gzip, whole);
                }
                var brotli = Compress(feed.Identity, stream => new BrotliStream(stream, CompressionLevel.Optimal));
                if (brotli.Length <= feed.BrotliAllowance)
                {
                    Volatile.Write(ref feed._compressed.Brotli, brotli);
                }
            }
            finally
            {
                Volatile.Write(ref s_compressingWhole, 0);
            }
        }, this, preferLocal: false);
    }

    /// <summary>The compressed forms of one rendering and its copies, and how often they were asked for.</summary>
    private sealed class CompressedForms
    {
        public byte[]? Gzip;
        public byte[]? Brotli;
        public long FirstGzipLength;
        public long BrotliAllowance;
        public int Answers;
        public int WholeStarted;

        /// <summary>Keeps the first gzip form made (a race makes two; one is kept); its length is the Brotli form's allowance too.</summary>
        public byte[] SetGzip(byte[] gzip)
        {
            var kept = Interlocked.CompareExchange(ref Gzip, gzip, null) ?? gzip;
            if (Interlocked.CompareExchange(ref FirstGzipLength, kept.Length, 0) == 0)
            {
                Volatile.Write(ref BrotliAllowance, Math.Max(kept.Length, Brotli?.Length ?? 0));
            }
            return kept;
        }
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
