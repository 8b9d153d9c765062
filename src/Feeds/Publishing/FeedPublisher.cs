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
/// What a feed holds right now, read without any article body: enough to answer a conditional request.
/// <paramref name="ETag"/> and <paramref name="LastModifiedUtc"/> derive from this feed's data alone.
/// </summary>
public sealed record FeedState(
    FeedRequest Request,
    FeedSubject Subject,
    IReadOnlyList<ArticleKey> Keys,
    CategoryCatalog Catalog,
    string ETag,
    DateTime LastModifiedUtc);

/// <summary>Reads a feed's state, then, only when the client needs the body, its articles and the document.</summary>
public sealed class FeedPublisher(ArticleStore store, FeedBuilder builder, IOptions<FeedsOptions> options, TimeProvider clock)
{
    /// <summary>The slug of the whole-site feed; no category may use it.</summary>
    public const string SiteSlug = "all";

    // Part of every ETag: bump it when the rendering changes, so that clients fetch the new output.
    private const string RenderVersion = "1";

    private readonly FeedsOptions _options = options.Value;
    private readonly string _settingsFingerprint = SettingsFingerprint(options.Value);

    /// <summary>Null when the slug names no category, section or the site.</summary>
    public async Task<FeedState?> GetStateAsync(FeedRequest request, CancellationToken cancellationToken)
    {
        var slug = request.Slug == SiteSlug ? null : request.Slug;
        var (categories, keys) = await store.GetFeedStateAsync(slug, clock.GetUtcNow().UtcDateTime, request.Limit, cancellationToken);
        var catalog = new CategoryCatalog(categories);
        var category = slug is null ? null : catalog.Find(slug);
        if (slug is not null && category is null)
        {
            return null;
        }
        var subject = new FeedSubject(request.Slug, category?.Name);
        return new FeedState(
            request, subject, keys, catalog,
            ETag: ComputeETag(request, category, keys, catalog),
            LastModifiedUtc: LastChange(keys, category, catalog));
    }

    public async Task<byte[]> RenderAsync(FeedState state, CancellationToken cancellationToken)
    {
        var ids = state.Keys.Select(key => key.Id).ToArray();
        var (articles, tags) = await store.GetArticlesAsync(ids, cancellationToken);
        // Keep the order of the keys; an article deleted since they were read is left out.
        var ordered = state.Keys.Select(key => articles.GetValueOrDefault(key.Id)).OfType<ArticleRow>().ToArray();
        var document = builder.Build(
            state.Subject,
            SelfLink(state.Request),
            state.LastModifiedUtc,
            ordered,
            tags,
            categoryId => state.Catalog.Get(categoryId)?.Name);
        return state.Request.Format.Write(document);
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

    private string ComputeETag(FeedRequest request, CategoryRow? subjectCategory, IReadOnlyList<ArticleKey> keys, CategoryCatalog catalog)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, $"{RenderVersion}\n{_settingsFingerprint}\n{request.Format.Extension}\n{request.Limit}\n{request.Slug}\n");
        if (subjectCategory is not null)
        {
            Append(hash, $"{subjectCategory.Name}\n{subjectCategory.UpdatedAt.Ticks}\n");
        }
        foreach (var key in keys)
        {
            // The item names its category, so a renamed category changes the feed too.
            var category = catalog.Get(key.CategoryId);
            Append(hash, $"{key.ExternalId}\n{key.PublishedAt.Ticks}\n{key.UpdatedAt.Ticks}\n{category?.Name}\n{category?.UpdatedAt.Ticks}\n");
        }
        // Weak: the same representation may travel gzip- or Brotli-encoded (RFC 9110 8.8.3).
        return $"W/\"{Convert.ToHexStringLower(hash.GetHashAndReset().AsSpan(0, 16))}\"";
    }

    private static void Append(IncrementalHash hash, string text) => hash.AppendData(Encoding.UTF8.GetBytes(text));

    private static string SettingsFingerprint(FeedsOptions options) => string.Join('\n',
        options.PublicBaseUrl, options.SiteUrl, options.SiteName, options.SiteDescription, options.Language,
        options.SiteTimeZone, options.IdPrefix, options.DefaultLimit, options.TimeToLiveMinutes);

    private static Uri BaseWithSlash(Uri baseUrl) =>
        baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;
}
