using System.Text.Json;
using Dapper;
using Feeds.Data;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Feeds.Http;

/// <summary>
/// /health/live: the process answers (no dependency is checked, so a database outage never restarts it).
/// /health/ready: the database (and, when configured, Redis) answers within a short timeout; a load balancer
/// sends no traffic to an instance that is not ready. Neither is cached nor rate limited.
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
        return services;
    }

    public static IEndpointRouteBuilder MapFeedsHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        routes.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync });
        return routes;
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
    private sealed class RedisHealthCheck(Publishing.RedisFeedStore redis) : IHealthCheck
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
                return HealthCheckResult.Healthy($"ping {latency.TotalMilliseconds:0.0} ms");
            }
            catch (Exception exception) when (exception is StackExchange.Redis.RedisException or TimeoutException or OperationCanceledException)
            {
                return HealthCheckResult.Degraded($"redis: {exception.Message}");
            }
        }
    }

    private sealed class DatabaseHealthCheck(Database database) : IHealthCheck
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
                return HealthCheckResult.Unhealthy($"{database.Dialect.Name}: {exception.GetBaseException().Message}");
            }
        }
    }
}
