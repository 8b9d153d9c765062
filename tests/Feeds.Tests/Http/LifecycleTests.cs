using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Feeds.Tests.Http;

/// <summary>The server as a process: graceful shutdown, and the request limits Kestrel enforces.</summary>
public sealed class LifecycleTests : FeedsTest
{
    [Fact]
    public async Task OnSigterm_ARequestInFlight_IsAnsweredWhole_AndTheProcessExitsCleanly()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        // About 20 MB in all: more than loopback socket buffers hold, so the response stays in flight.
        var body = string.Concat(Enumerable.Repeat("<p>港口夜間作業的長篇報導，段落重複以放大訂閱源。</p>", 4000));
        await Articles.WriteAsync(db.Database, [.. Enumerable.Range(1, 60).Select(i => Articles.Sample($"big-{i}", publishedAt: TestClock.Start.UtcDateTime.AddMinutes(-i)) with { ContentHtml = body })]);
        await using var running = await ServerProcess.StartAsync(db);
        var (server, port) = (running.Process, running.Port);

        // A slow reader: the response (several MB) cannot be written until the client reads on.
        using var client = new TcpClient { ReceiveBufferSize = 4096 };
        await client.ConnectAsync(IPAddress.Loopback, port, Cancel);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /feeds/news.atom?limit=100 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"), Cancel);
        var head = new byte[1024];
        var read = await stream.ReadAsync(head, Cancel);
        Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(head, 0, read), StringComparison.Ordinal);

        using (var term = Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync(Cancel);
        }
        await Task.Delay(500, Cancel);
        Assert.False(server.HasExited, "the server exited with a request in flight");

        using var rest = new MemoryStream();
        rest.Write(head, 0, read);
        await stream.CopyToAsync(rest, Cancel);
        var response = Encoding.UTF8.GetString(rest.ToArray());
        var headerEnd = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var declared = int.Parse(response[..headerEnd].Split("\r\n").Single(line => line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)).Split(':')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var received = rest.Length - Encoding.UTF8.GetByteCount(response[..(headerEnd + 4)]);

        Assert.True(declared > 15_000_000, $"the feed is only {declared} bytes");
        Assert.Equal(declared, received);
        Assert.EndsWith("</feed>", response.TrimEnd(), StringComparison.Ordinal);
        using var exit = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        exit.CancelAfter(TimeSpan.FromSeconds(30));
        await server.WaitForExitAsync(exit.Token);
        Assert.True(server.ExitCode == 0, $"exit code {server.ExitCode}: {await running.Stderr}");
    }

    [Fact]
    public async Task OversizedRequestLinesAndHeaders_AreRefusedByKestrel_BeforeFeedsSeesThem()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await using var app = new FeedsApp(db);
        var client = app.CreateRawClient();

        var longLine = await client.GetAsync("/feeds/" + new string('a', 9000) + ".rss", Cancel);
        using var bigHeaders = new HttpRequestMessage(HttpMethod.Get, "/feeds/all.rss");
        for (var i = 0; i < 20; i++)
        {
            bigHeaders.Headers.TryAddWithoutValidation($"X-Padding-{i}", new string('x', 1000));
        }
        var tooManyHeaderBytes = await client.SendAsync(bigHeaders, Cancel);
        var normal = await client.GetAsync("/feeds/all.rss", Cancel);

        Assert.Equal(HttpStatusCode.RequestUriTooLong, longLine.StatusCode);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, tooManyHeaderBytes.StatusCode);
        Assert.Equal(HttpStatusCode.OK, normal.StatusCode);
        Assert.False(normal.Headers.Contains("Server"));
    }

    [Fact]
    public async Task PastItsConnectionLimit_TheServerRelievesIdleConnections_AnswersOr503sAtOnce_AndAcceptsAgainAfterwards()
    {
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1"));
        await using var running = await ServerProcess.StartAsync(db, "--Feeds:MaxConnections=100");
        var (server, port) = (running.Process, running.Port);
        var idle = new List<TcpClient>();
        try
        {
            // Idle connections, twice the limit, that never send a request.
            for (var i = 0; i < 200; i++)
            {
                var connection = new TcpClient();
                await connection.ConnectAsync(IPAddress.Loopback, port, Cancel);
                idle.Add(connection);
            }
            await Task.Delay(500, Cancel);
            var watch = Stopwatch.StartNew();
            var during = await RawGetAsync(port);
            var answeredIn = watch.Elapsed;
            foreach (var connection in idle)
            {
                connection.Dispose();
            }
            idle.Clear();
            await Task.Delay(300, Cancel);
            var afterwards = await RawGetAsync(port);

            Assert.True(during.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) || during.StartsWith("HTTP/1.1 503", StringComparison.Ordinal), during);
            if (during.StartsWith("HTTP/1.1 503", StringComparison.Ordinal))
            {
                Assert.Contains("Retry-After: 5", during, StringComparison.Ordinal);
            }
            Assert.True(answeredIn < TimeSpan.FromSeconds(5), $"answered after {answeredIn}");
            Assert.StartsWith("HTTP/1.1 200", afterwards, StringComparison.Ordinal);
            Assert.False(server.HasExited);
        }
        finally
        {
            idle.ForEach(connection => connection.Dispose());
        }
    }

    private static async Task<string> RawGetAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, Cancel);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /feeds/news.rss HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"), Cancel);
        // The status line and headers are enough; a refused connection may be reset once they are sent.
        var head = new byte[512];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var read = await stream.ReadAsync(head, timeout.Token);
        return Encoding.ASCII.GetString(head, 0, read);
    }

    /// <summary>`dotnet Feeds.dll` over the test database on a free port, listening; killed when disposed if still running.</summary>
    private sealed class ServerProcess : IAsyncDisposable
    {
        private readonly Task<string> _stdout;

        private ServerProcess(Process process, int port)
        {
            Process = process;
            Port = port;
            _stdout = process.StandardOutput.ReadToEndAsync(Cancel);
            Stderr = process.StandardError.ReadToEndAsync(Cancel);
        }

        public Process Process { get; }

        public int Port { get; }

        /// <summary>Everything the server wrote to stderr; complete only once it has exited.</summary>
        public Task<string> Stderr { get; }

        public static async Task<ServerProcess> StartAsync(TestDatabase db, params string[] settings)
        {
            var port = FeedsApp.FreePort();
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
            foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "Feeds.dll"), $"--urls=http://127.0.0.1:{port}", "--Feeds:DemoData=false", $"--Feeds:Database:ConnectionString={db.ConnectionString}" }.Concat(settings))
            {
                start.ArgumentList.Add(argument);
            }
            var server = new ServerProcess(Process.Start(start)!, port);
            try
            {
                await WaitUntilListeningAsync(port);
                return server;
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }
            await Task.WhenAll(_stdout, Stderr).ContinueWith(_ => { }, TaskScheduler.Default);
            Process.Dispose();
        }
    }

    private static async Task WaitUntilListeningAsync(int port)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port, Cancel);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, Cancel);
            }
        }
        throw new TimeoutException($"Feeds did not listen on {port}");
    }
}
