namespace Feeds.Tests.Http;

/// <summary>/metrics and readiness answer operators only, and readiness is checked at most once a second.</summary>
public sealed class OperatorEndpointsTests : FeedsTest
{
    [Fact]
    public async Task MetricsAndReadiness_AnswerThePeerInOperatorNetworks_NeverARequestThroughAProxy()
    {
        await using var site = await TestSite.StartAsync("sqlite", settings: new Dictionary<string, string?> { ["Feeds:TrustedProxies:0"] = "127.0.0.0/8" }, Articles.Sample("a-1"));
        var (db, app, client) = site;
        await using var elsewhere = new FeedsApp(db, settings: new Dictionary<string, string?> { ["Feeds:OperatorNetworks:0"] = "192.0.2.0/24" });
        var outsider = elsewhere.CreateRawClient();

        var statuses = new Dictionary<string, HttpStatusCode>();
        foreach (var path in new[] { "/metrics", "/health/ready", "/METRICS", "/health/ready/" })
        {
            statuses[$"direct {path}"] = (await client.GetAsync(path, Cancel)).StatusCode;
            using var proxied = new HttpRequestMessage(HttpMethod.Get, path);
            proxied.Headers.Add("X-Forwarded-For", "127.0.0.1");
            statuses[$"proxied {path}"] = (await client.SendAsync(proxied, Cancel)).StatusCode;
            statuses[$"outside {path}"] = (await outsider.GetAsync(path, Cancel)).StatusCode;
        }
        var refused = await outsider.GetAsync("/metrics", Cancel);
        var live = await outsider.GetAsync("/health/live", Cancel);

        Assert.Equal(HttpStatusCode.OK, statuses["direct /metrics"]);
        Assert.Equal(HttpStatusCode.OK, statuses["direct /health/ready"]);
        Assert.All(statuses.Where(pair => !pair.Key.StartsWith("direct", StringComparison.Ordinal)), pair => Assert.Equal(HttpStatusCode.Forbidden, pair.Value));
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        Assert.Contains("OperatorNetworks", await refused.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task Readiness_IsCheckedAtMostOnceASecond()
    {
        await using var site = await TestSite.StartAsync("sqlite", Articles.Sample("a-1"));
        var (db, app, client) = site;
        var ready = await client.GetAsync("/health/ready", Cancel);

        // Unready from now on: an empty schema_migrations reports "run migrate".
        await using (var connection = await db.Database.OpenAsync(Cancel))
        {
            await connection.ExecuteAsync("DELETE FROM schema_migrations");
        }
        var withinTheSecond = new List<HttpStatusCode>();
        for (var i = 0; i < 50; i++)
        {
            withinTheSecond.Add((await client.GetAsync("/health/ready", Cancel)).StatusCode);
        }
        app.Clock.Advance(TimeSpan.FromSeconds(1.5));
        var after = await client.GetAsync("/health/ready", Cancel);

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.All(withinTheSecond, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, after.StatusCode);
    }
}
