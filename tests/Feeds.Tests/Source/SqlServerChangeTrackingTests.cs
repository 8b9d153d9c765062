using Dapper;
using Feeds.Source;
using Microsoft.Data.SqlClient;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace Feeds.Tests.Source;

/// <summary>
/// Following a SQL Server CMS through Change Tracking (Feeds:Source:TrackedTables), the way the README shows: a
/// first follow reads every article (ResyncQuery), then the changes after the version it began at, deletes
/// included; a cursor older than CHANGE_TRACKING_MIN_VALID_VERSION reads every article again. The CMS runs when
/// FEEDS_TEST_SQLSERVER is set (skipped with the reason otherwise); the queries are parsed by Microsoft's own
/// parser always.
/// </summary>
public sealed class SqlServerChangeTrackingTests : FeedsTest
{
    /// <summary>A CMS in its own shape (as the demo's, on SQL Server), with Change Tracking on its tables.</summary>
    public const string CmsSchema = """
        CREATE TABLE dbo.cms_sections (id int NOT NULL PRIMARY KEY, slug nvarchar(100) NOT NULL, name nvarchar(100) NOT NULL);
        CREATE TABLE dbo.cms_categories (id int NOT NULL PRIMARY KEY, section_id int NULL REFERENCES dbo.cms_sections (id), slug nvarchar(100) NOT NULL, name nvarchar(100) NOT NULL);
        CREATE TABLE dbo.cms_articles (
            id int NOT NULL PRIMARY KEY, category_id int NOT NULL REFERENCES dbo.cms_categories (id),
            title nvarchar(400) NULL, intro nvarchar(max) NULL, body nvarchar(max) NULL, writer nvarchar(100) NULL,
            source_org nvarchar(100) NULL, path nvarchar(400) NOT NULL, cover nvarchar(400) NULL,
            publish_time datetime2(0) NOT NULL, modify_time datetime2(0) NULL, state int NOT NULL DEFAULT 1);
        CREATE TABLE dbo.cms_tags (id int NOT NULL PRIMARY KEY, name nvarchar(100) NOT NULL UNIQUE);
        CREATE TABLE dbo.cms_article_tags (article_id int NOT NULL, tag_id int NOT NULL, sort int NOT NULL, PRIMARY KEY (article_id, tag_id));
        """;

    public const string EnableChangeTracking = """
        ALTER DATABASE CURRENT SET CHANGE_TRACKING = ON (CHANGE_RETENTION = 2 DAYS, AUTO_CLEANUP = ON);
        ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON;
        ALTER TABLE dbo.cms_articles ENABLE CHANGE_TRACKING;
        ALTER TABLE dbo.cms_article_tags ENABLE CHANGE_TRACKING;
        ALTER TABLE dbo.cms_categories ENABLE CHANGE_TRACKING;
        ALTER TABLE dbo.cms_tags ENABLE CHANGE_TRACKING;
        """;

    /// <summary>The columns of an article, from a.* and its category (the README's queries share them).</summary>
    private const string ArticleColumns = """
        c.slug AS category, c.name AS categoryName, s.slug AS section, s.name AS sectionName,
               a.title AS title, a.intro AS summary, a.body AS contentHtml, a.writer AS author, a.source_org AS source,
               CONCAT(N'https://news.example.com', a.path) AS url,
               CASE WHEN a.cover LIKE N'/%' THEN CONCAT(N'https://news.example.com', a.cover) ELSE a.cover END AS imageUrl,
               a.publish_time AS publishedAt, a.modify_time AS updatedAt,
               (SELECT N'[' + STRING_AGG(N'"' + STRING_ESCAPE(t.name, 'json') + N'"', N',') WITHIN GROUP (ORDER BY x.sort) + N']'
                FROM dbo.cms_article_tags x JOIN dbo.cms_tags t ON t.id = x.tag_id WHERE x.article_id = a.id) AS tags,
               CASE a.state WHEN 1 THEN N'published' ELSE N'draft' END AS status
        """;

    /// <summary>
    /// Every article touched after @after, by its own row, its tag links, its category or one of its tags (renamed),
    /// at the newest version that touched it; a row no longer there is deleted.
    /// </summary>
    public const string ChangesQuery = $"""
        WITH touched AS (
            SELECT ct.id AS article_id, ct.SYS_CHANGE_VERSION AS version
            FROM CHANGETABLE(CHANGES dbo.cms_articles, @after) AS ct
            UNION ALL
            SELECT ct.article_id, ct.SYS_CHANGE_VERSION
            FROM CHANGETABLE(CHANGES dbo.cms_article_tags, @after) AS ct
            UNION ALL
            SELECT a.id, ct.SYS_CHANGE_VERSION
            FROM CHANGETABLE(CHANGES dbo.cms_categories, @after) AS ct JOIN dbo.cms_articles a ON a.category_id = ct.id
            UNION ALL
            SELECT x.article_id, ct.SYS_CHANGE_VERSION
            FROM CHANGETABLE(CHANGES dbo.cms_tags, @after) AS ct JOIN dbo.cms_article_tags x ON x.tag_id = ct.id
        ), changed AS (
            SELECT article_id, MAX(version) AS version FROM touched GROUP BY article_id
        )
        SELECT CONCAT(N'demo-', FORMAT(ch.article_id, '0000')) AS id,
               {ArticleColumns},
               CASE WHEN a.id IS NULL OR a.state = -1 THEN 1 ELSE 0 END AS deleted,
               ch.version AS change
        FROM changed ch
        LEFT JOIN dbo.cms_articles a ON a.id = ch.article_id
        LEFT JOIN dbo.cms_categories c ON c.id = a.category_id
        LEFT JOIN dbo.cms_sections s ON s.id = c.section_id
        ORDER BY ch.version
        """;

    /// <summary>Every article, by key (the full read of a first follow, or after the changes were cleaned up).</summary>
    public const string ResyncQuery = $"""
        SELECT CONCAT(N'demo-', FORMAT(a.id, '0000')) AS id,
               {ArticleColumns},
               CASE WHEN a.state = -1 THEN 1 ELSE 0 END AS deleted,
               a.id AS change
        FROM dbo.cms_articles a
        JOIN dbo.cms_categories c ON c.id = a.category_id
        LEFT JOIN dbo.cms_sections s ON s.id = c.section_id
        WHERE @after IS NULL OR a.id > @after
        ORDER BY a.id
        """;

    public static TheoryData<string> Queries => new(nameof(ChangesQuery), nameof(ResyncQuery), nameof(CmsSchema), nameof(EnableChangeTracking));

    [Theory, MemberData(nameof(Queries))]
    public void TheQueriesTheReadmeShows_ParseAsTSql(string name)
    {
        var sql = name switch
        {
            nameof(ChangesQuery) => ChangesQuery,
            nameof(ResyncQuery) => ResyncQuery,
            nameof(CmsSchema) => CmsSchema,
            _ => EnableChangeTracking,
        };

        new TSql170Parser(initialQuotedIdentifiers: true).Parse(new StringReader(sql), out var errors);

        Assert.Empty(errors.Select(error => $"{error.Line}:{error.Column} {error.Message}"));
    }

    [Fact]
    public void TheReadme_ShowsTheChangeTrackingQueriesTheTestsRun()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));

        Assert.Contains("CHANGETABLE(CHANGES dbo.cms_articles, @after)", readme, StringComparison.Ordinal);
        Assert.Contains(Flatten(ChangesQuery), Flatten(readme), StringComparison.Ordinal);
        Assert.Contains(Flatten(ResyncQuery), Flatten(readme), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sqlite", ResyncQuery, "Feeds:Source:Provider must be sqlserver")]
    [InlineData("sqlserver", "", "needs a ResyncQuery")]
    [InlineData("sqlserver", ResyncQuery, null)]
    public void TrackedTables_NeedSqlServerAndAResyncQuery(string provider, string resyncQuery, string? failure)
    {
        var options = new FeedsOptions();
        options.Source.Provider = provider;
        options.Source.ConnectionString = "Server=cms.example.net;Database=Cms";
        options.Source.ChangesQuery = ChangesQuery;
        options.Source.ResyncQuery = resyncQuery;
        options.Source.TrackedTables.Add("dbo.cms_articles");

        var result = new FeedsOptionsValidator().Validate(null, options);

        if (failure is null)
        {
            Assert.True(result.Succeeded, result.FailureMessage);
        }
        else
        {
            Assert.Contains(failure, result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AFirstFollowReadsEveryArticle_ThenEveryChangeAndDelete_AndACursorTooOldReadsEverythingAgain()
    {
        await using var feeds = await TestDatabase.CreateAsync("sqlserver");
        await using var cmsDatabase = await TestDatabase.CreateAsync("sqlserver", migrate: false);
        await using (var cms = new SqlConnection(cmsDatabase.ConnectionString))
        {
            await cms.ExecuteAsync(CmsSchema);
            await cms.ExecuteAsync(EnableChangeTracking);
            await cms.ExecuteAsync("""
                INSERT INTO dbo.cms_sections VALUES (1, N'news', N'資訊中心');
                INSERT INTO dbo.cms_categories VALUES (1, 1, N'logistics', N'綜合物流'), (2, 1, N'express', N'快遞');
                INSERT INTO dbo.cms_tags VALUES (1, N'供應鏈');
                INSERT INTO dbo.cms_articles (id, category_id, title, body, path, publish_time) VALUES
                    (1, 1, N'港口夜間作業試行', N'<p>一</p>', N'/a/1.html', '2026-11-27 09:00:00'),
                    (2, 2, N'快遞量創新高', N'<p>二</p>', N'/a/2.html', '2026-11-27 10:00:00'),
                    (3, 1, N'冷鏈新規', N'<p>三</p>', N'/a/3.html', '2026-11-27 11:00:00');
                INSERT INTO dbo.cms_article_tags VALUES (1, 1, 1), (3, 1, 1);
                """);
        }
        var settings = new Dictionary<string, string?>
        {
            ["Feeds:Source:Provider"] = "sqlserver",
            ["Feeds:Source:ConnectionString"] = cmsDatabase.ConnectionString,
            ["Feeds:Source:ChangesQuery"] = ChangesQuery,
            ["Feeds:Source:ResyncQuery"] = ResyncQuery,
            ["Feeds:Source:TrackedTables:0"] = "dbo.cms_articles",
            ["Feeds:Source:TrackedTables:1"] = "dbo.cms_article_tags",
            ["Feeds:Source:TrackedTables:2"] = "dbo.cms_categories",
            ["Feeds:Source:TrackedTables:3"] = "dbo.cms_tags",
            ["Feeds:Source:BatchSize"] = "2",
        };
        await using var app = new FeedsApp(feeds, settings: settings);
        var client = app.CreateRawClient();
        await app.RefreshAsync();
        var follower = app.Services.GetRequiredService<CmsFollower>();

        // The first follow starts the full read; the pages follow (two articles a page).
        for (var i = 0; i < 4; i++)
        {
            await follower.FollowOnceAsync(Cancel);
        }
        Assert.Equal(["demo-0001", "demo-0002", "demo-0003"], (await IdsAsync(client, "/feeds/all.atom")).Order());

        await using (var cms = new SqlConnection(cmsDatabase.ConnectionString))
        {
            await cms.ExecuteAsync("UPDATE dbo.cms_articles SET title = N'港口夜間作業正式實施' WHERE id = 1");
            await cms.ExecuteAsync("UPDATE dbo.cms_articles SET state = 0 WHERE id = 2");
            await cms.ExecuteAsync("DELETE FROM dbo.cms_article_tags WHERE article_id = 3; DELETE FROM dbo.cms_articles WHERE id = 3");
            await cms.ExecuteAsync("UPDATE dbo.cms_tags SET name = N'供應鏈管理' WHERE id = 1");
        }
        await follower.FollowOnceAsync(Cancel);
        await follower.FollowOnceAsync(Cancel);

        Assert.Equal(["demo-0001"], await IdsAsync(client, "/feeds/all.atom"));
        Assert.Contains("港口夜間作業正式實施", await client.GetStringAsync("/feeds/all.atom", Cancel));
        Assert.Equal(["demo-0001"], await IdsAsync(client, $"/feeds/tags/{Uri.EscapeDataString("供應鏈管理")}.atom"));

        // As if the CMS had cleaned up the changes after Feeds' cursor: every article is read again.
        await using (var connection = await feeds.Database.OpenAsync(Cancel))
        {
            await connection.ExecuteAsync("UPDATE source_state SET change_cursor = N'-1'");
        }
        await using (var cms = new SqlConnection(cmsDatabase.ConnectionString))
        {
            await cms.ExecuteAsync("UPDATE dbo.cms_articles SET state = 1 WHERE id = 2");
        }
        var resync = await follower.FollowOnceAsync(Cancel);
        for (var i = 0; i < 3; i++)
        {
            await follower.FollowOnceAsync(Cancel);
        }
        await using (var connection = await feeds.Database.OpenAsync(Cancel))
        {
            Assert.Null(await connection.ExecuteScalarAsync<string?>("SELECT resync_after FROM source_state"));
        }
        Assert.Equal(0, resync.Inserted + resync.Updated);
        Assert.Equal(["demo-0001", "demo-0002"], (await IdsAsync(client, "/feeds/all.atom")).Order());
    }

    private static async Task<List<string>> IdsAsync(HttpClient client, string path) =>
        FeedXml.AtomEntries(FeedXml.Parse(await client.GetByteArrayAsync(path, Cancel)))
            .Select(entry => entry.Element(FeedXml.Atom + "id")!.Value.Split(':').Last())
            .ToList();

    private static string Flatten(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");
}
