using System.Globalization;
using Feeds.Publishing;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Feeds.Http;

/// <summary>Header values that are the same for every feed response, made once.</summary>
public sealed class FeedHeaders(TimeSpan maxAge)
{
    public static readonly StringValues VaryAcceptEncoding = new(HeaderNames.AcceptEncoding);
    public static readonly StringValues Gzip = new("gzip");
    public static readonly StringValues Brotli = new("br");

    /// <summary>Same lifetime as the RSS ttl; shared caches (a CDN) may keep it too.</summary>
    public StringValues CacheControl { get; } = new($"public, max-age={((int)maxAge.TotalSeconds).ToString(CultureInfo.InvariantCulture)}");

    /// <summary>Validators and freshness, sent alike with a 200 and a 304.</summary>
    public void WriteTo(HttpResponse response, RenderedFeed feed)
    {
        var headers = response.Headers;
        headers.ETag = feed.ETag;
        headers.LastModified = feed.LastModifiedHeader;
        headers.CacheControl = CacheControl;
        headers.Vary = VaryAcceptEncoding;
    }
}

/// <summary>A rendered feed in the form the client accepts: one asynchronous write of a stored buffer; no body for HEAD.</summary>
public sealed class FeedResponse(RenderedFeed feed, FeedHeaders headers) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var (body, encoding) = ContentCodings.Choose(httpContext.Request.Headers.AcceptEncoding) switch
        {
            ContentCoding.Brotli => (feed.Brotli, FeedHeaders.Brotli),
            ContentCoding.Gzip => (feed.Gzip, FeedHeaders.Gzip),
            _ => (feed.Identity, StringValues.Empty),
        };
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = feed.ContentType;
        response.ContentLength = body.Length;
        if (!StringValues.IsNullOrEmpty(encoding))
        {
            response.Headers.ContentEncoding = encoding;
        }
        headers.WriteTo(response, feed);
        return HttpMethods.IsHead(httpContext.Request.Method)
            ? Task.CompletedTask
            : response.Body.WriteAsync(body, httpContext.RequestAborted).AsTask();
    }
}

/// <summary>304 Not Modified: the validators and freshness again, never a body (RFC 9110 15.4.5).</summary>
public sealed class NotModifiedResponse(RenderedFeed feed, FeedHeaders headers) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCodes.Status304NotModified;
        headers.WriteTo(httpContext.Response, feed);
        return Task.CompletedTask;
    }
}
