using System.Globalization;
using Feeds.Content;
using Feeds.Formats;
using Feeds.Publishing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Options;
using Feeds.Rendering;

namespace Feeds.Http;

public static class FeedEndpoints
{
    /// <summary>The feeds and their archives in <paramref name="script"/>: under /feeds/, or the twins' under /zh-hans/feeds/.</summary>
    public static IEndpointRouteBuilder MapFeeds(this IEndpointRouteBuilder routes, Script script = Script.Original)
    {
        var feeds = routes.MapDocuments(PrefixOf(script) + "/feeds");
        var serve = ([AsParameters] FeedRoute route, [AsParameters] FeedQuery query, [AsParameters] FeedServices services, HttpContext context, CancellationToken cancellationToken) =>
            ServeAsync(script, route, query, services, context, cancellationToken);
        feeds.MapDocument("/{slug}.{extension}", serve).Serves("feed");
        feeds.MapDocument("/{slug}/archive/{month}.{extension}", serve).Serves("archive");
        foreach (var kind in FeedKind.Named)
        {
            feeds.MapDocument($"/{SegmentOf(kind)}/{{name}}.{{extension}}", serve).Serves($"{kind.Noun}-feed");
            feeds.MapDocument($"/{SegmentOf(kind)}/{{name}}/archive/{{month}}.{{extension}}", serve).Serves("archive");
        }
        return routes;
    }

    /// <summary>Where the routes of a script's documents start: "" or "/zh-hans".</summary>
    public static string PrefixOf(Script script) => script == Script.Original ? "" : "/" + Scripts.SimplifiedSegment;

    /// <summary>A named kind's path segment as a route parameter that admits only it: "{kind:regex(^tags$)}".</summary>
    public static string SegmentOf(NamedKind kind) => $"{{kind:regex(^{kind.Segment}$)}}";

    /// <summary>What the feed routes give: a category's slug, or a named kind's segment and a name's slug; the format's extension; an archive month.</summary>
    public sealed record FeedRoute(string? Slug, string? Kind, string? Name, string Extension, string? Month)
    {
        public FeedKey Feed => FeedKey.Of(Slug, Kind, Name);
    }

    /// <summary>The query parameters Feeds reads, as sent (parsed by <see cref="TryReadLimit"/> and <see cref="TryReadCursor"/>).</summary>
    public sealed record FeedQuery([FromQuery(Name = "limit")] string[]? Limit, [FromQuery(Name = "before")] string[]? Before);

    /// <summary>What serving a feed uses.</summary>
    public sealed record FeedServices(FeedPublisher Publisher, FeedUrls Urls, Subscribers.SubscriberCounts Subscribers, IOptions<FeedsOptions> Options);

    /// <summary>
    /// A feed (/feeds/{slug}.{rss|atom|json}, /feeds/tags/{tag}.{...}, /feeds/authors/…, /feeds/sources/…) or one of its archive pages
    /// (…/archive/{yyyy-MM}.{...}?before=cursor). An unchanged document is answered from memory, 200 or 304,
    /// without touching the database. A limit that is not one of Feeds' few (FeedsOptions.LimitChoices) is
    /// answered 302 Found to the next of them; a parameter the route does not read (limit on an archive page,
    /// before on a current feed) is a 400, not a new document. A cursor that is not one of its month's page boundaries now is answered
    /// 302 Found to the page that holds its position: links given out before a late article moved the
    /// boundaries keep working, and no other cursor makes a document.
    /// </summary>
    private static async Task<Results<DocumentAnswer, RedirectHttpResult, ProblemHttpResult>> ServeAsync(
        Script script, FeedRoute route, FeedQuery query, FeedServices services, HttpContext context, CancellationToken cancellationToken)
    {
        var urls = services.Urls.In(script);
        var options = services.Options.Value;
        var feed = route.Feed;
        if (!FeedFormat.TryGet(route.Extension, out var format))
        {
            return Problems.NotFound($"There is no feed format '{route.Extension}'; use .rss, .atom or .json.");
        }
        ArchivePage? archive = null;
        var limit = options.DefaultLimit;
        if (route.Month is not { } month)
        {
            if (query.Before is { Length: > 0 })
            {
                return Problems.BadRequest("before is read on archive pages only (…/archive/yyyy-MM.rss?before=cursor), never on a feed's current document.");
            }
            if (!TryReadLimit(query.Limit, options, out limit, out var limitError))
            {
                return Problems.BadRequest(limitError);
            }
            if (options.LimitChoices.FirstOrDefault(choice => choice >= limit) is var chosen && chosen != limit)
            {
                return TypedResults.Redirect(urls.Document(new FeedRequest(feed, format, chosen, Script: script)).AbsoluteUri);
            }
        }
        else
        {
            if (query.Limit is { Length: > 0 })
            {
                return Problems.BadRequest($"limit is not read on archive pages: each holds {options.ArchivePageSize.ToString(CultureInfo.InvariantCulture)} articles (Feeds:ArchivePageSize).");
            }
            if (!ArchiveMonth.TryParse(month, out var archiveMonth))
            {
                return Problems.NotFound($"'{month}' is not an archive month; archive months are written yyyy-MM, for example 2026-10.");
            }
            if (!TryReadCursor(query.Before, out var before))
            {
                return Problems.BadRequest("before must be given at most once, as an archive cursor taken from a prev-archive or next-archive link.");
            }
            archive = new ArchivePage(archiveMonth, before);
        }

        var request = new FeedRequest(feed, format, limit, archive, script);
        var client = PolitePolling.Client(context);
        if (archive?.Before is not null)
        {
            var holding = await services.Publisher.ResolveArchivePageAsync(request, client);
            if (holding is null)
            {
                return Problems.NotFound(NotFoundDetail(feed, archive));
            }
            if (holding != archive)
            {
                return TypedResults.Redirect(urls.Archive(feed, format, holding).AbsoluteUri);
            }
        }
        var rendered = await services.Publisher.GetAsync(request, client, cancellationToken);
        if (rendered is null)
        {
            return Problems.NotFound(NotFoundDetail(feed, archive));
        }
        // A subscription polls the feed's current document; archives are read once, pages for people by people.
        if (archive is null && format != FeedFormat.HtmlPreview && !FeedResponse.IsNavigation(context.Request))
        {
            services.Subscribers.Observe(feed, format.Extension,
                Subscribers.ReaderAgent.Read(context.Request.Headers.UserAgent, options.Subscribers.MaxReported), client.Name);
        }
        return new DocumentAnswer(rendered, feed.SurrogateKey);
    }

    private static string NotFoundDetail(FeedKey feed, ArchivePage? archive)
    {
        return archive is null
            ? $"There is no {feed.Description}."
            : $"There is no {feed.Description}, or it has no articles in {archive.Month} at that position.";
    }

    private static bool TryReadLimit(StringValues values, FeedsOptions options, out int limit, out string error)
    {
        limit = options.DefaultLimit;
        error = string.Empty;
        if (values.Count == 0)
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

    private static bool TryReadCursor(StringValues values, out ArchiveCursor? cursor)
    {
        cursor = null;
        if (values.Count == 0)
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
