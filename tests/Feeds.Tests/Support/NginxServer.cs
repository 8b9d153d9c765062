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
        try
        {
            server._process = await ListeningProcess.StartAsync(Executable, ["-p", folder, "-c", configuration, "-g", "daemon off;"], port);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await ListeningProcess.StopAsync(_process);
        _folder.Dispose();
    }
}
