using static Feeds.Tests.Support.FeedXml;

namespace Feeds.Tests.Http;

/// <summary>The site's icon and logo (Feeds:SiteIcon, Feeds:SiteLogo) in every format, and the demo's own images.</summary>
public sealed class SiteImageTests : FeedsTest
{
    [Fact]
    public async Task TheDefaults_AreTheDemoImages_WhichFeedsServesItself_InEveryFormat()
    {
        await using var site = await TestSite.StartAsync("sqlite", Articles.Sample("a-1"));
        var (db, app, client) = site;
        var icon = $"{FeedsApp.PublicBaseUrl}icon.png";
        var logo = $"{FeedsApp.PublicBaseUrl}logo.png";

        var channel = Parse(await client.GetByteArrayAsync("/feeds/logistics.rss", Cancel)).Root!.Element("channel")!;
        var feed = Parse(await client.GetByteArrayAsync("/feeds/logistics.atom", Cancel)).Root!;
        using var json = JsonDocument.Parse(await client.GetByteArrayAsync("/feeds/logistics.json", Cancel));

        // RSS 2.0 image: its title and link are the channel's (as the spec and the W3C validator ask).
        var image = channel.Element("image")!;
        Assert.Equal(icon, image.Element("url")!.Value);
        Assert.Equal(channel.Element("title")!.Value, image.Element("title")!.Value);
        Assert.Equal(channel.Element("link")!.Value, image.Element("link")!.Value);
        Assert.Equal(icon, feed.Element(Atom + "icon")!.Value);
        Assert.Equal(logo, feed.Element(Atom + "logo")!.Value);
        Assert.Equal(icon, json.RootElement.GetProperty("icon").GetString());
        Assert.Equal(icon, json.RootElement.GetProperty("favicon").GetString());

        foreach (var (path, width, height) in new[] { ("/icon.png", 256, 256), ("/logo.png", 400, 200) })
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip, br");
            var response = await client.SendAsync(request, Cancel);
            var bytes = await response.Content.ReadAsByteArrayAsync(Cancel);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("image/png", response.Content.Headers.ContentType!.MediaType);
            // A PNG is compressed already: sent as it is.
            Assert.Empty(response.Content.Headers.ContentEncoding);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
            // IHDR: width and height, big-endian, at bytes 16 and 20. Atom's icon is square, its logo 2:1 (RFC 4287 4.2.5, 4.2.8).
            Assert.Equal((width, height), (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)),
                System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20))));

            var again = new HttpRequestMessage(HttpMethod.Get, path);
            again.Headers.TryAddWithoutValidation("If-None-Match", response.Headers.ETag!.ToString());
            Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(again, Cancel)).StatusCode);
        }
    }

    [Fact]
    public async Task TheSitesOwnImages_AreWrittenAsConfigured_AndEmptyMeansNone()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1"));
        await using var app = new FeedsApp(db, settings: new Dictionary<string, string?>
        {
            ["Feeds:SiteIcon"] = "https://static.example.com/brand/icon-192.png",
            ["Feeds:SiteLogo"] = "",
        });
        var client = app.CreateRawClient();

        var rss = Parse(await client.GetByteArrayAsync("/feeds/all.rss", Cancel)).Root!.Element("channel")!;
        var atom = Parse(await client.GetByteArrayAsync("/feeds/all.atom", Cancel)).Root!;

        Assert.Equal("https://static.example.com/brand/icon-192.png", rss.Element("image")!.Element("url")!.Value);
        Assert.Equal("https://static.example.com/brand/icon-192.png", atom.Element(Atom + "icon")!.Value);
        Assert.Null(atom.Element(Atom + "logo"));
    }
}
