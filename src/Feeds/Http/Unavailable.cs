using Feeds.Publishing;
using Microsoft.Extensions.Options;

namespace Feeds.Http;

/// <summary>
/// 503 Service Unavailable (RFC 9110 15.6.4) as problem details, with Retry-After, for every request that
/// needs the database while it is unreachable: the client learns when to come back, never sees a 500.
/// </summary>
public static class Unavailable
{
    private static long _lastLoggedTicks;

    /// <summary>An endpoint filter: turns <see cref="FeedsUnavailableException"/> into the 503.</summary>
    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (FeedsUnavailableException exception)
        {
            var services = context.HttpContext.RequestServices;
            var retryAfter = services.GetRequiredService<IOptions<FeedsOptions>>().Value.RetryAfterSeconds;
            // Say why, with the database's own error, at most every 30 s: an outage must be visible in the logs
            // without writing a line per request.
            var now = Environment.TickCount64;
            var last = Interlocked.Read(ref _lastLoggedTicks);
            if (now - last > 30_000 && Interlocked.CompareExchange(ref _lastLoggedTicks, now, last) == last)
            {
                services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Unavailable))
                    .LogWarning(exception.InnerException ?? exception, "Answering 503 for {Path}: {Reason}", context.HttpContext.Request.Path, exception.Message);
            }
            return new UnavailableResponse(exception.Message, retryAfter);
        }
    }

    private sealed class UnavailableResponse(string detail, int retryAfterSeconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var headers = httpContext.Response.Headers;
            headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            headers.CacheControl = "no-store";
            return TypedResults.Problem(detail: $"{detail} Try again later.", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service unavailable")
                .ExecuteAsync(httpContext);
        }
    }
}
