using System.Globalization;
using Feeds.Content;
using Feeds.Formats;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Feeds.Rendering;

namespace Feeds.Publishing;

/// <summary>
/// Every URL Feeds writes, made from Feeds:PublicBaseUrl (never from the request's Host), so that a document is
/// the same whoever asked for it and however the request reached us. Without that setting, the address the
/// server itself listens on, once it is bound (a wildcard address such as 0.0.0.0 becomes localhost, with a
/// warning at start: see <see cref="ListeningBase"/>).
/// </summary>
public sealed partial class FeedUrls
{
    /// <summary>What is written when neither a setting nor a listening address names a base (the commands).</summary>
    public static readonly Uri FallbackBase = new("http://localhost:5000/");

    private readonly Uri? _configuredBase;
    private readonly IServer? _server;
    private readonly int _defaultLimit;
    private readonly FeedsOptions _options;
    private Uri? _listeningBase;
    private readonly FeedUrls _original;
    private FeedUrls? _simplified;
    private Uri? _root;

    public FeedUrls(IOptions<FeedsOptions> options, IServer? server = null)
    {
        _options = options.Value;
        _configuredBase = _options.PublicBaseUrl is { } configured ? WithSlash(configured) : null;
        _server = server;
        _defaultLimit = _options.DefaultLimit;
        HubLinks = _options.WebSub.Hubs.Select(hub => new FeedLink(FeedRelations.Hub, hub, null)).ToArray();
        _original = this;
    }

    /// <summary>The addresses of the documents in another script, on the same base (<see cref="In"/>).</summary>
    private FeedUrls(FeedUrls original, Script script)
    {
        _options = original._options;
        _configuredBase = original._configuredBase;
        _server = original._server;
        _defaultLimit = original._defaultLimit;
        HubLinks = original.HubLinks;
        _original = original;
        Script = script;
    }

    /// <summary>The script of the documents these addresses name.</summary>
    public Script Script { get; }

    /// <summary>The addresses of the documents in <paramref name="script"/>: the Simplified twins' start with /zh-hans/.</summary>
    public FeedUrls In(Script script) => script == Script.Original
        ? _original
        : _original._simplified ??= new FeedUrls(_original, script);

    /// <summary>Where every link starts: Feeds:PublicBaseUrl, else the server's own address once it listens.</summary>
    public Uri Base => _original == this ? _configuredBase ?? _listeningBase ?? ListeningBaseOrNull() ?? FallbackBase : _original.Base;

    /// <summary>
    /// Where the addresses of this script's documents start: the base, or the base's zh-hans/, made again when the
    /// base changes (it becomes the listening address once the server has bound).
    /// </summary>
    private Uri Root
    {
        get
        {
            var baseUrl = Base;
            if (Script == Script.Original)
            {
                return baseUrl;
            }
            if (_root is not { } root || !root.AbsoluteUri.StartsWith(baseUrl.AbsoluteUri, StringComparison.Ordinal))
            {
                _root = root = new Uri(baseUrl, Scripts.PathOf(Script));
            }
            return root;
        }
    }

    /// <summary>
    /// The XSLT stylesheet the XML formats reference, as a path ("/feeds/feed.xsl"): the browser resolves it
    /// against the address it opened, so the view works behind any host name.
    /// </summary>
    public Uri Stylesheet => new(Root.AbsolutePath + "feeds/feed.xsl", UriKind.Relative);

    /// <summary>The site's icon (Feeds:SiteIcon), or null.</summary>
    public Uri? Icon => SiteImage(Base, _options.SiteIcon);

    /// <summary>The site's logo (Feeds:SiteLogo), or null.</summary>
    public Uri? Logo => SiteImage(Base, _options.SiteLogo);

    /// <summary>
    /// The base made from the server's first bound address (http preferred), and whether its host was a
    /// wildcard, which no reader can reach; null before the server has bound (its port may still be 0).
    /// </summary>
    public static (Uri Base, bool Wildcard)? ListeningBase(IServer? server)
    {
        var addresses = server?.Features.Get<IServerAddressesFeature>()?.Addresses;
        var address = addresses?.OrderBy(a => a.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ? 1 : 0).FirstOrDefault();
        if (address is null)
        {
            return null;
        }
        // Kestrel reports "http://[::]:80", "http://0.0.0.0:80", "http://*:80" or "http://+:80" for wildcards.
        var wildcard = WildcardHost().Match(address);
        var text = wildcard.Success ? $"{wildcard.Groups["scheme"].Value}://localhost:{wildcard.Groups["port"].Value}/" : address;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Port == 0)
        {
            return null;
        }
        return (WithSlash(uri), wildcard.Success);
    }

    /// <summary>A setting's image URL: absolute http(s), or relative to <paramref name="baseUrl"/>; null when empty or neither.</summary>
    public static Uri? SiteImage(Uri baseUrl, string value)
    {
        if (string.IsNullOrWhiteSpace(value) || !Uri.TryCreate(WithSlash(baseUrl), value.Trim(), out var image))
        {
            return null;
        }
        return image.Scheme == Uri.UriSchemeHttp || image.Scheme == Uri.UriSchemeHttps ? image : null;
    }

    private Uri? ListeningBaseOrNull()
    {
        if (ListeningBase(_server) is not ({ } listening, _))
        {
            return null;
        }
        _listeningBase = listening;
        return listening;
    }

    private static Uri WithSlash(Uri uri) => uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");

    [GeneratedRegex(@"^(?<scheme>https?)://(\[::\]|0\.0\.0\.0|\*|\+):(?<port>\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex WildcardHost();

    /// <summary>The HTML index of every feed.</summary>
    public Uri Index => Root;

    public Uri Opml => new(Root, "feeds.opml");

    /// <summary>The OPML of the categories without subcategories: every article in one feed.</summary>
    public Uri CategoriesOpml => new(Root, "categories.opml");

    /// <summary>A page of the directory of every name of a kind: /tags, then /tags/2, /tags/3, ... (/authors, /sources).</summary>
    public Uri Directory(NamedKind kind, int page) =>
        page == 1 ? new(Root, kind.Segment) : new(Root, $"{kind.Segment}/{page.ToString(System.Globalization.CultureInfo.InvariantCulture)}");

    /// <summary>The configured WebSub hubs as feed links (none when WebSub is off).</summary>
    public IReadOnlyList<FeedLink> HubLinks { get; }

    /// <summary>A feed's current document with the default number of items.</summary>
    public Uri Feed(FeedKey feed, FeedFormat format) => new(Root, $"feeds/{feed.Path}.{format.Extension}");

    /// <summary>The HTML page that shows a feed to a person.</summary>
    public Uri Preview(FeedKey feed) => new(Root, $"feeds/{feed.Path}");

    /// <summary>What a feed's HTML page links to: the feed in each format, and the index of all feeds.</summary>
    public List<FeedLink> PreviewLinks(FeedKey feed) =>
    [
        .. FeedFormat.All.Select(format => new FeedLink(FeedRelations.Alternate, Feed(feed, format), format.MediaType)),
        new FeedLink(FeedRelations.Index, Index, "text/html"),
    ];

    public Uri Archive(FeedKey feed, FeedFormat format, ArchivePage page)
    {
        var path = $"feeds/{feed.Path}/archive/{page.Month}.{format.Extension}";
        return new Uri(Root, page.Before is { } before ? $"{path}?before={before}" : path);
    }

    /// <summary>The URL of exactly this document: its self link, and the URL WebSub pings name.</summary>
    public Uri Document(FeedRequest request)
    {
        if (request.Script != Script)
        {
            return In(request.Script).Document(request);
        }
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
