using System.Diagnostics;

namespace Feeds.Tests.Support;

/// <summary>
/// A real redis-server (Debian's package; .ci/run installs it) on a free 127.0.0.1 port, private to one test,
/// which the test may stop and start again on the same port.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string Executable = "/usr/bin/redis-server";
    private Process? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        if (!File.Exists(Executable))
        {
            Assert.Skip($"{Executable} is not installed (apt-get install redis-server; .ci/run does).");
        }
        var server = new RedisServer(FeedsApp.FreePort());
        await server.StartAgainAsync();
        return server;
    }

    public async Task StartAgainAsync()
    {
        _process = await ListeningProcess.StartAsync(Executable,
            ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"],
            Port);
    }

    /// <summary>
    /// Makes this Redis full: a 1 MB key, then a limit half a megabyte below what it holds and a policy that evicts
    /// nothing, so that writes answer OOM and reads go on. The key is written on a connection of its own, closed before
    /// the memory is measured: a client's query buffer holds what it wrote until it closes, and counts as used.
    /// Deleting the key named "filler" and setting maxmemory 0 undoes it.
    /// </summary>
    public async Task FillAsync()
    {
        await using (var writer = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(Configuration))
        {
            await writer.GetDatabase().StringSetAsync("filler", new byte[1024 * 1024]);
        }
        await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(Configuration + ",allowAdmin=true");
        var server = connection.GetServer(Configuration);
        var used = long.Parse((await server.InfoAsync("memory")).SelectMany(group => group).Single(pair => pair.Key == "used_memory").Value, System.Globalization.CultureInfo.InvariantCulture);
        await server.ConfigSetAsync("maxmemory-policy", "noeviction");
        await server.ConfigSetAsync("maxmemory", (used - 512 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public async Task StopAsync()
    {
        await ListeningProcess.StopAsync(_process);
        _process = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
