using System.Collections.Concurrent;
using System.Threading.Channels;
using Feeds.Formats;
using Microsoft.Extensions.Options;
using Feeds.Rendering;
using Feeds.Publishing;
using Feeds.Versions;
using Feeds.Fleet;
using Feeds.Admission;

namespace Feeds.WebSub;

/// <summary>
/// WebSub (W3C Recommendation, 2018) publisher side: when a poll of versions shows that a feed changed,
/// every configured hub is told, once per feed and format, with a publish ping (hub.mode=publish,
/// hub.url=the feed's URL). Pings leave from a queue in the background, so no request waits for a hub;
/// a failed ping is tried again after 2, 4, 8… seconds (Feeds:WebSub). Feeds whose token did not move are
/// never pinged, and the first poll after start pings nothing: nothing is known to have changed. With Redis,
/// the instances that all see one change agree through it that only one of them pings for it. Each document is
/// rendered before its ping (as Feeds' own work, outside every client's budget), so the hub's fetch that follows
/// is answered from memory and never refused, however many feeds one change touched.
/// </summary>
public sealed class WebSubPublisher : BackgroundService
{
    public const string HttpClientName = "websub";

    private readonly ChangeDetector _changeDetector;
    private readonly FeedUrls _urls;
    private readonly IHttpClientFactory _httpClients;
    private readonly ILogger<WebSubPublisher> _logger;
    private readonly WebSubOptions _options;
    private readonly Channel<Ping> _queue = Channel.CreateUnbounded<Ping>(new UnboundedChannelOptions { SingleReader = true });
    // A feed already waiting to be pinged at a hub is not queued twice: one ping tells the hub to fetch.
    private readonly ConcurrentDictionary<(Uri Hub, Uri Topic), bool> _pending = new();

    private readonly FeedsMetrics _metrics;
    private readonly RedisFeedStore _shared;
    private readonly FeedPublisher _publisher;
    private readonly int _defaultLimit;
    private readonly Content.Scripts _scripts;

    public WebSubPublisher(
        ChangeDetector changeDetector, FeedUrls urls, IHttpClientFactory httpClients, IOptions<FeedsOptions> options,
        ILogger<WebSubPublisher> logger, FeedsMetrics metrics, RedisFeedStore shared, FeedPublisher publisher, Content.Scripts scripts)
    {
        _scripts = scripts;
        _publisher = publisher;
        _defaultLimit = options.Value.DefaultLimit;
        _metrics = metrics;
        _shared = shared;
        _changeDetector = changeDetector;
        _urls = urls;
        _httpClients = httpClients;
        _logger = logger;
        _options = options.Value.WebSub;
        if (_options.Hubs.Count > 0)
        {
            changeDetector.Changed += OnVersions;
        }
    }

    private void OnVersions(FeedVersions versions, IReadOnlyList<FeedKey> changed)
    {
        foreach (var feed in changed)
        {
            var version = versions.TokenOf(feed) ?? "";
            // A twin is a topic of its own, with subscribers of its own: it changes with its original.
            foreach (var (script, format) in _scripts.Served.SelectMany(script => FeedFormat.All.Select(format => (script, format))))
            {
                var topic = _urls.In(script).Feed(feed, format);
                foreach (var hub in _options.Hubs)
                {
                    if (_pending.TryAdd((hub, topic), true))
                    {
                        _queue.Writer.TryWrite(new Ping(hub, topic, new FeedRequest(feed, format, _defaultLimit, Script: script), version, Attempt: 1));
                    }
                }
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var ping in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            if (ping.Attempt == 1 && _shared.Enabled
                && !await _shared.TryClaimAsync($"websub:{ping.Hub.AbsoluteUri}|{ping.Topic.AbsoluteUri}|{ping.Version}", TimeSpan.FromMinutes(10)))
            {
                // Another instance saw the same change first and pings for it.
                _pending.TryRemove((ping.Hub, ping.Topic), out _);
                _metrics.WebSubPing("other-instance");
                continue;
            }
            if (ping.Attempt == 1)
            {
                await RenderAsync(ping.Document);
            }
            if (await SendAsync(ping, stoppingToken))
            {
                _pending.TryRemove((ping.Hub, ping.Topic), out _);
                _metrics.WebSubPing("accepted");
            }
            else if (ping.Attempt < _options.MaxAttempts)
            {
                _metrics.WebSubPing("refused");
                var delay = _options.FirstRetryDelay * Math.Pow(2, ping.Attempt - 1);
                _ = RetryLaterAsync(ping with { Attempt = ping.Attempt + 1 }, delay, stoppingToken);
            }
            else
            {
                _pending.TryRemove((ping.Hub, ping.Topic), out _);
                _metrics.WebSubPing("abandoned");
                _logger.LogWarning("WebSub hub {Hub} refused the publish ping for {Topic} {Attempts} times; giving up", ping.Hub, ping.Topic, ping.Attempt);
            }
        }
    }

    private async Task RetryLaterAsync(Ping ping, TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, stoppingToken);
            _queue.Writer.TryWrite(ping);
        }
        catch (OperationCanceledException)
        {
            // Shutting down: the ping is dropped with the process.
        }
    }

    /// <summary>Renders the pinged document now, so that the hub's fetch finds it in memory.</summary>
    private async Task RenderAsync(FeedRequest document)
    {
        try
        {
            await _publisher.GetAsync(document, ClientId.Background, CancellationToken.None);
        }
        catch (FeedsUnavailableException exception)
        {
            // The hub is told anyway: its fetch gets what any reader gets meanwhile.
            _logger.LogInformation("Could not render {Topic} before its WebSub ping: {Reason}", _urls.Document(document), exception.Message);
        }
    }

    private async Task<bool> SendAsync(Ping ping, CancellationToken stoppingToken)
    {
        try
        {
            using var content = new FormUrlEncodedContent([new("hub.mode", "publish"), new("hub.url", ping.Topic.AbsoluteUri)]);
            using var response = await _httpClients.CreateClient(HttpClientName).PostAsync(ping.Hub, content, stoppingToken);
            if (response.IsSuccessStatusCode)
            {
                return true;
            }
            _logger.LogInformation("WebSub hub {Hub} answered {Status} to the ping for {Topic} (try {Attempt})", ping.Hub, (int)response.StatusCode, ping.Topic, ping.Attempt);
            return false;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
        {
            _logger.LogInformation("WebSub hub {Hub} could not be reached for {Topic} (try {Attempt}): {Error}", ping.Hub, ping.Topic, ping.Attempt, exception.Message);
            return false;
        }
    }

    /// <param name="Version">The feed's version token the ping announces.</param>
    /// <param name="Document">The document at <paramref name="Topic"/>, rendered before the first try.</param>
    private sealed record Ping(Uri Hub, Uri Topic, FeedRequest Document, string Version, int Attempt);
}
