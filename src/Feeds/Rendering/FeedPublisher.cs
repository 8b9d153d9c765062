using System.Security.Cryptography;
using System.Text;
using Feeds.Content;
using Feeds.Data;
using Feeds.Formats;
using Microsoft.Extensions.Options;
using Feeds.Publishing;
using Feeds.Admission;
using Feeds.Versions;

namespace Feeds.Rendering;

/// <summary>A feed document: a feed in one format, its newest <paramref name="Limit"/> articles, or one archive page, in one script.</summary>
public sealed record FeedRequest(FeedKey Feed, FeedFormat Format, int Limit, ArchivePage? Archive = null, Script Script = Script.Original);

/// <summary>
/// Serves a feed rendered once per version: the version token comes from the change detector's last poll
/// (no query), a cached rendering of that token is returned as it is, and only a new token reads the
/// database and writes XML.
/// </summary>
public sealed class FeedPublisher(
    ArticleStore store,
    FeedBuilder builder,
    EntryCache entryCache,
    ChangeDetector changeDetector,
    FeedCache cache,
    FeedUrls urls,
    SiteTime siteTime,
    FeedsMetrics metrics,
    RenderAdmission admission,
    MemoryBudget budget,
    DocumentTimes documentTimes,
    Scripts scripts,
    IOptions<FeedsOptions> options,
    TimeProvider clock)
{
    // Part of every shared rendering's key: bump it when the rendering changes, so that no instance serves
    // another version's output from Redis (DocumentSnapshotTests refuses to record changed documents without it).
    // ETags are hashes of the bytes and follow by themselves.
    internal const string RenderVersion = "23";

    private readonly FeedsOptions _options = options.Value;
    private long _renders;
    private string? _settingsFingerprint;
    private readonly BoundedMemo<(FeedKey Feed, ArchiveMonth Month), string, ArchiveBoundaries> _boundaries = metrics.ObserveCache(
        "archive-boundaries", new BoundedMemo<(FeedKey Feed, ArchiveMonth Month), string, ArchiveBoundaries>(budget.BoundaryBytes, string.Equals, boundaries => 64 + 48L * boundaries.Count),
        memo => memo.Bytes, memo => memo.Count);

    /// <summary>The feed as of the last poll of versions; null when no such feed (or archive page) exists.</summary>
    /// <param name="client">Who asks: a render this causes is charged to it.</param>
    /// <exception cref="FeedsUnavailableException">
    /// The database is unreachable and no fresh enough rendering is kept, or no render can run now and there is no earlier rendering.
    /// </exception>
    /// <exception cref="RenderBudgetExceededException">The document needs a render and the client has used its budget.</exception>
    public async ValueTask<RenderedFeed?> GetAsync(FeedRequest request, ClientId client, CancellationToken cancellationToken)
    {
        changeDetector.ThrowIfStale();
        var token = changeDetector.Current.TokenOf(request.Feed);
        if (token is null)
        {
            return null;
        }
        try
        {
            if (!_options.CacheEnabled)
            {
                return await RenderUncachedAsync(request, token, client);
            }
            return cache.TryGetCurrent(request, token, out var cached)
                ? cached
                : await cache.RenderOnceAsync(new RenderJob(request, token, SharedKey(request, token), () => RenderAsync(request, token), IsLongTail(request)), client, cancellationToken);
        }
        catch (Exception exception) when (Database.IsOutage(exception))
        {
            throw new FeedsUnavailableException("The database cannot be read to render this feed.", exception);
        }
    }

    /// <summary>
    /// The archive page that holds the position of the request's cursor now: the requested page itself when its
    /// cursor is one of its month's page boundaries, otherwise the page holding the first article older than the
    /// cursor (pages count from the month's end, so a late article moves every boundary of its month, and the
    /// links given out before must still lead to their articles). Nothing is rendered for a cursor that is not a
    /// boundary, so the documents a client can cause are those Feeds links to. Null when there is no such feed or
    /// the month has no articles.
    /// </summary>
    /// <exception cref="RenderBudgetExceededException">The month's boundaries must be read and the client has used its budget.</exception>
    public async ValueTask<ArchivePage?> ResolveArchivePageAsync(FeedRequest request, ClientId client)
    {
        if (request.Archive is not { Before: { } before } page)
        {
            return request.Archive;
        }
        changeDetector.ThrowIfStale();
        var token = changeDetector.Current.TokenOf(request.Feed);
        if (token is null)
        {
            return null;
        }
        var key = (request.Feed, page.Month);
        if (!_boundaries.TryGet(key, token, out var boundaries))
        {
            boundaries = await ReadBoundariesAsync(request.Feed, page.Month, client);
            if (boundaries is null)
            {
                return null;
            }
            _boundaries.Set(key, token, boundaries);
        }
        return boundaries.HasArticles ? new ArchivePage(page.Month, boundaries.PageHolding(before)) : null;
    }

    /// <summary>Every page boundary of a month, read like a render: charged to the client, in a render slot.</summary>
    private async Task<ArchiveBoundaries?> ReadBoundariesAsync(FeedKey feed, ArchiveMonth month, ClientId client)
    {
        using var slot = await admission.AdmitAsync(client, longTail: true);
        if (changeDetector.Current.ScopeOf(feed) is not ({ } scope, _))
        {
            return null;
        }
        try
        {
            var (cursors, hasArticles) = await store.ReadArchiveBoundariesAsync(
                scope, month.StartUtc(siteTime), month.Next.StartUtc(siteTime), _options.ArchivePageSize, clock.GetUtcNow().UtcDateTime, CancellationToken.None);
            return new ArchiveBoundaries(cursors.Select(key => new ArchiveCursor(key.PublishedAt, key.Id)).ToArray(), hasArticles);
        }
        catch (Exception exception) when (Database.IsOutage(exception))
        {
            throw new FeedsUnavailableException("The database cannot be read to find this archive page.", exception);
        }
    }

    /// <summary>With the cache off every request renders; it is still admitted and charged like any render.</summary>
    private async Task<RenderedFeed?> RenderUncachedAsync(FeedRequest request, string token, ClientId client)
    {
        using var slot = await admission.AdmitAsync(client, IsLongTail(request));
        return await RenderAsync(request, token);
    }

    /// <summary>
    /// Archive pages and feeds of other lengths than the default: documents that exist only because someone asked,
    /// whose renders are charged to a budget of all clients together as well as to the client's.
    /// </summary>
    private bool IsLongTail(FeedRequest request) => request.Archive is not null || request.Limit != _options.DefaultLimit;

    /// <summary>How many documents have been rendered since start.</summary>
    public long Renders => Interlocked.Read(ref _renders);

    /// <summary>A month is over, and its archive final, once its last instant has passed.</summary>
    public bool IsClosed(ArchiveMonth month) => month.Next.StartUtc(siteTime) <= clock.GetUtcNow().UtcDateTime;

    /// <summary>Tries of a render whose read is behind its versions (a replica catching up), 50, 100, 200 ms apart.</summary>
    private const int BehindRetries = 3;

    /// <summary>
    /// Reads the feed's categories and keys, then its articles, in one snapshot, and writes the document. A read
    /// on a replica behind the versions the token came from is tried again, and never kept under that token: a
    /// reader would keep the older content under the newer ETag until the next change.
    /// </summary>
    /// <exception cref="FeedsUnavailableException">The database read stayed behind the versions.</exception>
    public async Task<RenderedFeed?> RenderAsync(FeedRequest request, string token)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    return await RenderTimedAsync(request, token);
                }
                catch (ReadBehindException) when (attempt < BehindRetries)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50 << attempt), clock);
                }
                catch (ReadBehindException exception)
                {
                    throw new FeedsUnavailableException("The database read is behind the feed versions (a replica catching up).", exception);
                }
            }
        }
        finally
        {
            metrics.Rendered(request.Format.Extension, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
    }

    private sealed class ReadBehindException(long read, long versions)
        : Exception($"Read at change mark {read}, below the versions' {versions}.");

    private async Task<RenderedFeed?> RenderTimedAsync(FeedRequest request, string token)
    {
        Interlocked.Increment(ref _renders);
        var versions = changeDetector.Current;
        if (versions.ScopeOf(request.Feed) is not ({ } scope, var named))
        {
            return null;
        }
        var documentUrls = urls.In(request.Script);
        var links = request.Format == FeedFormat.HtmlPreview ? documentUrls.PreviewLinks(request.Feed) : new List<FeedLink>(urls.HubLinks);
        links.AddRange(TwinLinks(request));
        var entries = new RenderEntries(entryCache, request.Format, request.Script);
        // The categories arrive with the keys: their catalog names each entry's category, here and below.
        CategoryCatalog? catalog = null;
        ArticlesWanted articlesWanted = (categories, keys) => entries.ArticlesWanted(catalog = new CategoryCatalog(categories), keys);
        var read = request.Archive is { } page
            ? await ReadArchivePageAsync(request, page, scope, documentUrls, links, articlesWanted)
            : await ReadCurrentAsync(request, scope, documentUrls, links, articlesWanted);
        if (read is null)
        {
            return null;
        }
        if (read.Mark < versions.Mark)
        {
            throw new ReadBehindException(read.Mark, versions.Mark);
        }
        catalog ??= new CategoryCatalog(read.Categories);
        var category = request.Feed.Kind == FeedKind.Category ? catalog.Find(request.Feed.Slug) : null;
        if (request.Feed.Kind == FeedKind.Category && category is null)
        {
            // Deleted since the last poll.
            return null;
        }

        var lastChange = LastChange(read.Keys, category, catalog);
        var name = named is not null ? named.Kind.TitleOf(named.Name) : category?.Name;
        if (request.Archive is { } archivePage)
        {
            name = name is null ? archivePage.Month.ToString() : $"{name} ({archivePage.Month})";
        }
        var document = builder.Document(new FeedSubject(request.Feed.Name, name), documentUrls.Document(request), lastChange, request.Script) with
        {
            Links = links,
            IsArchive = request.Archive is not null,
            Icon = urls.Icon,
            Logo = urls.Logo,
            Stylesheet = request.Format.UsesStylesheet ? documentUrls.Stylesheet : null,
        };
        // A twin's texts another instance converted before are read from Redis at once (Content/Scripts).
        var shared = await scripts.FindSharedAsync(request.Script, read.Articles.Values.Select(builder.Cleaned));
        var bytes = request.Format.WriteParts(
            document, entries.Complete(
                read,
                article => builder.Content(article, read.Tags[article.Id], request.Script, shared),
                (key, content) => builder.Entry(key, content, catalog.Get(key.CategoryId)?.Name, name => PageOf(versions, name, documentUrls), request.Script),
                key => builder.ArticleId(key.ExternalId)));
        await scripts.ShareAsync(shared);
        // Last-Modified is when these bytes first appeared, the same on every instance; not a date in the feed: an
        // article imported late, edited or removed changes a feed without moving any date in it.
        var etag = bytes.EntityTag();
        var lastModified = await documentTimes.LastModifiedAsync(DocumentName(request), etag, read.Mark, CancellationToken.None);
        return new RenderedFeed(token, etag, lastModified, request.Format.ContentType, bytes)
        {
            ClosedArchive = request.Archive is { } archive && IsClosed(archive.Month),
            BrowserContentType = document.Stylesheet is null ? null : "application/xml; charset=utf-8",
            LinkHeader = request.Format == FeedFormat.HtmlPreview ? default : urls.LinkHeader(request),
        };
    }

    /// <summary>
    /// The same document in the other script, when twins are served: a feed links its twin in its own format; a
    /// page for people links the twin page and announces the twin's feeds (RSS Autodiscovery), each with its
    /// language (hreflang), so a reader or a search engine can offer either.
    /// </summary>
    private IEnumerable<FeedLink> TwinLinks(FeedRequest request)
    {
        if (scripts.TwinOf(request.Script) is not { } twin)
        {
            yield break;
        }
        var language = scripts.LanguageOf(twin);
        var twinRequest = request with { Script = twin };
        yield return new FeedLink(FeedRelations.Alternate, urls.Document(twinRequest), request.Format.MediaType) { HrefLang = language };
        if (request.Format == FeedFormat.HtmlPreview)
        {
            foreach (var format in FeedFormat.All)
            {
                yield return new FeedLink(FeedRelations.Alternate, urls.In(twin).Feed(request.Feed, format), format.MediaType) { HrefLang = language };
            }
        }
    }

    /// <summary>The page of an author's or a source's feed, or null when no poll has seen the name yet.</summary>
    private static Uri? PageOf(FeedVersions versions, FiledName name, FeedUrls documentUrls) =>
        versions.FeedOf(name) is { } feed ? documentUrls.Preview(feed.Key) : null;

    /// <summary>The newest articles; a feed links to the newest page of its archive (RFC 5005 section 4), a page for people does not.</summary>
    private async Task<FeedRead> ReadCurrentAsync(FeedRequest request, FeedScope scope, FeedUrls documentUrls, List<FeedLink> links, ArticlesWanted articlesWanted)
    {
        var read = await store.ReadFeedAsync(scope, clock.GetUtcNow().UtcDateTime, request.Limit, CancellationToken.None, articlesWanted);
        if (read.Keys.Count > 0)
        {
            // Pages count from a month's end, so the newest month's newest page needs no cursor. A page for people
            // links the RSS archive, which browsers show through the XSLT view.
            var newestMonth = ArchiveMonth.Of(read.Keys[0].PublishedAt, siteTime);
            var format = request.Format == FeedFormat.HtmlPreview ? FeedFormat.Rss : request.Format;
            links.Add(new FeedLink(FeedRelations.PrevArchive, documentUrls.Archive(request.Feed, format, new ArchivePage(newestMonth, null)), format.MediaType));
        }
        return read;
    }

    /// <summary>One archive page, linked to the current document and its neighbours (RFC 5005 section 4); null when empty.</summary>
    private async Task<FeedRead?> ReadArchivePageAsync(FeedRequest request, ArchivePage page, FeedScope scope, FeedUrls documentUrls, List<FeedLink> links, ArticlesWanted articlesWanted)
    {
        var archive = await store.ReadArchiveAsync(
            scope, page.Month.StartUtc(siteTime), page.Month.Next.StartUtc(siteTime),
            page.Before is { } before ? new ArchiveKey(before.PublishedUtc, before.Id) : null,
            _options.ArchivePageSize, clock.GetUtcNow().UtcDateTime, MonthOf, CancellationToken.None, articlesWanted);
        if (archive is null)
        {
            return null;
        }
        var mediaType = request.Format.MediaType;
        links.Add(new FeedLink(FeedRelations.Current, documentUrls.Feed(request.Feed, request.Format), mediaType));
        if (archive.Older is { } older)
        {
            links.Add(new FeedLink(FeedRelations.PrevArchive, documentUrls.Archive(request.Feed, request.Format, PageOf(older)), mediaType));
        }
        if (archive.Newer is { } newer)
        {
            links.Add(new FeedLink(FeedRelations.NextArchive, documentUrls.Archive(request.Feed, request.Format, PageOf(newer)), mediaType));
        }
        return archive.Feed;
    }

    private (DateTime Start, DateTime End) MonthOf(DateTime utc)
    {
        var month = ArchiveMonth.Of(utc, siteTime);
        return (month.StartUtc(siteTime), month.Next.StartUtc(siteTime));
    }

    private ArchivePage PageOf(ArchiveLocation location) => new(
        ArchiveMonth.Of(location.MonthStart, siteTime),
        location.Before is { } before ? new ArchiveCursor(before.PublishedAt, before.Id) : null);

    /// <summary>
    /// The newest change among the feed's items (publish or update, as each entry shows it: <see cref="EntryUpdated"/>);
    /// for an empty feed, when its category last changed. Never the time of the request, so unchanged data gives
    /// unchanged output.
    /// </summary>
    private static DateTime LastChange(IReadOnlyList<ArticleKey> keys, CategoryRow? category, CategoryCatalog catalog)
    {
        var newest = DateTime.MinValue;
        foreach (var key in keys)
        {
            newest = Max(newest, EntryUpdated.Of(key));
        }
        if (keys.Count == 0)
        {
            newest = category?.UpdatedAt ?? catalog.NewestChange ?? DateTime.UnixEpoch;
        }
        return DateTime.SpecifyKind(newest, DateTimeKind.Utc);
    }

    /// <summary>
    /// A rendering's name among all instances (Redis): the feed's version token (which moves with every change
    /// to what the feed shows), the request and the settings and code that shape the output.
    /// </summary>
    private string SharedKey(FeedRequest request, string token)
    {
        return $"W/\"{Hash($"{RenderVersion}\n{Fingerprint}\n{Address(request)}\n{token}", 16)}\"";
    }

    /// <summary>A document's name in Data/DocumentTimes: its address without the version, short whatever the feed's slug.</summary>
    private static string DocumentName(FeedRequest request) => Hash(Address(request), 16);

    /// <summary>What tells one document from another, whatever its version: format, length, feed, archive page, script (a twin's only, so the originals' names stayed as they were).</summary>
    private static string Address(FeedRequest request) =>
        $"{request.Format.Extension}\n{request.Limit}\n{request.Feed}\n{request.Archive}{(request.Script == Script.Original ? "" : $"\n{request.Script}")}";

    /// <summary>The first <paramref name="bytes"/> of the text's SHA-256, in hex.</summary>
    private static string Hash(string text, int bytes) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, bytes));

    /// <summary>The settings that shape every rendering, as one text: instances that differ in it share no rendering.</summary>
    private string Fingerprint => _settingsFingerprint ??= SettingsFingerprint(_options, urls.Base, scripts.Configuration);

    /// <summary>A short hash of the code's render version and <see cref="Fingerprint"/>: equal on instances that render alike (FleetChanges compares them).</summary>
    public string RenderingsFingerprint => Hash($"{RenderVersion}\n{Fingerprint}", 8);

    private static string SettingsFingerprint(FeedsOptions options, Uri publicBase, string? twinConfiguration) => string.Join('\n',
        publicBase, options.SiteUrl, options.SiteName, options.SiteDescription, options.SiteIcon, options.SiteLogo, options.Language,
        options.SiteTimeZone, options.IdPrefix, options.DefaultLimit, options.TimeToLiveMinutes, options.ArchivePageSize,
        string.Join(' ', options.WebSub.Hubs), twinConfiguration);

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;
}
