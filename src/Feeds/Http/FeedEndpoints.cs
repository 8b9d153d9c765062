using System.Globalization;
using Feeds.Formats;
using Feeds.Publishing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Feeds.Http;

public static class FeedEndpoints
{
    public static IEndpointRouteBuilder MapFeeds(this IEndpointRouteBuilder routes)
    {
        string[] getAndHead = [HttpMethods.Get, HttpMethods.Head];
        var feeds = routes.MapGroup("/feeds").AddEndpointFilter(Refusals.FilterAsync).PolitelyPolledDocuments();
        feeds.MapMethods("/{slug}.{extension}", getAndHead,
            (string slug, string extension, HttpContext context, FeedPublisher publisher, CancellationToken cancellationToken) =>
                ServeAsync(FeedKey.Category(slug), extension, null, context, publisher, cancellationToken)).Serves("feed");
        feeds.MapMethods("/tags/{tag}.{extension}", getAndHead,
            (string tag, string extension, HttpContext context, FeedPublisher publisher, CancellationToken cancellationToken) =>
                ServeAsync(FeedKey.Tag(tag), extension, null, context, publisher, cancellationToken)).Serves("tag-feed");
        feeds.MapMethods("/{slug}/archive/{month}.{extension}", getAndHead,
            (string slug, string month, string extension, HttpContext context, FeedPublisher publisher, CancellationToken cancellationToken) =>
                ServeAsync(FeedKey.Category(slug), extension, month, context, publisher, cancellationToken)).Serves("archive");
        feeds.MapMethods("/tags/{tag}/archive/{month}.{extension}", getAndHead,
            (string tag, string month, string extension, HttpContext context, FeedPublisher publisher, CancellationToken cancellationToken) =>
                ServeAsync(FeedKey.Tag(tag), extension, month, context, publisher, cancellationToken)).Serves("archive");
        return routes;
    }

    /// <summary>
    /// A feed (/feeds/{slug}.{rss|atom|json}, /feeds/tags/{tag}.{...}) or one of its archive pages
    /// (…/archive/{yyyy-MM}.{...}?before=cursor). An unchanged document is answered from memory, 200 or 304,
    /// without touching the database. A cursor that is not one of its month's page boundaries now is answered
    /// 302 Found to the page that holds its position: links given out before a late article moved the
    /// boundaries keep working, and no other cursor makes a document.
    /// </summary>
    private static async Task<Results<DocumentAnswer, RedirectHttpResult, ProblemHttpResult>> ServeAsync(
        FeedKey feed, string extension, string? month, HttpContext context, FeedPublisher publisher, CancellationToken cancellationToken)
    {
        var services = context.RequestServices;
        var options = services.GetRequiredService<IOptions<FeedsOptions>>().Value;
        if (!FeedFormat.TryGet(extension, out var format))
        {
            return Problems.NotFound($"There is no feed format '{extension}'; use .rss, .atom or .json.");
        }
        var query = context.Request.Query;
        ArchivePage? archive = null;
        var limit = options.DefaultLimit;
        if (month is null)
        {
            if (!TryReadLimit(query, options, out limit, out var limitError))
            {
                return Problems.BadRequest(limitError);
            }
        }
        else
        {
            if (!ArchiveMonth.TryParse(month, out var archiveMonth))
            {
                return Problems.NotFound($"'{month}' is not an archive month; archive months are written yyyy-MM, for example 2026-10.");
            }
            if (!TryReadCursor(query, out var before))
            {
                return Problems.BadRequest("before must be given at most once, as an archive cursor taken from a prev-archive or next-archive link.");
            }
            archive = new ArchivePage(archiveMonth, before);
        }

        var request = new FeedRequest(feed, format, limit, archive);
        var client = PolitePolling.Client(context);
        if (archive?.Before is not null)
        {
            var holding = await publisher.ResolveArchivePageAsync(request, client);
            if (holding is null)
            {
                return Problems.NotFound(NotFoundDetail(feed, archive));
            }
            if (holding != archive)
            {
                var urls = services.GetRequiredService<FeedUrls>();
                return TypedResults.Redirect(urls.Archive(feed, format, holding).AbsoluteUri);
            }
        }
        var rendered = await publisher.GetAsync(request, client, cancellationToken);
        if (rendered is null)
        {
            return Problems.NotFound(NotFoundDetail(feed, archive));
        }
        return new DocumentAnswer(rendered);
    }

    private static string NotFoundDetail(FeedKey feed, ArchivePage? archive)
    {
        return archive is null
            ? $"There is no {feed.Description}."
            : $"There is no {feed.Description}, or it has no articles in {archive.Month} at that position.";
    }

    private static bool TryReadLimit(IQueryCollection query, FeedsOptions options, out int limit, out string error)
    {
        limit = options.DefaultLimit;
        error = string.Empty;
        if (!query.TryGetValue("limit", out var values))
        {
            return true;
        }
        if (values.Count != 1
            || !int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out limit)
            || limit < 1
            || limit > options.MaxLimit)
        {
            error = $"limit must be given once, as a whole number from 1 to {options.MaxLimit.ToString(CultureInfo.InvariantCulture)}.";
            return false;
        }
        return true;
    }

    private static bool TryReadCursor(IQueryCollection query, out ArchiveCursor? cursor)
    {
        cursor = null;
        if (!query.TryGetValue("before", out var values))
        {
            return true;
        }
        if (values.Count != 1 || !ArchiveCursor.TryParse(values[0], out var parsed))
        {
            return false;
        }
        cursor = parsed;
        return true;
    }
}
