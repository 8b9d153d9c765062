using System.Globalization;
using System.Net;
using Feeds.Publishing;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Feeds.Admission;
using Feeds.Rendering;

namespace Feeds.Http;

/// <summary>
/// Polite polling: a client that has been answered 200 with the same version of a document (its ETag) more than
/// Feeds:PolitePolling:UnconditionalPerTimeToLive times within one ttl gets 429 Too Many Requests (RFC 6585)
/// with Retry-After until its window ends. What counts is what was answered, not what was asked: a 304 costs
/// nothing and never counts, a 200 counts whatever validators the request carried (an If-None-Match that never
/// matches is no exemption). A document is known by its ETag, a hash of its bytes, so path spellings
/// (/FEEDS/…), parameters a route ignores and junk query strings all name the same document; a reader that
/// revalidates gets each new version once. Never limited: a person's browser opening a page (Sec-Fetch-Dest:
/// document; forgeable, so it exempts nothing from the render budget), health checks, and answers that are not
/// documents (404, 400). The client is the peer address, or the X-Forwarded-For address when the peer is one of
/// Feeds:TrustedProxies. Windows are grouped by client, so one client asking for ever new documents forgets its
/// own windows first, never another's (<see cref="WindowCounters"/>).
/// </summary>
public sealed class PolitePolling
{
    /// <summary>(client, document version) windows tracked at once; past it the largest clients' oldest are forgotten.</summary>
    public const int MaxTrackedDocuments = 100_000;

    private readonly WindowCounters? _fetches;
    private readonly int _limit;
    private readonly int _timeToLiveMinutes;
    private readonly TimeSpan _delay;

    public PolitePolling(IOptions<FeedsOptions> options, TimeProvider clock, FeedsMetrics metrics)
    {
        var feeds = options.Value;
        _limit = feeds.PolitePolling.UnconditionalPerTimeToLive;
        _timeToLiveMinutes = feeds.TimeToLiveMinutes;
        _delay = feeds.TooManyRequestsDelay;
        if (feeds.PolitePolling.Enabled)
        {
            _fetches = new WindowCounters(MaxTrackedDocuments, TimeSpan.FromMinutes(feeds.TimeToLiveMinutes), clock);
            metrics.ObserveTrackedState("polite-polling", () => _fetches.Count);
        }
    }

    /// <summary>
    /// Counts the 200 about to be sent with <paramref name="document"/>, or, when this client has had this version
    /// as often as it may within the window, the 429 to send instead. Null: send the document.
    /// </summary>
    public IResult? Refusal(HttpContext context, Rendering.RenderedFeed document)
    {
        if (_fetches is null || context.GetEndpoint()?.Metadata.GetMetadata<PolitelyPolled>() is null || FeedResponse.IsNavigation(context.Request))
        {
            return null;
        }
        var client = Client(context).Name;
        var key = WindowCounters.KeyOf($"{client}\n{document.ETag}");
        if (_fetches.TryAdd(key, _limit, WindowCounters.KeyOf(client)) is not { } retryAfter)
        {
            return null;
        }
        return Refusals.Refusal.TooManyRequests(
            $"This document was answered in full {_limit.ToString(CultureInfo.InvariantCulture)} times within "
            + $"{_timeToLiveMinutes.ToString(CultureInfo.InvariantCulture)} minutes, unchanged. Send the ETag you were given in "
            + "If-None-Match (answered 304 while the document is unchanged, and never limited), or ask again after Retry-After.",
            retryAfter, _delay);
    }

    /// <summary>The client as Feeds counts it: the peer (or trusted X-Forwarded-For) address, an IPv6 client by its /64.</summary>
    public static ClientId Client(HttpContext context) => ClientId.Of(context.Connection.RemoteIpAddress);

    internal sealed class PolitelyPolled;
}

/// <summary>Polite polling's service, its endpoints' mark, and the clients behind trusted proxies.</summary>
public static class PolitePollingRegistration
{
    public static IServiceCollection AddPolitePolling(this IServiceCollection services)
    {
        services.AddSingleton<PolitePolling>();
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
            // Every trusted hop is unwound (CDN edge, then balancer, then Feeds): the client is the first address,
            // from the right, whose sender is not a trusted proxy. With a limit of one, behind a CDN and a balancer
            // every reader was the CDN's edge, and its readers shared one budget (issue 30).
            forwarded.ForwardLimit = null;
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

    /// <summary>With some Feeds:TrustedProxies, the client is the address they name in X-Forwarded-For.</summary>
    public static WebApplication UseForwardedClients(this WebApplication app)
    {
        // With no known proxy the middleware would trust every peer's X-Forwarded-For: it runs only with some.
        if (app.Services.GetRequiredService<IOptions<FeedsOptions>>().Value.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }
        return app;
    }

    /// <summary>Marks the endpoints whose documents polite polling applies to.</summary>
    public static TBuilder PolitelyPolledDocuments<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new PolitePolling.PolitelyPolled());

}
