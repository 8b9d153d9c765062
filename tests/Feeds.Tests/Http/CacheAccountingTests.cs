using System.Net.Http.Headers;
using Feeds.Formats;

namespace Feeds.Tests.Http;

/// <summary>
/// The render cache's byte count is what it holds, however long the site keeps publishing: each rendering is
/// charged once when stored and exactly that is taken back (its gzip may be replaced by a smaller whole one in
/// between), and eviction never fails a request.
/// </summary>
public sealed class CacheAccountingTests : FeedsTest
{
    private static readonly string[] Popular = ["/feeds/logistics.rss", "/feeds/logistics.atom", "/feeds/news.json", "/feeds/all.rss"];

    [Fact]
    public async Task AThousandChangesToDocumentsCompressedWhole_LeaveTheByteCountEqualToWhatIsHeld_AndThePollerServedFromMemory()
    {
        // Entries alike but for their ids: the whole gzip is much smaller than the spliced one it replaces.
        var body = string.Concat(Enumerable.Range(1, 20).Select(i => $"<p>港口吞吐量　第 {i} 段，貨櫃平均滯留時間縮短。</p>"));
        await using var site = await TestSite.StartAsync("sqlite", new Dictionary<string, string?>
        {
            ["Feeds:CacheSizeMegabytes"] = "2",
            ["Feeds:RenderLimits:PerClientPerTimeToLive"] = "100000",
            ["Feeds:RenderLimits:PerNetworkPerTimeToLive"] = "100000",
        },
            Enumerable.Range(0, 20).Select(i => Articles.Sample($"p-{i:D2}") with { ContentHtml = body }).ToArray());
        var (db, app, client) = site;
        var cache = app.Services.GetRequiredService<FeedCache>();
        var publisher = app.Services.GetRequiredService<FeedPublisher>();
        var budget = app.Services.GetRequiredService<MemoryBudget>().RenderingBytes;
        var gzipSizes = new Dictionary<string, int>();

        for (var change = 0; change < 1000; change++)
        {
            await Articles.WriteAsync(db.Database, Articles.Sample($"p-{change % 20:D2}", title: $"第 {change} 次更新") with { ContentHtml = body });
            await app.RefreshAsync();
            foreach (var path in Popular)
            {
                // Asked for compressed twice: the second starts the whole compression in the background.
                gzipSizes[path] = (await GetGzipAsync(client, path)).Length;
                await GetGzipAsync(client, path);
            }
            Assert.InRange(cache.Bytes, 0, budget);
        }
        // The last version of each is compressed whole in the background, one document at a time, when asked again.
        var wholeSizes = new Dictionary<string, int>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (wholeSizes.Count < Popular.Length && DateTime.UtcNow < deadline)
        {
            foreach (var path in Popular.Where(path => !wholeSizes.ContainsKey(path)))
            {
                if ((await GetGzipAsync(client, path)).Length is var size && size < gzipSizes[path])
                {
                    wholeSizes[path] = size;
                }
            }
            await Task.Delay(20, Cancel);
        }
        var renders = publisher.Renders;
        var etags = new List<EntityTagHeaderValue>();
        foreach (var path in Popular)
        {
            etags.Add((await client.GetAsync(path, Cancel)).Headers.ETag!);
        }
        var notModified = new List<HttpStatusCode>();
        for (var i = 0; i < Popular.Length; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Popular[i]);
            request.Headers.IfNoneMatch.Add(etags[i]);
            notModified.Add((await client.SendAsync(request, Cancel)).StatusCode);
        }

        Assert.Equal(cache.ChargedBytes(), cache.Bytes);
        Assert.InRange(cache.HeldBytes(), 1, cache.Bytes);
        Assert.All(notModified, status => Assert.Equal(HttpStatusCode.NotModified, status));
        Assert.Equal(renders, publisher.Renders);
        // Compressed whole: smaller than the spliced gzip each was first stored with, and charged for.
        Assert.Equal(Popular.Length, wholeSizes.Count);
    }

    [Fact]
    public async Task RenderingsStoredWhileTheCacheEvicts_NeverThrow()
    {
        await using var site = await TestSite.StartAsync("sqlite", new Dictionary<string, string?>
        {
            ["Feeds:CacheSizeMegabytes"] = "1",
            ["Feeds:RenderLimits:Enabled"] = "false",
        }, Articles.Sample("e-1"));
        var (_, app, _) = site;
        var cache = app.Services.GetRequiredService<FeedCache>();
        var document = new byte[40 * 1024];
        Random.Shared.NextBytes(document);

        var failures = 0;
        var workers = Enumerable.Range(0, Math.Max(4, Environment.ProcessorCount * 2)).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; i < 3000; i++)
            {
                var request = new FeedRequest(FeedKey.Category($"c-{worker}-{i % 200}"), FeedFormat.Rss, 20);
                var token = $"t-{i}";
                var job = new RenderJob(request, token, $"k-{worker}-{i}",
                    () => Task.FromResult<RenderedFeed?>(new RenderedFeed(token, $"\"{worker}-{i}\"", TestClock.Start.UtcDateTime, "application/rss+xml", FeedBytes.Whole(document))),
                    LongTail: false);
                try
                {
                    await cache.RenderOnceAsync(job, ClientId.Background, Cancel);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }, Cancel)).ToArray();
        await Task.WhenAll(workers);

        Assert.Equal(0, failures);
        Assert.Equal(cache.ChargedBytes(), cache.Bytes);
        Assert.InRange(cache.Bytes, 1, app.Services.GetRequiredService<MemoryBudget>().RenderingBytes);
    }

    private static async Task<byte[]> GetGzipAsync(HttpClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.AcceptEncoding.ParseAdd("gzip");
        using var response = await client.SendAsync(request, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["gzip"], response.Content.Headers.ContentEncoding);
        return await response.Content.ReadAsByteArrayAsync(Cancel);
    }
}
