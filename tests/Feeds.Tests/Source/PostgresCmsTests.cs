using System.Collections.Concurrent;
using System.Diagnostics;
using Feeds.Source;
using Npgsql;

namespace Feeds.Tests.Source;

/// <summary>
/// Feeds follows a real concurrent CMS database (PostgreSQL) by its change column while the CMS writes as a
/// newsroom does: multi-row transactions over several categories, long transactions that take their change
/// value early and commit late, bulk updates, hard deletes, unpublishes, a category and a tag renamed. Afterwards
/// every feed equals what a fresh follower makes of the CMS's rows, no deleted article is anywhere, and no CMS
/// statement ever waited on a lock of Feeds' (read from PostgreSQL's own lock table while it ran).
/// </summary>
public sealed class PostgresCmsTests : FeedsTest
{
    private const string Schema = """
        CREATE SEQUENCE cms_change;
        CREATE TABLE cms_categories (id int PRIMARY KEY, slug text NOT NULL, name text NOT NULL);
        CREATE TABLE cms_articles (
            id int PRIMARY KEY, category_id int NOT NULL REFERENCES cms_categories, title text NOT NULL, body text,
            publish_time timestamp NOT NULL, state int NOT NULL DEFAULT 1, change_no bigint NOT NULL DEFAULT nextval('cms_change'));
        CREATE INDEX ix_cms_articles_change ON cms_articles (change_no);
        CREATE TABLE cms_tags (id int PRIMARY KEY, name text NOT NULL);
        CREATE TABLE cms_article_tags (article_id int NOT NULL REFERENCES cms_articles ON DELETE CASCADE, tag_id int NOT NULL REFERENCES cms_tags, sort int NOT NULL, PRIMARY KEY (article_id, tag_id));
        -- Every write of an article takes the next change number, at its statement: a long transaction takes it early.
        CREATE FUNCTION cms_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.change_no := nextval('cms_change'); RETURN NEW; END $$;
        CREATE TRIGGER cms_article_touched BEFORE UPDATE ON cms_articles FOR EACH ROW EXECUTE FUNCTION cms_touch();
        -- A renamed category or tag touches its articles, as the CMS's own code would.
        CREATE FUNCTION cms_category_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN UPDATE cms_articles SET change_no = 0 WHERE category_id = NEW.id; RETURN NEW; END $$;
        CREATE TRIGGER cms_category_renamed AFTER UPDATE OF name ON cms_categories FOR EACH ROW EXECUTE FUNCTION cms_category_renamed();
        CREATE FUNCTION cms_tag_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN UPDATE cms_articles SET change_no = 0 WHERE id IN (SELECT article_id FROM cms_article_tags WHERE tag_id = NEW.id); RETURN NEW; END $$;
        CREATE TRIGGER cms_tag_renamed AFTER UPDATE OF name ON cms_tags FOR EACH ROW EXECUTE FUNCTION cms_tag_renamed();
        """;

    private const string Columns = """
        SELECT a.id::text AS id, c.slug AS category, c.name AS categoryName, a.title AS title, a.body AS contentHtml,
               'https://news.example.com/a/' || a.id || '.html' AS url, a.publish_time AS publishedAt,
               (SELECT coalesce(json_agg(t.name ORDER BY x.sort), '[]')::text
                FROM cms_article_tags x JOIN cms_tags t ON t.id = x.tag_id WHERE x.article_id = a.id) AS tags,
               CASE a.state WHEN 1 THEN 'published' ELSE 'draft' END AS status,
               a.change_no AS change
        FROM cms_articles a JOIN cms_categories c ON c.id = a.category_id

        """;

    private const int Categories = 5;
    private const int Tags = 8;
    private const int Articles = 200;

    [Fact]
    public async Task UnderConcurrentCmsWriters_EveryFeedEndsEqualToAFreshFollowersAndNoCmsStatementWaitsOnFeeds()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await SeedAsync(postgres);
        var settings = Settings(postgres);
        await using var db = await TestDatabase.CreateAsync("sqlite");
        var clock = new TestClock();
        await using var follower = new FeedsApp(db, clock, settings);
        var deleted = new ConcurrentBag<int>();
        var waitsOnFeeds = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var elapsed = Stopwatch.StartNew();

        var following = FollowUntilAsync(follower, clock, () => stop.IsCancellationRequested);
        var sampling = SampleLockWaitsAsync(postgres, waitsOnFeeds, stop.Token);
        var writers = new[]
        {
            WriteAsync(postgres, stop.Token, ManyCategoriesAsync),
            WriteAsync(postgres, stop.Token, LongTransactionAsync),
            WriteAsync(postgres, stop.Token, (connection, random, token) => BulkAsync(connection, random, deleted, token)),
            WriteAsync(postgres, stop.Token, RenamesOnce()),
        };
        await Task.Delay(TimeSpan.FromSeconds(8), Cancel);
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        await following;
        // The writers stopped: following goes on until the sweep has passed the last of them and a whole round of the
        // walk has run since. A CMS transaction longer than SweepAfterSeconds (on a loaded machine) is the walk's to
        // find, so the test waits for the round, not for a fixed time; the time it took is bounded below.
        var settled = Stopwatch.StartNew();
        var roundsEnded = 0;
        var walking = await WalkPlaceAsync(db) is not null;
        await FollowUntilAsync(follower, clock, async () =>
        {
            var place = await WalkPlaceAsync(db);
            roundsEnded += walking && place is null ? 1 : 0;
            walking = place is not null;
            return (roundsEnded >= 2 && settled.Elapsed > TimeSpan.FromSeconds(4)) || settled.Elapsed > TimeSpan.FromSeconds(60);
        });
        await sampling;

        await using var freshDb = await TestDatabase.CreateAsync("sqlite");
        await using var fresh = new FeedsApp(freshDb, settings: new Dictionary<string, string?>(settings) { ["Feeds:Source:BatchSize"] = "100000" });
        await fresh.RefreshAsync();
        var freshReport = await fresh.Services.GetRequiredService<CmsFollower>().FollowOnceAsync(Cancel);
        var feeds = new List<string> { "/feeds/all.atom" };
        feeds.AddRange(Enumerable.Range(1, Categories).Select(c => $"/feeds/category-{c}.atom"));
        feeds.AddRange(Enumerable.Range(1, Tags).Select(t => $"/feeds/tags/{Uri.EscapeDataString(TagName(t, renamed: t == 1))}.atom"));

        Assert.True(freshReport.Inserted > 100, $"the fresh follower stored {freshReport.Inserted}");
        Assert.NotEmpty(deleted);
        foreach (var feed in feeds)
        {
            var followed = await EntriesAsync(follower, feed);
            var expected = await EntriesAsync(fresh, feed);
            Assert.True(expected.SequenceEqual(followed), $"{feed}: followed {followed.Count} entries, fresh {expected.Count}; followed alone: "
                + followed.Except(expected).FirstOrDefault() + "; fresh alone: " + expected.Except(followed).FirstOrDefault()
                + $"; {roundsEnded} walk rounds ended in {settled.Elapsed.TotalSeconds:0.0} s after the writers stopped");
            Assert.DoesNotContain(followed, entry => deleted.Contains(int.Parse(entry.Id, System.Globalization.CultureInfo.InvariantCulture)));
        }
        Assert.Empty(waitsOnFeeds);
        Assert.True(roundsEnded >= 2, $"the walk did not go round twice within {settled.Elapsed.TotalSeconds:0.0} s of the writers stopping");
        Assert.True(elapsed.Elapsed < TimeSpan.FromMinutes(2));
    }

    private static Dictionary<string, string?> Settings(PostgresServer postgres) => new()
    {
        ["Feeds:Source:Provider"] = SourceDatabase.PostgresProvider,
        ["Feeds:Source:ConnectionString"] = postgres.ConnectionString,
        ["Feeds:Source:ChangesQuery"] = Columns + "WHERE a.change_no > @after ORDER BY a.change_no",
        ["Feeds:Source:RowsQuery"] = Columns + "WHERE a.id IN (SELECT value::int FROM json_array_elements_text(@ids::json))",
        ["Feeds:Source:BatchSize"] = "500",
        // Longer than the CMS's longest transaction (1.5 s), on the test's clock, which follows the real one.
        ["Feeds:Source:SweepAfterSeconds"] = "3",
        ["Feeds:Source:ReconcileInterval"] = "00:00:01",
        ["Feeds:Source:ReconcilePageSize"] = "100",
        ["Feeds:Source:PollInterval"] = "01:00:00",
        ["Feeds:SiteTimeZone"] = "Asia/Shanghai",
    };

    /// <summary>Follows every 100 ms until <paramref name="done"/>, the test's clock kept with the real one.</summary>
    private static Task FollowUntilAsync(FeedsApp app, TestClock clock, Func<bool> done) =>
        FollowUntilAsync(app, clock, () => Task.FromResult(done()));

    private static async Task FollowUntilAsync(FeedsApp app, TestClock clock, Func<Task<bool>> done)
    {
        await app.RefreshAsync();
        var follower = app.Services.GetRequiredService<CmsFollower>();
        var real = Stopwatch.StartNew();
        var kept = TimeSpan.Zero;
        while (!await done())
        {
            clock.Advance(real.Elapsed - kept);
            kept = real.Elapsed;
            await follower.FollowOnceAsync(Cancel);
            await Task.Delay(100, Cancel);
        }
    }

    /// <summary>Where the reconciliation walk stands in Feeds' database: null between rounds.</summary>
    private static async Task<string?> WalkPlaceAsync(TestDatabase db)
    {
        await using var connection = await db.Database.OpenAsync(Cancel);
        return await Dapper.SqlMapper.ExecuteScalarAsync<string?>(connection, "SELECT reconciled_after FROM source_state");
    }

    /// <summary>Every 50 ms: any CMS backend waiting on a lock held by Feeds' own connection to the CMS.</summary>
    private static async Task SampleLockWaitsAsync(PostgresServer postgres, ConcurrentBag<string> waits, CancellationToken stop)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync(Cancel);
        while (!stop.IsCancellationRequested)
        {
            await using var command = new NpgsqlCommand($"""
                SELECT waiting.query FROM pg_stat_activity waiting
                JOIN pg_stat_activity blocker ON blocker.pid = ANY (pg_blocking_pids(waiting.pid))
                WHERE blocker.application_name = '{SourceDatabase.ApplicationName}'
                """, connection);
            await using var reader = await command.ExecuteReaderAsync(Cancel);
            while (await reader.ReadAsync(Cancel))
            {
                waits.Add(reader.GetString(0));
            }
            await Task.Delay(50, Cancel);
        }
    }

    private static async Task WriteAsync(PostgresServer postgres, CancellationToken stop, Func<NpgsqlConnection, Random, CancellationToken, Task> write)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync(Cancel);
        var random = new Random(write.Method.Name.Length);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await write(connection, random, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                // Two CMS writers deadlocked with each other (never with Feeds): the CMS tries again.
            }
        }
    }

    /// <summary>One transaction editing five articles of different categories.</summary>
    private static async Task ManyCategoriesAsync(NpgsqlConnection connection, Random random, CancellationToken stop)
    {
        await using var transaction = await connection.BeginTransactionAsync(Cancel);
        foreach (var id in Enumerable.Range(0, 5).Select(c => 1 + c + Categories * random.Next(Articles / Categories)).Order())
        {
            await ExecuteAsync(connection, $"UPDATE cms_articles SET title = '多類別編輯 {random.Next(1000)}' WHERE id = {id}");
        }
        await transaction.CommitAsync(Cancel);
    }

    /// <summary>
    /// A transaction that takes its change numbers, then commits 1.5 s later, after others took later ones: it adds
    /// an article (which only the sweep can find: the walk knows only what Feeds stored) and edits another.
    /// </summary>
    private static async Task LongTransactionAsync(NpgsqlConnection connection, Random random, CancellationToken stop)
    {
        await using var transaction = await connection.BeginTransactionAsync(Cancel);
        var late = 50_000 + random.Next(10_000);
        await ExecuteAsync(connection, $"INSERT INTO cms_articles (id, category_id, title, body, publish_time) VALUES ({late}, {1 + random.Next(Categories)}, '遲到的稿 {late}', '<p>遲</p>', TIMESTAMP '2026-11-25 08:00:00' + interval '{late} seconds') ON CONFLICT DO NOTHING");
        await ExecuteAsync(connection, $"UPDATE cms_articles SET title = '長交易編輯 {random.Next(1000)}' WHERE id = {1 + random.Next(Articles)}");
        await Task.Delay(1500, Cancel);
        await transaction.CommitAsync(Cancel);
    }

    /// <summary>Bulk updates, a hard delete, an unpublish, a publish and a new article, each its own statement.</summary>
    private static async Task BulkAsync(NpgsqlConnection connection, Random random, ConcurrentBag<int> deleted, CancellationToken stop)
    {
        await ExecuteAsync(connection, $"UPDATE cms_articles SET body = '<p>批次 {random.Next(1000)}</p>' WHERE id <= {Articles} AND id % 17 = {random.Next(17)}");
        var gone = 1 + random.Next(Articles);
        if (await ExecuteAsync(connection, $"DELETE FROM cms_articles WHERE id = {gone}") > 0)
        {
            deleted.Add(gone);
        }
        await ExecuteAsync(connection, $"UPDATE cms_articles SET state = {random.Next(2)} WHERE id = {1 + random.Next(Articles)}");
        var fresh = Articles + 1 + random.Next(10_000);
        await ExecuteAsync(connection, $"INSERT INTO cms_articles (id, category_id, title, body, publish_time) VALUES ({fresh}, {1 + random.Next(Categories)}, '新稿 {fresh}', '<p>新</p>', TIMESTAMP '2026-11-20 08:00:00' + interval '{fresh} seconds') ON CONFLICT DO NOTHING");
        await Task.Delay(200, stop);
    }

    /// <summary>The first category and the first tag renamed, once, a while into the run (again at once if it deadlocked).</summary>
    private static Func<NpgsqlConnection, Random, CancellationToken, Task> RenamesOnce()
    {
        var attempts = 0;
        var renamed = false;
        return async (connection, random, stop) =>
        {
            if (renamed)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, stop);
            }
            if (attempts++ == 0)
            {
                await Task.Delay(3000, stop);
            }
            await using var transaction = await connection.BeginTransactionAsync(Cancel);
            await ExecuteAsync(connection, "UPDATE cms_categories SET name = '改名的類別' WHERE id = 1");
            await ExecuteAsync(connection, $"UPDATE cms_tags SET name = '{TagName(1, renamed: true)}' WHERE id = 1");
            await transaction.CommitAsync(Cancel);
            renamed = true;
        };
    }

    private static async Task SeedAsync(PostgresServer postgres)
    {
        await postgres.ExecuteAsync(Schema);
        var seed = new System.Text.StringBuilder();
        for (var c = 1; c <= Categories; c++)
        {
            seed.Append($"INSERT INTO cms_categories VALUES ({c}, 'category-{c}', '類別 {c}');\n");
        }
        for (var t = 1; t <= Tags; t++)
        {
            seed.Append($"INSERT INTO cms_tags VALUES ({t}, '{TagName(t, renamed: false)}');\n");
        }
        for (var a = 1; a <= Articles; a++)
        {
            seed.Append($"INSERT INTO cms_articles (id, category_id, title, body, publish_time) VALUES ({a}, {1 + a % Categories}, '第 {a} 篇', '<p>內文 {a}</p>', TIMESTAMP '2026-11-01 08:00:00' + interval '{a} hours');\n");
            seed.Append($"INSERT INTO cms_article_tags VALUES ({a}, {1 + a % Tags}, 0), ({a}, {1 + (a + 3) % Tags}, 1) ON CONFLICT DO NOTHING;\n");
        }
        await postgres.ExecuteAsync(seed.ToString());
    }

    private static string TagName(int tag, bool renamed) => renamed && tag == 1 ? "改名的標籤" : $"標籤{tag}";

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync(Cancel);
    }

    private sealed record Entry(string Id, string Title, string Categories, string Content);

    private static async Task<List<Entry>> EntriesAsync(FeedsApp app, string path)
    {
        var answer = await app.CreateRawClient().GetAsync(path + "?limit=100", Cancel);
        Assert.True(answer.IsSuccessStatusCode, $"{path}: {(int)answer.StatusCode}");
        return FeedXml.AtomEntries(FeedXml.Parse(await answer.Content.ReadAsByteArrayAsync(Cancel)))
            .Select(entry => new Entry(
                entry.Element(FeedXml.Atom + "id")!.Value.Split(':').Last(),
                entry.Element(FeedXml.Atom + "title")!.Value,
                string.Join('|', entry.Elements(FeedXml.Atom + "category").Select(category => category.Attribute("term")!.Value)),
                entry.Element(FeedXml.Atom + "content")?.Value ?? ""))
            .ToList();
    }
}
