using System.Diagnostics;

namespace Feeds.Tests.Support;

/// <summary>
/// A real Varnish (Debian's varnish, with varnish-modules for xkey) in front of one Feeds backend, with the VCL the
/// README gives operators (<see cref="Vcl"/>), in a folder of its own, stopped with the test.
/// </summary>
public sealed class VarnishServer : IAsyncDisposable
{
    private const string Executable = "/usr/sbin/varnishd";
    private readonly TempFolder _folder = new("feeds-varnish-");
    private Process? _process;

    private VarnishServer(int port) => Port = port;

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}/");

    /// <summary>
    /// The README's VCL for a CDN of Varnish: surrogate keys by xkey, a PURGE from Feeds' instances handed to
    /// xkey.purge, and Feeds' stale-if-error as grace, used in full only while the backend's probe says it is down
    /// (Varnish's own pattern for serving stale on errors), otherwise 10 s of stale-while-revalidate.
    /// </summary>
    public static string Vcl(string backendHost, int backendPort) => $$"""
        vcl 4.1;

        import std;
        import xkey;

        backend feeds {
            .host = "{{backendHost}}";
            .port = "{{backendPort}}";
            .probe = { .url = "/health/live"; .interval = 1s; .timeout = 1s; .window = 3; .threshold = 2; }
        }

        acl purgers { "127.0.0.1"; "::1"; }

        sub vcl_recv {
            if (req.method == "PURGE") {
                if (client.ip !~ purgers) {
                    return (synth(403, "Forbidden"));
                }
                set req.http.n-gone = xkey.purge(req.http.xkey-purge);
                return (synth(200, "Purged " + req.http.n-gone));
            }
            if (std.healthy(req.backend_hint)) {
                set req.grace = 10s;
            }
        }

        sub vcl_backend_response {
            if (beresp.http.Cache-Control ~ "stale-if-error=[0-9]+") {
                set beresp.grace = std.duration(regsub(beresp.http.Cache-Control, "^.*stale-if-error=([0-9]+).*$", "\1") + "s", 10s);
            }
        }
        """;

    /// <summary>Returns once the probe has seen the backend answer (two good answers of three) and requests reach it.</summary>
    public async Task WaitUntilBackendHealthyAsync()
    {
        using var client = new HttpClient { BaseAddress = Address };
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if ((await client.GetAsync("/health/live", TestContext.Current.CancellationToken)).IsSuccessStatusCode)
            {
                return;
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    public static async Task<VarnishServer> StartAsync(int backendPort)
    {
        if (!File.Exists(Executable) || !Directory.GetDirectories("/usr/lib").Any(directory => File.Exists(Path.Combine(directory, "varnish", "vmods", "libvmod_xkey.so"))))
        {
            Assert.Skip($"{Executable} or its xkey module is not installed (apt-get install varnish varnish-modules; .ci/run does).");
        }
        var server = new VarnishServer(FeedsApp.FreePort());
        var vcl = Path.Combine(server._folder.FullName, "feeds.vcl");
        await File.WriteAllTextAsync(vcl, Vcl("127.0.0.1", backendPort));
        // No grace but what Feeds' stale-if-error gives: the test must show that the header, not a default, keeps it.
        server._process = await ListeningProcess.StartAsync(Executable,
            ["-F", "-j", "none", "-n", Path.Combine(server._folder.FullName, "work"), "-a", $"127.0.0.1:{server.Port}", "-f", vcl, "-s", "malloc,32m", "-T", "none", "-p", "default_grace=0"],
            server.Port);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await ListeningProcess.StopAsync(_process);
        _folder.Dispose();
    }
}
