using System.Security.Cryptography;
using System.Text;
using Feeds.Content;
using Feeds.Data;
using Feeds.Import;
using Microsoft.Extensions.Options;

namespace Feeds.Http;

/// <summary>
/// The CMS pushes its saves, for CMSes that call a webhook: PUT /cms/articles/{id} stores one article (a line of
/// the import format as the body), DELETE /cms/articles/{id} deletes one, POST /cms/articles takes an NDJSON
/// batch (article and delete lines), all of it or nothing. Each answers what it changed, and is idempotent like
/// the import: a replayed request changes nothing. Mapped only when Feeds:Push:Token is set; the CMS sends it
/// as a bearer token (RFC 6750): none is 401, a wrong one 403. A body past Feeds:Push:MaxBodyMegabytes is 413,
/// a bad field 400 naming it (with the line, in a batch). Pushes are written one at a time per instance, and on
/// SQL Server one at a time with the import (its application lock).
/// </summary>
public static class PushEndpoints
{
    public static IEndpointRouteBuilder MapPush(this IEndpointRouteBuilder routes)
    {
        var options = routes.ServiceProvider.GetRequiredService<IOptions<FeedsOptions>>().Value.Push;
        if (options.Token.Length == 0)
        {
            return routes;
        }
        var push = routes.MapGroup("/cms/articles").AddEndpointFilter(AuthorizeAsync);
        push.MapPut("/{id}", UpsertAsync);
        push.MapDelete("/{id}", DeleteAsync);
        push.MapPost("/", BatchAsync);
        return routes;
    }

    /// <summary>What a push changed, as the import counts it.</summary>
    public sealed record PushReport(int Inserted, int Updated, int Unchanged, int Deleted);

    private static async Task<IResult> UpsertAsync(string id, HttpContext context, PushWriter writer, CancellationToken cancellationToken)
    {
        if (await ReadBodyAsync(context, cancellationToken) is not { } body)
        {
            return TooLarge(context);
        }
        var line = writer.Parser.Parse(body);
        if (line.Error is { } error)
        {
            return Problems.BadRequest(error);
        }
        if (line.Article is not { } article)
        {
            return Problems.BadRequest($"a delete is sent as DELETE /cms/articles/{id}, not as a PUT body");
        }
        if (article.ExternalId != id)
        {
            return Problems.BadRequest($"id '{article.ExternalId}' in the body is not the id '{id}' of the address");
        }
        return TypedResults.Ok(await writer.WriteAsync(w => w.UpsertAsync(article, cancellationToken), cancellationToken));
    }

    private static async Task<IResult> DeleteAsync(string id, PushWriter writer, CancellationToken cancellationToken) =>
        TypedResults.Ok(await writer.WriteAsync(w => w.DeleteAsync(id, cancellationToken), cancellationToken));

    private static async Task<IResult> BatchAsync(HttpContext context, PushWriter writer, CancellationToken cancellationToken)
    {
        if (await ReadBodyAsync(context, cancellationToken) is not { } body)
        {
            return TooLarge(context);
        }
        var report = await writer.ImportAsync(body, cancellationToken);
        if (!report.Committed)
        {
            var problem = TypedResults.Problem(
                detail: $"{report.Errors.Count} bad line(s); nothing was stored. {report.Errors[0]}",
                statusCode: StatusCodes.Status400BadRequest, title: "Bad request",
                extensions: new Dictionary<string, object?> { ["errors"] = report.Errors.Select(error => new { line = error.Line, reason = error.Reason }).ToArray() });
            return problem;
        }
        return TypedResults.Ok(new PushReport(report.Inserted, report.Updated, report.Unchanged, report.Deleted));
    }

    /// <summary>The body, or null when it is larger than Feeds:Push:MaxBodyMegabytes (said or sent).</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var limit = MaxBodyBytes(context);
        if (context.Request.ContentLength > limit)
        {
            return null;
        }
        using var body = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (body.Length + read > limit)
            {
                return null;
            }
            body.Write(buffer, 0, read);
        }
        return body.ToArray();
    }

    private static long MaxBodyBytes(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptions<FeedsOptions>>().Value.Push.MaxBodyMegabytes * 1024L * 1024;

    private static IResult TooLarge(HttpContext context) => TypedResults.Problem(
        detail: $"The body is larger than Feeds:Push:MaxBodyMegabytes ({MaxBodyBytes(context) / (1024 * 1024)} MB); send a batch in parts.",
        statusCode: StatusCodes.Status413PayloadTooLarge, title: "Content too large");

    /// <summary>RFC 6750: no bearer token is 401 with WWW-Authenticate, a wrong one 403; compared in constant time.</summary>
    private static async ValueTask<object?> AuthorizeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var expected = context.RequestServices.GetRequiredService<IOptions<FeedsOptions>>().Value.Push.Token;
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"feeds-push\"";
            return TypedResults.Problem(detail: "Send the push token as Authorization: Bearer <Feeds:Push:Token>.",
                statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
        }
        var given = Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim());
        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(given), SHA256.HashData(Encoding.UTF8.GetBytes(expected))))
        {
            return TypedResults.Problem(detail: "The push token is not this instance's Feeds:Push:Token.",
                statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");
        }
        return await next(invocation);
    }
}

/// <summary>Writes pushes one at a time, each in its own transaction, through the import's writer.</summary>
public sealed class PushWriter(Database database, SiteTime siteTime, TimeProvider clock) : IDisposable
{
    private readonly SemaphoreSlim _one = new(1, 1);

    public ImportLineParser Parser { get; } = new(siteTime);

    public async Task<PushEndpoints.PushReport> WriteAsync(Func<ArticleWriter, Task<UpsertOutcome>> write, CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            await using var writer = await ArticleWriter.BeginAsync(database, clock, cancellationToken);
            var outcome = await write(writer);
            await writer.CommitAsync(cancellationToken);
            return new PushEndpoints.PushReport(
                outcome == UpsertOutcome.Inserted ? 1 : 0, outcome == UpsertOutcome.Updated ? 1 : 0,
                outcome == UpsertOutcome.Unchanged ? 1 : 0, outcome == UpsertOutcome.Deleted ? 1 : 0);
        }
        finally
        {
            _one.Release();
        }
    }

    public async Task<ImportReport> ImportAsync(byte[] lines, CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            var importer = new NdjsonImporter(database, Parser, clock);
            return await importer.ImportAsync(() => new MemoryStream(lines, writable: false), skipBadLines: false, TextWriter.Null, cancellationToken);
        }
        finally
        {
            _one.Release();
        }
    }

    public void Dispose() => _one.Dispose();
}
