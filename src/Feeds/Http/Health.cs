using System.Text.Json;
using Dapper;
using Feeds.Data;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Feeds.Versions;
using Feeds.Fleet;

namespace Feeds.Http;

/// <summary>
/// /health/live: the process answers (no dependency is checked, so a database outage never restarts it).
/// /health/ready: the database (and, when configured, Redis) answers within a short timeout; a load balancer
/// sends no traffic to an instance that is not ready. An instance that cannot reach the database but still serves
/// what it read within Feeds:MaxStaleness is Degraded, and ready: in a database outage every instance would
/// otherwise leave the balancer at once, and the hour of stale serving with them. Readiness is checked at most once a second, whatever the
/// number of requests, and answers only operators, as /metrics does (<see cref="UseOperatorsOnly"/>).
/// </summary>
public static class Health
{
    public const string ReadyTag = "ready";
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);

    public static IServiceCollection AddFeedsHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag], timeout: CheckTimeout)
            .AddCheck<RedisHealthCheck>("redis", tags: [ReadyTag], timeout: CheckTimeout);
        services.AddSingleton<ReadinessReports>();
        return services;
    }

    public static IEndpointRouteBuilder MapFeedsHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        routes.MapMethods("/health/ready", [HttpMethods.Get, HttpMethods.Head], async (HttpContext context, ReadinessReports reports) =>
        {
            var report = await reports.CurrentAsync();
            context.Response.StatusCode = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
            context.Response.Headers.CacheControl = "no-store, no-cache";
            await WriteAsync(context, report);
        });
        return routes;
    }

    /// <summary>The addresses operators' tools ask from: the endpoints that tell the state of the server.</summary>
    private static readonly PathString[] OperatorPaths = ["/metrics", "/health/ready", "/stats"];

    /// <summary>
    /// /metrics and /health/ready answer only requests whose TCP peer is in Feeds:OperatorNetworks and that did not
    /// come through a proxy (no X-Forwarded-For): through the site's proxy or CDN the world sees 403. Runs before the
    /// forwarded client is taken, so it judges the peer itself.
    /// </summary>
    public static WebApplication UseOperatorsOnly(this WebApplication app)
    {
        var networks = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<FeedsOptions>>().Value.EffectiveOperatorNetworks
            // Checked at start (FeedsOptionsValidator), so none fails here.
            .Select(network => FeedsOptions.TryParseNetwork(network, out var parsed) ? parsed : throw new FormatException(network))
            .ToArray();
        app.Use(async (context, next) =>
        {
            if (Array.Exists(OperatorPaths, path => context.Request.Path.StartsWithSegments(path, StringComparison.OrdinalIgnoreCase)) && !IsOperator(context, networks))
            {
                await TypedResults.Problem(
                    detail: "This address answers operators only: the peer must be one of Feeds:OperatorNetworks, without a proxy in between.",
                    statusCode: StatusCodes.Status403Forbidden, title: "Forbidden").ExecuteAsync(context);
                return;
            }
            await next(context);
        });
        return app;
    }

    private static bool IsOperator(HttpContext context, System.Net.IPNetwork[] networks)
    {
        if (context.Request.Headers.ContainsKey("X-Forwarded-For") || context.Connection.RemoteIpAddress is not { } peer)
        {
            return false;
        }
        if (peer.IsIPv4MappedToIPv6)
        {
            peer = peer.MapToIPv4();
        }
        return Array.Exists(networks, network => network.Contains(peer));
    }

    /// <summary>The last readiness report, kept for a second (by the clock Feeds runs on): a flood of readiness requests makes one check a second.</summary>
    public sealed class ReadinessReports(HealthCheckService checks, TimeProvider clock)
    {
        private readonly Lock _lock = new();
        private (DateTimeOffset At, Task<HealthReport> Report)? _last;

        public Task<HealthReport> CurrentAsync()
        {
            var now = clock.GetUtcNow();
            lock (_lock)
            {
                if (_last is { } last && now - last.At < TimeSpan.FromSeconds(1) && now >= last.At)
                {
                    return last.Report;
                }
                var report = checks.CheckHealthAsync(check => check.Tags.Contains(ReadyTag));
                _last = (now, report);
                return report;
            }
        }
    }

    /// <summary>{"status":"Unhealthy","checks":{"database":{"status":"Unhealthy","description":"…","ms":2001}}}</summary>
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("status", report.Status.ToString());
            writer.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                writer.WriteStartObject(name);
                writer.WriteString("status", entry.Status.ToString());
                if (entry.Description is not null)
                {
                    writer.WriteString("description", entry.Description);
                }
                writer.WriteNumber("ms", (long)entry.Duration.TotalMilliseconds);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return context.Response.Body.WriteAsync(buffer.ToArray()).AsTask();
    }

    /// <summary>Redis down is Degraded, not Unhealthy: every instance still serves, from its own memory.</summary>
    private sealed class RedisHealthCheck(Fleet.RedisFeedStore redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
        {
            if (!redis.Enabled)
            {
                return HealthCheckResult.Healthy("not configured");
            }
            try
            {
                var latency = await redis.PingAsync().WaitAsync(cancellationToken);
                return redis.Full
                    ? HealthCheckResult.Degraded($"redis: full (OOM: maxmemory reached, nothing evicted), renderings are not shared; ping {latency.TotalMilliseconds:0.0} ms")
                    : HealthCheckResult.Healthy($"ping {latency.TotalMilliseconds:0.0} ms");
            }
            catch (Exception exception) when (exception is StackExchange.Redis.RedisException or TimeoutException or OperationCanceledException)
            {
                return HealthCheckResult.Degraded($"redis: {exception.Message}");
            }
        }
    }

    private sealed class DatabaseHealthCheck(Database database, Versions.ChangeDetector changes, TimeProvider clock, Microsoft.Extensions.Options.IOptions<FeedsOptions> options) : IHealthCheck
    {
        private const string ProbeSql = "SELECT COUNT(*) FROM schema_migrations";

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
        {
            try
            {
                await using var connection = await database.OpenReadAsync(cancellationToken);
                var migrations = await connection.ExecuteScalarAsync<long>(new CommandDefinition(ProbeSql, commandTimeout: (int)CheckTimeout.TotalSeconds, cancellationToken: cancellationToken));
                return migrations > 0 ? HealthCheckResult.Healthy($"{database.Dialect.Name}: {migrations} migrations applied") : HealthCheckResult.Unhealthy("The database has no schema yet: run migrate.");
            }
            catch (Exception exception) when (Database.IsOutage(exception) || exception is OperationCanceledException)
            {
                // The message names the failure (refused, timed out, no such table) without the connection string.
                var failure = $"{database.Dialect.Name}: {Database.Reason(exception)}";
                return changes.LastSuccess is { } read && clock.GetUtcNow() - read <= options.Value.MaxStaleness
                    ? HealthCheckResult.Degraded($"{failure}; serving what was read at {read:u} until {read + options.Value.MaxStaleness:u} (Feeds:MaxStaleness)")
                    : HealthCheckResult.Unhealthy(failure);
            }
        }
    }
}
