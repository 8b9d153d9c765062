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
        await Articles.WriteAsync(db.Database,
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
        Assert.Equal(4, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM article_tags"));
        var tagFeed = await new ArticleStore(db.Database).GetFeedStateAsync(
            FeedScope.Tag(await connection.ExecuteScalarAsync<long>("SELECT id FROM tags WHERE name = @name", new { name = "港口" })),
            TestClock.Start.UtcDateTime, 10, Cancel);
        Assert.Equal(["a-1"], tagFeed.Keys.Select(key => key.ExternalId));
    }
}
