using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Feeds.Tests.Http;

/// <summary>
/// What a newcomer meets in the first hour, run as they would run it: the built app as its own process, from a
/// working directory of its own, with the README's commands and URLs.
/// </summary>
public sealed partial class FirstHourTests : FeedsTest
{
    [Fact]
    public async Task AServerOnAnyPort_LinksToItself_ReadsItsOwnSettingsFile_AndLogsOneLine()
    {
        using var folder = new TempFolder("feeds-first-hour-");
        // A setting in the app's own settings file (beside the binary), for an environment only this test uses.
        var settings = Path.Combine(AppContext.BaseDirectory, "appsettings.FirstHour.json");
        await File.WriteAllTextAsync(settings, """{ "Feeds": { "SiteName": "設定檔裡的站名" } }""", Cancel);
        try
        {
            var port = FeedsApp.FreePort();
            await using var server = await RunningServer.StartAsync(folder.FullName, port, "--environment", "FirstHour", "--urls", $"http://127.0.0.1:{port}");

            var rss = FeedXml.Parse(await server.Client.GetByteArrayAsync("/feeds/all.rss", Cancel)).Root!.Element("channel")!;
            var output = await server.StopAsync();

            Assert.Equal($"http://127.0.0.1:{port}/feeds/all.rss",
                rss.Elements(FeedXml.Atom + "link").Single(link => link.Attribute("rel")!.Value == "self").Attribute("href")!.Value);
            Assert.Equal("設定檔裡的站名", rss.Element("title")!.Value);
            // The database stays where the user stands.
            Assert.True(File.Exists(Path.Combine(folder.FullName, "data", "feeds.db")));
            // Quiet by default: no line per request; one line says where it listens, over what, linking where.
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Contains(lines, line => line.Contains($"Feeds listens on http://127.0.0.1:{port}", StringComparison.Ordinal)
                && line.Contains(Path.Combine(folder.FullName, "data", "feeds.db"), StringComparison.Ordinal));
            Assert.DoesNotContain(lines, line => line.Contains("Request starting", StringComparison.Ordinal) || line.Contains("Now listening", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(settings);
        }
    }

    [Fact]
    public async Task AServerOnEveryAddress_WithoutAPublicBase_LinksToLocalhost_AndWarnsOnce()
    {
        using var folder = new TempFolder("feeds-first-hour-");
        var port = FeedsApp.FreePort();
        await using var server = await RunningServer.StartAsync(folder.FullName, port, "--urls", $"http://0.0.0.0:{port}", "--Feeds:DemoData=false");

        var rss = FeedXml.Parse(await server.Client.GetByteArrayAsync("/feeds/all.rss", Cancel)).Root!.Element("channel")!;
        var output = await server.StopAsync();

        Assert.Equal($"http://localhost:{port}/feeds/all.rss",
            rss.Elements(FeedXml.Atom + "link").Single(link => link.Attribute("rel")!.Value == "self").Attribute("href")!.Value);
        Assert.Single(output.Split('\n'), line => line.Contains("Feeds:PublicBaseUrl is not set", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AMistypedCommand_ExitsWithTheUsage_AndStartsNoServer()
    {
        using var folder = new TempFolder("feeds-first-hour-");
        var started = Stopwatch.StartNew();
        var result = await FeedsProcess.RunAsync(folder.FullName, "imprt", "articles.ndjson");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown command 'imprt'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Feeds import FILE.ndjson", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(folder.FullName, "data")), "a server started and created its database");
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("migrate", "--help")]
    [InlineData("import", "articles.ndjson", "-h")]
    [InlineData("--help", "--urls", "http://127.0.0.1:5000")]
    public async Task Help_AnywhereOnTheLine_PrintsTheUsage_AndChangesNothing(params string[] arguments)
    {
        using var folder = new TempFolder("feeds-first-hour-");
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "articles.ndjson"), Ndjson.Line(Ndjson.Article("h-1")), Cancel);

        var result = await FeedsProcess.RunAsync(folder.FullName, arguments);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Feeds import FILE.ndjson", result.Stdout, StringComparison.Ordinal);
        Assert.Empty(result.Stderr);
        // No server started, no database created or migrated, nothing imported.
        Assert.Equal(["articles.ndjson"], Directory.EnumerateFileSystemEntries(folder.FullName).Select(Path.GetFileName));
    }

    /// <summary>
    /// Issue 31, second item: start failures ended in "Unhandled exception", a stack trace and exit 134. Now each is
    /// one line naming what is wrong and what to do: exit 2 for what the operator configured, 1 for what is not there.
    /// </summary>
    [Fact]
    public async Task EveryStartFailure_IsOneLine_Exit2ForConfiguration_Exit1ForWhatIsNotThere()
    {
        using var folder = new TempFolder("feeds-first-hour-");
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var heldPort = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        var closedPort = FeedsApp.FreePort();
        var database = $"--Feeds:Database:ConnectionString=Data Source={Path.Combine(folder.FullName, "feeds.db")}";
        const string misspelt = "--Feeds:Database:ConnectionString=Servr=db.example.net;Database=Feeds;Password=hunter2-secret";
        var unreachable = $"--Feeds:Database:ConnectionString=Server=tcp:127.0.0.1,{closedPort};Database=Feeds;User Id=feeds;Password=hunter2-secret;Connect Timeout=2;TrustServerCertificate=True";
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "articles.ndjson"), Ndjson.Line(Ndjson.Article("n-1")), Cancel);

        var cases = new (string Name, string[] Arguments, int ExitCode, string Says)[]
        {
            ("server, misspelt keyword", ["--Feeds:Database:Provider=sqlserver", misspelt, $"--urls=http://127.0.0.1:{FeedsApp.FreePort()}"], 2, "Feeds did not start: invalid settings: Feeds:Database:ConnectionString is not a connection string its provider accepts: Keyword not supported: 'servr'"),
            ("migrate, misspelt keyword", ["migrate", "--Feeds:Database:Provider=sqlserver", misspelt], 2, "migrate: invalid settings: Feeds:Database:ConnectionString is not a connection string"),
            ("import, misspelt keyword", ["import", "articles.ndjson", "--Feeds:Database:Provider=sqlserver", misspelt], 2, "import: invalid settings: Feeds:Database:ConnectionString is not a connection string"),
            ("migrate, unreachable", ["migrate", "--Feeds:Database:Provider=sqlserver", unreachable], 1, "migrate: The database cannot be reached: "),
            ("import, unreachable", ["import", "articles.ndjson", "--Feeds:Database:Provider=sqlserver", unreachable], 1, "import: The database cannot be reached: "),
            ("server, port in use", [database, $"--urls=http://127.0.0.1:{heldPort}", "--Feeds:DemoData=false"], 1, $"Feeds did not start: Failed to bind to address http://127.0.0.1:{heldPort}: address already in use: another process listens there"),
            ("server, unwritable data path", ["--Feeds:Database:ConnectionString=Data Source=/sys/feeds-cannot-be-here/feeds.db", $"--urls=http://127.0.0.1:{FeedsApp.FreePort()}"], 2, "Feeds did not start: cannot create the data folder /sys/feeds-cannot-be-here"),
            ("migrate, unwritable data path", ["migrate", "--Feeds:Database:ConnectionString=Data Source=/sys/feeds-cannot-be-here/feeds.db"], 2, "migrate: cannot create the data folder /sys/feeds-cannot-be-here"),
        };
        var results = await Task.WhenAll(cases.Select(async c => (c, await FeedsProcess.RunAsync(folder.FullName, c.Arguments))));

        foreach (var (c, result) in results)
        {
            var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => !line.Contains(" warn: ", StringComparison.Ordinal)).ToList();
            Assert.True(lines.Count == 1, $"{c.Name}: {lines.Count} lines:\n{result.Stderr}");
            Assert.True(lines[0].StartsWith(c.Says, StringComparison.Ordinal), $"{c.Name}: {lines[0]}");
            Assert.True(c.ExitCode == result.ExitCode, $"{c.Name}: exit {result.ExitCode}");
            Assert.DoesNotContain("hunter2-secret", result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", result.Stderr + result.Stdout, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Issue 31, fifth item: with SQL Server silent at start, nothing listened for 19 s, not even /health/live, so a
    /// short liveness probe restarted the server in a loop. Now the start waits for the database a bounded time.
    /// </summary>
    [Fact]
    public async Task WithTheDatabaseSilentAtStart_LivenessAnswersWithinSeconds_AndReadinessSaysWhy()
    {
        using var folder = new TempFolder("feeds-first-hour-");
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<System.Net.Sockets.Socket>();
        var accepting = Task.Run(async () =>
        {
            while (true)
            {
                held.Add(await silent.AcceptSocketAsync(Cancel));
            }
        }, Cancel);
        var silentPort = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var port = FeedsApp.FreePort();
        var start = FeedsProcess.StartInfo(folder.FullName, [
            "--Feeds:Database:Provider=sqlserver",
            $"--Feeds:Database:ConnectionString=Server=tcp:127.0.0.1,{silentPort};Database=Feeds;User Id=feeds;Password=x;TrustServerCertificate=True",
            $"--urls=http://127.0.0.1:{port}"]);
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Cancel);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        HttpStatusCode? live = null;
        while (live != HttpStatusCode.OK && started.Elapsed < TimeSpan.FromSeconds(30) && !process.HasExited)
        {
            try
            {
                live = (await client.GetAsync("/health/live", Cancel)).StatusCode;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100, Cancel);
            }
        }
        var listening = started.Elapsed;
        var ready = await client.GetAsync("/health/ready", Cancel);
        var readiness = await ready.Content.ReadAsStringAsync(Cancel);
        await Task.Delay(1100, Cancel);  // past the second a readiness report is kept: a second check
        await client.GetAsync("/health/ready", Cancel);
        await Task.Delay(500, Cancel);
        using (var stop = System.Diagnostics.Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await stop.WaitForExitAsync(Cancel);
        }
        await process.WaitForExitAsync(Cancel);
        var logged = await output;

        Assert.Equal(HttpStatusCode.OK, live);
        // Two bounded waits of 2 s (the schema check, the first poll) and the process's own start, not 19 s.
        Assert.True(listening < TimeSpan.FromSeconds(9), $"liveness answered after {listening}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("sqlserver: ", readiness, StringComparison.Ordinal);
        // In SqlClient's words, not the socket's ("Unknown error 258" for a silent server, "Success" for a refusing one).
        Assert.DoesNotContain("Unknown error 258", readiness, StringComparison.Ordinal);
        Assert.DoesNotContain("\"sqlserver: Success\"", readiness, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", logged, StringComparison.Ordinal);
        // Readiness probes are not logged one by one; the outage is logged, once, in one line each, no stack trace.
        Assert.DoesNotContain("Health check", logged, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", logged, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASchemaNewerThanTheBinary_IsRefusedInOneLine_ByTheServerMigrateAndImport()
    {
        using var folder = new TempFolder("feeds-first-hour-");
        var database = $"--Feeds:Database:ConnectionString=Data Source={Path.Combine(folder.FullName, "feeds.db")}";
        Assert.Equal(0, (await FeedsProcess.RunAsync(folder.FullName, "migrate", database)).ExitCode);
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(folder.FullName, "feeds.db")};Pooling=False"))
        {
            await connection.OpenAsync(Cancel);
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO schema_migrations (version, applied_at) VALUES ('9999_from_a_newer_feeds', '2027-01-01 00:00:00')";
            await command.ExecuteNonQueryAsync(Cancel);
        }
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "articles.ndjson"), Ndjson.Line(Ndjson.Article("n-1")), Cancel);

        var server = await FeedsProcess.RunAsync(folder.FullName, database, $"--urls=http://127.0.0.1:{FeedsApp.FreePort()}");
        var migrate = await FeedsProcess.RunAsync(folder.FullName, "migrate", database);
        var import = await FeedsProcess.RunAsync(folder.FullName, "import", "articles.ndjson", database);

        foreach (var (result, start) in new[] { (server, "Feeds did not start: the database schema is newer"), (migrate, "migrate: the database schema is newer"), (import, "import: the database schema is newer") })
        {
            Assert.Equal(2, result.ExitCode);
            var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith(start, line, StringComparison.Ordinal);
            Assert.Contains("9999_from_a_newer_feeds", line, StringComparison.Ordinal);
            Assert.Contains(Path.GetFileNameWithoutExtension(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "sql", "sqlite"), "*.sql").Max()!), line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task APublishedBinary_FillsNoDatabaseWithDemoArticles_AndWarnsOfEveryExampleSettingAndEveryUnknownKey()
    {
        using var folder = new TempFolder("feeds-first-hour-");
        var port = FeedsApp.FreePort();
        // As a published binary runs: no environment set, so Production.
        await using var server = await RunningServer.StartAsync(folder.FullName, port, "--urls", $"http://127.0.0.1:{port}", "--Feeds:DefaultLimt=3", "--Feeds:RenderLimits:Concurency=2");

        var items = FeedXml.RssItems(FeedXml.Parse(await server.Client.GetByteArrayAsync("/feeds/all.rss", Cancel)));
        var output = await server.StopAsync();

        Assert.Empty(items);
        Assert.False(File.Exists(Path.Combine(folder.FullName, "data", "demo-cms.db")));
        Assert.Contains("Feeds:IdPrefix still holds its example value tag:news.example.com,2026:", output, StringComparison.Ordinal);
        Assert.Contains("Feeds:SiteUrl still holds its example value https://news.example.com/", output, StringComparison.Ordinal);
        Assert.Contains("Feeds:DefaultLimt is not a setting of Feeds", output, StringComparison.Ordinal);
        Assert.Contains("Feeds:RenderLimits:Concurency is not a setting of Feeds", output, StringComparison.Ordinal);
        // One line an entry, each with its UTC time, and one line for the clean stop.
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (info|warn|fail): ", line));
        Assert.EndsWith("Feeds stopped", lines[^1].TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AConfigurationOpenCcCannotOpen_TurnsTheTwinsOff_InOneLineAtStart_AndTheOriginalsAreServed()
    {
        using var folder = new TempFolder("feeds-first-hour-");
        var port = FeedsApp.FreePort();
        await using var server = await RunningServer.StartAsync(folder.FullName, port, "--urls", $"http://127.0.0.1:{port}", "--Feeds:SimplifiedChinese:Configuration=no-such-config.json");

        var original = await server.Client.GetAsync("/feeds/all.rss", Cancel);
        var twin = await server.Client.GetAsync("/zh-hans/feeds/all.rss", Cancel);
        var body = await original.Content.ReadAsStringAsync(Cancel);
        var output = await server.StopAsync();

        Assert.Equal(HttpStatusCode.OK, original.StatusCode);
        Assert.DoesNotContain("hreflang", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, twin.StatusCode);
        var line = Assert.Single(output.Split('\n'), line => line.Contains("Simplified-Chinese twins", StringComparison.Ordinal));
        Assert.Contains("warn: ", line, StringComparison.Ordinal);
        Assert.Contains("Simplified-Chinese twins are off: OpenCC cannot open the configuration 'no-such-config.json'", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("migrate", "--force")]
    [InlineData("import", "articles.ndjson", "--skip-bad-line")]
    [InlineData("import", "articles.ndjson", "more.ndjson")]
    public async Task AnUnknownOptionToACommand_IsRefused_AndChangesNothing(params string[] arguments)
    {
        using var folder = new TempFolder("feeds-first-hour-");
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "articles.ndjson"), Ndjson.Line(Ndjson.Article("u-1")), Cancel);

        var result = await FeedsProcess.RunAsync(folder.FullName, arguments);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"{arguments[0]}: unknown option '{arguments[^1]}'", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(["articles.ndjson"], Directory.EnumerateFileSystemEntries(folder.FullName).Select(Path.GetFileName));
    }

    [Fact]
    public async Task MigrateAndImport_NameTheDatabaseTheyWrote()
    {
        using var folder = new TempFolder("feeds-first-hour-");
        var file = Path.Combine(folder.FullName, "elsewhere.db");
        var database = $"--Feeds:Database:ConnectionString=Data Source={file}";
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "articles.ndjson"), Ndjson.Line(Ndjson.Article("a-1")) + "\n", Cancel);

        var migrate = await FeedsProcess.RunAsync(folder.FullName, "migrate", database);
        var import = await FeedsProcess.RunAsync(folder.FullName, "import", "articles.ndjson", database);

        Assert.Equal(0, migrate.ExitCode);
        Assert.Contains($"sqlite {file}", migrate.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, import.ExitCode);
        Assert.Contains($"into sqlite {file}: 1 new", import.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DurationHistograms_HaveBucketsOfSeconds()
    {
        await using var site = await TestSite.StartAsync("sqlite", Articles.Sample("a-1"));
        var (db, app, client) = site;
        await client.GetAsync("/feeds/logistics.rss", Cancel);
        await app.RefreshAsync();

        var metrics = await client.GetStringAsync("/metrics", Cancel);

        foreach (var histogram in new[] { "feeds_render_duration_seconds", "feeds_poll_duration_seconds" })
        {
            var bounds = BucketBound().Matches(metrics)
                .Where(match => match.Groups["name"].Value == histogram)
                .Select(match => match.Groups["le"].Value)
                .Distinct()
                .ToList();
            // From a tenth of a millisecond to seconds, not OpenTelemetry's millisecond defaults (0, 5, 10, ... 10000).
            Assert.Contains("0.0001", bounds);
            Assert.Contains("0.001", bounds);
            Assert.Contains("1", bounds);
            Assert.DoesNotContain("10000", bounds);
        }
    }

    [Fact]
    public async Task EveryExampleUrlOfTheReadme_AnswersOnTheDemoData()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "README.md"), Cancel);
        // Every link to the demo server, and every concrete path written as code (`/feeds/all.atom`; not `/feeds/{tag}`).
        var examples = ReadmeUrl().Matches(readme).Select(match => match.Groups["path"].Value)
            .Concat(ReadmePath().Matches(readme).Select(match => match.Groups["path"].Value))
            .Distinct()
            .ToList();
        // The twins' examples (/zh-hans/…) answer where OpenCC is installed, as they do for a newcomer who has it.
        var twins = OpenCcOracle.LibraryInstalled();
        examples = [.. examples.Where(path => twins || !path.StartsWith("/zh-hans", StringComparison.Ordinal))];
        await using var db = await TestDatabase.CreateAsync("sqlite", migrate: false);
        await using var app = new FeedsApp(db, settings: new Dictionary<string, string?> { ["Feeds:DemoData"] = "true", ["Feeds:SimplifiedChinese:Enabled"] = twins ? "true" : "false" });
        var client = app.CreateRawClient();

        Assert.True(examples.Count >= 5, $"only {examples.Count} example URLs found");
        foreach (var path in examples)
        {
            var response = await client.GetAsync(path.Length == 0 ? "/" : path, Cancel);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
        }
    }

    [GeneratedRegex(@"http://localhost:5000(?<path>/[^\s)>`""'\]]*)?")]
    private static partial Regex ReadmeUrl();

    // Not the files of a deployment (/etc/…, /var/lib/…, /opt/…, a container's /app).
    [GeneratedRegex(@"`(?<path>/(?!(?:etc|var|opt|usr|app)(?:/|`))[^`\s{}…]*)`")]
    private static partial Regex ReadmePath();

    [GeneratedRegex(@"^(?<name>feeds_\w+_seconds)_bucket\{[^}]*le=""(?<le>[^""]+)""", RegexOptions.Multiline)]
    private static partial Regex BucketBound();

    /// <summary>The built app serving from its own process, until stopped; what it wrote to standard output.</summary>
    private sealed class RunningServer : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly Task<string> _output;

        private RunningServer(Process process, int port)
        {
            _process = process;
            _output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        }

        public HttpClient Client { get; }

        public static async Task<RunningServer> StartAsync(string workingDirectory, int port, params string[] arguments)
        {
            var start = FeedsProcess.StartInfo(workingDirectory, arguments);
            start.Environment["DOTNET_ENVIRONMENT"] = null;
            start.Environment["ASPNETCORE_ENVIRONMENT"] = null;
            var server = new RunningServer(Process.Start(start)!, port);
            for (var attempt = 0; attempt < 300; attempt++)
            {
                try
                {
                    if ((await server.Client.GetAsync("/health/ready", Cancel)).IsSuccessStatusCode)
                    {
                        return server;
                    }
                }
                catch (HttpRequestException)
                {
                }
                if (server._process.HasExited)
                {
                    throw new InvalidOperationException($"the server exited: {await server._output}");
                }
                await Task.Delay(100, Cancel);
            }
            await server.DisposeAsync();
            throw new TimeoutException("the server did not answer within 30 s");
        }

        /// <summary>Stops the server (SIGTERM, as an operator would) and returns what it logged.</summary>
        public async Task<string> StopAsync()
        {
            if (!_process.HasExited)
            {
                Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
                timeout.CancelAfter(TimeSpan.FromSeconds(20));
                await _process.WaitForExitAsync(timeout.Token);
            }
            return await _output;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            Client.Dispose();
            _process.Dispose();
        }
    }
}
