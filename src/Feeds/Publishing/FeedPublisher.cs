using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Feeds.Content;
using Feeds.Data;
using Feeds.Formats;
using Microsoft.Extensions.Options;

namespace Feeds.Publishing;

/// <param name="Slug">A category or section slug, or <see cref="FeedPublisher.SiteSlug"/>.</param>
public sealed record FeedRequest(string Slug, FeedFormat Format, int Limit);

/// <summary>
/// Serves a feed rendered once per version: the version token comes from the change detector's last poll
/// (no query), a cached rendering of that token is returned as it is, and only a new token reads the
/// database and writes XML.
/// </summary>
public sealed class FeedPublisher(
    ArticleStore store,
    FeedBuilder builder,
    ChangeDetector changeDetector,
    FeedCache cache,
    IOptions<FeedsOptions> options,
    TimeProvider clock)
{
    /// <summary>The slug of the whole-site feed; no category may use it.</summary>
    public const string SiteSlug = "all";

    // Part of every ETag: bump it when the rendering changes, so that clients fetch the new output.
    private const string RenderVersion = "2";

    private readonly FeedsOptions _options = options.Value;
    private long _renders;
    private readonly string _settingsFingerprint = SettingsFingerprint(options.Value);

    /// <summary>The feed as of the last poll of versions; null when no such category, section or site feed exists.</summary>
    public async ValueTask<RenderedFeed?> GetAsync(FeedRequest request, CancellationToken cancellationToken)
    {
        var token = changeDetector.Current.TokenOf(request.Slug);
        if (token is null)
        {
            return null;
        }
        return _options.CacheEnabled
            ? await cache.GetOrRenderAsync(request, token, RenderAsync, cancellationToken)
            : await RenderAsync(request, token);
    }

    /// <summary>How many documents have been rendered since start.</summary>
    public long Renders => Interlocked.Read(ref _renders);

    /// <summary>Reads the feed's categories and keys in one command, then its articles, on one connection, and writes the document.</summary>
    public async Task<RenderedFeed?> RenderAsync(FeedRequest request, string token)
    {
        Interlocked.Increment(ref _renders);
        var slug = request.Slug == SiteSlug ? null : request.Slug;
        var (categories, keys, articles, tags) = await store.ReadFeedAsync(slug, clock.GetUtcNow().UtcDateTime, request.Limit, CancellationToken.None);
        var catalog = new CategoryCatalog(categories);
        var category = slug is null ? null : catalog.Find(slug);
        if (slug is not null && category is null)
        {
            // Deleted since the last poll.
            return null;
        }
        // Keep the order of the keys; an article deleted since they were read is left out.
        var ordered = keys.Select(key => articles.GetValueOrDefault(key.Id)).OfType<ArticleRow>().ToArray();
        var lastModified = LastChange(keys, category, catalog);
        var document = builder.Build(
            new FeedSubject(request.Slug, category?.Name),
            SelfLink(request),
            lastModified,
            ordered,
            tags,
            categoryId => catalog.Get(categoryId)?.Name);
        return new RenderedFeed(token, ETag(request, token), lastModified, request.Format.ContentType, request.Format.WriteParts(document));
    }

    public Uri SelfLink(FeedRequest request)
    {
        var path = $"feeds/{Uri.EscapeDataString(request.Slug)}.{request.Format.Extension}";
        if (request.Limit != _options.DefaultLimit)
        {
            path += $"?limit={request.Limit.ToString(CultureInfo.InvariantCulture)}";
        }
        return new Uri(BaseWithSlash(_options.PublicBaseUrl), path);
    }

    /// <summary>
    /// The newest change among the feed's items (publish or update); for an empty feed, when its
    /// category last changed. Never the time of the request, so unchanged data gives unchanged output.
    /// </summary>
    private static DateTime LastChange(IReadOnlyList<ArticleKey> keys, CategoryRow? category, CategoryCatalog catalog)
    {
        var newest = DateTime.MinValue;
        foreach (var key in keys)
        {
            newest = Max(newest, Max(key.PublishedAt, key.UpdatedAt));
        }
        if (keys.Count == 0)
        {
            newest = category?.UpdatedAt ?? catalog.NewestChange ?? DateTime.UnixEpoch;
        }
        return DateTime.SpecifyKind(newest, DateTimeKind.Utc);
    }

    /// <summary>
    /// Derived from the feed's version token (which moves with every change to what the feed shows), the
    /// request and the settings that shape the output. Weak: the same representation may travel gzip- or
    /// Brotli-encoded (RFC 9110 8.8.3).
    /// </summary>
    private string ETag(FeedRequest request, string token)
    {
        var text = $"{RenderVersion}\n{_settingsFingerprint}\n{request.Format.Extension}\n{request.Limit}\n{request.Slug}\n{token}";
        return $"W/\"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16))}\"";
    }

    private static string SettingsFingerprint(FeedsOptions options) => string.Join('\n',
        options.PublicBaseUrl, options.SiteUrl, options.SiteName, options.SiteDescription, options.Language,
        options.SiteTimeZone, options.IdPrefix, options.DefaultLimit, options.TimeToLiveMinutes);

    private static Uri BaseWithSlash(Uri baseUrl) =>
        baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;
}
