using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Feeds.Http;

/// <summary>
/// Connections held at once stay below what the process may open (Feeds:MaxConnections; by default three
/// quarters of its file descriptor limit, so that the database, Redis and the refusals themselves always find
/// one). Past nine tenths of the limit the longest-held connections are asked to close (an idle keep-alive one
/// closes at once, one in a request after its answer), so that idle connections cannot hold the server; at the
/// limit a new connection is answered 503 with Retry-After and closed, never left unanswered. Idle keep-alive
/// connections close after Feeds:KeepAliveTimeout, and a connection that sends no complete request headers within
/// RequestHeadersTimeout is closed by Kestrel.
/// </summary>
public sealed class ConnectionLimits(int maxConnections, ILogger logger)
{
    private static readonly byte[] Refusal = Encoding.ASCII.GetBytes(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: 117\r\n\r\n"
        + "{\"title\":\"Service unavailable\",\"status\":503,\"detail\":\"Feeds holds as many connections as it may. Try again later.\"}\n");

    private readonly ConcurrentDictionary<ConnectionContext, long> _open = new();
    private readonly int _highWater = Math.Max(1, maxConnections * 9 / 10);
    private readonly int _lowWater = Math.Max(1, maxConnections * 8 / 10);
    private long _lastRelief;

    /// <summary>The soft limit on open files of this process (Linux /proc/self/limits), or null where it cannot be read.</summary>
    public static long? DescriptorLimit()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    var soft = line["Max open files".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                    return long.TryParse(soft, out var limit) ? limit : null;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }

    /// <summary>Feeds:MaxConnections, or 0 for three quarters of the descriptor limit (10,000 where it is unknown).</summary>
    public static int Effective(int configured) =>
        configured > 0 ? configured : DescriptorLimit() is { } limit and < 1_000_000_000 ? (int)Math.Max(16, limit * 3 / 4) : 10_000;

    public ConnectionDelegate Wrap(ConnectionDelegate next) => async connection =>
    {
        if (_open.Count >= maxConnections)
        {
            await RefuseAsync(connection);
            return;
        }
        _open[connection] = Environment.TickCount64;
        try
        {
            if (_open.Count >= _highWater)
            {
                Relieve();
            }
            await next(connection);
        }
        finally
        {
            _open.TryRemove(connection, out _);
        }
    };

    /// <summary>Asks the longest-held connections to close, down to eight tenths of the limit; at most every quarter second.</summary>
    private void Relieve()
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastRelief);
        if (now - last < 250 || Interlocked.CompareExchange(ref _lastRelief, now, last) != last)
        {
            return;
        }
        var open = _open.ToArray();
        var excess = open.Length - _lowWater;
        if (excess <= 0)
        {
            return;
        }
        var opened = Array.ConvertAll(open, pair => pair.Value);
        Array.Sort(opened, open);
        for (var i = 0; i < excess; i++)
        {
            open[i].Key.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
        }
        logger.LogWarning("{Open} connections open (Feeds:MaxConnections {Max}): asked the {Excess} held longest to close.", open.Length, maxConnections, excess);
    }

    /// <summary>Reads what the client sent first (so that closing does not reset the answer away), answers 503 and closes.</summary>
    private static async Task RefuseAsync(ConnectionContext connection)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            var read = await connection.Transport.Input.ReadAsync(timeout.Token);
            connection.Transport.Input.AdvanceTo(read.Buffer.End);
            await connection.Transport.Output.WriteAsync(Refusal, timeout.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or ConnectionResetException)
        {
        }
        finally
        {
            await connection.Transport.Output.CompleteAsync();
            await connection.Transport.Input.CompleteAsync();
        }
    }

    /// <summary>Kestrel's limits for Feeds, and this class around every endpoint.</summary>
    public void ApplyTo(KestrelServerOptions kestrel, FeedsOptions options)
    {
        kestrel.Limits.KeepAliveTimeout = options.KeepAliveTimeout;
        kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        kestrel.ConfigureEndpointDefaults(listen => listen.Use(Wrap));
    }
}
