using Feeds.Demo;
using Feeds.Source;

namespace Feeds.Tests.Source;

/// <summary>
/// Feeds follows the CMS's own tables (Feeds:Source): every publish, edit, unpublish, delete and tag reaches the
/// feeds; a restart resumes from the stored cursor; one instance of a fleet follows at a time.
/// </summary>
public sealed class CmsFollowerTests : FeedsTest
{
    private const string SupplyChain = "/feeds/tags/%E4%BE%9B%E6%87%89%E9%8F%88.atom";

    [Theory, MemberData(nameof(Providers))]
    public async Task EveryPublishEditUnpublishAndDelete_InTheCmsTables_ReachesTheFeeds(string provider)
    {
        using var cms = new TestCms();
        await using var db = await TestDatabase.CreateAsync(provider);
        await using var app = new FeedsApp(db, settings: cms.Settings());
        var client = app.CreateRawClient();
        cms.Publish(101, "港口夜間作業試行", tags: ["供應鏈"]);
        cms.Publish(102, "快遞量創新高", "2026-11-27 23:30:00", category: 2);
        cms.Publish(103, "冷鏈新規", tags: ["供應鏈"]);

        var published = await FollowAsync(app);
        var first = await EntriesAsync(client, "/feeds/all.atom");
        cms.Execute("UPDATE cms_articles SET title = '港口夜間作業正式實施', modify_time = '2026-11-28 08:00:00' WHERE id = 101");
        cms.Execute("UPDATE cms_articles SET state = 0 WHERE id = 102");
        cms.Execute("UPDATE cms_articles SET state = -1 WHERE id = 103");
        var changed = await FollowAsync(app);

        Assert.Equal((true, 3), (published.Following, published.Inserted));
        Assert.Equal(["demo-0101", "demo-0102", "demo-0103"], first.Select(entry => entry.Id).Order());
        // Naive China times, as the CMS stores them: 23:30 on the 27th in Shanghai is 15:30 UTC that day.
        Assert.Equal("2026-11-27T15:30:00Z", first.Single(entry => entry.Id == "demo-0102").Published);
        Assert.Equal((2, 1), (changed.Updated, changed.Deleted));
        var after = await EntriesAsync(client, "/feeds/all.atom");
        Assert.Equal(["demo-0101"], after.Select(entry => entry.Id));
        Assert.Equal("港口夜間作業正式實施", after.Single().Title);
        Assert.Equal(["demo-0101"], (await EntriesAsync(client, SupplyChain)).Select(entry => entry.Id));
        Assert.Empty(await EntriesAsync(client, "/feeds/express.atom"));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ARestart_ResumesFromTheStoredCursor_NothingLostAndNothingAppliedTwice(string provider)
    {
        using var cms = new TestCms();
        await using var db = await TestDatabase.CreateAsync(provider);
        cms.Publish(201, "第一篇");
        cms.Publish(202, "第二篇");
        await using (var first = new FeedsApp(db, settings: cms.Settings()))
        {
            Assert.Equal(2, (await FollowAsync(first)).Inserted);
        }
        // While no instance follows, the CMS goes on.
        cms.Publish(203, "第三篇", tags: ["供應鏈"]);
        cms.Execute("UPDATE cms_articles SET title = '第二篇（更正）' WHERE id = 202");

        await using var second = new FeedsApp(db, settings: cms.Settings());
        var resumed = await FollowAsync(second);
        var idle = await FollowAsync(second);

        Assert.Equal((1, 1, 0), (resumed.Inserted, resumed.Updated, resumed.Unchanged));
        Assert.Equal((0, 0, 0), (idle.Inserted, idle.Updated, idle.Unchanged));
        Assert.Equal(["demo-0201", "demo-0202", "demo-0203"], (await EntriesAsync(second.CreateRawClient(), "/feeds/all.atom")).Select(entry => entry.Id).Order());
    }

    [Fact]
    public async Task OneInstanceFollowsAtATime_AndAnotherTakesOverWhenItsLeaseEnds()
    {
        using var cms = new TestCms();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        var clock = new TestClock();
        await using var first = new FeedsApp(db, clock, cms.Settings());
        await using var second = new FeedsApp(db, clock, cms.Settings());
        cms.Publish(301, "一");

        var firstFollows = await FollowAsync(first);
        var secondWaits = await FollowAsync(second);
        cms.Publish(302, "二");
        clock.Advance(TimeSpan.FromSeconds(16));  // the first stopped renewing its 15 s lease
        var secondTakesOver = await FollowAsync(second);
        var firstLostIt = await FollowAsync(first);

        Assert.Equal((true, 1), (firstFollows.Following, firstFollows.Inserted));
        Assert.False(secondWaits.Following);
        Assert.Equal((true, 1, 0), (secondTakesOver.Following, secondTakesOver.Inserted, secondTakesOver.Unchanged));
        Assert.False(firstLostIt.Following);
    }

    [Fact]
    public async Task ABadRow_IsSkipped_WhileTheRestIsApplied_AndIsAppliedOnceTheCmsFixesIt()
    {
        using var cms = new TestCms();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await using var app = new FeedsApp(db, settings: cms.Settings());
        cms.Publish(401, "好");
        cms.Publish(402, "");  // no title: not an article any reader could show
        cms.Publish(403, "也好");

        var withBadRow = await FollowAsync(app);
        cms.Execute("UPDATE cms_articles SET title = '補上標題' WHERE id = 402");
        var fixedRow = await FollowAsync(app);

        Assert.Equal((2, 1), (withBadRow.Inserted, withBadRow.Bad));
        Assert.Equal((1, 0), (fixedRow.Inserted, fixedRow.Bad));
        Assert.Equal(["demo-0401", "demo-0402", "demo-0403"], (await EntriesAsync(app.CreateRawClient(), "/feeds/all.atom")).Select(entry => entry.Id).Order());
    }

    [Fact]
    public async Task ABatchNeverSplitsTheRowsOfOneChangeValue()
    {
        using var cms = new TestCms();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await using var app = new FeedsApp(db, settings: cms.Settings(batchSize: 2));
        foreach (var id in new[] { 501, 502, 503, 504 })
        {
            cms.Publish(id, $"第 {id} 篇");
        }
        // One CMS transaction gave three rows the same change value (a bulk update by a counter per statement).
        cms.Execute("UPDATE cms_articles SET change_no = 100 WHERE id IN (501, 502, 503)");
        cms.Execute("UPDATE cms_articles SET change_no = 101 WHERE id = 504");

        var firstBatch = await FollowAsync(app);
        var secondBatch = await FollowAsync(app);

        Assert.Equal((3, "100"), (firstBatch.Inserted, firstBatch.Cursor));
        Assert.Equal((1, "101"), (secondBatch.Inserted, secondBatch.Cursor));
    }

    [Fact]
    public async Task ARowThatCommittedLate_BelowTheLiveCursor_IsReadByTheSweep()
    {
        using var cms = new TestCms();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        var clock = new TestClock();
        await using var app = new FeedsApp(db, clock, cms.Settings());
        cms.Publish(601, "先");
        cms.Publish(602, "後");
        var first = await FollowAsync(app);
        // A transaction that took its change number before 602's committed only now: its row is below the cursor.
        cms.Publish(603, "遲到的一篇");
        cms.Execute("UPDATE cms_articles SET change_no = 1 WHERE id = 603");

        var live = await FollowAsync(app);
        clock.Advance(TimeSpan.FromSeconds(61));  // Feeds:Source:SweepAfterSeconds (60) later
        var swept = await FollowAsync(app);

        Assert.Equal((2, "2"), (first.Inserted, first.Cursor));
        Assert.Equal(0, live.Inserted);
        Assert.Equal((1, 2), (swept.Inserted, swept.Unchanged));
        Assert.Contains("demo-0603", (await EntriesAsync(app.CreateRawClient(), "/feeds/all.atom")).Select(entry => entry.Id));
    }

    [Fact]
    public async Task AnArticleDeletedFromTheCmsTables_IsFoundByTheReconciliationWalk_AndLeavesTheFeeds()
    {
        using var cms = new TestCms();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        var clock = new TestClock();
        await using var app = new FeedsApp(db, clock, cms.Settings(reconcile: true));
        cms.Publish(701, "一", tags: ["供應鏈"]);
        cms.Publish(702, "二");
        cms.Publish(703, "三", tags: ["供應鏈"]);
        var first = await FollowAsync(app);  // and the walk's first page: 701 and 702, both in the CMS
        cms.Execute("DELETE FROM cms_article_tags WHERE article_id = 703; DELETE FROM cms_articles WHERE id = 703");  // no row left to say so

        var live = await FollowAsync(app);
        clock.Advance(TimeSpan.FromSeconds(2));
        var walked = await FollowAsync(app);  // the walk's second page: 703, which the CMS no longer has

        Assert.Equal((3, 2, 0), (first.Inserted, first.Unchanged, first.Deleted));
        Assert.Equal(0, live.Deleted);
        Assert.Equal(1, walked.Deleted);
        var client = app.CreateRawClient();
        Assert.Equal(["demo-0701", "demo-0702"], (await EntriesAsync(client, "/feeds/all.atom")).Select(entry => entry.Id).Order());
        Assert.Equal(["demo-0701"], (await EntriesAsync(client, SupplyChain)).Select(entry => entry.Id));
    }

    [Fact]
    public async Task WithTheCmsUnreachable_TheFeedsKeepServing_AndFollowingResumesFromItsCursor()
    {
        using var cms = new TestCms();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await using var app = new FeedsApp(db, settings: cms.Settings());
        cms.Publish(801, "斷線前");
        var before = await FollowAsync(app);

        File.Move(cms.Path, cms.Path + ".away");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();  // no pooled handle keeps the moved file open
        var failure = await Record.ExceptionAsync(() => FollowAsync(app));
        var served = await EntriesAsync(app.CreateRawClient(), "/feeds/all.atom");
        File.Move(cms.Path + ".away", cms.Path);
        cms.Publish(802, "恢復後");
        var resumed = await FollowAsync(app);

        Assert.Equal(1, before.Inserted);
        Assert.IsAssignableFrom<System.Data.Common.DbException>(failure);
        Assert.Equal(["demo-0801"], served.Select(entry => entry.Id));
        Assert.Equal((1, 0), (resumed.Inserted, resumed.Unchanged));
    }

    [Fact]
    public async Task TheFollowingProcessKilledInTheMiddleOfABatch_LeavesNothingHalfWritten_AndAnotherTakesOverWithNothingLostOrDoubled()
    {
        const int Rows = 30_000;
        using var cms = new TestCms();
        cms.Execute($"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {Rows})
            INSERT INTO cms_articles (id, category_id, title, intro, body, writer, source_org, path, publish_time, state)
            SELECT 1000 + i, 1 + i % 2, '批量第 ' || i || ' 篇', '摘要', '<p>內文 ' || i || '</p>', '記者', '示範物流協會', '/a/' || i || '.html',
                   datetime('2026-10-01 08:00:00', '+' || i || ' minutes'), 1
            FROM n
            """);
        await using var db = await TestDatabase.CreateAsync("sqlite");
        var settings = new Dictionary<string, string?>(cms.Settings(batchSize: Rows)) { ["Feeds:Source:PollInterval"] = "00:00:00.100", ["Feeds:Source:LeaseSeconds"] = "2" };
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "Feeds.dll"), $"--urls=http://127.0.0.1:{FeedsApp.FreePort()}", "--Feeds:DemoData=false", $"--Feeds:Database:ConnectionString={db.ConnectionString}" }
            .Concat(settings.Select(setting => $"--{setting.Key}={setting.Value}")))
        {
            start.ArgumentList.Add(argument);
        }
        using (var follower = System.Diagnostics.Process.Start(start)!)
        {
            _ = follower.StandardOutput.ReadToEndAsync(Cancel);
            _ = follower.StandardError.ReadToEndAsync(Cancel);
            // Its first batch (all 30,000 rows in one transaction) takes seconds: killed while it writes.
            await Task.Delay(TimeSpan.FromSeconds(4), Cancel);
            follower.Kill();
            await follower.WaitForExitAsync(Cancel);
        }
        var store = new Feeds.Data.ArticleStore(db.Database);
        var afterKill = (await store.GetFeedStateAsync(Feeds.Data.FeedScope.Site, new DateTime(9000, 1, 1, 0, 0, 0, DateTimeKind.Utc), 100_000, Cancel)).Keys.Count;

        // Another instance, once the dead one's lease has run out.
        var clock = new TestClock(DateTimeOffset.UtcNow.AddSeconds(10));
        // Followed by the test's call alone, not also by its background loop.
        await using var successor = new FeedsApp(db, clock, new Dictionary<string, string?>(settings) { ["Feeds:Source:PollInterval"] = "01:00:00" });
        var takeover = await FollowAsync(successor);
        var stored = (await store.GetFeedStateAsync(Feeds.Data.FeedScope.Site, new DateTime(9000, 1, 1, 0, 0, 0, DateTimeKind.Utc), 100_000, Cancel)).Keys.Count;

        Assert.True(afterKill is 0 or Rows, $"{afterKill} articles stored after the kill: a batch is all or nothing");
        Assert.True(takeover.Following);
        Assert.Equal(Rows - afterKill, takeover.Inserted);
        Assert.Equal(Rows, stored);
    }

    [Fact]
    public async Task AnArticleDeletedInTheCms_PingsTheHubForEveryFeedItLeft()
    {
        await using var hub = await HubListener.StartAsync();
        using var cms = new TestCms();
        await using var db = await TestDatabase.CreateAsync("sqlite");
        var settings = new Dictionary<string, string?>(cms.Settings())
        {
            ["Feeds:RefreshInterval"] = "00:00:00.050",
            ["Feeds:WebSub:Hubs:0"] = hub.HubUrl.AbsoluteUri,
        };
        await using var app = new FeedsApp(db, settings: settings);
        cms.Publish(901, "將被刪除", tags: ["供應鏈"]);
        cms.Publish(902, "留下", category: 2);
        await FollowAsync(app);
        await Task.Delay(TimeSpan.FromSeconds(1), Cancel);  // the pings for the first articles
        var before = hub.Pings.Count;

        cms.Execute("UPDATE cms_articles SET state = -1 WHERE id = 901");
        var deleted = await FollowAsync(app);
        // Its category, section, the site, its tag, and its author's and source's feeds (記者, 示範物流協會).
        string[] left = ["logistics", "news", "all", "tags/%E4%BE%9B%E6%87%89%E9%8F%88",
            $"authors/{Uri.EscapeDataString("記者")}", $"sources/{Uri.EscapeDataString("示範物流協會")}"];
        var expected = left.SelectMany(feed => new[] { "rss", "atom", "json" }.Select(format => $"{FeedsApp.PublicBaseUrl}feeds/{feed}.{format}")).Order().ToList();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (hub.Pings.Count - before < expected.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Cancel);
        }
        await Task.Delay(TimeSpan.FromMilliseconds(500), Cancel);

        Assert.Equal(1, deleted.Deleted);
        Assert.Equal(expected, hub.Pings.Skip(before).Select(ping => ping.Url).Order());
    }

    [Fact]
    public async Task TheDemoIsACms_AndAnEditMadeToItWithSqlShowsInTheFeedsWithinSeconds()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite", migrate: false);
        await using var app = new FeedsApp(db, settings: new Dictionary<string, string?> { ["Feeds:DemoData"] = "true" });
        var client = app.CreateRawClient();
        var newest = (await EntriesAsync(client, "/feeds/all.atom"))[0];
        var cms = Path.Combine(Path.GetDirectoryName(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.ConnectionString).DataSource)!, DemoCms.FileName);

        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={cms};Pooling=False"))
        {
            await connection.OpenAsync(Cancel);
            await using var edit = connection.CreateCommand();
            edit.CommandText = "UPDATE cms_articles SET title = '編輯部剛改的標題' WHERE id = $id";
            edit.Parameters.AddWithValue("$id", int.Parse(newest.Id["demo-".Length..], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(1, await edit.ExecuteNonQueryAsync(Cancel));
        }
        // The background follower (every second by default) and nothing else: no call here makes it follow.
        var shown = System.Diagnostics.Stopwatch.StartNew();
        string? title = null;
        while (shown.Elapsed < TimeSpan.FromSeconds(20) && title != "編輯部剛改的標題")
        {
            await Task.Delay(200, Cancel);
            title = (await EntriesAsync(client, "/feeds/all.atom")).Single(entry => entry.Id == newest.Id).Title;
        }

        Assert.Equal("編輯部剛改的標題", title);
    }

    private static async Task<CmsFollower.FollowReport> FollowAsync(FeedsApp app)
    {
        await app.RefreshAsync();  // starts the server
        return await app.Services.GetRequiredService<CmsFollower>().FollowOnceAsync(Cancel);
    }

    private sealed record Entry(string Id, string Title, string Published);

    private static async Task<List<Entry>> EntriesAsync(HttpClient client, string path) =>
        FeedXml.AtomEntries(FeedXml.Parse(await client.GetByteArrayAsync(path, Cancel)))
            .Select(entry => new Entry(
                entry.Element(FeedXml.Atom + "id")!.Value.Split(':').Last(),
                entry.Element(FeedXml.Atom + "title")!.Value,
                entry.Element(FeedXml.Atom + "published")!.Value))
            .ToList();
}
