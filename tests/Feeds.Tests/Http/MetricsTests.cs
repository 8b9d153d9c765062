namespace Feeds.Tests.Http;

/// <summary>The numbers operators watch, scraped from /metrics in Prometheus' text format.</summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsTests : FeedsTest
{
    [Fact]
    public async Task Metrics_CountRequestsByKindAndStatus_CacheHitsAndMisses_RenderTime_AndPollLag()
    {
        await using var site = await TestSite.StartAsync("sqlite", Articles.Sample("a-1"));
        var (db, app, client) = site;

        var first = await client.GetAsync("/feeds/news.rss", Cancel);
        for (var i = 0; i < 3; i++)
        {
            using var conditional = new HttpRequestMessage(HttpMethod.Get, "/feeds/news.rss");
            conditional.Headers.IfNoneMatch.Add(first.Headers.ETag!);
            Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(conditional, Cancel)).StatusCode);
        }
        await client.GetAsync("/feeds/nothing.atom", Cancel);
        await client.GetAsync("/feeds/news", Cancel);
        await client.GetAsync("/feeds/tags/供應鏈.json", Cancel);
        var response = await client.GetAsync("/metrics", Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        Assert.Equal(1, Prometheus.Value(text, "feeds_requests_total", ("kind", "feed"), ("status", "200")));
        Assert.Equal(3, Prometheus.Value(text, "feeds_requests_total", ("kind", "feed"), ("status", "304")));
        Assert.Equal(1, Prometheus.Value(text, "feeds_requests_total", ("kind", "feed"), ("status", "404")));
        Assert.Equal(1, Prometheus.Value(text, "feeds_requests_total", ("kind", "page"), ("status", "200")));
        Assert.Equal(1, Prometheus.Value(text, "feeds_requests_total", ("kind", "tag-feed"), ("status", "200")));
        Assert.Equal(3, Prometheus.Value(text, "feeds_cache_lookups_total", ("result", "hit")));
        Assert.Equal(3, Prometheus.Value(text, "feeds_cache_lookups_total", ("result", "miss")));
        Assert.Equal(1, Prometheus.Value(text, "feeds_render_duration_seconds_count", ("format", "rss")));
        Assert.True(Prometheus.Value(text, "feeds_poll_duration_seconds_count") >= 1);
        Assert.InRange(Prometheus.Value(text, "feeds_change_detection_lag_seconds"), 0, 5);
    }
}
