namespace Feeds.Tests.Publishing;

/// <summary>
/// A poll reads what changed and nothing else (sql/*/0005_change_log.sql, Data/VersionStore): counted through
/// the poll metrics on /metrics, by outcome: unchanged (one row), changed (the changed feeds), all (every feed).
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class ChangeDetectionTests : FeedsTest
{
    /// <summary>No background poll within a test: each poll counted is one the test asked for.</summary>
    private static readonly Dictionary<string, string?> OnlyTheTestPolls = new()
    {
        ["Feeds:RefreshInterval"] = "00:30:00",
        ["Feeds:MaxStaleness"] = "01:00:00",
    };

    [Theory, MemberData(nameof(Providers))]
    public async Task APollAfterNoChange_ReadsNoVersionRow(string provider)
    {
        await using var site = await TestSite.StartAsync(provider, OnlyTheTestPolls, ManyTaggedArticles(40));
        var (_, app, client) = site;
        await app.RefreshAsync();
        var before = await PollsAsync(client);

        await app.RefreshAsync();
        await app.RefreshAsync();
        var after = await PollsAsync(client);

        Assert.Equal(before.Unchanged + 2, after.Unchanged);
        Assert.Equal(before.UnchangedRows, after.UnchangedRows);
        Assert.Equal(before.All, after.All);
        Assert.Equal(before.Changed, after.Changed);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task AnEdit_ReadsOnlyTheFeedsItTouches_AndTheyMove(string provider)
    {
        var articles = ManyTaggedArticles(40);
        await using var site = await TestSite.StartAsync(provider, OnlyTheTestPolls, articles);
        var (db, app, client) = site;
        var tagFeed = $"/feeds/tags/{Uri.EscapeDataString("標籤-7")}.rss";
        foreach (var feed in new[] { tagFeed, "/feeds/logistics.rss", "/feeds/news.atom", "/feeds/all.json" })
        {
            Assert.DoesNotContain("改過的標題", await client.GetStringAsync(feed, Cancel));
        }
        var before = await PollsAsync(client);

        await Articles.WriteAsync(db.Database, articles[7] with { Title = "改過的標題" });
        await app.RefreshAsync();
        var after = await PollsAsync(client);

        Assert.Equal(before.Changed + 1, after.Changed);
        Assert.Equal(before.All, after.All);
        // The log's rows and the versions of one category, its section and one tag: a handful, not 40 tags.
        Assert.InRange(after.ChangedRows - before.ChangedRows, 3, 12);
        // Every feed that shows the article: its tag's, its category's, its section's and the site's.
        foreach (var feed in new[] { tagFeed, "/feeds/logistics.rss", "/feeds/news.atom", "/feeds/all.json" })
        {
            Assert.Contains("改過的標題", await client.GetStringAsync(feed, Cancel));
        }
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task AScheduledArticle_AppearsAtItsTime_WithNoWrite_AndIdlePollsBeforeReadNothing(string provider)
    {
        var due = TestClock.Start.UtcDateTime.AddMinutes(30);
        await using var site = await TestSite.StartAsync(provider, OnlyTheTestPolls,
            Articles.Sample("now-1"), Articles.Sample("later-1", title: "排程的報導", publishedAt: due) with { Tags = ["排程"] });
        var (_, app, client) = site;
        await app.RefreshAsync();
        var before = await PollsAsync(client);

        app.Clock.Advance(TimeSpan.FromMinutes(29));
        await app.RefreshAsync();
        Assert.DoesNotContain("排程的報導", await client.GetStringAsync("/feeds/logistics.rss", Cancel));
        app.Clock.Advance(TimeSpan.FromMinutes(2));
        await app.RefreshAsync();
        var after = await PollsAsync(client);

        Assert.Equal(before.Unchanged + 1, after.Unchanged);
        Assert.Equal(before.Changed + 1, after.Changed);
        Assert.Contains("排程的報導", await client.GetStringAsync("/feeds/logistics.rss", Cancel));
        Assert.Contains("排程的報導", await client.GetStringAsync("/feeds/all.atom", Cancel));
        Assert.Contains("排程的報導", await client.GetStringAsync($"/feeds/tags/{Uri.EscapeDataString("排程")}.json", Cancel));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task WhenTheLogNoLongerReachesBack_EveryFeedIsRead_AndNothingIsMissed(string provider)
    {
        await using var site = await TestSite.StartAsync(provider, OnlyTheTestPolls, Articles.Sample("a-1") with { Tags = ["舊標籤"] });
        var (db, app, client) = site;
        await app.RefreshAsync();
        var before = await PollsAsync(client);

        await Articles.WriteAsync(db.Database, Articles.Sample("a-2", title: "日誌之外的報導") with { Tags = ["新標籤"] });
        await using (var connection = await db.Database.OpenAsync(Cancel))
        {
            // As if more than the log keeps had happened since the last poll: it keeps only its newest marks.
            await connection.ExecuteAsync("DELETE FROM feed_changes WHERE mark < (SELECT MAX(mark) FROM feed_changes)");
        }
        await app.RefreshAsync();
        var after = await PollsAsync(client);

        Assert.Equal(before.All + 1, after.All);
        Assert.Contains("日誌之外的報導", await client.GetStringAsync($"/feeds/tags/{Uri.EscapeDataString("新標籤")}.rss", Cancel));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ATagRenamedOrDeletedByAnotherWriter_IsSeenByAPollThatReadsOnlyIt(string provider)
    {
        await using var site = await TestSite.StartAsync(provider, OnlyTheTestPolls,
            Articles.Sample("a-1") with { Tags = ["港口", "航運"] }, Articles.Sample("a-2") with { Tags = ["倉儲"] });
        var (db, app, client) = site;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/feeds/tags/{Uri.EscapeDataString("港口")}.rss", Cancel)).StatusCode);
        var before = await PollsAsync(client);

        await using (var connection = await db.Database.OpenAsync(Cancel))
        {
            await connection.ExecuteAsync("UPDATE tags SET name = @renamed WHERE name = @name", new { renamed = "港埠", name = "港口" });
            await connection.ExecuteAsync("DELETE FROM article_tags WHERE tag_id = (SELECT id FROM tags WHERE name = @name)", new { name = "倉儲" });
            await connection.ExecuteAsync("DELETE FROM tags WHERE name = @name", new { name = "倉儲" });
        }
        await app.RefreshAsync();
        var after = await PollsAsync(client);

        Assert.Equal(before.Changed + 1, after.Changed);
        Assert.Equal(before.All, after.All);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/feeds/tags/{Uri.EscapeDataString("港口")}.rss", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/feeds/tags/{Uri.EscapeDataString("倉儲")}.rss", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/feeds/tags/{Uri.EscapeDataString("港埠")}.rss", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/feeds/tags/{Uri.EscapeDataString("航運")}.rss", Cancel)).StatusCode);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ATagCreatedAlone_IsReadAlone_AndItsFeedExists(string provider)
    {
        await using var site = await TestSite.StartAsync(provider, OnlyTheTestPolls, Articles.Sample("a-1") with { Tags = ["港口"] });
        var (db, app, client) = site;
        var before = await PollsAsync(client);

        await using (var connection = await db.Database.OpenAsync(Cancel))
        {
            // No category changes: the poll asks for tags only (an empty list of categories).
            await connection.ExecuteAsync("INSERT INTO tags (name) VALUES (@name)", new { name = "新設標籤" });
        }
        await app.RefreshAsync();
        var after = await PollsAsync(client);

        Assert.Equal(before.Changed + 1, after.Changed);
        Assert.Equal(2, after.ChangedRows - before.ChangedRows);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/feeds/tags/{Uri.EscapeDataString("新設標籤")}.rss", Cancel)).StatusCode);
    }

    /// <summary>
    /// Issue 29, finding 3: with Feeds:Database:ReadConnectionString on a balanced read-only listener, a poll on a
    /// replica behind the one read before read every feed from it and published them (feeds moved backwards), and
    /// a render on it was kept under the newer token. A replica here is a consistent copy of the primary's file
    /// (VACUUM INTO); the lagging one is a copy taken before the last write.
    /// </summary>
    [Fact]
    public async Task AReplicaBehindTheOneReadBefore_MovesNoFeedBackwards_AndNoRenderOnItIsKept()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        using var folder = new TempFolder("feeds-replica-");
        var replica = Path.Combine(folder.FullName, "replica.db");
        var behind = Path.Combine(folder.FullName, "behind.db");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1", title: "第一篇報導"));
        await CopyAsync(db, behind);
        await Articles.WriteAsync(db.Database, Articles.Sample("a-2", title: "第二篇報導") with { Tags = ["新標籤"] });
        await CopyAsync(db, replica);
        await using var app = new FeedsApp(db, settings: new Dictionary<string, string?>(OnlyTheTestPolls)
        {
            ["Feeds:Database:ReadConnectionString"] = $"Data Source={replica}",
        });
        using var client = app.CreateRawClient();
        await app.RefreshAsync();
        var rss = await client.GetAsync("/feeds/all.rss", Cancel);
        Assert.Contains("第二篇報導", await rss.Content.ReadAsStringAsync(Cancel));

        // The balancer now sends reads to a replica that has not caught up.
        await ReplaceAsync(app, behind, replica);
        await app.RefreshAsync();
        var rssAgain = await client.GetAsync("/feeds/all.rss", Cancel);
        var atomOnTheLaggingReplica = await client.GetAsync("/feeds/all.atom", Cancel);

        Assert.Equal(rss.Headers.ETag, rssAgain.Headers.ETag);
        Assert.Contains("第二篇報導", await rssAgain.Content.ReadAsStringAsync(Cancel));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, atomOnTheLaggingReplica.StatusCode);

        // Caught up: the render is made, from the versions' own moment.
        await CopyAsync(db, Path.Combine(folder.FullName, "caught-up.db"));
        await ReplaceAsync(app, Path.Combine(folder.FullName, "caught-up.db"), replica);
        await app.RefreshAsync();
        var atom = await client.GetAsync("/feeds/all.atom", Cancel);
        Assert.Equal(HttpStatusCode.OK, atom.StatusCode);
        Assert.Contains("第二篇報導", await atom.Content.ReadAsStringAsync(Cancel));
    }

    private static async Task CopyAsync(TestDatabase db, string path)
    {
        await using var connection = await db.Database.OpenAsync(Cancel);
        await connection.ExecuteAsync($"VACUUM INTO '{path.Replace("'", "''", StringComparison.Ordinal)}'");
    }

    private static async Task ReplaceAsync(FeedsApp app, string from, string replica)
    {
        var database = app.Services.GetRequiredService<Database>();
        database.CloseKeptConnections();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Copy(from, replica, overwrite: true);
        await Task.CompletedTask;
    }

    /// <summary>Articles in one category, each with its own tag (標籤-0 … 標籤-{n-1}).</summary>
    private static ArticleInput[] ManyTaggedArticles(int count) =>
        [.. Enumerable.Range(0, count).Select(i => Articles.Sample($"t-{i}", publishedAt: TestClock.Start.UtcDateTime.AddMinutes(-i)) with { Tags = [$"標籤-{i}"] })];

    private static async Task<PollCounts> PollsAsync(HttpClient client)
    {
        var text = await client.GetStringAsync("/metrics", Cancel);
        double Count(string outcome) => Sample(text, "feeds_poll_duration_seconds_count", outcome);
        double Rows(string outcome) => Sample(text, "feeds_poll_rows_total", outcome);
        return new PollCounts(Count("unchanged"), Rows("unchanged"), Count("changed"), Rows("changed"), Count("all"));
    }

    /// <summary>A sample by outcome; 0 while no poll has had that outcome.</summary>
    private static double Sample(string exposition, string metric, string outcome) =>
        exposition.Split('\n').Any(line => line.StartsWith(metric, StringComparison.Ordinal) && line.Contains($"outcome=\"{outcome}\"", StringComparison.Ordinal))
            ? Prometheus.Value(exposition, metric, ("outcome", outcome))
            : 0;

    private sealed record PollCounts(double Unchanged, double UnchangedRows, double Changed, double ChangedRows, double All);
}
