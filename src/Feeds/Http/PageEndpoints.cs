using Feeds.Formats;
using Feeds.Pages;
using Feeds.Publishing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Feeds.Http;

/// <summary>The documents for people and feed readers besides the feeds: index, OPML, stylesheet, feed pages.</summary>
public static class PageEndpoints
{
    public static IEndpointRouteBuilder MapPages(this IEndpointRouteBuilder routes)
    {
        string[] getAndHead = [HttpMethods.Get, HttpMethods.Head];
        var pages = routes.MapGroup("").AddEndpointFilter(Refusals.FilterAsync).PolitelyPolledDocuments();
        pages.MapMethods("/", getAndHead, async (PagePublisher pages) => new DocumentAnswer(await pages.GetIndexAsync())).Serves("index");
        pages.MapMethods("/feeds.opml", getAndHead, async (PagePublisher pages) => new DocumentAnswer(await pages.GetOpmlAsync())).Serves("opml");
        pages.MapMethods("/feeds/feed.xsl", getAndHead, () => new DocumentAnswer(PagePublisher.Asset("feed.xsl"))).Serves("stylesheet");
        // The demo site's icon and logo (the defaults of Feeds:SiteIcon and Feeds:SiteLogo).
        pages.MapMethods("/icon.png", getAndHead, () => new DocumentAnswer(PagePublisher.Asset("icon.png"))).Serves("image");
        pages.MapMethods("/logo.png", getAndHead, () => new DocumentAnswer(PagePublisher.Asset("logo.png"))).Serves("image");
        pages.MapMethods("/feeds/{slug}", getAndHead,
            (string slug, HttpContext context, FeedPublisher publisher, CancellationToken cancellationToken) =>
                PreviewAsync(FeedKey.Category(slug), context, publisher, cancellationToken)).Serves("page");
        pages.MapMethods("/feeds/tags/{tag}", getAndHead,
            (string tag, HttpContext context, FeedPublisher publisher, CancellationToken cancellationToken) =>
                PreviewAsync(FeedKey.Tag(tag), context, publisher, cancellationToken)).Serves("page");
        return routes;
    }

    /// <summary>/feeds/{slug} without extension: the feed as a page, cached and validated like the feed itself.</summary>
    private static async Task<Results<DocumentAnswer, ProblemHttpResult>> PreviewAsync(
        FeedKey feed, HttpContext context, FeedPublisher publisher, CancellationToken cancellationToken)
    {
        var limit = context.RequestServices.GetRequiredService<IOptions<FeedsOptions>>().Value.DefaultLimit;
        var rendered = await publisher.GetAsync(new FeedRequest(feed, FeedFormat.HtmlPreview, limit), PolitePolling.Client(context), cancellationToken);
        return rendered is null
            ? Problems.NotFound($"There is no {feed.Description}.")
            : new DocumentAnswer(rendered);
    }
}
