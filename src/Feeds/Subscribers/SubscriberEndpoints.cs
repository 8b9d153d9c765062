using System.Net;
using System.Text;

namespace Feeds.Subscribers;

/// <summary>
/// The operator's view of the counts: /stats/subscribers (a page) and /stats/subscribers.json, answered only to
/// Feeds:OperatorNetworks like /metrics (Http/Health: UseOperatorsOnly), never through a proxy.
/// </summary>
public static class SubscriberEndpoints
{
    public static IEndpointRouteBuilder MapSubscriberStats(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/stats/subscribers.json", (SubscriberCounts counts) => TypedResults.Json(Feeds(counts.Current)));
        routes.MapGet("/stats/subscribers", (SubscriberCounts counts) => TypedResults.Content(Page(Feeds(counts.Current)), "text/html; charset=utf-8"));
        return routes;
    }

    /// <summary>One feed's subscribers over the window, by reader, each with its formats apart.</summary>
    public sealed record FeedSubscribers(string Feed, long Subscribers, IReadOnlyList<ReaderSubscribers> Readers);

    public sealed record ReaderSubscribers(string Reader, long Subscribers, long Clients, long Reported, IReadOnlyDictionary<string, FormatSubscribers> Formats);

    public sealed record FormatSubscribers(long Clients, long Reported);

    /// <summary>Feeds by subscribers, most first; the formats together as the feed's figure.</summary>
    public static IReadOnlyList<FeedSubscribers> Feeds(IReadOnlyList<SubscriberCount> counts) =>
    [
        .. counts.GroupBy(count => count.Feed, StringComparer.Ordinal).Select(feed =>
        {
            var readers = feed.GroupBy(count => count.Reader, StringComparer.Ordinal).Select(reader =>
            {
                var together = reader.Single(count => count.Format == SubscriberCounts.AllFormats);
                var formats = reader.Where(count => count.Format != SubscriberCounts.AllFormats)
                    .ToDictionary(count => count.Format, count => new FormatSubscribers(count.Clients, count.Reported), StringComparer.Ordinal);
                return new ReaderSubscribers(reader.Key, together.Subscribers, together.Clients, together.Reported, formats);
            }).OrderByDescending(reader => reader.Subscribers).ThenBy(reader => reader.Reader, StringComparer.Ordinal).ToList();
            return new FeedSubscribers(feed.Key, readers.Sum(reader => reader.Subscribers), readers);
        }).OrderByDescending(feed => feed.Subscribers).ThenBy(feed => feed.Feed, StringComparer.Ordinal),
    ];

    private static string Page(IReadOnlyList<FeedSubscribers> feeds)
    {
        var html = new StringBuilder("""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Subscribers</title></head><body>
            <h1>Subscribers, the last 7 days</h1>
            <p>Aggregators' own reported counts, plus one per distinct client of every other reader; browsers and crawlers are not counted.</p>
            <table><thead><tr><th>Feed</th><th>Reader</th><th>Subscribers</th><th>Reported</th><th>Clients</th></tr></thead><tbody>
            """);
        foreach (var feed in feeds)
        {
            foreach (var reader in feed.Readers)
            {
                html.Append("<tr><td>").Append(WebUtility.HtmlEncode(feed.Feed)).Append("</td><td>").Append(WebUtility.HtmlEncode(reader.Reader))
                    .Append("</td><td>").Append(reader.Subscribers).Append("</td><td>").Append(reader.Reported)
                    .Append("</td><td>").Append(reader.Clients).Append("</td></tr>\n");
            }
        }
        return html.Append("</tbody></table></body></html>\n").ToString();
    }
}
