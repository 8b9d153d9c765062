using System.Text.Json;
using Feeds.Subscribers;
using StackExchange.Redis;

namespace Feeds.Tests.Http;

/// <summary>
/// Subscriber counts (issue 35): the aggregators' own reports and distinct clients of other readers, per feed and
/// reader over a rolling week, the same on every instance through Redis, bounded whatever clients send.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class SubscriberTests : FeedsTest
{
    [Theory]
    [InlineData("Feedly/1.0 (+http://www.feedly.com/fetcher.html; 462 subscribers; )", ReaderKind.Aggregator, "Feedly", 462L, "")]
    [InlineData("Mozilla/5.0 (compatible; inoreader.com; 114 subscribers)", ReaderKind.Aggregator, "Inoreader", 114L, "")]
    [InlineData("Feedbin feed-id:1697787 - 102 subscribers", ReaderKind.Aggregator, "Feedbin", 102L, "1697787")]
    [InlineData("NewsBlur Feed Fetcher - 27 subscribers - https://www.newsblur.com/site/6/news (Mozilla/5.0 (Macintosh))", ReaderKind.Aggregator, "NewsBlur", 27L, "")]
    [InlineData("NewsBlur Feed Fetcher - 1 subscriber - https://www.newsblur.com/site/6/news", ReaderKind.Aggregator, "NewsBlur", 1L, "")]
    [InlineData("Mozilla/5.0 (compatible; theoldreader.com; 1 subscribers; feed-id=5a1b2c3d)", ReaderKind.Aggregator, "The Old Reader", 1L, "5a1b2c3d")]
    [InlineData("Mozilla/5.0 (compatible; BazQux/2.4; +https://bazqux.com/fetcher; 1 subscribers)", ReaderKind.Aggregator, "BazQux", 1L, "")]
    [InlineData("SmallFetcher/0.1 (12 subscribers)", ReaderKind.Aggregator, "other", 12L, "")]
    [InlineData("NetNewsWire (RSS Reader; https://netnewswire.com/)", ReaderKind.Reader, "NetNewsWire", null, "")]
    [InlineData("Miniflux/2.2.3 (+https://miniflux.app; 3 readers)", ReaderKind.Reader, "Miniflux", null, "")]
    [InlineData("newsboat/2.36.0 (Linux x86_64)", ReaderKind.Reader, "newsboat", null, "")]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0", ReaderKind.Reader, "Thunderbird", null, "")]
    [InlineData("curl/8.11.0", ReaderKind.Reader, "other", null, "")]
    [InlineData("SomeFetcher (subscribers: many)", ReaderKind.Reader, "other", null, "")]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36", ReaderKind.NotAReader, "", null, "")]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", ReaderKind.NotAReader, "", null, "")]
    [InlineData("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", ReaderKind.NotAReader, "", null, "")]
    [InlineData("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", ReaderKind.NotAReader, "", null, "")]
    [InlineData("", ReaderKind.NotAReader, "", null, "")]
    [InlineData("   ", ReaderKind.NotAReader, "", null, "")]
    public void AUserAgent_IsReadAsFeedPressReadsIt(string userAgent, ReaderKind kind, string reader, long? subscribers, string feedId)
    {
        var agent = ReaderAgent.Read(userAgent, maxReported: 100_000);

        Assert.Equal((kind, reader, subscribers, feedId, false), (agent.Kind, agent.Reader, agent.Subscribers, agent.FeedId, agent.Capped));
    }

    [Theory]
    [InlineData("Feedly/1.0 (1000000000 subscribers)")]
    [InlineData("Feedly/1.0 (99999999999999999999999999 subscribers)")]
    public void AClaimPastTheBound_IsFlagged(string userAgent)
    {
        var agent = ReaderAgent.Read(userAgent, maxReported: 100_000);

        Assert.Equal((ReaderKind.Aggregator, "Feedly", true), (agent.Kind, agent.Reader, agent.Capped));
    }

    /// <summary>Who polls, from where, what: the corpus replayed below, over two instances.</summary>
    private static readonly (string Path, string Address, string UserAgent)[] Corpus =
    [
        ("/feeds/news.rss", "198.51.100.1", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 462 subscribers; )"),
        ("/feeds/news.rss", "198.51.100.2", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 470 subscribers; )"),  // the last report counts
        ("/feeds/news.rss", "198.51.100.3", "Mozilla/5.0 (compatible; inoreader.com; 114 subscribers)"),
        ("/feeds/news.rss", "198.51.100.4", "Feedbin feed-id:1697787 - 102 subscribers"),
        ("/feeds/news.rss", "198.51.100.4", "Feedbin feed-id:555 - 3 subscribers"),  // another of Feedbin's ids for the feed
        ("/feeds/news.atom", "198.51.100.5", "NewsBlur Feed Fetcher - 1 subscriber - https://www.newsblur.com/site/6/news"),
        ("/feeds/news.rss", "198.51.100.6", "Mozilla/5.0 (compatible; theoldreader.com; 1 subscribers; feed-id=5a1b2c3d)"),
        ("/feeds/news.rss", "198.51.100.7", "Mozilla/5.0 (compatible; BazQux/2.4; +https://bazqux.com/fetcher; 1 subscribers)"),
        ("/feeds/news.rss", "203.0.113.1", "NetNewsWire (RSS Reader; https://netnewswire.com/)"),
        ("/feeds/news.rss", "203.0.113.1", "NetNewsWire (RSS Reader; https://netnewswire.com/)"),  // the same client again
        ("/feeds/news.rss", "203.0.113.2", "NetNewsWire (RSS Reader; https://netnewswire.com/)"),
        ("/feeds/news.atom", "203.0.113.3", "NetNewsWire (RSS Reader; https://netnewswire.com/)"),
        ("/feeds/news.rss", "203.0.113.4", "newsboat/2.36.0 (Linux x86_64)"),
        ("/feeds/news.atom", "203.0.113.4", "newsboat/2.36.0 (Linux x86_64)"),  // one client, two formats
        ("/feeds/news.rss?limit=50", "203.0.113.5", "Miniflux/2.2.3 (+https://miniflux.app)"),  // another length is the same feed
        ("/feeds/news.rss", "203.0.113.6", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"),
        ("/feeds/news.rss", "203.0.113.7", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
        ("/feeds/news.rss", "203.0.113.8", ""),
        ("/feeds/news.rss", "203.0.113.9", "Feedly/1.0 (1000000000 subscribers)"),  // not believed
        ("/feeds/news.rss", "203.0.113.10", "SomeFetcher (subscribers: many)"),
        ("/feeds/news", "203.0.113.11", "NetNewsWire (RSS Reader; https://netnewswire.com/)"),  // the page for people is no subscription
        ("/feeds/logistics.json", "203.0.113.12", "NetNewsWire (RSS Reader; https://netnewswire.com/)"),
    ];

    [Fact]
    public async Task AReplayedCorpus_GivesExactCounts_AndTwoInstancesReportTheSame()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1"));
        var settings = Settings(redis);
        await using var a = new FeedsApp(db, settings: settings);
        await using var b = new FeedsApp(db, settings: settings);
        var clients = new[] { a.CreateRawClient(), b.CreateRawClient() };

        for (var i = 0; i < Corpus.Length; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await PollAsync(clients[i % 2], Corpus[i]));
        }
        foreach (var app in new[] { a, b, a })
        {
            await Counts(app).RefreshAsync(Cancel);
        }
        var fromA = await StatsAsync(clients[0]);
        var fromB = await StatsAsync(clients[1]);
        var metrics = await clients[1].GetStringAsync("/metrics", Cancel);

        Assert.Equal(fromA.GetRawText(), fromB.GetRawText());
        var news = Feed(fromA, "news");
        Assert.Equal(470 + 114 + 105 + 1 + 1 + 1 + 3 + 1 + 1 + 1, news.GetProperty("subscribers").GetInt64());
        Assert.Equal(470, Reader(news, "Feedly").GetProperty("reported").GetInt64());
        Assert.Equal(105, Reader(news, "Feedbin").GetProperty("reported").GetInt64());
        Assert.Equal(1, Reader(news, "NewsBlur").GetProperty("formats").GetProperty("atom").GetProperty("reported").GetInt64());
        Assert.Equal(3, Reader(news, "NetNewsWire").GetProperty("clients").GetInt64());
        Assert.Equal(2, Reader(news, "NetNewsWire").GetProperty("formats").GetProperty("rss").GetProperty("clients").GetInt64());
        // One client polling RSS and Atom is one subscriber of the feed, and one of each format.
        Assert.Equal(1, Reader(news, "newsboat").GetProperty("clients").GetInt64());
        Assert.Equal(1, Reader(news, "newsboat").GetProperty("formats").GetProperty("atom").GetProperty("clients").GetInt64());
        Assert.Equal(1, Reader(news, "Miniflux").GetProperty("clients").GetInt64());
        Assert.Equal(1, Reader(news, "other").GetProperty("clients").GetInt64());
        Assert.Equal(["BazQux", "Feedbin", "Feedly", "Inoreader", "Miniflux", "NetNewsWire", "NewsBlur", "The Old Reader", "newsboat", "other"],
            news.GetProperty("readers").EnumerateArray().Select(reader => reader.GetProperty("reader").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(1, Reader(Feed(fromA, "logistics"), "NetNewsWire").GetProperty("clients").GetInt64());
        Assert.Contains(metrics.Split('\n'), line => line.StartsWith("feeds_subscribers{", StringComparison.Ordinal)
            && line.Contains("feed=\"news\"", StringComparison.Ordinal) && line.Contains("reader=\"Feedly\"", StringComparison.Ordinal) && line.EndsWith(" 470", StringComparison.Ordinal));
        Assert.Contains("feeds_subscriber_reports_capped_total", metrics, StringComparison.Ordinal);
        Assert.Equal(1, Counts(a).Capped + Counts(b).Capped);
    }

    [Fact]
    public async Task TheCounts_AreForOperatorsOnly()
    {
        await using var site = await TestSite.StartAsync("sqlite", settings: new Dictionary<string, string?> { ["Feeds:TrustedProxies:0"] = "127.0.0.1" }, Articles.Sample("a-1"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/stats/subscribers.json");
        request.Headers.Add("X-Forwarded-For", "198.51.100.1");

        Assert.Equal(HttpStatusCode.Forbidden, (await site.Client.SendAsync(request, Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await site.Client.GetAsync("/stats/subscribers", Cancel)).StatusCode);
    }

    [Fact]
    public async Task CountsSurviveARestart_WithRedis_AndLeaveAfterTheWeek()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1"));
        var clock = new TestClock();
        await using (var first = new FeedsApp(db, clock, Settings(redis)))
        {
            var client = first.CreateRawClient();
            await PollAsync(client, ("/feeds/news.rss", "203.0.113.1", "NetNewsWire (RSS Reader; https://netnewswire.com/)"));
            await PollAsync(client, ("/feeds/news.rss", "198.51.100.3", "Mozilla/5.0 (compatible; inoreader.com; 114 subscribers)"));
            await Counts(first).RefreshAsync(Cancel);
        }
        await using var second = new FeedsApp(db, clock, Settings(redis));
        second.CreateRawClient().Dispose();
        await Counts(second).RefreshAsync(Cancel);
        var afterRestart = Counts(second).Current.Where(count => count.Format == SubscriberCounts.AllFormats).Sum(count => count.Subscribers);
        clock.Advance(TimeSpan.FromDays(6));
        await Counts(second).RefreshAsync(Cancel);
        var sixDaysOn = Counts(second).Current.Where(count => count.Format == SubscriberCounts.AllFormats).Sum(count => count.Subscribers);
        clock.Advance(TimeSpan.FromDays(2));
        await Counts(second).RefreshAsync(Cancel);

        Assert.Equal(115, afterRestart);
        Assert.Equal(115, sixDaysOn);
        Assert.Empty(Counts(second).Current);
    }

    [Fact]
    public async Task WithoutRedis_AProcessCountsAlone_AndForgetsAfterTheWeek()
    {
        await using var site = await TestSite.StartAsync("sqlite", settings: new Dictionary<string, string?> { ["Feeds:TrustedProxies:0"] = "127.0.0.1" }, Articles.Sample("a-1"));
        await PollAsync(site.Client, ("/feeds/news.rss", "203.0.113.1", "NetNewsWire (RSS Reader; https://netnewswire.com/)"));
        await PollAsync(site.Client, ("/feeds/news.atom", "203.0.113.2", "NetNewsWire (RSS Reader; https://netnewswire.com/)"));
        var counts = Counts(site.App);
        await counts.RefreshAsync(Cancel);
        var now = Reader(Feed(await StatsAsync(site.Client), "news"), "NetNewsWire").GetProperty("clients").GetInt64();
        site.App.Clock.Advance(TimeSpan.FromDays(8));
        await counts.RefreshAsync(Cancel);

        Assert.Equal(2, now);
        Assert.Empty(counts.Current);
        Assert.Equal(0, counts.RegisterBytes);
    }

    /// <summary>
    /// A million invented User-Agents from a million addresses, fed straight to the server's counter (over HTTP it
    /// would take minutes): the counters, the bytes they hold here and in Redis stay within the bound, what did not
    /// fit is counted as dropped, and claims past the cap are flagged.
    /// </summary>
    [Fact]
    public async Task AFloodOfInventedUserAgentsAndAddresses_StaysWithinTheBound()
    {
        const int maxCounters = 16;
        await using var redis = await RedisServer.StartAsync();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1"), Articles.Sample("m-1", category: "markets", section: "industry"));
        var settings = Settings(redis);
        settings["Feeds:Subscribers:MaxCounters"] = $"{maxCounters}";
        await using var app = new FeedsApp(db, settings: settings);
        var client = app.CreateRawClient();
        var counts = Counts(app);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true");
        var server = connection.GetServer(redis.Configuration);
        var usedBefore = await UsedMemoryAsync(server);
        var feeds = new[] { FeedKey.Site, FeedKey.Category("news"), FeedKey.Category("industry"), FeedKey.Category("logistics"), FeedKey.Category("markets") };
        string[] formats = ["rss", "atom", "json"];
        var readers = ReaderAgent.Known.Select(known => known.Marker).ToArray();

        for (var i = 0; i < 1_000_000; i++)
        {
            // Every reader the list knows, invented ones, and aggregators claiming anything under invented feed ids.
            var userAgent = (i % 4) switch
            {
                0 => $"{readers[i % readers.Length]}/{i}",
                1 => $"Invented{i}/1.0",
                2 => $"Agg{i} feed-id:{i} - {i % 1000} subscribers",
                _ => $"Agg{i} ({1_000_000_000L + i} subscribers)",
            };
            counts.Observe(feeds[i % feeds.Length], formats[i / 7 % 3], ReaderAgent.Read(userAgent, 100_000), $"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}");
            if (i % 200_000 == 0)
            {
                await counts.RefreshAsync(Cancel);
            }
        }
        await counts.RefreshAsync(Cancel);
        var metrics = await client.GetStringAsync("/metrics", Cancel);
        var redisCounters = await connection.GetDatabase().SetLengthAsync("feeds:subscribers:counters");
        var usedAfter = await UsedMemoryAsync(server);

        Assert.True(Gauge(metrics, "feeds_subscriber_counters") <= maxCounters);
        Assert.True(Gauge(metrics, "feeds_subscriber_register_bytes") <= maxCounters * (SubscriberCounts.WindowDays + 1) * DistinctCount.Registers);
        Assert.True(Gauge(metrics, "feeds_subscriber_observations_dropped_total") > 0);
        Assert.Equal(250_000, Gauge(metrics, "feeds_subscriber_reports_capped_total"));
        Assert.True(redisCounters <= maxCounters, $"{redisCounters} counters in Redis");
        // The documented bound: each counter a week of 1 KB days, each feed and format 64 reports, and the indexes.
        var bound = maxCounters * (SubscriberCounts.WindowDays + 1) * (DistinctCount.Registers + 128) + feeds.Length * formats.Length * SubscriberCounts.MaxFeedIdsPerDocument * 128 + 64 * 1024;
        Assert.True(usedAfter - usedBefore <= bound, $"Redis grew by {usedAfter - usedBefore} bytes, over {bound}");
        // Every feed's reports stop at the bound of feed ids.
        Assert.All(counts.Current.Where(count => count.Reader == ReaderAgent.Other && count.Format != SubscriberCounts.AllFormats),
            count => Assert.True(count.Reported <= SubscriberCounts.MaxFeedIdsPerDocument * 999L));
    }

    private static Dictionary<string, string?> Settings(RedisServer redis) => new()
    {
        ["Feeds:Redis:Configuration"] = redis.Configuration,
        ["Feeds:TrustedProxies:0"] = "127.0.0.1",
    };

    private static SubscriberCounts Counts(FeedsApp app) => app.Services.GetRequiredService<SubscriberCounts>();

    private static async Task<HttpStatusCode> PollAsync(HttpClient client, (string Path, string Address, string UserAgent) poll)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, poll.Path);
        request.Headers.Add("X-Forwarded-For", poll.Address);
        request.Headers.TryAddWithoutValidation("User-Agent", poll.UserAgent);
        using var response = await client.SendAsync(request, Cancel);
        return response.StatusCode;
    }

    private static async Task<JsonElement> StatsAsync(HttpClient client) =>
        JsonDocument.Parse(await client.GetStringAsync("/stats/subscribers.json", Cancel)).RootElement;

    private static JsonElement Feed(JsonElement stats, string feed) =>
        stats.EnumerateArray().Single(item => item.GetProperty("feed").GetString() == feed);

    private static JsonElement Reader(JsonElement feed, string reader) =>
        feed.GetProperty("readers").EnumerateArray().Single(item => item.GetProperty("reader").GetString() == reader);

    private static double Gauge(string metrics, string name) =>
        metrics.Split('\n').Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
            .Select(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).Sum();

    private static async Task<long> UsedMemoryAsync(IServer server) =>
        long.Parse((await server.InfoAsync("memory")).SelectMany(group => group).Single(pair => pair.Key == "used_memory").Value, System.Globalization.CultureInfo.InvariantCulture);
}
