using Feeds.Content;
using Feeds.Data;
using Feeds.Formats;
using Feeds.Publishing;
using Microsoft.Extensions.Options;
using Feeds.Versions;
using Feeds.Rendering;

namespace Feeds.Pages;

/// <summary>
/// The documents besides feeds: the HTML index, the tag directory, the OPML list and the XSLT stylesheet. Like feeds, each is
/// rendered once per version of what it shows and kept with its compressed forms; its ETag is a hash of its
/// bytes, so it stays the same for the same content on every instance, and its Last-Modified is when those bytes
/// first appeared (Data/DocumentTimes), the same on every instance too.
/// </summary>
public sealed class PagePublisher(ArticleStore store, ChangeDetector changeDetector, DocumentTimes documentTimes, FeedUrls urls, Scripts scripts, IOptions<FeedsOptions> options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string Token, Lazy<Task<RenderedFeed>> Rendering)> _pages = new(StringComparer.Ordinal);

    /// <summary>The files Feeds ships, embedded in its assembly: the XSLT stylesheet, the demo site's icon and logo.</summary>
    private static readonly IReadOnlyDictionary<string, Lazy<RenderedFeed>> Assets = new Dictionary<string, Lazy<RenderedFeed>>
    {
        ["feed.xsl"] = new(() => Shipped("feed.xsl", "text/xsl; charset=utf-8")),
        ["icon.png"] = new(() => Shipped("icon.png", "image/png")),
        ["logo.png"] = new(() => Shipped("logo.png", "image/png")),
    };

    public Task<RenderedFeed> GetIndexAsync(Script script = Script.Original)
    {
        var name = NameIn(script, "index");
        return GetAsync(name, async () =>
        {
            var (categories, _) = await ReadCatalogAsync();
            var current = changeDetector.Current;
            return await StoredAsync(name, current, $"{HtmlPage.MediaType}; charset=utf-8",
                IndexPage.Render(options.Value, PageScript.Of(scripts, urls, script), categories, current));
        });
    }

    /// <summary>A page of the directory of a kind of name (tags, authors, sources), or null past the last page.</summary>
    public async Task<RenderedFeed?> GetDirectoryAsync(NamedKind kind, int page, Script script = Script.Original)
    {
        if (page < 1 || page > DirectoryPage.PageCount(changeDetector.Current.CountOf(kind)))
        {
            return null;
        }
        var name = NameIn(script, $"{kind.Segment}:{page}");
        return await GetAsync(name, () =>
        {
            var current = changeDetector.Current;
            var byName = current.ByName(kind);
            return StoredAsync(name, current, $"{HtmlPage.MediaType}; charset=utf-8",
                DirectoryPage.Render(options.Value, PageScript.Of(scripts, urls, script), kind, byName, Math.Min(page, DirectoryPage.PageCount(byName.Count))));
        });
    }

    /// <param name="categoriesOnly">The list of categories without subcategories (/categories.opml), in which every article is in one feed.</param>
    public Task<RenderedFeed> GetOpmlAsync(bool categoriesOnly = false, Script script = Script.Original)
    {
        var name = NameIn(script, categoriesOnly ? "opml:categories" : "opml");
        return GetAsync(name, async () =>
        {
            var (categories, lastChange) = await ReadCatalogAsync();
            // OPML 2.0 names no media type; text/x-opml is what feed readers and browsers know.
            var current = changeDetector.Current;
            return await StoredAsync(name, current, "text/x-opml; charset=utf-8",
                OpmlDocument.Render(options.Value, PageScript.Of(scripts, urls, script), categories, lastChange, categoriesOnly));
        });
    }

    /// <summary>A page's name (here and in Data/DocumentTimes) in a script: a twin's starts with its path.</summary>
    private static string NameIn(Script script, string name) => script == Script.Original ? name : $"{Scripts.SimplifiedSegment}:{name}";

    /// <summary>A shipped file by its name: feed.xsl, icon.png, logo.png.</summary>
    public static RenderedFeed Asset(string name) => Assets[name].Value;

    /// <summary>
    /// The XSLT stylesheet a twin's RSS and Atom reference (/zh-hans/feeds/feed.xsl): the shipped one with its text
    /// converted, so a browser shows a twin's page in its script; its XPath, in attributes, unchanged.
    /// </summary>
    public RenderedFeed Stylesheet(Script script) => script == Script.Original
        ? Asset("feed.xsl")
        : LazyInitializer.EnsureInitialized(ref _twinStylesheet, () => Shipped("feed.xsl", "text/xsl; charset=utf-8", bytes => ConvertText(bytes, script)));

    private RenderedFeed? _twinStylesheet;

    private byte[] ConvertText(byte[] xml, Script script)
    {
        var document = System.Xml.Linq.XDocument.Parse(System.Text.Encoding.UTF8.GetString(xml), System.Xml.Linq.LoadOptions.PreserveWhitespace);
        foreach (var text in document.DescendantNodes().OfType<System.Xml.Linq.XText>().Where(text => !string.IsNullOrWhiteSpace(text.Value)))
        {
            text.Value = scripts.Convert(script, text.Value)!;
        }
        using var output = new MemoryStream();
        using (var writer = System.Xml.XmlWriter.Create(output, new System.Xml.XmlWriterSettings { Encoding = new System.Text.UTF8Encoding(false) }))
        {
            document.Save(writer);
        }
        return output.ToArray();
    }

    /// <summary>One rendering per catalog token, shared by concurrent requests.</summary>
    private async Task<RenderedFeed> GetAsync(string name, Func<Task<RenderedFeed>> render)
    {
        changeDetector.ThrowIfStale();
        try
        {
            return await RenderOnceAsync(name, render);
        }
        catch (Exception exception) when (Database.IsOutage(exception))
        {
            throw new FeedsUnavailableException("The database cannot be read to render this page.", exception);
        }
    }

    private Task<RenderedFeed> RenderOnceAsync(string name, Func<Task<RenderedFeed>> render)
    {
        var token = changeDetector.Current.CatalogToken;
        lock (_lock)
        {
            if (!_pages.TryGetValue(name, out var page) || page.Token != token || page.Rendering.Value.IsFaulted)
            {
                page = (token, new Lazy<Task<RenderedFeed>>(render));
                _pages[name] = page;
            }
            return page.Rendering.Value;
        }
    }

    private async Task<(IReadOnlyList<CategoryRow> Categories, DateTime LastChange)> ReadCatalogAsync()
    {
        var categories = await store.GetCategoriesAsync(CancellationToken.None);
        var newest = changeDetector.Current.NewestDue ?? DateTime.UnixEpoch;
        foreach (var category in categories)
        {
            newest = category.UpdatedAt > newest ? category.UpdatedAt : newest;
        }
        return (categories, DateTime.SpecifyKind(newest, DateTimeKind.Utc));
    }

    /// <summary>A page rendered from <paramref name="versions"/>, with the Last-Modified its bytes have in the fleet.</summary>
    private async Task<RenderedFeed> StoredAsync(string name, FeedVersions versions, string contentType, byte[] bytes)
    {
        var identity = FeedBytes.Whole(bytes);
        var etag = identity.EntityTag();
        var lastModified = await documentTimes.LastModifiedAsync($"page:{name}", etag, versions.Mark, CancellationToken.None);
        return Stored(versions.CatalogToken, contentType, identity, etag, lastModified);
    }

    private static RenderedFeed Stored(string token, string contentType, FeedBytes identity, string etag, DateTime? lastModified, bool compressible = true)
    {
        var stored = new RenderedFeed(token, etag, lastModified, contentType, identity) { Compressible = compressible };
        return compressible ? stored.PrepareGzip() : stored;
    }

    /// <summary>A file embedded in the assembly; its Last-Modified is when this build was made (its ETag, a hash of its bytes, is what validates).</summary>
    private static RenderedFeed Shipped(string name, string contentType, Func<byte[], byte[]>? convert = null)
    {
        using var stream = typeof(PagePublisher).Assembly.GetManifestResourceStream($"Feeds.Pages.{name}")
            ?? throw new InvalidOperationException($"{name} is not embedded in the assembly.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var identity = FeedBytes.Whole(convert is null ? buffer.ToArray() : convert(buffer.ToArray()));
        // Images are compressed already: gzip or Brotli would only cost time.
        return Stored("static", contentType, identity, identity.EntityTag(), File.GetLastWriteTimeUtc(typeof(PagePublisher).Assembly.Location),
            compressible: !contentType.StartsWith("image/", StringComparison.Ordinal));
    }
}
