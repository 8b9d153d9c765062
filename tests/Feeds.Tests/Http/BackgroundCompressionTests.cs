using System.Net.Http.Headers;

namespace Feeds.Tests.Http;

/// <summary>
/// A rendering's gzip is spliced at first; once the document is asked for compressed again it is compressed
/// whole in the background (Rendering/RenderedFeed): the whole gzip replaces the spliced one when smaller, and
/// the Brotli form is made. A client that also accepts gzip gets gzip until Brotli is ready; a client that
/// accepts Brotli alone gets it at once. Every body decodes to the same identity bytes.
/// </summary>
public sealed class BackgroundCompressionTests : FeedsTest
{
    [Fact]
    public async Task ADocumentAskedForAgain_IsCompressedWhole_SmallerThanSpliced()
    {
        // Entries alike in all but their ids: compressed apart, each repeats what the others say.
        var body = string.Concat(Enumerable.Range(1, 30).Select(i => $"<p>港口吞吐量　第 {i} 段，貨櫃平均滯留時間縮短。</p>"));
        await using var site = await TestSite.StartAsync("sqlite", Enumerable.Range(1, 30).Select(i => Articles.Sample($"w-{i}") with { ContentHtml = body }).ToArray());
        var (_, _, client) = site;
        var identity = await client.GetByteArrayAsync("/feeds/logistics.rss", Cancel);

        var (_, spliced) = await GetAsync(client, "/feeds/logistics.rss", "gzip");
        var sizes = new List<int> { spliced.Length };
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (sizes[^1] >= spliced.Length && DateTime.UtcNow < deadline)
        {
            var (coding, gzip) = await GetAsync(client, "/feeds/logistics.rss", "gzip");
            Assert.Equal("gzip", coding);
            Assert.Equal(identity, FeedXml.Decode(gzip, coding));
            sizes.Add(gzip.Length);
            await Task.Delay(20, Cancel);
        }

        Assert.True(sizes[^1] < spliced.Length / 2, $"gzip sizes {string.Join(", ", sizes)}: never compressed whole");
        Assert.Equal(identity, FeedXml.Decode(spliced, "gzip"));
    }

    [Fact]
    public async Task AClientTakingBrotliOrGzip_IsAnsweredWithoutWaiting_AndGetsBrotliOnceMade_AllDecodingToTheSameBytes()
    {
        await using var site = await TestSite.StartAsync("sqlite", Enumerable.Range(1, 20).Select(i => Articles.Sample($"b-{i}")).ToArray());
        var (_, _, client) = site;
        var identity = await client.GetByteArrayAsync("/feeds/logistics.atom", Cancel);

        var codings = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!codings.Contains("br") && DateTime.UtcNow < deadline)
        {
            var (coding, body) = await GetAsync(client, "/feeds/logistics.atom", "br, gzip");
            codings.Add(coding);
            Assert.Equal(identity, FeedXml.Decode(body, coding));
            await Task.Delay(20, Cancel);
        }

        Assert.Contains("br", codings);
        Assert.All(codings, coding => Assert.Contains(coding, new[] { "gzip", "br" }));
        // Once made, it stays made.
        Assert.Equal("br", (await GetAsync(client, "/feeds/logistics.atom", "br, gzip")).Coding);
    }

    [Fact]
    public async Task AClientTakingBrotliAlone_GetsIdentityUntilBrotliIsMadeInTheBackground_NeverACompressionOnItsRequest()
    {
        await using var site = await TestSite.StartAsync("sqlite", Articles.Sample("b-1"), Articles.Sample("b-2"));
        var (_, _, client) = site;
        var identity = await client.GetByteArrayAsync("/feeds/logistics.rss?limit=5", Cancel);

        var (firstCoding, first) = await GetAsync(client, "/feeds/logistics.rss?limit=5", "br");
        var (refusingGzip, _) = await GetAsync(client, "/feeds/logistics.rss?limit=5", "gzip;q=0, br");
        var brotli = await BrotliOnly.GetAsync(client, "/feeds/logistics.rss?limit=5");

        Assert.Equal("identity", firstCoding);
        Assert.Equal(identity, first);
        Assert.Contains(refusingGzip, new[] { "identity", "br" });
        Assert.Equal(["br"], brotli.Content.Headers.ContentEncoding);
        Assert.Equal(identity, FeedXml.Decode(await brotli.Content.ReadAsByteArrayAsync(Cancel), "br"));
    }

    [Fact]
    public async Task AStaleCopyOfARendering_SharesItsCompressedForms()
    {
        await using var site = await TestSite.StartAsync("sqlite", Enumerable.Range(1, 20).Select(i => Articles.Sample($"s-{i}")).ToArray());
        var (_, app, client) = site;
        var cache = app.Services.GetRequiredService<FeedCache>();
        _ = await client.GetByteArrayAsync("/feeds/logistics.atom", Cancel);
        var request = new FeedRequest(FeedKey.Category("logistics"), FeedFormat.Atom, 20);
        var token = app.Services.GetRequiredService<ChangeDetector>().Current.TokenOf(request.Feed)!;
        Assert.True(cache.TryGetCurrent(request, token, out var rendering));

        // Copied before its Brotli form is made, as a stale answer is while its feed's new rendering waits.
        var stale = rendering.AsStale();
        var brotli = await BrotliOnly.GetAsync(client, "/feeds/logistics.atom");

        Assert.Equal(["br"], brotli.Content.Headers.ContentEncoding);
        Assert.NotNull(stale.BrotliIfReady());
        Assert.Same(rendering.BrotliIfReady(), stale.BrotliIfReady());
        Assert.Same(rendering.Gzip, stale.Gzip);
    }

    private static async Task<(string Coding, byte[] Body)> GetAsync(HttpClient client, string path, string acceptEncoding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        using var response = await client.SendAsync(request, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (response.Content.Headers.ContentEncoding.SingleOrDefault() ?? "identity", await response.Content.ReadAsByteArrayAsync(Cancel));
    }
}
