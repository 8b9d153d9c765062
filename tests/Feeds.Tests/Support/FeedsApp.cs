using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Feeds.Tests.Support;

/// <summary>
/// The real server (Kestrel on 127.0.0.1, a free port) over a test database, with a clock the test controls.
/// Links are published under <see cref="PublicBaseUrl"/>, never under the address the test connects to.
/// </summary>
public sealed class FeedsApp : WebApplicationFactory<Program>
{
    public const string PublicBaseUrl = "https://feeds.example.org/";
    public const string SiteUrl = "https://news.example.com/";

    private readonly Dictionary<string, string?> _settings;

    /// <param name="port">0 for any free port; a fixed port lets PublicBaseUrl name the server itself (for browsers and readers).</param>
    public FeedsApp(TestDatabase database, TestClock? clock = null, IDictionary<string, string?>? settings = null, int port = 0)
    {
        Clock = clock ?? new TestClock();
        _settings = new Dictionary<string, string?>
        {
            ["Feeds:Database:Provider"] = database.Provider,
            ["Feeds:Database:ConnectionString"] = database.ConnectionString,
            ["Feeds:DemoData"] = "false",
            ["Feeds:PublicBaseUrl"] = PublicBaseUrl,
            ["Feeds:SiteUrl"] = SiteUrl,
            // Many tests poll a feed unconditionally until it changes; PolitePollingTests turn it on.
            ["Feeds:PolitePolling:Enabled"] = "false",
            // The twins need OpenCC, which a newcomer's machine may not have: SimplifiedTwinTests and the snapshot turn them on.
            ["Feeds:SimplifiedChinese:Enabled"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
        UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, port));
    }

    public TestClock Clock { get; }

    /// <summary>A TCP port free on 127.0.0.1 at the moment of asking.</summary>
    public static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>An app whose PublicBaseUrl is its own address, so that the links in its documents lead back to it.</summary>
    public static FeedsApp SelfAddressed(TestDatabase database, IDictionary<string, string?>? settings = null)
    {
        var port = FreePort();
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Feeds:PublicBaseUrl"] = $"http://127.0.0.1:{port}/",
        };
        return new FeedsApp(database, settings: all, port: port);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureTestServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock)));
    }

    /// <summary>The address Kestrel listens on, such as http://127.0.0.1:41234.</summary>
    public Uri Address
    {
        get
        {
            StartServer();
            var addresses = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
            return new Uri(addresses.Single());
        }
    }

    /// <summary>Reads the feed versions now, as the background poll would within Feeds:RefreshInterval.</summary>
    public Task RefreshAsync()
    {
        StartServer();
        return Services.GetRequiredService<Feeds.Versions.ChangeDetector>().RefreshAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>A client of the real server that neither follows redirects nor decompresses.</summary>
    /// <remarks>
    /// Made by hand: over Kestrel, WebApplicationFactory's CreateClient follows redirects whatever its
    /// AllowAutoRedirect says (a redirect to PublicBaseUrl would leave the test server).
    /// </remarks>
    public HttpClient CreateRawClient() =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, AutomaticDecompression = System.Net.DecompressionMethods.None })
        {
            BaseAddress = Address,
        };
}
