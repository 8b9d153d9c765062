#:sdk Microsoft.NET.Sdk.Web
#:property PublishAot=false
#:property InvariantGlobalization=true
// The floor of any Kestrel server: Feeds' own answer to one URL (its bytes, its gzip, its headers), fetched once
// and served from memory with no routing, middleware, metrics or logging. Measured beside Feeds and nginx
// (scripts/peers.sh), it tells what of the gap to nginx is Kestrel's and what is Feeds' own.
//   dotnet run -c Release scripts/kestrel-floor.cs -- http://127.0.0.1:5098/feeds/express.rss 5096
// Answers every path alike: 304 when If-None-Match is the ETag, gzip when Accept-Encoding names it, else 200.
using System.Net.Http.Headers;
using Microsoft.Extensions.Primitives;

if (args is not [var source, var portText] || !int.TryParse(portText, out var port))
{
    Console.Error.WriteLine("usage: kestrel-floor.cs FEEDS_URL PORT");
    return 2;
}
using var client = new HttpClient(new HttpClientHandler { AutomaticDecompression = System.Net.DecompressionMethods.None });
using var identityAnswer = await client.GetAsync(source);
var identity = await identityAnswer.Content.ReadAsByteArrayAsync();
// Feeds compresses a document whole in the background once it is asked for again (its first gzip answers are
// spliced): the smallest of a few answers is the one it serves from then on.
byte[]? gzip = null;
for (var attempt = 0; attempt < 6; attempt++)
{
    using var gzipRequest = new HttpRequestMessage(HttpMethod.Get, source);
    gzipRequest.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
    using var gzipAnswer = await client.SendAsync(gzipRequest);
    if (gzipAnswer.Content.Headers.ContentEncoding.Contains("gzip"))
    {
        var answer = await gzipAnswer.Content.ReadAsByteArrayAsync();
        gzip = gzip is null || answer.Length < gzip.Length ? answer : gzip;
    }
    await Task.Delay(TimeSpan.FromMilliseconds(300));
}
if (!identityAnswer.IsSuccessStatusCode || gzip is null)
{
    Console.Error.WriteLine($"{source} gave {(int)identityAnswer.StatusCode}, and no gzip answer: nothing to serve.");
    return 1;
}

// Every header Feeds sent, but those Kestrel writes itself.
string[] ownHeaders = ["Date", "Content-Length", "Content-Encoding", "Transfer-Encoding", "Connection"];
var headers = identityAnswer.Headers.Concat(identityAnswer.Content.Headers)
    .Where(header => !ownHeaders.Contains(header.Key, StringComparer.OrdinalIgnoreCase))
    .Select(header => (Name: header.Key, Value: new StringValues(string.Join(", ", header.Value))))
    .ToArray();
var etag = new StringValues(identityAnswer.Headers.ETag?.ToString());
var gzipCoding = new StringValues("gzip");

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
var app = builder.Build();
app.Run(async context =>
{
    var response = context.Response;
    foreach (var (name, value) in headers)
    {
        response.Headers[name] = value;
    }
    if (context.Request.Headers.IfNoneMatch == etag)
    {
        response.StatusCode = StatusCodes.Status304NotModified;
        response.Headers.ContentType = StringValues.Empty;
        return;
    }
    var body = identity;
    if (context.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase))
    {
        body = gzip;
        response.Headers.ContentEncoding = gzipCoding;
    }
    response.ContentLength = body.Length;
    await response.BodyWriter.WriteAsync(body);
});
await app.RunAsync();
return 0;
