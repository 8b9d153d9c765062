using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Feeds.Tests.Support;

/// <summary>
/// A real HTTP server on 127.0.0.1 standing in for a WebSub hub: it records every publish ping it receives
/// and refuses the first <c>failuresPerTopic</c> pings of each topic with 503.
/// </summary>
public sealed class HubListener : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _attempts = new();

    private HubListener(WebApplication app) => _app = app;

    /// <summary>Every ping as received: (hub.mode, hub.url, answered status).</summary>
    public ConcurrentQueue<(string Mode, string Url, int Status)> Pings { get; } = new();

    public Uri HubUrl { get; private set; } = null!;

    public static async Task<HubListener> StartAsync(int failuresPerTopic = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var listener = new HubListener(app);
        app.MapPost("/hub", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            var url = form["hub.url"].ToString();
            var attempt = listener._attempts.AddOrUpdate(url, 1, (_, count) => count + 1);
            var status = attempt <= failuresPerTopic ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status204NoContent;
            listener.Pings.Enqueue((form["hub.mode"].ToString(), url, status));
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        listener.HubUrl = new Uri(new Uri(address), "/hub");
        return listener;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
