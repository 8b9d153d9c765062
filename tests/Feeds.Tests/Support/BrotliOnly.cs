namespace Feeds.Tests.Support;

/// <summary>
/// A client that takes Brotli and nothing else. No compression runs on a request's thread (Rendering/RenderedFeed),
/// so it is answered in identity until the Brotli form is made in the background, then in Brotli.
/// </summary>
public static class BrotliOnly
{
    /// <summary>Asks until the answer is Brotli (at most 10 s); every answer before it was identity with the same bytes.</summary>
    public static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path)
    {
        byte[]? identity = null;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.AcceptEncoding.ParseAdd("br");
            var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            if (response.Content.Headers.ContentEncoding.Contains("br") || DateTime.UtcNow > deadline)
            {
                return response;
            }
            Assert.Empty(response.Content.Headers.ContentEncoding);
            var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
            Assert.Equal(identity ?? body, body);
            identity = body;
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
