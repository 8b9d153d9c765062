namespace Feeds.Tests.Data;

/// <summary>
/// How the database behaves as it really runs, with other writers beside Feeds: names compared as identities,
/// edits the triggers must see, recursion, migrations on large or busy databases, cycles, and the import's
/// locks. Each body runs on SQLite and, with FEEDS_TEST_SQLSERVER set, on SQL Server, where each was written to
/// fail before sql/sqlserver/0004 and the import's lock design (none could run here: no SQL Server).
/// </summary>
public sealed class DatabaseBehaviourTests : FeedsTest
{
    /// <summary>Spellings that SQL Server's default collation (case-, width-insensitive, version 80) takes for one.</summary>
    private static readonly string[] LookAlikeTags = ["Foo", "foo", "ＡＩ", "AI", "港口🚢", "港口", "𠀀", "𠀁"];

    [Theory, MemberData(nameof(Providers))]
    public async Task TagsThatDifferOnlyInCaseWidthOrSupplementaryCharacters_StayDistinct_AndAReimportChangesNothing(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var articles = LookAlikeTags.Select((tag, i) => Articles.Sample($"t-{i}") with { Tags = [tag] }).ToArray();
        await Articles.WriteAsync(db.Database, articles);
        var versions = await db.VersionSumsAsync();

        await using (var writer = await ArticleWriter.BeginAsync(db.Database, new TestClock(), Cancel))
        {
            foreach (var article in articles)
            {
                Assert.Equal(UpsertOutcome.Unchanged, await writer.UpsertAsync(article, Cancel));
            }
            await writer.CommitAsync(Cancel);
        }

        await using var connection = await db.Database.OpenAsync(Cancel);
        Assert.Equal(LookAlikeTags.Order(StringComparer.Ordinal), (await connection.QueryAsync<string>("SELECT name FROM tags WHERE kind = 't'")).Order(StringComparer.Ordinal));
        Assert.Equal(versions, await db.VersionSumsAsync());
    }

    public static TheoryData<string, string, string> InvisibleToACaseInsensitiveCollation => new()
    {
        { "sqlite", "Foo 報導", "foo 報導" },
        { "sqlite", "ＡＩ 物流", "AI 物流" },
        { "sqlite", "港口🚢", "港口" },
        { "sqlite", "黃𠀀", "黃𠀁" },
        { "sqlserver", "Foo 報導", "foo 報導" },
        { "sqlserver", "ＡＩ 物流", "AI 物流" },
        { "sqlserver", "港口🚢", "港口" },
        { "sqlserver", "黃𠀀", "黃𠀁" },
    };

    [Theory, MemberData(nameof(InvisibleToACaseInsensitiveCollation))]
    public async Task AnEditOnlyABinaryComparisonSees_MovesTheFeedsOfTheArticleAndOfARenamedTag(string provider, string before, string after)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1", title: before) with { Tags = [before] });
        var versions = await db.VersionSumsAsync();

        // As the CMS writes: straight into the tables.
        await using (var connection = await db.Database.OpenAsync(Cancel))
        {
            await connection.ExecuteAsync("UPDATE articles SET title = @after WHERE external_id = 'a-1'", new { after });
        }
        var afterTitle = await db.VersionSumsAsync();
        await using (var connection = await db.Database.OpenAsync(Cancel))
        {
            await connection.ExecuteAsync("UPDATE tags SET name = @after WHERE name = @before", new { before, after });
        }
        var afterTag = await db.VersionSumsAsync();

        Assert.True(afterTitle.Category > versions.Category, "the title edit did not move the category's version");
        Assert.True(afterTitle.Tag > versions.Tag, "the title edit did not move the tag's version");
        Assert.True(afterTag.Tag > afterTitle.Tag, "the tag rename did not move the tag's version");
        Assert.True(afterTag.Category > afterTitle.Category, "the tag rename did not move the category's version");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task WithRecursiveTriggersOn_LinksAreStillWritten_AndMigrateSaysSo(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1") with { Tags = ["港口"] });
        await using var connection = await db.Database.OpenAsync(Cancel);
        // A database setting on SQL Server; a connection setting on SQLite.
        await connection.ExecuteAsync(provider == "sqlserver" ? "ALTER DATABASE CURRENT SET RECURSIVE_TRIGGERS ON" : "PRAGMA recursive_triggers = ON");

        await connection.ExecuteAsync("""
            INSERT INTO tags (name) VALUES (@name);
            INSERT INTO article_tags (article_id, tag_id, position)
            SELECT a.id, t.id, 1 FROM articles a, tags t WHERE a.external_id = 'a-1' AND t.name = @name;
            """, new { name = "新標籤" });
        var migrator = new Migrator(db.Database, Migrator.DefaultScriptsRoot);
        await migrator.MigrateAsync(Cancel);

        // The link copied its article's publish state, once, and nothing rolled back.
        Assert.Equal(2, await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM article_tags x JOIN tags t ON t.id = x.tag_id WHERE t.kind = 't' AND x.is_published = 1 AND x.published_at IS NOT NULL"));
        Assert.Equal(provider == "sqlserver", migrator.Warnings.Any(warning => warning.Contains("RECURSIVE_TRIGGERS", StringComparison.Ordinal)));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Migrations_RunWithoutTheCommandTimeout_AndTheirBackfillMovesNoVersion(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: false);
        using var folder = new TempFolder("feeds-migrations-");
        // The schema before tag feeds, with articles and links in it.
        await db.MigrateBeforeAsync("0003");
        await Articles.WriteAsFirstSchemaAsync(db.Database, [.. Enumerable.Range(1, 50).Select(i => Articles.Sample($"a-{i}") with { Tags = ["港口", $"t{i % 5}"] })]);
        var versions = await CategoryVersionsAsync(db);

        // Then the rest, plus a slow step, on a database whose commands time out after a second.
        var rest = Directory.CreateDirectory(Path.Combine(folder.FullName, "rest", db.Database.Dialect.Name));
        foreach (var script in new Migrator(db.Database, Migrator.DefaultScriptsRoot).Scripts())
        {
            File.Copy(script.Path, Path.Combine(rest.FullName, Path.GetFileName(script.Path)));
        }
        await File.WriteAllTextAsync(Path.Combine(rest.FullName, "9999_slow.sql"), provider == "sqlserver"
            ? "WAITFOR DELAY '00:00:03';"
            : "CREATE TABLE slow AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000000) SELECT COUNT(*) AS c FROM n;", Cancel);
        var impatient = new Database(db.Database.Dialect, db.ConnectionString, commandTimeoutSeconds: 1);

        var applied = await new Migrator(impatient, Path.GetDirectoryName(rest.FullName)!).MigrateAsync(Cancel);

        Assert.Equal("9999_slow", applied[^1]);
        Assert.Equal(versions, await CategoryVersionsAsync(db));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task TwoMigrationsAtOnce_ApplyEachScriptOnce(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: false);

        var results = await Task.WhenAll(
            Task.Run(() => new Migrator(db.Database, Migrator.DefaultScriptsRoot).MigrateAsync(Cancel), Cancel),
            Task.Run(() => new Migrator(db.Database, Migrator.DefaultScriptsRoot).MigrateAsync(Cancel), Cancel));

        var shipped = new Migrator(db.Database, Migrator.DefaultScriptsRoot).Scripts().Select(script => script.Version).ToList();
        Assert.Equal(shipped, results.SelectMany(applied => applied).Order(StringComparer.Ordinal));
        Assert.Empty(await new Migrator(db.Database, Migrator.DefaultScriptsRoot).MissingAsync(Cancel));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task AServerOnAnOlderSchema_NamesTheMissingMigrations_AndSqlServerRefusesToStart(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: false);
        using var folder = new TempFolder("feeds-old-schema-");
        var scripts = new Migrator(db.Database, Migrator.DefaultScriptsRoot).Scripts();
        await db.MigrateBeforeAsync(scripts[1].Version);

        var missing = await new Migrator(db.Database, Migrator.DefaultScriptsRoot).MissingAsync(Cancel);
        Assert.Equal(scripts.Skip(1).Select(script => script.Version), missing);

        if (provider == "sqlserver")
        {
            var result = await FeedsProcess.RunAsync(folder.FullName, "--urls=http://127.0.0.1:0",
                "--Feeds:Database:Provider=sqlserver", $"--Feeds:Database:ConnectionString={db.ConnectionString}");
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("run `migrate`", result.Stderr, StringComparison.Ordinal);
            Assert.Contains(missing[^1], result.Stderr, StringComparison.Ordinal);
        }
        else
        {
            // The embedded database is brought up to date by the starting server itself.
            await using var app = new FeedsApp(db);
            Assert.Equal(HttpStatusCode.OK, (await app.CreateRawClient().GetAsync("/feeds/all.rss", Cancel)).StatusCode);
            Assert.Empty(await new Migrator(db.Database, Migrator.DefaultScriptsRoot).MissingAsync(Cancel));
        }
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ACategoryCycle_AndATreeDeeperThan32_AreServedLikeAnyTree(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        // A chain of 40 categories under the section "news", an article in the deepest; and a two-category cycle.
        var chain = Enumerable.Range(1, 40).Select(i => Articles.Sample($"deep-{i}", category: $"level-{i}",
            section: i == 1 ? "news" : $"level-{i - 1}", publishedAt: TestClock.Start.UtcDateTime.AddMinutes(-i))).ToArray();
        await Articles.WriteAsync(db.Database, chain);
        await Articles.WriteAsync(db.Database,
            Articles.Sample("in-a", category: "loop-a", section: "loop-b"),
            Articles.Sample("in-b", category: "loop-b", section: null, publishedAt: TestClock.Start.UtcDateTime.AddHours(-2)));
        await using (var connection = await db.Database.OpenAsync(Cancel))
        {
            // As a CMS or a hand-typed UPDATE may: loop-b under loop-a, which is under loop-b.
            await connection.ExecuteAsync("UPDATE categories SET parent_id = (SELECT id FROM categories WHERE slug = 'loop-a') WHERE slug = 'loop-b'");
        }
        await using var app = new FeedsApp(db, settings: new Dictionary<string, string?> { ["Feeds:MaxLimit"] = "100" });
        var client = app.CreateRawClient();

        var news = await client.GetAsync("/feeds/news.atom?limit=100", Cancel);
        var loop = await client.GetAsync("/feeds/loop-a.atom", Cancel);
        var loopArchive = await client.GetAsync($"/feeds/loop-a/archive/{TestClock.Start:yyyy-MM}.atom", Cancel);

        Assert.Equal(HttpStatusCode.OK, news.StatusCode);
        Assert.Equal(40, FeedXml.AtomEntries(FeedXml.Parse(await news.Content.ReadAsByteArrayAsync(Cancel))).Count());
        Assert.Equal(HttpStatusCode.OK, loop.StatusCode);
        Assert.Equal(["in-a", "in-b"], FeedXml.AtomEntries(FeedXml.Parse(await loop.Content.ReadAsByteArrayAsync(Cancel)))
            .Select(entry => entry.Element(FeedXml.Atom + "id")!.Value.Split(':')[^1]));
        Assert.Equal(HttpStatusCode.OK, loopArchive.StatusCode);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task TwoImportsAtOnce_TakeTurns_AndBothAreStored(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await Articles.WriteAsync(db.Database, Articles.Sample("seed") with { Tags = ["港口"] });

        var first = await ArticleWriter.BeginAsync(db.Database, new TestClock(), Cancel);
        await first.UpsertAsync(Articles.Sample("first") with { Tags = ["港口"] }, Cancel);
        var second = Task.Run(async () =>
        {
            // Waits for the first import (SQL Server: its application lock; SQLite: its write lock).
            await using var writer = await ArticleWriter.BeginAsync(db.Database, new TestClock(), Cancel);
            await writer.UpsertAsync(Articles.Sample("second") with { Tags = ["港口", "新標籤"] }, Cancel);
            await writer.CommitAsync(Cancel);
        }, Cancel);
        await Task.Delay(300, Cancel);
        Assert.False(second.IsCompleted);
        await first.CommitAsync(Cancel);
        await first.DisposeAsync();
        await second;

        await using var connection = await db.Database.OpenAsync(Cancel);
        Assert.Equal(3, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM articles"));
        Assert.Equal(2, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM tags WHERE kind = 't'"));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task DuringAnImport_AnotherWriterOfItsCategories_WaitsOnlyWhereTheDatabaseMakesItWait(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await Articles.WriteAsync(db.Database, Articles.Sample("seed") with { Tags = ["港口"] });
        var before = await db.VersionSumsAsync();

        await using var import = await ArticleWriter.BeginAsync(db.Database, new TestClock(), Cancel);
        await import.UpsertAsync(Articles.Sample("imported") with { Tags = ["港口"] }, Cancel);
        // The CMS gives up after 3 seconds (SQL Server: LOCK_TIMEOUT; SQLite: the command timeout, its busy wait).
        await using var cms = await db.Database.OpenAsync(Cancel);
        var write = provider == "sqlserver"
            // SQL Server: the import holds its own rows, not its categories' and tags' version rows.
            ? "SET LOCK_TIMEOUT 3000; UPDATE articles SET title = @title WHERE external_id = 'seed';"
            // SQLite: one writer at a time, whoever it is.
            : "UPDATE articles SET title = @title WHERE external_id = 'seed';";

        var cmsWrite = await Record.ExceptionAsync(() => cms.ExecuteAsync(write, new { title = "編輯台改過的標題" }, commandTimeout: 3));

        if (provider == "sqlserver")
        {
            Assert.Null(cmsWrite);
        }
        else
        {
            Assert.Equal(5, Assert.IsType<Microsoft.Data.Sqlite.SqliteException>(cmsWrite).SqliteErrorCode);  // SQLITE_BUSY
        }
        await import.CommitAsync(Cancel);
        var after = await db.VersionSumsAsync();
        Assert.True(after.Category > before.Category && after.Tag > before.Tag, "the import's version moves were lost");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task TheServerKnowsWhetherReadsWaitForWriters(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);

        var waits = await db.Database.ReadsWaitForWritersAsync(Cancel);

        // SQLite in WAL mode never makes readers wait; SQL Server does unless READ_COMMITTED_SNAPSHOT is on.
        var snapshot = string.Equals(Environment.GetEnvironmentVariable(TestDatabase.SqlServerSnapshotVariable), "on", StringComparison.OrdinalIgnoreCase);
        Assert.Equal(provider == "sqlserver" && !snapshot, waits);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task CopyingThePublishStateIntoLinks_MovesNoCategoryVersion(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1") with { Tags = ["港口", "供應鏈"] });
        var versions = await CategoryVersionsAsync(db);

        await using (var connection = await db.Database.OpenAsync(Cancel))
        {
            await connection.ExecuteAsync("UPDATE article_tags SET published_at = published_at, is_published = is_published");
        }

        Assert.Equal(versions, await CategoryVersionsAsync(db));
    }

    private static async Task<string> CategoryVersionsAsync(TestDatabase db)
    {
        await using var connection = await db.Database.OpenAsync(Cancel);
        return string.Join(",", await connection.QueryAsync<long>("SELECT version FROM categories ORDER BY id"));
    }
}
