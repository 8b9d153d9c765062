using Microsoft.AspNetCore.Http.HttpResults;
using System.Globalization;
using Feeds.Publishing;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Feeds.Rendering;

namespace Feeds.Http;

/// <summary>Header values that are the same for every feed response, made once.</summary>
public sealed class FeedHeaders(TimeSpan maxAge, TimeSpan staleMaxAge, TimeSpan staleIfError, EdgeOptions? edge = null)
{
    public static readonly StringValues VaryAcceptEncoding = new(HeaderNames.AcceptEncoding);
    public static readonly StringValues VaryAcceptEncodingAndFetchDest = new($"{HeaderNames.AcceptEncoding}, Sec-Fetch-Dest");
    public static readonly StringValues Gzip = new("gzip");
    public static readonly StringValues Brotli = new("br");

    /// <summary>
    /// Same lifetime as the RSS ttl, and a CDN's own (<c>s-maxage</c>, Feeds:Edge:SharedMaxAge) when set; any cache
    /// may answer with it through an origin error as long as Feeds itself serves what it read (Feeds:MaxStaleness).
    /// </summary>
    public StringValues CacheControl { get; } = new(Directives(maxAge, edge?.SharedMaxAge, edge?.StaleWhileRevalidate, staleIfError));

    /// <summary>A rendering served while its feed's new one cannot be made: caches keep it only briefly.</summary>
    public StringValues StaleCacheControl { get; } = new(Directives(staleMaxAge, null, null, staleIfError));

    /// <summary>
    /// A closed month's archive page changes only with a late article or a correction: caches keep it a day and
    /// then revalidate (its ETag is a hash of its bytes, so an unchanged page gets 304). Not immutable (RFC 8246):
    /// nothing in the database stops a late article from entering a month that is over.
    /// </summary>
    public StringValues ClosedArchiveCacheControl { get; } = new(Directives(TimeSpan.FromDays(1), null, null, staleIfError));

    private static string Directives(TimeSpan maxAge, TimeSpan? sharedMaxAge, TimeSpan? staleWhileRevalidate, TimeSpan staleIfError)
    {
        static string Seconds(TimeSpan span) => ((long)span.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var directives = $"public, max-age={Seconds(maxAge)}";
        if (sharedMaxAge is { } shared)
        {
            directives += $", s-maxage={Seconds(shared)}";
        }
        if (staleWhileRevalidate is { } revalidate && revalidate > TimeSpan.Zero)
        {
            directives += $", stale-while-revalidate={Seconds(revalidate)}";
        }
        return directives + $", stale-if-error={Seconds(staleIfError)}";
    }

    private static readonly StringValues HtmlPolicy = new(Formats.HtmlPage.ContentSecurityPolicy);

    /// <summary>Whether a browser's navigation gets the XML its stylesheet shows (Feeds:Edge:BrowserVariant).</summary>
    public bool BrowserVariant { get; } = edge?.BrowserVariant ?? true;

    /// <summary>The header a CDN reads surrogate keys from (Feeds:Edge:Cdn), or null.</summary>
    private readonly string? _keyHeader = edge?.KeyHeader;

    /// <summary>Validators and freshness, sent alike with a 200 and a 304; and the CDN's keys, when it has a header for them.</summary>
    public void WriteTo(HttpResponse response, RenderedFeed feed, string? surrogateKey = null)
    {
        var headers = response.Headers;
        if (_keyHeader is not null && surrogateKey is not null)
        {
            // Also "feeds", which names every document: one purge for all of them.
            headers[_keyHeader] = _keyHeader == "Cache-Tag" ? $"feeds,{surrogateKey}" : $"feeds {surrogateKey}";
        }
        headers.ETag = feed.ETag;
        headers.LastModified = feed.LastModifiedHeader;
        headers.CacheControl = feed.Stale ? StaleCacheControl : feed.ClosedArchive ? ClosedArchiveCacheControl : CacheControl;
        headers.Vary = feed.BrowserContentType is null || !BrowserVariant ? VaryAcceptEncoding : VaryAcceptEncodingAndFetchDest;
        if (feed.LinkHeader.Count > 0)
        {
            headers.Link = feed.LinkHeader;
        }
        if (feed.ContentType.StartsWith(Formats.HtmlPage.MediaType, StringComparison.Ordinal))
        {
            headers.ContentSecurityPolicy = HtmlPolicy;
        }
    }
}

/// <summary>A rendered feed in the form the client accepts: one asynchronous write of a stored buffer; no body for HEAD.</summary>
public sealed class FeedResponse(RenderedFeed feed, FeedHeaders headers, string? surrogateKey = null) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var brotli = feed.BrotliIfReady();
        var (wanted, coding) = feed.Compressible
            ? ContentCodings.Negotiate(httpContext.Request.Headers.AcceptEncoding, brotliReady: brotli is not null)
            : (ContentCoding.Identity, ContentCoding.Identity);
        if (wanted != ContentCoding.Identity)
        {
            feed.CountCompressedAnswer();
        }
        var compressed = coding switch
        {
            ContentCoding.Brotli => brotli,
            ContentCoding.Gzip => feed.Gzip,
            _ => null,
        };
        response.StatusCode = StatusCodes.Status200OK;
        // A browser navigating to a feed (Fetch: Sec-Fetch-Dest "document") gets the type it applies XSLT to;
        // feed readers, which send no such header, get the feed's own type.
        response.ContentType = headers.BrowserVariant && feed.BrowserContentType is { } browserType && IsNavigation(httpContext.Request)
            ? browserType
            : feed.ContentType;
        response.ContentLength = compressed?.Length ?? feed.Identity.Length;
        if (compressed is not null)
        {
            response.Headers.ContentEncoding = coding == ContentCoding.Brotli ? FeedHeaders.Brotli : FeedHeaders.Gzip;
        }
        headers.WriteTo(response, feed, surrogateKey);
        if (HttpMethods.IsHead(httpContext.Request.Method))
        {
            return Task.CompletedTask;
        }
        // Copied from the stored bytes into the response pipe: no synchronous IO, no extra buffer.
        return compressed is not null
            ? response.BodyWriter.WriteAsync(compressed, httpContext.RequestAborted).AsTask()
            : feed.Identity.WriteToAsync(response.BodyWriter, httpContext.RequestAborted).AsTask();
    }

    /// <summary>A browser opening the URL as a page (Fetch Metadata: Sec-Fetch-Dest "document"); feed readers send no such header.</summary>
    internal static bool IsNavigation(HttpRequest request) =>
        string.Equals(request.Headers["Sec-Fetch-Dest"], "document", StringComparison.OrdinalIgnoreCase);
}


/// <summary>304 Not Modified: the validators and freshness again, never a body (RFC 9110 15.4.5).</summary>
public sealed class NotModifiedResponse(RenderedFeed feed, FeedHeaders headers, string? surrogateKey = null) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCodes.Status304NotModified;
        headers.WriteTo(httpContext.Response, feed, surrogateKey);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Every rendered document (feed, archive page, page, OPML, stylesheet) is answered the same way: 304 when the
/// request's validators match it (RFC 9110 13.2.2), otherwise the document, unless this client has had this
/// version in full too often (<see cref="PolitePolling"/>: 429).
/// </summary>
/// <param name="surrogateKey">The CDN's name for the document's feed (FeedKey.SurrogateKey), or for the catalog; null for an asset.</param>
public sealed class DocumentAnswer(RenderedFeed document, string? surrogateKey = null) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        var services = httpContext.RequestServices;
        var headers = services.GetRequiredService<FeedHeaders>();
        IResult answer = ConditionalRequest.IsNotModified(httpContext.Request, document, services.GetRequiredService<TimeProvider>().GetUtcNow())
            ? new NotModifiedResponse(document, headers, surrogateKey)
            : services.GetRequiredService<PolitePolling>().Refusal(httpContext, document) ?? new FeedResponse(document, headers, surrogateKey);
        return answer.ExecuteAsync(httpContext);
    }
}
