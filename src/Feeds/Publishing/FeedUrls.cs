using System.Globalization;
using Feeds.Content;
using Feeds.Formats;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Feeds.Publishing;

/// <summary>
/// Every URL Feeds writes, made from Feeds:PublicBaseUrl alone (never from the request's Host), so that a
/// document is the same whoever asked for it and however the request reached us.
/// </summary>
public sealed class FeedUrls
{
    private readonly Uri _base;
    private readonly int _defaultLimit;

    public FeedUrls(IOptions<FeedsOptions> options)
    {
        var baseUrl = options.Value.PublicBaseUrl.AbsoluteUri;
        _base = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
        _defaultLimit = options.Value.DefaultLimit;
        HubLinks = options.Value.WebSub.Hubs.Select(hub => new FeedLink(FeedRelations.Hub, hub, null)).ToArray();
        Stylesheet = new Uri(_base, "feeds/feed.xsl");
        Icon = SiteImage(options.Value, options.Value.SiteIcon);
        Logo = SiteImage(options.Value, options.Value.SiteLogo);
    }

    /// <summary>The site's icon (Feeds:SiteIcon), or null.</summary>
    public Uri? Icon { get; }

    /// <summary>The site's logo (Feeds:SiteLogo), or null.</summary>
    public Uri? Logo { get; }

    /// <summary>A setting's image URL: absolute http(s), or relative to Feeds:PublicBaseUrl (absolute); null when empty or neither.</summary>
    public static Uri? SiteImage(FeedsOptions options, string value)
    {
        var baseUrl = options.PublicBaseUrl.AbsoluteUri;
        if (string.IsNullOrWhiteSpace(value)
            || !Uri.TryCreate(new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/"), value.Trim(), out var image))
        {
            return null;
        }
        return image.Scheme == Uri.UriSchemeHttp || image.Scheme == Uri.UriSchemeHttps ? image : null;
    }

    /// <summary>The HTML index of every feed.</summary>
    public Uri Index => _base;

    public Uri Opml => new(_base, "feeds.opml");

    /// <summary>The XSLT stylesheet the XML formats reference.</summary>
    public Uri Stylesheet { get; }

    /// <summary>The configured WebSub hubs as feed links (none when WebSub is off).</summary>
    public IReadOnlyList<FeedLink> HubLinks { get; }

    /// <summary>A feed's current document with the default number of items.</summary>
    public Uri Feed(FeedKey feed, FeedFormat format) => new(_base, $"feeds/{feed.Path}.{format.Extension}");

    /// <summary>The HTML page that shows a feed to a person.</summary>
    public Uri Preview(FeedKey feed) => new(_base, $"feeds/{feed.Path}");

    /// <summary>What a feed's HTML page links to: the feed in each format, and the index of all feeds.</summary>
    public List<FeedLink> PreviewLinks(FeedKey feed) =>
    [
        .. FeedFormat.All.Select(format => new FeedLink(FeedRelations.Alternate, Feed(feed, format), format.MediaType)),
        new FeedLink(FeedRelations.Index, Index, "text/html"),
    ];

    public Uri Archive(FeedKey feed, FeedFormat format, ArchivePage page)
    {
        var path = $"feeds/{feed.Path}/archive/{page.Month}.{format.Extension}";
        return new Uri(_base, page.Before is { } before ? $"{path}?before={before}" : path);
    }

    /// <summary>The URL of exactly this document: its self link, and the URL WebSub pings name.</summary>
    public Uri Document(FeedRequest request)
    {
        if (request.Archive is { } page)
        {
            return Archive(request.Feed, request.Format, page);
        }
        if (request.Format == FeedFormat.HtmlPreview)
        {
            return Preview(request.Feed);
        }
        var url = Feed(request.Feed, request.Format);
        return request.Limit == _defaultLimit
            ? url
            : new Uri(url, $"?limit={request.Limit.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>WebSub section 4: Link headers naming the hubs and the topic (self); none without hubs.</summary>
    public StringValues LinkHeader(FeedRequest request)
    {
        if (HubLinks.Count == 0)
        {
            return StringValues.Empty;
        }
        var values = HubLinks.Select(hub => $"<{hub.Href.AbsoluteUri}>; rel=\"hub\"").ToList();
        values.Add($"<{Document(request).AbsoluteUri}>; rel=\"self\"");
        return new StringValues([.. values]);
    }
}
