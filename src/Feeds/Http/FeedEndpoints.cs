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
        var feeds = routes.MapGroup("/feeds");
        feeds.MapMethods("/{slug}.{extension}", [HttpMethods.Get, HttpMethods.Head], GetFeedAsync);
        return routes;
    }

    /// <summary>
    /// /feeds/{slug}.{rss|atom}: the newest articles of a category, a section or (slug "all") the site.
    /// An unchanged feed is answered from memory, 200 or 304, without touching the database.
    /// </summary>
    private static async Task<Results<FeedResponse, NotModifiedResponse, ProblemHttpResult>> GetFeedAsync(
        string slug,
        string extension,
        HttpRequest request,
        FeedPublisher publisher,
        IOptions<FeedsOptions> options,
        FeedHeaders headers,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (!FeedFormat.TryGet(extension, out var format))
        {
            return Problems.NotFound($"There is no feed format '{extension}'; use .rss, .atom or .json.");
        }
        if (!TryReadLimit(request.Query, options.Value, out var limit, out var limitError))
        {
            return Problems.BadRequest(limitError);
        }

        var feed = await publisher.GetAsync(new FeedRequest(slug, format, limit), cancellationToken);
        if (feed is null)
        {
            return Problems.NotFound($"There is no category or section '{slug}'.");
        }
        if (ConditionalRequest.IsNotModified(request, feed, clock.GetUtcNow()))
        {
            return new NotModifiedResponse(feed, headers);
        }
        return new FeedResponse(feed, headers);
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
}
