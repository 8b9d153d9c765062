using System.IO.Compression;
using System.Net.Http.Headers;

namespace Feeds.Tests.Content;

/// <summary>
/// Gzip bodies are spliced from each part's own deflate blocks (Formats/FeedBytes.ToGzip). Each one must decode,
/// in every decoder a client may use, to exactly the identity bytes: .NET's (zlib-ng), GNU gzip's own inflate
/// (which also checks the CRC-32 and length), BusyBox's own, and Python's zlib (which also checks that the stream
/// ends where the body ends).
/// </summary>
public sealed class SplicedGzipTests : FeedsTest
{
    private static readonly string[] Documents =
    [
        "/feeds/logistics.rss", "/feeds/logistics.atom", "/feeds/logistics.json", "/feeds/logistics",
        "/feeds/news.rss?limit=5", "/feeds/all.json", "/feeds/empty-category.rss", "/feeds/empty-category.json",
        $"/feeds/tags/{Uri.EscapeDataString("港口")}.atom",
    ];

    [Fact]
    public async Task EveryDocument_ServedAsGzip_DecodesToItsIdentityBytes_InEveryDecoder()
    {
        var articles = Enumerable.Range(1, 30)
            .Select(i => Articles.Sample($"g-{i}", publishedAt: TestClock.Start.UtcDateTime.AddMinutes(-i)) with
            {
                Tags = ["港口", $"標籤{i % 4}"],
                ContentHtml = string.Concat(Enumerable.Repeat($"<p>第 {i} 段：港口吞吐量　「農產品」 a&lt;b {Guid.NewGuid()}</p>", i)),
            })
            .Append(Articles.Sample("empty-draft", category: "empty-category") with { IsPublished = false })
            .ToArray();
        await using var site = await TestSite.StartAsync("sqlite", articles);
        var (_, _, client) = site;
        using var folder = new TempFolder("feeds-gzip-");

        foreach (var document in Documents)
        {
            var identity = await client.GetByteArrayAsync(document, Cancel);
            using var request = new HttpRequestMessage(HttpMethod.Get, document);
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
            using var response = await client.SendAsync(request, Cancel);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("gzip", Assert.Single(response.Content.Headers.ContentEncoding));
            var gzip = await response.Content.ReadAsByteArrayAsync(Cancel);

            await AssertDecodesToAsync(gzip, identity, folder, document);
        }
    }

    [Fact]
    public async Task PartsOfEveryShape_SpliceIntoOneValidStream()
    {
        var random = new Random(20261201);
        var incompressible = new byte[150_000];
        random.NextBytes(incompressible);
        var text = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("<item><title>港口　吞吐量</title></item>", 3000)));
        using var folder = new TempFolder("feeds-gzip-");
        (string Name, FeedBytes Bytes)[] cases =
        [
            ("no entries", new FeedBytes("<rss></rss>"u8.ToArray(), 5, [])),
            ("an empty shell and empty entries", new FeedBytes([], 0, [new BytePart(Array.Empty<byte>()), new BytePart(Array.Empty<byte>())])),
            ("entries with separators", new FeedBytes("{\"items\":[]}"u8.ToArray(), 10,
                [new BytePart("{\"id\":1}"u8.ToArray()), new BytePart("{\"id\":2}"u8.ToArray()), new BytePart("{\"id\":3}"u8.ToArray())], new BytePart(","u8.ToArray()))),
            ("incompressible and large parts", new FeedBytes(text, text.Length / 2, [new BytePart(incompressible), new BytePart(text), new BytePart(incompressible.AsMemory(7, 70_001))])),
        ];
        foreach (var (name, bytes) in cases)
        {
            await AssertDecodesToAsync(bytes.ToGzip(), bytes.ToArray(), folder, name);
        }
    }

    [Fact]
    public void AnEntrysDeflateBlocks_AreMadeOnce_AndSharedByEveryDocumentThatListsIt()
    {
        var entry = new BytePart("<item><title>標題</title></item>"u8.ToArray());
        var first = new FeedBytes("<channel></channel>"u8.ToArray(), 9, [entry]).ToGzip();
        var deflated = entry.Deflated;
        var second = new FeedBytes("<channel><title>另一個</title></channel>"u8.ToArray(), 36, [entry]).ToGzip();

        Assert.Same(deflated, entry.Deflated);
        Assert.True(first.AsSpan().IndexOf(deflated) > 0);
        Assert.True(second.AsSpan().IndexOf(deflated) > 0);
        // A part ends in a sync flush (an empty stored block), so the next part starts on a byte boundary.
        Assert.True(deflated.AsSpan().EndsWith(new byte[] { 0, 0, 0xff, 0xff }));
    }

    private static async Task AssertDecodesToAsync(byte[] gzip, byte[] identity, TempFolder folder, string name)
    {
        using (var stream = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress))
        using (var decoded = new MemoryStream())
        {
            stream.CopyTo(decoded);
            Assert.True(identity.AsSpan().SequenceEqual(decoded.ToArray()), $"{name}: .NET's GZipStream");
        }
        var input = Path.Combine(folder.FullName, "body.gz");
        var output = Path.Combine(folder.FullName, "body");
        await File.WriteAllBytesAsync(input, gzip, Cancel);
        (string Decoder, string Executable, string[] Arguments)[] decoders =
        [
            ("GNU gzip", "/bin/sh", ["-c", "gzip -t \"$1\" && gzip -dc \"$1\" > \"$2\"", "sh", input, output]),
            ("BusyBox gunzip", "/bin/sh", ["-c", "busybox gunzip -c \"$1\" > \"$2\"", "sh", input, output]),
            ("Python zlib", "/usr/bin/python3", ["-c",
                "import sys, zlib\nd = zlib.decompressobj(16 + zlib.MAX_WBITS)\nout = d.decompress(open(sys.argv[1], 'rb').read())\n" +
                "assert d.eof and not d.unused_data, 'the stream does not end where the body ends'\nopen(sys.argv[2], 'wb').write(out)",
                input, output]),
        ];
        foreach (var (decoder, executable, arguments) in decoders)
        {
            if (decoder == "BusyBox gunzip" && !File.Exists("/bin/busybox") && !File.Exists("/usr/bin/busybox"))
            {
                Assert.Skip("busybox is not installed (apt-get install busybox; .ci/run does).");
            }
            File.Delete(output);
            await ExternalProgram.RunAsync(executable, arguments);
            var decoded = await File.ReadAllBytesAsync(output, Cancel);
            Assert.True(identity.AsSpan().SequenceEqual(decoded), $"{name}: {decoder}");
        }
    }
}
