using System.Diagnostics;
using System.Net.Sockets;

namespace Feeds.Tests.Support;

/// <summary>
/// A server a test starts (redis-server, varnishd, nginx): started, then waited for until it accepts connections on
/// 127.0.0.1, and stopped with its children. Its output is drained, and told when it exits before listening.
/// </summary>
internal static class ListeningProcess
{
    public static async Task<Process> StartAsync(string executable, IEnumerable<string> arguments, int port)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{Path.GetFileName(executable)} exited: {await output} {await errors}");
            }
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return process;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        await StopAsync(process);
        throw new InvalidOperationException($"{Path.GetFileName(executable)} did not listen on {port}");
    }

    public static async Task StopAsync(Process? process)
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process?.Dispose();
    }
}
