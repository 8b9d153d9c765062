using System.Globalization;
using System.Net;
using Feeds.Publishing;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Feeds.Http;

/// <summary>
/// Polite polling: a client that has fetched the same document unconditionally (200) more than
/// Feeds:PolitePolling:UnconditionalPerTimeToLive times within one ttl gets 429 Too Many Requests (RFC 6585)
/// with Retry-After until its window ends. Never limited: requests with If-None-Match or If-Modified-Since
/// (what a polite reader sends; a 304 costs nothing), a person's browser opening a page (Sec-Fetch-Dest:
/// document; forgeable, so it exempts nothing from the render budget), and health checks. Only answers 200
/// count, so asking for a tag feed before it exists costs nothing once it does. A document is its path and the
/// query parameters Feeds reads (limit, before) in canonical form: other parameters never make state. The
/// client is the peer address, or the X-Forwarded-For address when the peer is one of Feeds:TrustedProxies.
/// </summary>
public static class PolitePolling
{
    /// <summary>(client, document) windows tracked at once; past it the oldest are forgotten.</summary>
    public const int MaxTrackedDocuments = 100_000;

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
        return services;
    }

    public static WebApplication UsePolitePolling(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<FeedsOptions>>().Value;
        // With no known proxy the middleware would trust every peer's X-Forwarded-For: it runs only with some.
        if (options.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }
        if (!options.PolitePolling.Enabled)
        {
            return app;
        }
        // Each (client, document)'s unconditional 200s in its current ttl window.
        var fetches = new WindowCounters(MaxTrackedDocuments, TimeSpan.FromMinutes(options.TimeToLiveMinutes), app.Services.GetRequiredService<TimeProvider>());
        app.Services.GetRequiredService<FeedsMetrics>().ObserveTrackedState("polite-polling", () => fetches.Count);
        var limit = options.PolitePolling.UnconditionalPerTimeToLive;
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<PolitelyPolled>() is null || IsExempt(context.Request))
            {
                await next(context);
                return;
            }
            var key = WindowCounters.KeyOf(DocumentKey(context, options.DefaultLimit));
            if (fetches.Exhausted(key, limit) is { } retryAfter)
            {
                await Refusals.Refusal.TooManyRequests(
                    $"This document was fetched without If-None-Match or If-Modified-Since {limit.ToString(CultureInfo.InvariantCulture)} times "
                    + $"within {options.TimeToLiveMinutes.ToString(CultureInfo.InvariantCulture)} minutes. Send the ETag you were given in "
                    + "If-None-Match (answered 304 while the document is unchanged, and never limited), or ask again after Retry-After.",
                    retryAfter, options.TooManyRequestsDelay).ExecuteAsync(context);
                return;
            }
            await next(context);
            if (context.Response.StatusCode == StatusCodes.Status200OK)
            {
                fetches.TryAdd(key, int.MaxValue);
            }
        });
        return app;
    }

    /// <summary>Marks the endpoints whose documents polite polling applies to.</summary>
    public static TBuilder PolitelyPolledDocuments<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new PolitelyPolled());

    /// <summary>The client as Feeds counts it: the peer (or trusted X-Forwarded-For) address, an IPv6 client by its /64.</summary>
    public static ClientId Client(HttpContext context) => ClientId.Of(context.Connection.RemoteIpAddress);

    private static bool IsExempt(HttpRequest request)
    {
        var headers = request.Headers;
        return headers.IfNoneMatch.Count > 0 || headers.IfModifiedSince.Count > 0 || FeedResponse.IsNavigation(request);
    }

    /// <summary>Client and document: the path, and only the query parameters Feeds reads, canonical.</summary>
    private static string DocumentKey(HttpContext context, int defaultLimit)
    {
        var query = context.Request.Query;
        var limit = query.TryGetValue("limit", out var limits) && limits.Count == 1
            && int.TryParse(limits[0], NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number != defaultLimit
            ? number.ToString(CultureInfo.InvariantCulture)
            : "";
        var before = query.TryGetValue("before", out var cursors) && cursors.Count == 1 && ArchiveCursor.TryParse(cursors[0], out var cursor)
            ? cursor.ToString()
            : "";
        return $"{Client(context)}\n{context.Request.Path}\n{limit}\n{before}";
    }

    private sealed class PolitelyPolled;
}
