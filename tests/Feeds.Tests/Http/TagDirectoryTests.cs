using AngleSharp.Html.Parser;

namespace Feeds.Tests.Http;

/// <summary>
/// The index shows the tags in use now and links to a paged directory of every tag, so that no page grows
/// with the number of tags (40,000 after a few years of tagging).
/// </summary>
public sealed class TagDirectoryTests : FeedsTest
{
    private const int MostBytes = 300 * 1024;

    [Fact]
    public async Task WithFortyThousandTags_NoPagePasses300KB_AndTheDirectoryListsEveryTagOnce()
    {
        await using var site = await TestSite.StartAsync("sqlite", Articles.Sample("a-1") with { Tags = ["港口"] });
        var (db, app, client) = site;
        await using (var connection = await db.Database.OpenAsync(Cancel))
        {
            // Long CJK names: each character is nine bytes in a percent-encoded link.
            await connection.ExecuteAsync("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)
                INSERT INTO tags (name) SELECT printf('國際航運與港口物流觀察%05d', i) FROM n
                """);
        }
        await app.RefreshAsync();

        var index = await client.GetByteArrayAsync("/", Cancel);
        Assert.InRange(index.Length, 1, MostBytes);
        var linked = new List<string>();
        // 40,001 tags at 500 a page: 81 pages, the last with one tag.
        for (var page = 1; page <= 82; page++)
        {
            var response = await client.GetAsync(page == 1 ? "/tags" : $"/tags/{page}", Cancel);
            if (page == 82)
            {
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
                break;
            }
            var bytes = await response.Content.ReadAsByteArrayAsync(Cancel);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.InRange(bytes.Length, 1, MostBytes);
            var document = new HtmlParser().ParseDocument(System.Text.Encoding.UTF8.GetString(bytes));
            linked.AddRange(document.QuerySelectorAll("ul.tags a").Select(a => a.GetAttribute("href")!));
        }

        Assert.Equal(40_001, linked.Count);
        Assert.Equal(40_001, linked.Distinct(StringComparer.Ordinal).Count());
        Assert.Contains($"{FeedsApp.PublicBaseUrl}feeds/tags/{Uri.EscapeDataString("港口")}", linked);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task TheIndex_ShowsTheTagsWithTheNewestArticles_NewestFirst_AndLinksTheDirectory(string provider)
    {
        var now = TestClock.Start.UtcDateTime;
        await using var site = await TestSite.StartAsync(provider,
            Articles.Sample("a-1", publishedAt: now.AddHours(-3)) with { Tags = ["舊聞"] },
            Articles.Sample("a-2", publishedAt: now.AddHours(-1)) with { Tags = ["新聞"] },
            Articles.Sample("a-3", publishedAt: now.AddHours(-2)) with { Tags = ["中間"] },
            Articles.Sample("a-4", publishedAt: now.AddHours(2)) with { Tags = ["排程"] });
        var (_, _, client) = site;

        var page = new HtmlParser().ParseDocument(await client.GetStringAsync("/", Cancel));

        // The scheduled article's tag has no visible article yet: it is in the directory, not among the newest.
        Assert.Equal(["#新聞", "#中間", "#舊聞"], page.QuerySelectorAll("ul.tags a").Select(a => a.TextContent));
        Assert.Equal($"{FeedsApp.PublicBaseUrl}tags", page.QuerySelectorAll("a").Single(a => a.TextContent.Contains("All 4 tags", StringComparison.Ordinal)).GetAttribute("href"));
        var directory = new HtmlParser().ParseDocument(await client.GetStringAsync("/tags", Cancel));
        Assert.Equal(["#中間", "#排程", "#新聞", "#舊聞"], directory.QuerySelectorAll("ul.tags a").Select(a => a.TextContent).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("/tags/1")]
    [InlineData("/tags/2")]
    [InlineData("/tags/0")]
    [InlineData("/tags/02")]
    [InlineData("/tags/-1")]
    [InlineData("/tags/x")]
    [InlineData("/tags/99999999999")]
    public async Task APageOfTheDirectoryThatDoesNotExist_Is404ProblemDetails(string path)
    {
        await using var site = await TestSite.StartAsync("sqlite", Articles.Sample("a-1") with { Tags = ["港口"] });

        var response = await site.Client.GetAsync(path, Cancel);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }
}
