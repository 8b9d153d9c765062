namespace Feeds.Tests.Data;

/// <summary>One body per provider: SQLite always, SQL Server when FEEDS_TEST_SQLSERVER is set.</summary>
public sealed class StoreTests : FeedsTest
{
    [Theory, MemberData(nameof(Providers))]
    public async Task Newest_IsPublishedAndDue_NewestFirst_WithinLimit_PerCategorySet(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var now = TestClock.Start.UtcDateTime;
        await Articles.WriteAsync(db.Database,
            Articles.Sample("l-3", publishedAt: now.AddHours(-3)),
            Articles.Sample("l-1", publishedAt: now.AddHours(-1)),
            Articles.Sample("e-2", category: "express", publishedAt: now.AddHours(-2)),
            Articles.Sample("draft", publishedAt: now.AddHours(-1)) with { IsPublished = false },
            Articles.Sample("future", publishedAt: now.AddMinutes(1)),
            Articles.Sample("m-1", category: "markets", section: "industry", publishedAt: now.AddMinutes(-10)));
        var store = new ArticleStore(db.Database);

        var (rows, logistics) = await store.GetFeedStateAsync(FeedScope.Subtree("logistics"), now, 10, Cancel);
        var (_, news) = await store.GetFeedStateAsync(FeedScope.Subtree("news"), now, 10, Cancel);
        var (_, unknown) = await store.GetFeedStateAsync(FeedScope.Subtree("nothing-here"), now, 10, Cancel);
        var (_, site) = await store.GetFeedStateAsync(FeedScope.Site, now, 10, Cancel);
        var (_, siteTwo) = await store.GetFeedStateAsync(FeedScope.Site, now, 2, Cancel);
        var (_, atPublishTime) = await store.GetFeedStateAsync(FeedScope.Site, now.AddMinutes(1), 10, Cancel);
        var categories = rows.ToDictionary(c => c.Slug);

        Assert.Equal(["l-1", "l-3"], logistics.Select(k => k.ExternalId));
        Assert.Equal(["l-1", "e-2", "l-3"], news.Select(k => k.ExternalId));
        Assert.Empty(unknown);
        Assert.Equal(["m-1", "l-1", "e-2", "l-3"], site.Select(k => k.ExternalId));
        Assert.Equal(["m-1", "l-1"], siteTwo.Select(k => k.ExternalId));
        Assert.Equal("future", atPublishTime[0].ExternalId);
        Assert.Equal(categories["news"].Id, categories["logistics"].ParentId);
        Assert.Null(categories["news"].ParentId);
    }

    /// <summary>
    /// Issue 29, finding 5: keys and bodies were read in two statements, two snapshots under RCSI (and under
    /// SQLite's autocommit), and the bodies were kept under the keys' versions; an edit committed between them
    /// put its text under the version before it. Now a render reads one snapshot, whatever commits meanwhile.
    /// </summary>
    [Theory, MemberData(nameof(Providers))]
    public async Task ARenderReadsKeysBodiesAndMarkInOneSnapshot_WhateverCommitsBetweenThem(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var now = TestClock.Start.UtcDateTime;
        var article = Articles.Sample("a-1", publishedAt: now.AddHours(-1)) with { Title = "編輯前" };
        await Articles.WriteAsync(db.Database, article);
        var store = new ArticleStore(db.Database);
        var markBefore = (await new VersionStore(db.Database).GetMarkAsync(now, Cancel)).Mark;
        var editedBetween = false;

        var read = await store.ReadFeedAsync(FeedScope.Site, now, 10, Cancel, (categories, keys) =>
        {
            // Between the keys and the bodies another writer commits an edit (and a new tag, which moves the mark).
            Task.Run(() => Articles.WriteAsync(db.Database, article with { Title = "編輯後", Tags = ["新標籤"] })).GetAwaiter().GetResult();
            editedBetween = true;
            long[] ids = [.. keys.Select(key => key.Id)];
            return new ArticleReads(ids, ids);
        });
        var after = await store.ReadFeedAsync(FeedScope.Site, now, 10, Cancel);

        Assert.True(editedBetween);
        var key = Assert.Single(read.Keys);
        Assert.Equal("編輯前", read.Articles[key.Id].Title);
        Assert.Equal(article.Tags, read.Tags[key.Id]);
        Assert.Equal(markBefore, read.Mark);
        // The edit did commit, and a read after it sees it whole.
        Assert.Equal("編輯後", after.Articles[key.Id].Title);
        Assert.Equal(["新標籤"], after.Tags[key.Id]);
        Assert.True(after.Mark > markBefore);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task SectionFeed_ReachesCategoriesAtAnyDepth(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var now = TestClock.Start.UtcDateTime;
        // news > logistics (from the first line), then logistics > ports: a third level.
        await Articles.WriteAsync(db.Database,
            Articles.Sample("l-1", publishedAt: now.AddHours(-2)),
            Articles.Sample("p-1", category: "ports", section: "logistics", publishedAt: now.AddHours(-1)));
        var store = new ArticleStore(db.Database);

        var (_, news) = await store.GetFeedStateAsync(FeedScope.Subtree("news"), now, 10, Cancel);
        var (_, logistics) = await store.GetFeedStateAsync(FeedScope.Subtree("logistics"), now, 10, Cancel);
        var (_, ports) = await store.GetFeedStateAsync(FeedScope.Subtree("ports"), now, 10, Cancel);

        Assert.Equal(["p-1", "l-1"], news.Select(k => k.ExternalId));
        Assert.Equal(["p-1", "l-1"], logistics.Select(k => k.ExternalId));
        Assert.Equal(["p-1"], ports.Select(k => k.ExternalId));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Times_RoundTripAsUtc_ToTheTick(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var published = new DateTime(2026, 3, 31, 2, 5, 39, DateTimeKind.Utc).AddTicks(1234567);
        var updated = published.AddDays(1).AddTicks(1);
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1", publishedAt: published) with { UpdatedAt = updated });
        var store = new ArticleStore(db.Database);

        var key = Assert.Single((await store.GetFeedStateAsync(FeedScope.Site, TestClock.Start.UtcDateTime, 5, Cancel)).Keys);
        var (articles, _) = await store.GetArticlesAsync([key.Id], Cancel);

        Assert.Equal(published, key.PublishedAt);
        Assert.Equal(DateTimeKind.Utc, key.PublishedAt.Kind);
        Assert.Equal(updated, articles[key.Id].UpdatedAt);
        Assert.Equal(DateTimeKind.Utc, articles[key.Id].UpdatedAt.Kind);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Upsert_InsertsUpdatesOrLeavesAlone_AndKeepsTagOrder(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var article = Articles.Sample("a-1") with { Tags = ["乙", "甲", "丙"] };
        var clock = new TestClock();
        UpsertOutcome first, same, edited;
        await using (var writer = await ArticleWriter.BeginAsync(db.Database, clock, Cancel))
        {
            first = await writer.UpsertAsync(article, Cancel);
            same = await writer.UpsertAsync(article, Cancel);
            clock.Advance(TimeSpan.FromMinutes(5));
            edited = await writer.UpsertAsync(article with { Title = "新", Tags = ["甲", "乙"] }, Cancel);
            await writer.CommitAsync(Cancel);
        }
        var store = new ArticleStore(db.Database);
        var (articles, tags) = await store.GetArticlesAsync([1], Cancel);

        Assert.Equal([UpsertOutcome.Inserted, UpsertOutcome.Unchanged, UpsertOutcome.Updated], new[] { first, same, edited });
        Assert.Equal("新", articles[1].Title);
        // An edit without its own update time is dated by the write.
        Assert.Equal(clock.GetUtcNow().UtcDateTime, articles[1].UpdatedAt);
        Assert.Equal(["甲", "乙"], tags[1]);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task AWriterDisposedWithoutCommit_LeavesNothingBehind(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await using (var writer = await ArticleWriter.BeginAsync(db.Database, new TestClock(), Cancel))
        {
            await writer.UpsertAsync(Articles.Sample("a-1"), Cancel);
        }

        var (categories, keys) = await new ArticleStore(db.Database).GetFeedStateAsync(FeedScope.Site, TestClock.Start.UtcDateTime, 10, Cancel);
        Assert.Empty(categories);
        Assert.Empty(keys);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Migrations_AreRecorded_AndASecondRunChangesNothing(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: false);
        var migrator = new Migrator(db.Database, Migrator.DefaultScriptsRoot);

        var first = await migrator.MigrateAsync(Cancel);
        var second = await migrator.MigrateAsync(Cancel);
        await using var connection = await db.Database.OpenAsync(Cancel);
        var recorded = await connection.QueryAsync<string>("SELECT version FROM schema_migrations ORDER BY version");

        Assert.Equal(migrator.Scripts().Select(s => s.Version), first);
        Assert.Empty(second);
        Assert.Equal(first, recorded);
    }

    [Fact]
    public async Task NewestInCategory_UsesTheIndex_WithoutSortingTheCategory()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await using var connection = await db.Database.OpenAsync(Cancel);

        // The second statement of each command is the key query; EXPLAIN QUERY PLAN rows are (id, parent, notused, detail).
        var plan = string.Join("\n", (await connection.QueryAsync(
            "EXPLAIN QUERY PLAN " + SecondStatement(SqlDialect.Sqlite.SubtreeFeedStateSql),
            new { slug = "news", now = DateTime.UtcNow, limit = 20 })).Select(row => (string)row.detail));
        var sitePlan = string.Join("\n", (await connection.QueryAsync(
            "EXPLAIN QUERY PLAN " + SecondStatement(SqlDialect.Sqlite.SiteFeedStateSql), new { now = DateTime.UtcNow, limit = 20 })).Select(row => (string)row.detail));

        Assert.Contains("ix_articles_category_newest (category_id=? AND is_published=? AND published_at<?)", plan, StringComparison.Ordinal);
        Assert.Contains("ix_articles_newest (is_published=? AND published_at<?)", sitePlan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", sitePlan, StringComparison.Ordinal);
    }

    private static string SecondStatement(string sql) => sql[(sql.IndexOf(';', StringComparison.Ordinal) + 1)..];
}
