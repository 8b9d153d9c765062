using System.Data.Common;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Feeds.Tests.Data;

/// <summary>
/// SQLite's read connections stay open with their statements prepared (KeptSqliteConnections): each SQL text is
/// prepared once per connection, Dapper's parameters reach the kept statement every time, and a read that leaves
/// the connection unfit (a reader open, a transaction begun, an error) never hands it to the next read.
/// </summary>
public sealed class KeptConnectionTests : FeedsTest
{
    private const string EchoSql = "SELECT @value + 1";

    [Fact]
    public async Task ReadsOfOneText_PrepareItOnce_AndBindEachReadsParameters()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite", migrate: false);
        var answers = new List<long>();
        for (var value = 0; value < 5; value++)
        {
            answers.Add(await db.Database.ReadAsync(connection => connection.ExecuteScalarAsync<long>(EchoSql, new { value }), Cancel));
        }

        Assert.Equal([1L, 2, 3, 4, 5], answers);
        Assert.Equal(1, db.Database.KeptCommandsMade);
    }

    [Fact]
    public async Task SqliteRunsInMultiThreadMode_WithoutMemoryStatistics()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1"));

        var read = await new ArticleStore(db.Database).ReadFeedAsync(FeedScope.Site, DateTime.UtcNow, 50, Cancel);

        Assert.Single(read.Articles);
        Assert.True(SqliteDialect.ProcessSettingsApplied);
        // SQLite counts the memory it holds only with memory statistics on; a connection is open and has read.
        Assert.Equal(0, SQLitePCL.raw.sqlite3_memory_used());
    }

    [Fact]
    public async Task TheKeptStatementsOfEveryKindOfDocument_KeepTheirPlans()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        // Three pages in each of two months, and a second category below the section.
        await Articles.WriteAsync(db.Database, [.. Enumerable.Range(0, 60).Select(i => Articles.Sample(
            $"a-{i}", category: i % 2 == 0 ? "logistics" : "express", publishedAt: TestClock.Start.UtcDateTime.AddDays(-i)))]);
        await using var app = new FeedsApp(db, settings: new Dictionary<string, string?>
        {
            ["Feeds:CacheEnabled"] = "false",
            ["Feeds:ArchivePageSize"] = "10",
        });
        var client = app.CreateRawClient();
        var database = app.Services.GetRequiredService<Database>();
        string[] paths =
        [
            "/feeds/logistics.rss", "/feeds/news.atom", "/feeds/all.json", "/feeds/tags/供應鏈.rss",
            "/feeds/news/archive/2026-11.atom", "/feeds/news/archive/2026-10.rss", "/feeds/tags/供應鏈/archive/2026-10.atom",
            "/feeds/all/archive/2026-11.rss",
        ];

        for (var round = 0; round < 3; round++)
        {
            foreach (var path in paths)
            {
                var response = await client.GetAsync(path, Cancel);
                Assert.True(response.IsSuccessStatusCode, $"{path}: {response.StatusCode}");
                // The archive pages it links to, the pages within a month (their cursors) among them.
                foreach (var link in Regex.Matches(await response.Content.ReadAsStringAsync(Cancel), @"https://feeds\.example\.org(/feeds/[^""<\s]*/archive/[^""<\s]+)")
                    .Select(match => System.Net.WebUtility.HtmlDecode(match.Groups[1].Value).Replace("\\/", "/")).Distinct())
                {
                    Assert.True((await client.GetAsync(link, Cancel)).IsSuccessStatusCode, link);
                }
            }
            app.Clock.Advance(TimeSpan.FromMinutes(7));
        }

        // SQLite prepares a statement again when a bound value may change its plan: a bare "LIMIT @limit" did so
        // on every run, and keeping the statement then saved nothing.
        Assert.Empty(database.KeptStatementsReprepared);
    }

    [Fact]
    public async Task AFeedRead_TakesItsStatementsPreparedTheSecondTime()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1"), Articles.Sample("a-2"));
        var store = new ArticleStore(db.Database);
        var first = await store.ReadFeedAsync(FeedScope.Site, DateTime.UtcNow, 50, Cancel);
        var made = db.Database.KeptCommandsMade;

        var second = await store.ReadFeedAsync(FeedScope.Site, DateTime.UtcNow, 50, Cancel);

        Assert.Equal(2, second.Articles.Count);
        Assert.Equal(first.Keys.Select(key => key.Id), second.Keys.Select(key => key.Id));
        Assert.Equal(first.Articles.Values.Select(article => article.ContentHtml), second.Articles.Values.Select(article => article.ContentHtml));
        Assert.Equal(made, db.Database.KeptCommandsMade);
    }

    [Fact]
    public async Task OneTextRunTwiceAtOnce_OnOneConnection_RunsBoth()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite", migrate: false);

        var (outer, inner) = await db.Database.ReadAsync(async connection =>
        {
            var outerRows = new List<long>();
            var innerRows = new List<long>();
            await foreach (var row in connection.QueryUnbufferedAsync<long>(EchoSql, new { value = 10 }))
            {
                outerRows.Add(row);
                innerRows.AddRange(await connection.QueryAsync<long>(EchoSql, new { value = 20 }));
            }
            return (outerRows, innerRows);
        }, Cancel);

        Assert.Equal([11L], outer);
        Assert.Equal([21L], inner);
    }

    [Fact]
    public async Task AConnectionLeftFit_IsTheNextReadsOne()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite", migrate: false);
        var first = await db.Database.ReadAsync(async connection =>
        {
            await connection.ExecuteScalarAsync<long>(EchoSql, new { value = 1 });
            return connection;
        }, Cancel);

        var second = await db.Database.ReadAsync(connection => Task.FromResult(connection), Cancel);

        Assert.Same(first, second);
    }

    public static TheoryData<string> UnfitEndings => new("reader left open", "transaction left open", "failed statement");

    [Theory, MemberData(nameof(UnfitEndings))]
    public async Task AConnectionLeftUnfit_IsClosed_AndTheNextReadGetsAnother(string ending)
    {
        await using var db = await TestDatabase.CreateAsync("sqlite", migrate: false);
        DbConnection? first = null;
        var read = db.Database.ReadAsync<long>(async connection =>
        {
            first = connection;
            switch (ending)
            {
                case "reader left open":
                    var reader = await connection.ExecuteReaderAsync("SELECT 1 UNION ALL SELECT 2");
                    await reader.ReadAsync(Cancel);
                    return 0;
                case "transaction left open":
                    var transaction = await connection.BeginTransactionAsync(Cancel);
                    return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM sqlite_master", transaction: transaction);
                default:
                    return await connection.ExecuteScalarAsync<long>("SELECT * FROM no_such_table");
            }
        }, Cancel);
        if (ending == "failed statement")
        {
            await Assert.ThrowsAnyAsync<DbException>(() => read);
        }
        else
        {
            await read;
        }

        var (second, answer) = await db.Database.ReadAsync(async connection => (connection, await connection.ExecuteScalarAsync<long>(EchoSql, new { value = 41 })), Cancel);

        Assert.NotNull(first);
        Assert.NotSame(first, second);
        Assert.Equal(42, answer);
    }
}
