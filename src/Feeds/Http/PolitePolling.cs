using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Feeds.Http;

/// <summary>
/// Polite polling: a client that fetches the same document unconditionally more than
/// Feeds:PolitePolling:UnconditionalPerTimeToLive times within one ttl gets 429 Too Many Requests (RFC 6585)
/// with Retry-After until the window ends. Requests with If-None-Match or If-Modified-Since are never
/// limited: they are what a polite reader sends, and a 304 costs nothing. The client is the peer address, or
/// the X-Forwarded-For address when the peer is one of Feeds:TrustedProxies. Health endpoints are not limited.
/// </summary>
public static class PolitePolling
{
    public const string Policy = "polite-polling";

    public static IServiceCollection AddPolitePolling(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<FeedsOptions>>((forwarded, feeds) =>
        {
            // Only the client address: links never come from the request (Host, X-Forwarded-Host are ignored).
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            // By default loopback is trusted; here nothing is unless configured (a local client could forge).
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // KnownNetworks is obsolete, but the middleware still reads its loopback default.
            forwarded.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            forwarded.ForwardLimit = 1;
            foreach (var proxy in feeds.Value.TrustedProxies)
            {
                if (IPAddress.TryParse(proxy, out var address))
                {
                    forwarded.KnownProxies.Add(address);
                }
                else
                {
                    forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(proxy));
                }
            }
        });
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = RejectAsync;
            limiter.AddPolicy(Policy, Partition);
        });
        return services;
    }

    public static WebApplication UsePolitePolling(this WebApplication app)
    {
        // With no known proxy the middleware would trust every peer's X-Forwarded-For: it runs only with some.
        if (app.Services.GetRequiredService<IOptions<FeedsOptions>>().Value.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }
        app.UseRateLimiter();
        return app;
    }

    private static RateLimitPartition<string> Partition(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<FeedsOptions>>().Value;
        var headers = context.Request.Headers;
        if (!options.PolitePolling.Enabled || headers.IfNoneMatch.Count > 0 || headers.IfModifiedSince.Count > 0)
        {
            return RateLimitPartition.GetNoLimiter("conditional");
        }
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var key = $"{client} {context.Request.Path}{context.Request.QueryString}";
        return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.PolitePolling.UnconditionalPerTimeToLive,
            Window = TimeSpan.FromMinutes(options.TimeToLiveMinutes),
            QueueLimit = 0,
        });
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var ttl = TimeSpan.FromMinutes(context.RequestServices.GetRequiredService<IOptions<FeedsOptions>>().Value.TimeToLiveMinutes);
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : ttl;
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        await TypedResults.Problem(
            detail: $"This document was fetched unconditionally too often. Send If-None-Match with its ETag (answered 304 when unchanged, never limited), or wait: it changes at most every {ttl.TotalMinutes:0} minutes.",
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many requests").ExecuteAsync(context);
    }
}
