namespace Feeds.Tests.Http;

/// <summary>WebSub (W3C Recommendation 2018): hub discovery in headers and documents, publish pings on change.</summary>
[Collection(MetricsCollection.Name)]
public sealed class WebSubTests : FeedsTest
{
    private static Dictionary<string, string?> Settings(HubListener hub) => new()
    {
        ["Feeds:RefreshInterval"] = "00:00:00.050",
        ["Feeds:WebSub:Hubs:0"] = hub.HubUrl.AbsoluteUri,
        ["Feeds:WebSub:FirstRetryDelay"] = "00:00:00.050",
    };

    [Theory, MemberData(nameof(Providers))]
    public async Task EveryFormat_NamesTheHubAndItself_InHeadersAndInTheDocument(string provider)
    {
        await using var hub = await HubListener.StartAsync();
        await using var site = await TestSite.StartAsync(provider, settings: Settings(hub), Articles.Sample("a-1"));
        var (db, app, client) = site;

        var rss = await client.GetAsync("/feeds/logistics.rss?limit=5", Cancel);
        var atom = FeedXml.Parse(await client.GetByteArrayAsync("/feeds/tags/供應鏈.atom", Cancel));
        using var json = JsonDocument.Parse(await client.GetByteArrayAsync("/feeds/news.json", Cancel));
        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/feeds/logistics.rss?limit=5");
        conditional.Headers.IfNoneMatch.Add(rss.Headers.ETag!);
        var notModified = await client.SendAsync(conditional, Cancel);

        var hubLink = $"<{hub.HubUrl.AbsoluteUri}>; rel=\"hub\"";
        var selfLink = $"<{FeedsApp.PublicBaseUrl}feeds/logistics.rss?limit=5>; rel=\"self\"";
        Assert.Equal([hubLink, selfLink], rss.Headers.GetValues("Link"));
        Assert.Equal([hubLink, selfLink], notModified.Headers.GetValues("Link"));
        var channel = FeedXml.Parse(await rss.Content.ReadAsByteArrayAsync(Cancel)).Root!.Element("channel")!;
        FeedRules.AssertValid(channel.Document!, $"{FeedsApp.PublicBaseUrl}feeds/logistics.rss?limit=5");
        FeedRules.AssertValid(atom, $"{FeedsApp.PublicBaseUrl}feeds/tags/%E4%BE%9B%E6%87%89%E9%8F%88.atom");
        Assert.Contains(channel.Elements(FeedXml.Atom + "link"), link => (string?)link.Attribute("rel") == "hub" && (string?)link.Attribute("href") == hub.HubUrl.AbsoluteUri);
        Assert.Contains(atom.Root!.Elements(FeedXml.Atom + "link"), link => (string?)link.Attribute("rel") == "hub" && (string?)link.Attribute("href") == hub.HubUrl.AbsoluteUri);
        var hubs = json.RootElement.GetProperty("hubs");
        Assert.Equal("WebSub", hubs[0].GetProperty("type").GetString());
        Assert.Equal(hub.HubUrl.AbsoluteUri, hubs[0].GetProperty("url").GetString());
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task AChange_PingsTheHubOncePerAffectedFeedAndFormat_RetryingWhenTheHubFails(string provider)
    {
        await using var hub = await HubListener.StartAsync(failuresPerTopic: 2);
        await using var site = await TestSite.StartAsync(provider, settings: Settings(hub), 
            Articles.Sample("a-1") with { Tags = ["港口"] },
            Articles.Sample("m-1", category: "markets", section: "industry") with { Tags = ["行情"] });
        var (db, app, client) = site;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/feeds/all.rss", Cancel)).StatusCode);

        // Polls without change ping nothing.
        await Task.Delay(TimeSpan.FromMilliseconds(500), Cancel);
        Assert.Empty(hub.Pings);

        // One new article in 綜合物流 tagged 供應鏈, by 林雅婷 from 示範物流協會 (one transaction, as the import writes).
        await Articles.WriteAsync(db.Database, Articles.Sample("a-2"));
        string[] changed = ["logistics", "news", "all", "tags/%E4%BE%9B%E6%87%89%E9%8F%88",
            $"authors/{Uri.EscapeDataString("林雅婷")}", $"sources/{Uri.EscapeDataString("示範物流協會")}"];
        var expected = changed.SelectMany(feed => new[] { "rss", "atom", "json" }.Select(format => $"{FeedsApp.PublicBaseUrl}feeds/{feed}.{format}")).Order().ToList();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (hub.Pings.Count(ping => ping.Status == 204) < expected.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Cancel);
        }
        await Task.Delay(TimeSpan.FromMilliseconds(500), Cancel);

        var pings = hub.Pings.ToList();
        Assert.All(pings, ping => Assert.Equal("publish", ping.Mode));
        // Each affected feed and format: refused twice, accepted the third time; nothing else.
        Assert.Equal(expected, pings.Where(ping => ping.Status == 204).Select(ping => ping.Url).Order());
        Assert.Equal(expected.SelectMany(url => new[] { url, url }).Order(), pings.Where(ping => ping.Status == 503).Select(ping => ping.Url).Order());
        var metrics = await client.GetStringAsync("/metrics", Cancel);
        Assert.Equal(18, Prometheus.Value(metrics, "feeds_websub_pings_total", ("outcome", "accepted")));
        Assert.Equal(36, Prometheus.Value(metrics, "feeds_websub_pings_total", ("outcome", "refused")));
    }

    [Fact]
    public async Task WithTwins_EachTwinIsATopicOfItsOwn_NamedInItsHeaders_AndPingedWithItsOriginal()
    {
        OpenCcOracle.SkipUnlessLibraryInstalled();
        await using var hub = await HubListener.StartAsync();
        var settings = new Dictionary<string, string?>(Settings(hub)) { ["Feeds:SimplifiedChinese:Enabled"] = "true" };
        await using var site = await TestSite.StartAsync("sqlite", settings, Articles.Sample("a-1"));
        var (db, _, client) = site;
        var twin = await client.GetAsync("/zh-hans/feeds/all.atom", Cancel);

        await Articles.WriteAsync(db.Database, Articles.Sample("a-2", category: "express"));
        string[] changed = ["express", "news", "all", "tags/%E4%BE%9B%E6%87%89%E9%8F%88",
            $"authors/{Uri.EscapeDataString("林雅婷")}", $"sources/{Uri.EscapeDataString("示範物流協會")}"];
        var expected = (from prefix in new[] { "", "zh-hans/" }
                        from feed in changed
                        from format in new[] { "rss", "atom", "json" }
                        select $"{FeedsApp.PublicBaseUrl}{prefix}feeds/{feed}.{format}").Order().ToList();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (hub.Pings.Count(ping => ping.Status == 204) < expected.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Cancel);
        }
        await Task.Delay(TimeSpan.FromMilliseconds(500), Cancel);

        Assert.Contains($"<{FeedsApp.PublicBaseUrl}zh-hans/feeds/all.atom>; rel=\"self\"", twin.Headers.GetValues("Link"));
        Assert.Equal(expected, hub.Pings.Where(ping => ping.Status == 204).Select(ping => ping.Url).Order());
    }
}
