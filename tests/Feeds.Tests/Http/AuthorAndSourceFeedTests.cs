using System.Text.Json;
using AngleSharp.Html.Parser;

namespace Feeds.Tests.Http;

/// <summary>
/// /feeds/authors/{author} and /feeds/sources/{source}: the articles a byline names someone in, and those from one
/// organisation, in every format, with archives, a page for people and a directory, linked from each entry.
/// </summary>
public sealed class AuthorAndSourceFeedTests : FeedsTest
{
    private static readonly string Author = Uri.EscapeDataString("林雅婷");
    private static readonly string CoAuthor = Uri.EscapeDataString("陳志明");
    private static readonly string Source = Uri.EscapeDataString("國家郵政局示範處");

    [Theory]
    [InlineData("林雅婷", new[] { "林雅婷" })]
    [InlineData("林雅婷、陳志明", new[] { "林雅婷", "陳志明" })]
    [InlineData("林雅婷，陳志明；張書豪", new[] { "林雅婷", "陳志明", "張書豪" })]
    [InlineData("Jane Doe, John Roe; Ann Lee", new[] { "Jane Doe", "John Roe", "Ann Lee" })]
    [InlineData(" 林雅婷 、、林雅婷 ", new[] { "林雅婷" })]
    [InlineData("Smith and Wesson Ltd", new[] { "Smith and Wesson Ltd" })]
    [InlineData("記者王小明與李大華", new[] { "記者王小明與李大華" })]
    public void ABylinesAuthors_AreItsNamesBetweenCommasAndEnumerationCommas(string byline, string[] authors) =>
        Assert.Equal(authors, FiledNames.Authors(byline));

    [Theory, MemberData(nameof(Providers))]
    public async Task AnAuthorsFeed_ListsEveryArticleWhoseBylineNamesThem_InEveryFormat(string provider)
    {
        var now = TestClock.Start.UtcDateTime;
        await using var site = await TestSite.StartAsync(provider,
            Articles.Sample("alone", publishedAt: now.AddHours(-3)) with { Author = "林雅婷" },
            Articles.Sample("together", category: "markets", section: "industry", publishedAt: now.AddHours(-2)) with { Author = "林雅婷、陳志明" },
            Articles.Sample("other", publishedAt: now.AddHours(-1)) with { Author = "張書豪" },
            Articles.Sample("draft") with { Author = "林雅婷", IsPublished = false });
        var (_, _, client) = site;

        var rss = FeedXml.Parse(await client.GetByteArrayAsync($"/feeds/authors/{Author}.rss", Cancel));
        var atom = FeedXml.Parse(await client.GetByteArrayAsync($"/feeds/authors/{Author}.atom", Cancel));
        using var json = JsonDocument.Parse(await client.GetByteArrayAsync($"/feeds/authors/{Author}.json", Cancel));
        var coAuthor = FeedXml.Parse(await client.GetByteArrayAsync($"/feeds/authors/{CoAuthor}.atom", Cancel));
        var siteEntries = FeedXml.AtomEntries(FeedXml.Parse(await client.GetByteArrayAsync("/feeds/all.atom", Cancel)));

        FeedRules.AssertValid(rss, $"{FeedsApp.PublicBaseUrl}feeds/authors/{Author}.rss");
        FeedRules.AssertValid(atom, $"{FeedsApp.PublicBaseUrl}feeds/authors/{Author}.atom");
        Assert.Equal("Feeds 示範新聞網 - 林雅婷", rss.Root!.Element("channel")!.Element("title")!.Value);
        Assert.Equal(["together", "alone"], ExternalIds(FeedXml.RssItems(rss).Select(item => item.Element("link")!.Value)));
        Assert.Equal($"tag:news.example.com,2026:feed:authors%2F{Author}", atom.Root!.Element(FeedXml.Atom + "id")!.Value);
        Assert.Equal(["together"], ExternalIds(FeedXml.AtomEntries(coAuthor).Select(entry => entry.Element(FeedXml.Atom + "link")!.Attribute("href")!.Value)));
        // The byline as the newsroom wrote it, and an article's id the same as in every other feed.
        Assert.Equal("林雅婷、陳志明、示範物流協會", FeedXml.AtomEntries(atom)[0].Element(FeedXml.Atom + "author")!.Element(FeedXml.Atom + "name")!.Value);
        Assert.All(FeedXml.AtomEntries(atom), entry => Assert.Contains(siteEntries, other => other.Element(FeedXml.Atom + "id")!.Value == entry.Element(FeedXml.Atom + "id")!.Value));
        // JSON Feed lists each author and the source, each with its feed's page.
        var authors = json.RootElement.GetProperty("items")[0].GetProperty("authors").EnumerateArray().ToList();
        Assert.Equal(["林雅婷", "陳志明", "示範物流協會"], authors.Select(author => author.GetProperty("name").GetString()));
        Assert.Equal(
            [$"{FeedsApp.PublicBaseUrl}feeds/authors/{Author}", $"{FeedsApp.PublicBaseUrl}feeds/authors/{CoAuthor}", $"{FeedsApp.PublicBaseUrl}feeds/sources/{Uri.EscapeDataString("示範物流協會")}"],
            authors.Select(author => author.GetProperty("url").GetString()));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ASourcesFeed_IsApartFromATagOfTheSameName_AndHasArchives(string provider)
    {
        var now = TestClock.Start.UtcDateTime;
        await using var site = await TestSite.StartAsync(provider,
            Articles.Sample("from-it", publishedAt: now.AddDays(-40)) with { Source = "國家郵政局示範處", Tags = [] },
            Articles.Sample("about-it", publishedAt: now.AddHours(-1)) with { Source = "示範物流協會", Tags = ["國家郵政局示範處"] });
        var (_, _, client) = site;

        var source = FeedXml.Parse(await client.GetByteArrayAsync($"/feeds/sources/{Source}.rss", Cancel));
        var tag = FeedXml.Parse(await client.GetByteArrayAsync($"/feeds/tags/{Source}.rss", Cancel));
        var archiveLink = source.Root!.Element("channel")!.Elements(FeedXml.Atom + "link").Single(link => (string?)link.Attribute("rel") == "prev-archive").Attribute("href")!.Value;
        var archive = FeedXml.Parse(await client.GetByteArrayAsync(new Uri(archiveLink).PathAndQuery, Cancel));

        Assert.Equal(["from-it"], ExternalIds(FeedXml.RssItems(source).Select(item => item.Element("link")!.Value)));
        Assert.Equal(["about-it"], ExternalIds(FeedXml.RssItems(tag).Select(item => item.Element("link")!.Value)));
        Assert.Equal("Feeds 示範新聞網 - 國家郵政局示範處", source.Root!.Element("channel")!.Element("title")!.Value);
        Assert.StartsWith($"{FeedsApp.PublicBaseUrl}feeds/sources/{Source}/archive/", archiveLink, StringComparison.Ordinal);
        Assert.Equal(["from-it"], ExternalIds(FeedXml.RssItems(archive).Select(item => item.Element("link")!.Value)));
        FeedRules.AssertValid(archive, archiveLink);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ABylineEditedInTheCms_MovesTheArticleFromOneAuthorsFeedToTheOthers(string provider)
    {
        await using var site = await TestSite.StartAsync(provider, Articles.Sample("a-1") with { Author = "林雅婷" });
        var (db, app, client) = site;
        var before = await client.GetAsync($"/feeds/authors/{Author}.atom", Cancel);

        await Articles.WriteAsync(db.Database, Articles.Sample("a-1") with { Author = "陳志明" });
        await app.RefreshAsync();
        var left = FeedXml.Parse(await client.GetByteArrayAsync($"/feeds/authors/{Author}.atom", Cancel));
        var joined = FeedXml.Parse(await client.GetByteArrayAsync($"/feeds/authors/{CoAuthor}.atom", Cancel));
        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/feeds/authors/{Author}.atom");
        conditional.Headers.IfNoneMatch.Add(before.Headers.ETag!);

        Assert.Single(FeedXml.AtomEntries(FeedXml.Parse(await before.Content.ReadAsByteArrayAsync(Cancel))));
        Assert.Empty(FeedXml.AtomEntries(left));
        Assert.Single(FeedXml.AtomEntries(joined));
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(conditional, Cancel)).StatusCode);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task PagesForPeople_LinkEachAuthorAndTheSource_AndEachKindHasADirectory(string provider)
    {
        await using var site = await TestSite.StartAsync(provider,
            Articles.Sample("a-1") with { Author = "林雅婷、陳志明", Source = "國家郵政局示範處" },
            Articles.Sample("a-2") with { Author = null, Source = null });
        var (_, _, client) = site;
        var parser = new HtmlParser();

        var page = parser.ParseDocument(await client.GetStringAsync("/feeds/logistics", Cancel));
        var authors = parser.ParseDocument(await client.GetStringAsync("/authors", Cancel));
        var sources = parser.ParseDocument(await client.GetStringAsync("/sources", Cancel));
        var index = parser.ParseDocument(await client.GetStringAsync("/", Cancel));
        var authorPage = await client.GetAsync($"/feeds/authors/{Author}", Cancel);
        var unknown = await client.GetAsync("/feeds/authors/沒有這個人.rss", Cancel);
        var noSecondPage = await client.GetAsync("/sources/2", Cancel);

        var bylines = page.QuerySelectorAll("p.meta").Select(meta => meta.QuerySelectorAll("a").Select(a => (a.TextContent, a.GetAttribute("href"))).ToList()).ToList();
        Assert.Contains(bylines, links => links.SequenceEqual([
            ("林雅婷", $"{FeedsApp.PublicBaseUrl}feeds/authors/{Author}"),
            ("陳志明", $"{FeedsApp.PublicBaseUrl}feeds/authors/{CoAuthor}"),
            ("國家郵政局示範處", $"{FeedsApp.PublicBaseUrl}feeds/sources/{Source}")]));
        // An article that names neither is bylined with the site, linked nowhere.
        Assert.Contains(page.QuerySelectorAll("p.meta"), meta => meta.TextContent.EndsWith("Feeds 示範新聞網", StringComparison.Ordinal) && meta.QuerySelector("a") is null);
        Assert.Equal(["林雅婷", "陳志明"], authors.QuerySelectorAll("ul.authors a").Select(a => a.TextContent));
        Assert.Equal(["國家郵政局示範處"], sources.QuerySelectorAll("ul.sources a").Select(a => a.TextContent));
        Assert.Equal($"{FeedsApp.PublicBaseUrl}authors", index.QuerySelectorAll("a").Select(a => a.GetAttribute("href")).Single(href => href!.EndsWith("/authors", StringComparison.Ordinal)));
        Assert.Equal(["林雅婷", "陳志明"], index.QuerySelectorAll("ul.authors a").Select(a => a.TextContent));
        Assert.Equal(HttpStatusCode.OK, authorPage.StatusCode);
        Assert.Contains("<h1>Feeds 示範新聞網 - 林雅婷</h1>", await authorPage.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType!.MediaType);
        Assert.Contains("author '沒有這個人'", await unknown.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, noSecondPage.StatusCode);
    }

    private static IEnumerable<string> ExternalIds(IEnumerable<string> links) =>
        links.Select(link => link.Split('/')[^1].Replace(".html", "", StringComparison.Ordinal));
}
