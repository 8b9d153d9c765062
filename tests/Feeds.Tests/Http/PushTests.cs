using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Feeds.Tests.Http;

/// <summary>
/// The CMS pushes its saves (PUT and DELETE /cms/articles/{id}, POST /cms/articles with NDJSON): authenticated by a
/// bearer token, bounded, idempotent, and each change reaches the feeds at the next poll.
/// </summary>
public sealed class PushTests : FeedsTest
{
    private const string Token = "a-push-token-of-the-cms-0123456789";

    private static Dictionary<string, string?> PushOn(string maxBodyMegabytes = "16") => new()
    {
        ["Feeds:Push:Token"] = Token,
        ["Feeds:Push:MaxBodyMegabytes"] = maxBodyMegabytes,
    };

    [Fact]
    public async Task WithoutAToken_ThereAreNoPushEndpoints()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await using var app = new FeedsApp(db);
        var client = app.CreateRawClient();

        var answer = await client.SendAsync(Put("p-1", Ndjson.Line(Ndjson.Article("p-1")), Token), Cancel);

        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
    }

    [Fact]
    public async Task NoToken401_WrongToken403_OversizedBody413_BadField400NamingIt_AndNothingIsStored()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await using var app = new FeedsApp(db, settings: PushOn(maxBodyMegabytes: "1"));
        var client = app.CreateRawClient();
        var line = Ndjson.Line(Ndjson.Article("p-1"));

        var none = await client.SendAsync(Put("p-1", line, token: null), Cancel);
        var wrong = await client.SendAsync(Put("p-1", line, "not-the-token-of-this-instance"), Cancel);
        var huge = Ndjson.Article("p-1");
        huge["contentHtml"] = "<p>" + new string('長', 600_000) + "</p>";  // 1.8 MB of UTF-8
        // As curl does for large bodies: the server's 413 arrives before the body is sent.
        var tooLarge = Put("p-1", Ndjson.Line(huge), Token);
        tooLarge.Headers.ExpectContinue = true;
        var oversized = await client.SendAsync(tooLarge, Cancel);
        var badField = Ndjson.Article("p-1");
        badField["publishedAt"] = "yesterday";
        var bad = await client.SendAsync(Put("p-1", Ndjson.Line(badField), Token), Cancel);
        var otherId = await client.SendAsync(Put("p-2", line, Token), Cancel);
        await app.RefreshAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType!.MediaType);
        Assert.Contains("publishedAt 'yesterday'", await bad.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, otherId.StatusCode);
        Assert.Empty(await IdsAsync(client, "/feeds/all.rss"));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task APushedArticle_ReachesItsFeeds_AReplayChangesNothing_AndADeleteTakesItOutOfEveryFeed(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await using var app = new FeedsApp(db, settings: PushOn());
        var client = app.CreateRawClient();
        var article = Ndjson.Line(Ndjson.Article("p-1"));

        var stored = await ReportAsync(await client.SendAsync(Put("p-1", article, Token), Cancel));
        await client.SendAsync(Put("p-2", Ndjson.Line(Ndjson.Article("p-2")), Token), Cancel);
        await app.RefreshAsync();
        var before = await client.GetAsync("/feeds/logistics.rss", Cancel);
        var replayed = await ReportAsync(await client.SendAsync(Put("p-1", article, Token), Cancel));
        await app.RefreshAsync();
        var afterReplay = await client.GetAsync("/feeds/logistics.rss", Cancel);
        var deleted = await ReportAsync(await client.SendAsync(Delete("p-1", Token), Cancel));
        var deletedAgain = await ReportAsync(await client.SendAsync(Delete("p-1", Token), Cancel));
        await app.RefreshAsync();

        Assert.Equal(1, stored.GetProperty("inserted").GetInt32());
        Assert.Equal(["p-1", "p-2"], (await IdsAsync(before)).Order());
        Assert.Equal(1, replayed.GetProperty("unchanged").GetInt32());
        Assert.Equal(before.Headers.ETag, afterReplay.Headers.ETag);
        Assert.Equal(1, deleted.GetProperty("deleted").GetInt32());
        Assert.Equal(0, deletedAgain.GetProperty("deleted").GetInt32());
        foreach (var feed in new[] { "/feeds/logistics.rss", "/feeds/news.rss", "/feeds/all.rss", "/feeds/tags/%E4%BE%9B%E6%87%89%E9%8F%88.rss" })
        {
            Assert.Equal(["p-2"], await IdsAsync(client, feed));
        }
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ABatch_IsStoredWhole_OrNotAtAll_NamingEachBadLine_AndCarriesDeletes(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await using var app = new FeedsApp(db, settings: PushOn());
        var client = app.CreateRawClient();
        var bad = Ndjson.Article("b-2");
        bad["url"] = "not a url";

        var refused = await client.SendAsync(Post(Token, Ndjson.Line(Ndjson.Article("b-1")), Ndjson.Line(bad), Ndjson.Line(Ndjson.Article("b-3"))), Cancel);
        var refusedBody = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Cancel)).RootElement;
        await app.RefreshAsync();
        var afterRefusal = await IdsAsync(client, "/feeds/all.rss");
        var stored = await ReportAsync(await client.SendAsync(Post(Token, Ndjson.Line(Ndjson.Article("b-1")), Ndjson.Line(Ndjson.Article("b-3"))), Cancel));
        var withDelete = await ReportAsync(await client.SendAsync(Post(Token, """{"id":"b-1","deleted":true}""", Ndjson.Line(Ndjson.Article("b-4"))), Cancel));
        await app.RefreshAsync();

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(2, refusedBody.GetProperty("errors")[0].GetProperty("line").GetInt32());
        Assert.Contains("url 'not a url'", refusedBody.GetProperty("errors")[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Empty(afterRefusal);
        Assert.Equal(2, stored.GetProperty("inserted").GetInt32());
        Assert.Equal((1, 1), (withDelete.GetProperty("deleted").GetInt32(), withDelete.GetProperty("inserted").GetInt32()));
        Assert.Equal(["b-3", "b-4"], (await IdsAsync(client, "/feeds/all.rss")).Order());
    }

    private static HttpRequestMessage Put(string id, string body, string? token) =>
        Authorized(new HttpRequestMessage(HttpMethod.Put, $"/cms/articles/{id}") { Content = new StringContent(body, Encoding.UTF8, "application/json") }, token);

    private static HttpRequestMessage Delete(string id, string token) =>
        Authorized(new HttpRequestMessage(HttpMethod.Delete, $"/cms/articles/{id}"), token);

    private static HttpRequestMessage Post(string token, params string[] lines) =>
        Authorized(new HttpRequestMessage(HttpMethod.Post, "/cms/articles") { Content = new StringContent(string.Join('\n', lines), Encoding.UTF8, "application/x-ndjson") }, token);

    private static HttpRequestMessage Authorized(HttpRequestMessage request, string? token)
    {
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return request;
    }

    private static async Task<JsonElement> ReportAsync(HttpResponseMessage answer)
    {
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return JsonDocument.Parse(await answer.Content.ReadAsStringAsync(Cancel)).RootElement;
    }

    private static async Task<List<string>> IdsAsync(HttpClient client, string path) =>
        await IdsAsync(await client.GetAsync(path, Cancel));

    private static async Task<List<string>> IdsAsync(HttpResponseMessage answer) =>
        FeedXml.RssItems(FeedXml.Parse(await answer.Content.ReadAsByteArrayAsync(Cancel)))
            .Select(item => item.Element("guid")!.Value.Split(':').Last())
            .ToList();
}
