using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;

namespace Feeds.Tests.Http;

/// <summary>
/// The database unreachable or failing: what was rendered keeps being served within Feeds:MaxStaleness, what
/// was not is 503 with Retry-After, readiness says so, and everything recovers when the database returns.
/// SQL Server's real error paths run here without a server: a closed port, and a listener that never answers.
/// </summary>
public sealed class FaultTests : FeedsTest
{
    public static TheoryData<string> UnreachableServers => new("closed port", "silent listener");

    [Theory, MemberData(nameof(UnreachableServers))]
    public async Task WithSqlServerUnreachable_TheServerStarts_AndAnswers503WithRetryAfter_AndNotReady(string kind)
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var silentPort = ((IPEndPoint)silent.LocalEndpoint).Port;
        var port = kind == "closed port" ? FeedsApp.FreePort() : silentPort;
        var accepted = kind == "closed port" ? Task.CompletedTask : AcceptAndHoldAsync(silent);
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await using var app = new FeedsApp(db, settings: new Dictionary<string, string?>
        {
            ["Feeds:Database:Provider"] = "sqlserver",
            ["Feeds:Database:ConnectionString"] = $"Server=tcp:127.0.0.1,{port};Database=Feeds;User Id=feeds;Password=not-used;Connect Timeout=2;TrustServerCertificate=True;Pooling=False",
            ["Feeds:Database:ReadRetries"] = "1",
            // Only the first poll, at start: the retry counts below are this test's alone.
            ["Feeds:RefreshInterval"] = "00:10:00",
        });
        var client = app.CreateRawClient();

        foreach (var path in new[] { "/feeds/all.rss", "/feeds/news.atom", "/feeds/tags/x.json", "/feeds/news", "/", "/feeds.opml", "/feeds/news/archive/2026-10.atom" })
        {
            var response = await client.GetAsync(path, Cancel);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter!.Delta);
            Assert.DoesNotContain("not-used", await response.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        }
        var live = await client.GetAsync("/health/live", Cancel);
        var ready = await client.GetAsync("/health/ready", Cancel);
        using var readiness = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(Cancel));

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/feeds/feed.xsl", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("Unhealthy", readiness.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.StartsWith("sqlserver: ", readiness.RootElement.GetProperty("checks").GetProperty("database").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("no-store", ready.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        // Reads are tried again (Feeds:Database:ReadRetries): a poll, without the bounded wait of the start; a write is not.
        var database = app.Services.GetRequiredService<Feeds.Data.Database>();
        await Assert.ThrowsAnyAsync<Exception>(app.RefreshAsync);
        var retries = database.ReadRetries;
        Assert.True(retries > 0);
        await Assert.ThrowsAsync<Feeds.Data.DatabaseUnavailableException>(async () =>
            await Feeds.Data.ArticleWriter.BeginAsync(database, TimeProvider.System, Cancel));
        Assert.Equal(retries, database.ReadRetries);
        silent.Stop();
        await accepted.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [Fact]
    public async Task WhenTheDatabaseGoesAway_RenderedFeedsStayUntilMaxStaleness_OthersAre503_AndAllRecover()
    {
        await using var site = await TestSite.StartAsync("sqlite", settings: new Dictionary<string, string?> { ["Feeds:MaxStaleness"] = "00:10:00" }, Articles.Sample("a-1"), Articles.Sample("m-1", category: "markets", section: "industry"));
        var (db, app, client) = site;
        var before = await client.GetAsync("/feeds/news.rss", Cancel);
        var file = new SqliteConnectionStringBuilder(db.ConnectionString).DataSource;

        // The file goes away; the next connection finds an empty database in its place.
        await using (var connection = new SqliteConnection(db.ConnectionString))
        {
            await connection.OpenAsync(Cancel);
            await connection.ExecuteAsync("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        SqliteConnection.ClearAllPools();
        // Feeds keeps its read connections open with their statements prepared: they go too, as after a restart.
        app.Services.GetRequiredService<Feeds.Data.Database>().CloseKeptConnections();
        File.Move(file, file + ".away");
        await Assert.ThrowsAnyAsync<Exception>(app.RefreshAsync);

        var cached = await client.GetAsync("/feeds/news.rss", Cancel);
        var neverRendered = await client.GetAsync("/feeds/industry.rss", Cancel);
        var ready = await client.GetAsync("/health/ready", Cancel);
        using var readiness = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(Cancel));
        app.Clock.Advance(TimeSpan.FromMinutes(11));
        var tooStale = await client.GetAsync("/feeds/news.rss", Cancel);
        var readyTooStale = await client.GetAsync("/health/ready", Cancel);

        Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        Assert.Equal(before.Headers.ETag, cached.Headers.ETag);
        Assert.Equal(await before.Content.ReadAsByteArrayAsync(Cancel), await cached.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, neverRendered.StatusCode);
        Assert.NotNull(neverRendered.Headers.RetryAfter);
        // Still serving what it read: ready (Degraded), so that a balancer keeps it; past MaxStaleness, not ready.
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Degraded", readiness.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.Contains("serving what was read at", readiness.RootElement.GetProperty("checks").GetProperty("database").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, tooStale.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyTooStale.StatusCode);

        // The database returns: fresh feeds resume without a restart.
        SqliteConnection.ClearAllPools();
        app.Services.GetRequiredService<Feeds.Data.Database>().CloseKeptConnections();
        foreach (var leftover in new[] { file, file + "-wal", file + "-shm" })
        {
            File.Delete(leftover);
        }
        File.Move(file + ".away", file);
        await app.RefreshAsync();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/feeds/industry.rss", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/feeds/news.rss", Cancel)).StatusCode);
        app.Clock.Advance(TimeSpan.FromSeconds(2));  // past the second a readiness report is kept
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready", Cancel)).StatusCode);
    }

    [Fact]
    public async Task AnImportKilledMidFile_LeavesNothingOfTheFile()
    {
        var folder = Directory.CreateTempSubdirectory("feeds-kill-");
        try
        {
            var database = Path.Combine(folder.FullName, "feeds.db");
            var lines = Enumerable.Range(1, 40_000).Select(i => Ndjson.Line(Ndjson.Article($"k-{i}", title: $"第{i}篇 {new string('文', 400)}")));
            var file = await Ndjson.WriteFileAsync(folder.FullName, lines);
            var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = folder.FullName };
            foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "Feeds.dll"), "import", file, $"--Feeds:Database:ConnectionString=Data Source={database}" })
            {
                start.ArgumentList.Add(argument);
            }

            using (var process = Process.Start(start)!)
            {
                // Killed (SIGKILL, no chance to clean up) once it reports writing progress: mid-file, mid-transaction.
                string? progress;
                do
                {
                    progress = await process.StandardError.ReadLineAsync(Cancel);
                }
                while (progress is not null && !progress.StartsWith("imported ", StringComparison.Ordinal));
                process.Kill();
                await process.WaitForExitAsync(Cancel);
                Assert.True(progress is not null, "the import ended before it reported writing progress; the file is too small to kill it mid-way");
                Assert.DoesNotContain("imported 40,000", progress, StringComparison.Ordinal);
            }

            await using var connection = new SqliteConnection($"Data Source={database}");
            await connection.OpenAsync(Cancel);
            Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM articles"));
            Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM categories"));
            Assert.Equal("ok", await connection.ExecuteScalarAsync<string>("PRAGMA integrity_check"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Issue 31, sixth item: SIGTERM (systemctl stop, docker stop) was ignored until the import ended, so the service
    /// manager killed it after its grace period. Now it stops it at once like Ctrl+C: rolled back, one line, exit 143.
    /// </summary>
    [Fact]
    public async Task AnImportStoppedBySigterm_RollsBackAtOnce_InOneLine_WithExit143()
    {
        using var folder = new TempFolder("feeds-sigterm-");
        var database = Path.Combine(folder.FullName, "feeds.db");
        var lines = Enumerable.Range(1, 40_000).Select(i => Ndjson.Line(Ndjson.Article($"t-{i}", title: $"第{i}篇 {new string('文', 400)}")));
        var file = await Ndjson.WriteFileAsync(folder.FullName, lines);
        var start = FeedsProcess.StartInfo(folder.FullName, ["import", file, $"--Feeds:Database:ConnectionString=Data Source={database}"]);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Cancel);
        string? progress;
        do
        {
            progress = await process.StandardError.ReadLineAsync(Cancel);
        }
        while (progress is not null && !progress.StartsWith("imported ", StringComparison.Ordinal));
        Assert.True(progress is not null, "the import ended before it reported writing progress");
        var signalled = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(Cancel);
        }
        var rest = await process.StandardError.ReadToEndAsync(Cancel);
        await process.WaitForExitAsync(Cancel);
        await stdout;

        Assert.Equal(143, process.ExitCode);
        Assert.True(signalled.Elapsed < TimeSpan.FromSeconds(10), $"it took {signalled.Elapsed} to stop");
        var said = rest.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => !line.StartsWith("imported ", StringComparison.Ordinal)).ToList();
        Assert.Equal("import: stopped by SIGTERM; nothing was changed by the unfinished step, and running it again starts it over.", Assert.Single(said));
        await using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        await connection.OpenAsync(Cancel);
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM articles"));
    }

    /// <summary>Accepts connections and never answers, like a server that hangs.</summary>
    private static async Task AcceptAndHoldAsync(TcpListener listener)
    {
        var held = new List<Socket>();
        try
        {
            while (true)
            {
                held.Add(await listener.AcceptSocketAsync(Cancel));
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            held.ForEach(socket => socket.Dispose());
        }
    }
}
