using Feeds.Http;

namespace Feeds.Tests.Http;

public sealed class ContentCodingTests
{
    [Theory]
    [InlineData(null, ContentCoding.Identity)]
    [InlineData("", ContentCoding.Identity)]
    [InlineData("gzip", ContentCoding.Gzip)]
    [InlineData("br", ContentCoding.Brotli)]
    [InlineData("gzip, deflate, br", ContentCoding.Brotli)]
    [InlineData("gzip;q=1.0, br;q=0.5", ContentCoding.Gzip)]
    [InlineData("br;q=0, gzip", ContentCoding.Gzip)]
    [InlineData("gzip;q=0", ContentCoding.Identity)]
    [InlineData("deflate", ContentCoding.Identity)]
    [InlineData("*", ContentCoding.Brotli)]
    [InlineData("*;q=0.5, br;q=0", ContentCoding.Gzip)]
    [InlineData("identity", ContentCoding.Identity)]
    [InlineData("GZIP", ContentCoding.Gzip)]
    [InlineData("x-gzip", ContentCoding.Gzip)]
    [InlineData(" br ; q=0.8 ,gzip;q=0.9", ContentCoding.Gzip)]
    [InlineData("br;q=nonsense", ContentCoding.Identity)]
    [InlineData("x-abr;q=1, *;q=0.6", ContentCoding.Brotli)]
    public void Negotiate_FollowsAcceptEncodingQualities(string? header, ContentCoding expected)
    {
        Assert.Equal(expected, ContentCodings.Negotiate(header, brotliReady: true).Sent);
    }
}
