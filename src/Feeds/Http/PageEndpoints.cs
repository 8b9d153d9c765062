using Feeds.Content;
using Feeds.Formats;
using Feeds.Pages;
using Feeds.Publishing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Feeds.Rendering;

namespace Feeds.Http;

/// <summary>The documents for people and feed readers besides the feeds: index, OPML, stylesheet, feed pages.</summary>
public static class PageEndpoints
{
    /// <summary>The pages in <paramref name="script"/>: at the root, or the twins' under /zh-hans/; the images Feeds ships, once.</summary>
    public static IEndpointRouteBuilder MapPages(this IEndpointRouteBuilder routes, Script script = Script.Original)
    {
        var pages = routes.MapDocuments(FeedEndpoints.PrefixOf(script));
        pages.MapDocument("/", async (PagePublisher pages) => new DocumentAnswer(await pages.GetIndexAsync(script), FeedKey.CatalogSurrogateKey)).Serves("index");
        foreach (var kind in FeedKind.Named)
        {
            var label = $"{kind.Noun}-directory";
            pages.MapDocument($"/{kind.Segment}", (PagePublisher pages) => DirectoryAsync(pages, kind, 1, script)).Serves(label);
            pages.MapDocument($"/{kind.Segment}/{{page}}", (PagePublisher pages, string page) => DirectoryAsync(pages, kind, LaterPage(page), script)).Serves(label);
        }
        pages.MapDocument("/feeds.opml", async (PagePublisher pages) => new DocumentAnswer(await pages.GetOpmlAsync(script: script), FeedKey.CatalogSurrogateKey)).Serves("opml");
        pages.MapDocument("/categories.opml", async (PagePublisher pages) => new DocumentAnswer(await pages.GetOpmlAsync(categoriesOnly: true, script), FeedKey.CatalogSurrogateKey)).Serves("opml");
        pages.MapDocument("/feeds/feed.xsl", (PagePublisher pages) => new DocumentAnswer(pages.Stylesheet(script))).Serves("stylesheet");
        if (script == Script.Original)
        {
            // The demo site's icon and logo (the defaults of Feeds:SiteIcon and Feeds:SiteLogo).
            pages.MapDocument("/icon.png", () => new DocumentAnswer(PagePublisher.Asset("icon.png"))).Serves("image");
            pages.MapDocument("/logo.png", () => new DocumentAnswer(PagePublisher.Asset("logo.png"))).Serves("image");
        }
        var preview = ([AsParameters] PageRoute route, HttpContext context, FeedPublisher publisher, IOptions<FeedsOptions> options, CancellationToken cancellationToken) =>
            PreviewAsync(script, route, context, publisher, options, cancellationToken);
        pages.MapDocument("/feeds/{slug}", preview).Serves("page");
        foreach (var kind in FeedKind.Named)
        {
            pages.MapDocument($"/feeds/{FeedEndpoints.SegmentOf(kind)}/{{name}}", preview).Serves("page");
        }
        return routes;
    }

    /// <summary>/tags and /tags/{n} (/authors, /sources): a page of the directory of every name of a kind; 404 for a page that does not exist.</summary>
    private static async Task<Results<DocumentAnswer, ProblemHttpResult>> DirectoryAsync(PagePublisher pages, NamedKind kind, int page, Script script) =>
        page > 0 && await pages.GetDirectoryAsync(kind, page, script) is { } rendered
            ? new DocumentAnswer(rendered, FeedKey.CatalogSurrogateKey)
            : Problems.NotFound($"There is no such page of the {kind.Noun} directory; it starts at {FeedEndpoints.PrefixOf(script)}/{kind.Segment}.");

    /// <summary>The number of /tags/{n}: 2 or more, digits only, no leading zero (one URL per page); else 0.</summary>
    private static int LaterPage(string page) =>
        page.Length is > 0 and <= 6 && page[0] != '0' && page.All(char.IsAsciiDigit) && int.Parse(page, System.Globalization.CultureInfo.InvariantCulture) is > 1 and var number
            ? number
            : 0;

    /// <summary>What the page routes give: a category's slug, or a named kind's segment and a name's slug.</summary>
    public sealed record PageRoute(string? Slug, string? Kind, string? Name)
    {
        public FeedKey Feed => FeedKey.Of(Slug, Kind, Name);
    }

    /// <summary>/feeds/{slug} without extension: the feed as a page, cached and validated like the feed itself.</summary>
    private static async Task<Results<DocumentAnswer, ProblemHttpResult>> PreviewAsync(
        Script script, PageRoute route, HttpContext context, FeedPublisher publisher, IOptions<FeedsOptions> options, CancellationToken cancellationToken)
    {
        var feed = route.Feed;
        var request = new FeedRequest(feed, FeedFormat.HtmlPreview, options.Value.DefaultLimit, Script: script);
        var rendered = await publisher.GetAsync(request, PolitePolling.Client(context), cancellationToken);
        return rendered is null
            ? Problems.NotFound($"There is no {feed.Description}.")
            : new DocumentAnswer(rendered, feed.SurrogateKey);
    }
}
