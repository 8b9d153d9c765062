namespace Feeds.Tests.Data;

/// <summary>A database written before a migration gets it right: data already there is carried into new columns.</summary>
public sealed class MigrationTests : FeedsTest
{
    [Theory, MemberData(nameof(Providers))]
    public async Task TagFeeds_MigratedOntoADatabaseWithArticles_CopyEachArticlesPublishState(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: false);
        // The schema as it was before tag feeds: 0001 and 0002 only.
        await db.MigrateBeforeAsync("0003");
        await Articles.WriteAsFirstSchemaAsync(db.Database,
            Articles.Sample("a-1") with { Tags = ["港口", "供應鏈"] },
            Articles.Sample("draft") with { Tags = ["港口"], IsPublished = false },
            Articles.Sample("later", publishedAt: TestClock.Start.UtcDateTime.AddHours(3)) with { Tags = ["港口"] });

        var applied = await new Migrator(db.Database, Migrator.DefaultScriptsRoot).MigrateAsync(Cancel);

        Assert.Contains(applied, version => version.StartsWith("0003", StringComparison.Ordinal));
        await using var connection = await db.Database.OpenAsync(Cancel);
        var mismatches = await connection.ExecuteScalarAsync<long>("""
            SELECT COUNT(*) FROM article_tags x JOIN articles a ON a.id = x.article_id
            WHERE x.published_at IS NULL OR x.published_at <> a.published_at OR x.is_published <> a.is_published
            """);
        Assert.Equal(0, mismatches);
        Assert.Equal(4, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM article_tags x JOIN tags t ON t.id = x.tag_id WHERE t.kind = 't'"));
        var tagFeed = await new ArticleStore(db.Database).GetFeedStateAsync(
            FeedScope.Named(await connection.ExecuteScalarAsync<long>("SELECT id FROM tags WHERE name = @name", new { name = "港口" })),
            TestClock.Start.UtcDateTime, 10, Cancel);
        Assert.Equal(["a-1"], tagFeed.Keys.Select(key => key.ExternalId));
    }

    private static readonly (string Id, string? Author, string? Source)[] StoredBylines =
    [
        ("one", "林雅婷", "示範物流協會"),
        ("several", "林雅婷、陳志明，張書豪", "示範物流協會"),
        ("latin", "Jane Doe, John Roe; Ann Lee", "Reuters"),
        ("spaces-and-repeats", "林雅婷 、 陳志明、林雅婷、", null),
        ("source-alone", null, "國家郵政局示範處"),
        ("name-shared-with-a-tag", "港口", "港口"),
    ];

    public static TheoryData<string, string, string?, string?> Bylines =>
        new(from provider in new[] { "sqlite", "sqlserver" } from byline in StoredBylines select (provider, byline.Id, byline.Author, byline.Source));

    [Theory, MemberData(nameof(Bylines))]
    public async Task AuthorsAndSources_MigratedOntoStoredArticles_AreFiledAsTheWriterFilesThem_AndTagsKeepTheirIds(string provider, string id, string? author, string? source)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: false);
        await db.MigrateBeforeAsync("0013");
        var article = Articles.Sample(id) with { Author = author, Source = source, Tags = ["港口", "供應鏈"] };
        await Articles.WriteAsFirstSchemaAsync(db.Database, article);
        await using var connection = await db.Database.OpenAsync(Cancel);
        var tagIds = (await connection.QueryAsync<(long, string)>("SELECT id, name FROM tags ORDER BY id")).ToList();
        var versions = await db.VersionSumsAsync();

        await new Migrator(db.Database, Migrator.DefaultScriptsRoot).MigrateAsync(Cancel);

        var filed = await connection.QueryAsync<(string Kind, string Name)>("""
            SELECT t.kind, t.name FROM article_tags x JOIN tags t ON t.id = x.tag_id JOIN articles a ON a.id = x.article_id
            WHERE a.external_id = @id ORDER BY x.position
            """, new { id });
        Assert.Equal(FiledNames.Of(article).Select(name => (name.Name.Kind, name.Name.Name)), filed);
        Assert.Equal(tagIds, await connection.QueryAsync<(long, string)>("SELECT id, name FROM tags WHERE kind = 't' ORDER BY id"));
        Assert.Equal(versions.Category, (await db.VersionSumsAsync()).Category);
        // And the writer, given the same article again, finds nothing to change.
        await using var writer = await ArticleWriter.BeginAsync(db.Database, new TestClock(), Cancel);
        Assert.Equal(UpsertOutcome.Unchanged, await writer.UpsertAsync(article with { UpdatedAt = article.PublishedAt }, Cancel));
    }
}
