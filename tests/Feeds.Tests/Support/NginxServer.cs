using System.Diagnostics;

namespace Feeds.Tests.Support;

/// <summary>
/// A real nginx (Debian's) serving one site block as the README gives it, with its <c>listen 80;</c> moved to
/// 127.0.0.1:<c>port</c>, in a folder of its own, stopped with the test. Skips the test when nginx is not installed.
/// </summary>
public sealed class NginxServer : IAsyncDisposable
{
    private const string Executable = "/usr/sbin/nginx";
    private readonly TempFolder _folder = new("feeds-nginx-");
    private Process? _process;

    /// <param name="site">One or more top-level blocks of the http context (upstream, server).</param>
    public static async Task<NginxServer> StartAsync(string site, int port)
    {
        if (!File.Exists(Executable))
        {
            Assert.Skip($"{Executable} is not installed (apt-get install nginx; .ci/run does).");
        }
        var server = new NginxServer();
        var folder = server._folder.FullName;
        var configuration = Path.Combine(folder, "nginx.conf");
        await File.WriteAllTextAsync(configuration, $$"""
            worker_processes 1;
            pid {{folder}}/nginx.pid;
            error_log {{folder}}/error.log;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path {{folder}}/body;
                proxy_temp_path {{folder}}/proxy;
                fastcgi_temp_path {{folder}}/fastcgi;
                uwsgi_temp_path {{folder}}/uwsgi;
                scgi_temp_path {{folder}}/scgi;
            {{site.Replace("listen 80;", $"listen 127.0.0.1:{port};", StringComparison.Ordinal)}}
            }
            """);
        var start = new ProcessStartInfo(Executable) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-p", folder, "-c", configuration, "-g", "daemon off;" })
        {
            start.ArgumentList.Add(argument);
        }
        server._process = Process.Start(start)!;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (server._process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited: {await server._process.StandardError.ReadToEndAsync()}");
            }
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return server;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(50);
            }
        }
        await server.DisposeAsync();
        throw new InvalidOperationException("nginx did not listen");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        _folder.Dispose();
    }
}
