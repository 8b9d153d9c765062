using System.Diagnostics;
using Npgsql;

namespace Feeds.Tests.Support;

/// <summary>
/// A real PostgreSQL server (Debian's package; .ci/run installs it), a cluster of its own in a temporary folder on a
/// free 127.0.0.1 port, private to one test. As root (CI) the cluster runs as the package's postgres user, since
/// PostgreSQL refuses to run as root.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempFolder _folder;

    private PostgresServer(Process process, TempFolder folder, int port)
    {
        _process = process;
        _folder = folder;
        ConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=false;Timeout=5";
    }

    public string ConnectionString { get; }

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(version => Path.Combine(version, "bin")).Where(dir => File.Exists(Path.Combine(dir, "initdb"))).Order().LastOrDefault()
            : null;
        if (bin is null)
        {
            Assert.Skip("PostgreSQL is not installed (apt-get install postgresql; .ci/run does).");
        }
        var folder = new TempFolder("feeds-postgres-");
        var data = Path.Combine(folder.FullName, "data");
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("chown", ["-R", "postgres", folder.FullName]);
        }
        await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"], asRoot);
        var port = FeedsApp.FreePort();
        var start = Start(Path.Combine(bin, "postgres"),
            ["-D", data, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-k", folder.FullName, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"], asRoot);
        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        var server = new PostgresServer(process, folder, port);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var connection = new NpgsqlConnection(server.ConnectionString);
                await connection.OpenAsync();
                return server;
            }
            catch (NpgsqlException) when (attempt < 200 && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static ProcessStartInfo Start(string program, string[] arguments, bool asPostgres)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asPostgres)
        {
            foreach (var argument in new[] { "-u", "postgres", "--", program })
            {
                start.ArgumentList.Add(argument);
            }
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return start;
    }

    private static async Task RunAsync(string program, string[] arguments, bool asPostgres = false)
    {
        using var process = Process.Start(Start(program, arguments, asPostgres))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed ({process.ExitCode}): {await output}{error}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // runuser passes the signal on to postgres: a fast shutdown.
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _folder.Dispose();
    }
}
