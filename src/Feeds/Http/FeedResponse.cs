using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace Feeds.Http;

/// <summary>Validators and freshness of one feed, sent alike with a 200 and a 304.</summary>
public sealed record FeedCacheHeaders(string ETag, DateTime LastModifiedUtc, TimeSpan MaxAge)
{
    public void WriteTo(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ETag = ETag;
        headers.LastModified = HeaderUtilities.FormatDate(ConditionalRequest.TruncateToSeconds(LastModifiedUtc));
        // Same lifetime as the RSS ttl; shared caches (a CDN) may keep it too.
        headers.CacheControl = $"public, max-age={((int)MaxAge.TotalSeconds).ToString(CultureInfo.InvariantCulture)}";
        headers.Vary = HeaderNames.AcceptEncoding;
    }
}

/// <summary>A rendered feed: written from a buffer with one asynchronous write; no body for HEAD.</summary>
public sealed class FeedResponse(byte[] body, string contentType, FeedCacheHeaders cacheHeaders) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        cacheHeaders.WriteTo(response);
        if (!HttpMethods.IsHead(httpContext.Request.Method))
        {
            await response.Body.WriteAsync(body, httpContext.RequestAborted);
        }
    }
}

/// <summary>304 Not Modified: the validators and freshness again, never a body (RFC 9110 15.4.5).</summary>
public sealed class NotModifiedResponse(FeedCacheHeaders cacheHeaders) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCodes.Status304NotModified;
        cacheHeaders.WriteTo(httpContext.Response);
        return Task.CompletedTask;
    }
}
