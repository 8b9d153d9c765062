using System.Net.Http.Json;
using System.Threading.Channels;
using Feeds.Publishing;
using Microsoft.Extensions.Options;
using Feeds.Versions;

namespace Feeds.Edge;

/// <summary>
/// Purges a change from the CDN (Feeds:Edge:Cdn and PurgeUrl): when a poll sees feeds change, their surrogate keys
/// (FeedKey.SurrogateKey, and the catalog's) are purged at once, and again two refresh intervals later, by when
/// every instance of the fleet has seen the change: a CDN that refetched in between from an instance still on the
/// old version would otherwise keep that until its s-maxage ran out. Each instance that sees a change purges it
/// (a purge is idempotent). A failed purge is logged, once until one succeeds; the CDN then keeps what it has until
/// its own lifetime (Feeds:Edge:SharedMaxAge) runs out.
/// </summary>
public sealed class EdgePurger(
    ChangeDetector changes,
    IHttpClientFactory httpClients,
    IOptions<FeedsOptions> options,
    TimeProvider clock,
    FeedsMetrics metrics,
    ILogger<EdgePurger> logger) : BackgroundService
{
    public const string HttpClientName = "edge-purge";

    /// <summary>Keys per purge call: Cloudflare takes at most 30 tags a call (its purge_cache documentation).</summary>
    public const int KeysPerCall = 30;

    // Bounded: a CDN that answers slowly cannot make the queue grow; past it the oldest purges are dropped (the
    // CDN's own lifetime bounds how stale that leaves it).
    private readonly Channel<string[]> _now = Channel.CreateBounded<string[]>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly Channel<(DateTimeOffset Due, string[] Keys)> _later = Channel.CreateBounded<(DateTimeOffset, string[])>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly EdgeOptions _edge = options.Value.Edge;
    private int _failing;

    private bool Enabled => _edge.PurgeUrl is not null && _edge.KeyHeader is not null;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (Enabled)
        {
            changes.Changed += OnChanged;
        }
        return base.StartAsync(cancellationToken);
    }

    private void OnChanged(FeedVersions versions, IReadOnlyList<FeedKey> changed)
    {
        if (changed.Count == 0)
        {
            return;
        }
        // The index, the tag directory and the OPML list feeds and their newest articles: purged with any change.
        string[] keys = [.. changed.Select(feed => feed.SurrogateKey).Append(FeedKey.CatalogSurrogateKey).Distinct(StringComparer.Ordinal)];
        _now.Writer.TryWrite(keys);
        _later.Writer.TryWrite((clock.GetUtcNow() + 2 * options.Value.RefreshInterval, keys));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }
        await Task.WhenAll(PurgeNowAsync(stoppingToken), PurgeLaterAsync(stoppingToken));
    }

    private async Task PurgeNowAsync(CancellationToken stoppingToken)
    {
        await foreach (var keys in _now.Reader.ReadAllAsync(stoppingToken))
        {
            await PurgeAsync(keys, stoppingToken);
        }
    }

    private async Task PurgeLaterAsync(CancellationToken stoppingToken)
    {
        await foreach (var (due, keys) in _later.Reader.ReadAllAsync(stoppingToken))
        {
            if (due > clock.GetUtcNow())
            {
                await Task.Delay(due - clock.GetUtcNow(), clock, stoppingToken);
            }
            await PurgeAsync(keys, stoppingToken);
        }
    }

    /// <summary>Purges <paramref name="keys"/>, at most <see cref="KeysPerCall"/> a call, in the CDN's own form.</summary>
    public async Task PurgeAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        foreach (var chunk in keys.Chunk(KeysPerCall))
        {
            using var request = Request(chunk);
            try
            {
                using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    Failed($"{(int)response.StatusCode} {response.ReasonPhrase}", chunk.Length);
                    continue;
                }
                metrics.EdgePurged("ok", chunk.Length);
                if (Interlocked.Exchange(ref _failing, 0) == 1)
                {
                    logger.LogInformation("Purging the CDN works again");
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                Failed(exception.Message, chunk.Length);
            }
        }
    }

    private HttpRequestMessage Request(string[] keys)
    {
        var url = _edge.PurgeUrl!;
        switch (_edge.CdnName)
        {
            case "fastly":
            {
                // https://www.fastly.com/documentation/reference/api/purging/ : POST /service/{id}/purge, keys space-separated.
                var request = new HttpRequestMessage(HttpMethod.Post, url);
                request.Headers.TryAddWithoutValidation("Surrogate-Key", string.Join(' ', keys));
                request.Headers.TryAddWithoutValidation("Fastly-Key", _edge.PurgeToken);
                return request;
            }
            case "cloudflare":
            {
                // https://developers.cloudflare.com/api/resources/cache/methods/purge/ : {"tags": [...]}.
                var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(new { tags = keys }) };
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _edge.PurgeToken);
                return request;
            }
            default:
            {
                // varnish-modules' xkey: a PURGE the site's VCL hands to xkey.purge(req.http.xkey-purge) (README).
                var request = new HttpRequestMessage(new HttpMethod("PURGE"), url);
                request.Headers.TryAddWithoutValidation("xkey-purge", string.Join(' ', keys));
                return request;
            }
        }
    }

    private void Failed(string reason, int keys)
    {
        metrics.EdgePurged("failed", keys);
        if (Interlocked.Exchange(ref _failing, 1) == 0)
        {
            logger.LogWarning("Purging the CDN at {Url} failed ({Reason}); it keeps what it has until Feeds:Edge:SharedMaxAge runs out", _edge.PurgeUrl, reason);
        }
    }

    public override void Dispose()
    {
        changes.Changed -= OnChanged;
        base.Dispose();
    }
}
