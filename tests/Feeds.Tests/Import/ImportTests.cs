using System.Text;
using Feeds.Import;

namespace Feeds.Tests.Import;

public sealed class ImportTests : FeedsTest, IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("feeds-import-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Theory, MemberData(nameof(Providers))]
    public async Task ImportedArticles_AppearInTheirCategorySectionAndSiteFeeds(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var file = await Ndjson.WriteFileAsync(_folder.FullName,
        [
            Ndjson.Line(Ndjson.Article("n-1")),
            Ndjson.Line(Ndjson.Article("n-2", category: "express")),
        ]);

        var report = await Importer(db).ImportAsync(file, skipBadLines: false, TextWriter.Null, Cancel);
        await using var app = new FeedsApp(db);
        var client = app.CreateRawClient();

        Assert.True(report.Committed);
        Assert.Equal((2, 0, 0), (report.Inserted, report.Updated, report.Unchanged));
        Assert.Equal(["n-1"], await IdsAsync(client, "/feeds/logistics.rss"));
        Assert.Equal(["n-2"], await IdsAsync(client, "/feeds/express.rss"));
        Assert.Equal(["n-1", "n-2"], (await IdsAsync(client, "/feeds/news.rss")).Order());
        Assert.Equal(["n-1", "n-2"], (await IdsAsync(client, "/feeds/all.rss")).Order());
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ImportingTheSameFileTwice_ChangesNothing_NotEvenTheETag(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var lines = Enumerable.Range(0, 5).Select(i => Ndjson.Line(Ndjson.Article($"n-{i}"))).ToList();
        var withoutUpdatedAt = Ndjson.Article("no-updated-at");
        withoutUpdatedAt.Remove("updatedAt");
        lines.Add(Ndjson.Line(withoutUpdatedAt));
        var file = await Ndjson.WriteFileAsync(_folder.FullName, lines);
        await Importer(db).ImportAsync(file, false, TextWriter.Null, Cancel);
        await using var app = new FeedsApp(db);
        var client = app.CreateRawClient();
        var before = await client.GetAsync("/feeds/news.atom", Cancel);

        app.Clock.Advance(TimeSpan.FromHours(1));
        var second = await Importer(db, app.Clock).ImportAsync(file, false, TextWriter.Null, Cancel);
        await app.RefreshAsync();
        var after = await client.GetAsync("/feeds/news.atom", Cancel);

        Assert.Equal((0, 0, 6), (second.Inserted, second.Updated, second.Unchanged));
        Assert.Equal(before.Headers.ETag, after.Headers.ETag);
        Assert.Equal(await before.Content.ReadAsByteArrayAsync(Cancel), await after.Content.ReadAsByteArrayAsync(Cancel));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task AnEditedArticle_KeepsItsGuidAndPublishTime_AndGetsTheNewUpdateTime(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var original = Ndjson.Article("n-1", title: "原標題");
        await Importer(db).ImportAsync(await Ndjson.WriteFileAsync(_folder.FullName, [Ndjson.Line(original)], "v1.ndjson"), false, TextWriter.Null, Cancel);
        var edited = Ndjson.Article("n-1", title: "更正後的標題");
        edited["updatedAt"] = "2026-11-27T15:30:00+08:00";
        edited["tags"] = new[] { "供應鏈", "更正" };

        var report = await Importer(db).ImportAsync(await Ndjson.WriteFileAsync(_folder.FullName, [Ndjson.Line(edited)], "v2.ndjson"), false, TextWriter.Null, Cancel);
        await using var app = new FeedsApp(db);
        var entry = FeedXml.AtomEntries(FeedXml.Parse(await app.CreateRawClient().GetByteArrayAsync("/feeds/logistics.atom", Cancel))).Single();

        Assert.Equal(1, report.Updated);
        Assert.Equal("tag:news.example.com,2026:article:n-1", entry.Element(FeedXml.Atom + "id")!.Value);
        Assert.Equal("更正後的標題", entry.Element(FeedXml.Atom + "title")!.Value);
        Assert.Equal("2026-11-27T01:00:00Z", entry.Element(FeedXml.Atom + "published")!.Value);
        FeedXml.AssertUpdatedIn("2026-11-27T07:30:00Z", entry.Element(FeedXml.Atom + "updated")?.Value);
        Assert.Equal(["綜合物流", "供應鏈", "更正"], entry.Elements(FeedXml.Atom + "category").Select(c => c.Attribute("term")!.Value));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task BadLines_AreReportedWithLineNumbers_AndNothingOfTheFileIsImported(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var noTitle = Ndjson.Article("bad-2");
        noTitle.Remove("title");
        var badDate = Ndjson.Article("bad-3", publishedAt: "31/03/2026");
        var badCategory = Ndjson.Article("bad-4", category: "Logistics News");
        var tagsNotArray = Ndjson.Article("bad-6");
        tagsNotArray["tags"] = "供應鏈";
        var file = await Ndjson.WriteFileAsync(_folder.FullName,
        [
            Ndjson.Line(Ndjson.Article("good-1")),
            Ndjson.Line(noTitle),
            Ndjson.Line(badDate),
            Ndjson.Line(badCategory),
            "{\"id\": \"truncated\", \"title\": ",
            Ndjson.Line(tagsNotArray),
            "[1, 2]",
            Ndjson.Line(Ndjson.Article("good-8")),
        ]);

        var report = await Importer(db).ImportAsync(file, skipBadLines: false, TextWriter.Null, Cancel);

        Assert.False(report.Committed);
        Assert.Equal([2, 3, 4, 5, 6, 7], report.Errors.Select(error => error.Line));
        Assert.Contains("title is required", report.Errors[0].Reason, StringComparison.Ordinal);
        Assert.Contains("publishedAt '31/03/2026' is not an RFC 3339 date-time", report.Errors[1].Reason, StringComparison.Ordinal);
        Assert.Contains("category 'Logistics News' is not a slug", report.Errors[2].Reason, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", report.Errors[3].Reason, StringComparison.Ordinal);
        Assert.Contains("tags must be an array", report.Errors[4].Reason, StringComparison.Ordinal);
        Assert.Contains("not a JSON object", report.Errors[5].Reason, StringComparison.Ordinal);
        Assert.Empty((await new ArticleStore(db.Database).GetFeedStateAsync(FeedScope.Site, DateTime.UtcNow, 10, Cancel)).Categories);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task SkipBadLines_ImportsTheGoodLines_AndStillReportsTheBadOnes(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var file = await Ndjson.WriteFileAsync(_folder.FullName,
            [Ndjson.Line(Ndjson.Article("good-1")), "not json", Ndjson.Line(Ndjson.Article("good-3"))]);

        var report = await Importer(db).ImportAsync(file, skipBadLines: true, TextWriter.Null, Cancel);
        await using var app = new FeedsApp(db);

        Assert.True(report.Committed);
        Assert.Equal(2, report.Inserted);
        Assert.Equal(2, Assert.Single(report.Errors).Line);
        Assert.Equal(["good-1", "good-3"], (await IdsAsync(app.CreateRawClient(), "/feeds/all.rss")).Order());
    }

    [Fact]
    public async Task InvalidUtf8_AndReservedSlugs_AreBadLines_WhileBlankLinesAndCrLfAreFine()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        var path = Path.Combine(_folder.FullName, "mixed.ndjson");
        var reserved = Ndjson.Article("reserved", category: "all");
        var good = Encoding.UTF8.GetBytes(Ndjson.Line(Ndjson.Article("good-1")) + "\r\n\r\n");
        var invalid = Encoding.UTF8.GetBytes(Ndjson.Line(Ndjson.Article("bad-utf8", title: "XX")).Replace("XX", "\u0001", StringComparison.Ordinal) + "\n");
        invalid[Array.IndexOf(invalid, (byte)1)] = 0xC3; // a lead byte without its continuation
        var last = Encoding.UTF8.GetBytes(Ndjson.Line(reserved));
        await File.WriteAllBytesAsync(path, [.. "\uFEFF"u8, .. good, .. invalid, .. last], Cancel);

        var report = await Importer(db).ImportAsync(path, skipBadLines: false, TextWriter.Null, Cancel);

        Assert.Equal([3, 4], report.Errors.Select(error => error.Line));
        Assert.Equal("not valid UTF-8", report.Errors[0].Reason);
        Assert.Contains("reserved", report.Errors[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NaiveTimes_AreSiteLocal_AndXmlInvalidCharactersAreDroppedOnTheWayIn()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        var article = Ndjson.Article("n-1", title: "標題\u0008LONE𠀀", publishedAt: "2020-03-31 10:05:39");
        article.Remove("updatedAt");
        // A lone surrogate can only travel as a JSON escape.
        var line = Ndjson.Line(article).Replace("LONE", "\\ud800", StringComparison.Ordinal);
        var file = await Ndjson.WriteFileAsync(_folder.FullName, [line]);

        await Importer(db).ImportAsync(file, false, TextWriter.Null, Cancel);
        var (articles, _) = await new ArticleStore(db.Database).GetArticlesAsync([1], Cancel);

        var stored = Assert.Single(articles.Values);
        Assert.Equal("標題𠀀", stored.Title);
        Assert.Equal(new DateTime(2020, 3, 31, 2, 5, 39, DateTimeKind.Utc), stored.PublishedAt);
        Assert.Equal(stored.PublishedAt, stored.UpdatedAt);
    }

    [Fact]
    public async Task ImportCommand_ReportsBadLinesOnStderr_ExitsNonZero_ThenImportsAFixedFile()
    {
        var dataFile = Path.Combine(_folder.FullName, "cli.db");
        var bad = await Ndjson.WriteFileAsync(_folder.FullName, [Ndjson.Line(Ndjson.Article("c-1")), "{oops"], "bad.ndjson");
        var good = await Ndjson.WriteFileAsync(_folder.FullName, [Ndjson.Line(Ndjson.Article("c-1"))], "good.ndjson");
        string[] settings = [$"--Feeds:Database:ConnectionString=Data Source={dataFile}"];

        var failed = await RunFeedsAsync(["import", bad, .. settings]);
        var imported = await RunFeedsAsync(["import", good, .. settings]);
        var again = await RunFeedsAsync(["import", good, .. settings]);
        var migrate = await RunFeedsAsync(["migrate", .. settings]);

        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("bad.ndjson: line 2: not valid JSON", failed.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was imported", failed.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, imported.ExitCode);
        Assert.Contains("1 new, 0 updated, 0 unchanged", imported.Stdout, StringComparison.Ordinal);
        Assert.Contains("0 new, 0 updated, 1 unchanged", again.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, migrate.ExitCode);
        Assert.Contains("up to date", migrate.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportCommand_WithAnInvalidSetting_StopsWithAClearMessage()
    {
        var file = await Ndjson.WriteFileAsync(_folder.FullName, [Ndjson.Line(Ndjson.Article("c-1"))]);

        var result = await RunFeedsAsync(["import", file, "--Feeds:SiteTimeZone=Mars/Olympus", $"--Feeds:Database:ConnectionString=Data Source={_folder.FullName}/x.db"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Feeds:SiteTimeZone 'Mars/Olympus'", result.Stderr, StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ADeleteLine_TakesTheArticleOutOfEveryFeed_AndIsUnchangedWhenReplayed(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await Importer(db).ImportAsync(await Ndjson.WriteFileAsync(_folder.FullName, [Ndjson.Line(Ndjson.Article("d-1")), Ndjson.Line(Ndjson.Article("d-2"))], "v1.ndjson"), false, TextWriter.Null, Cancel);
        var deletes = await Ndjson.WriteFileAsync(_folder.FullName, ["""{"id":"d-1","deleted":true}""", """{"id":"never-stored","deleted":true}"""], "v2.ndjson");
        var badDelete = await Ndjson.WriteFileAsync(_folder.FullName, ["""{"id":"d-2","deleted":true,"title":"x"}"""], "v3.ndjson");

        var report = await Importer(db).ImportAsync(deletes, false, TextWriter.Null, Cancel);
        var replayed = await Importer(db).ImportAsync(deletes, false, TextWriter.Null, Cancel);
        var refused = await Importer(db).ImportAsync(badDelete, false, TextWriter.Null, Cancel);
        await using var app = new FeedsApp(db);
        var client = app.CreateRawClient();

        Assert.Equal((1, 1), (report.Deleted, report.Unchanged));
        Assert.Equal((0, 2), (replayed.Deleted, replayed.Unchanged));
        Assert.Equal("line 1: a delete line carries only id and deleted, not title", refused.Errors.Single().ToString());
        Assert.Equal(["d-2"], await IdsAsync(client, "/feeds/logistics.rss"));
        Assert.Equal(["d-2"], await IdsAsync(client, "/feeds/tags/%E4%BE%9B%E6%87%89%E9%8F%88.rss"));
    }

    private static NdjsonImporter Importer(TestDatabase db, TimeProvider? clock = null) =>
        new(db.Database, new ImportLineParser(SiteTime.Create("Asia/Shanghai")), clock ?? new TestClock());

    private static async Task<List<string>> IdsAsync(HttpClient client, string path) =>
        FeedXml.RssItems(FeedXml.Parse(await client.GetByteArrayAsync(path, Cancel)))
            .Select(item => item.Element("guid")!.Value.Split(':').Last())
            .ToList();

    private Task<(int ExitCode, string Stdout, string Stderr)> RunFeedsAsync(string[] arguments) =>
        FeedsProcess.RunAsync(_folder.FullName, arguments);
}
