using System.Security.Cryptography;
using Feeds.Data;
using Feeds.Formats;
using Feeds.Pages;
using Microsoft.Extensions.Options;

namespace Feeds.Publishing;

/// <summary>
/// The documents besides feeds: the HTML index, the OPML list and the XSLT stylesheet. Like feeds, each is
/// rendered once per version of what it shows and kept with its compressed forms; its ETag is a hash of its
/// bytes, so it stays the same for the same content on every instance.
/// </summary>
public sealed class PagePublisher(ArticleStore store, ChangeDetector changeDetector, FeedUrls urls, IOptions<FeedsOptions> options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string Token, Lazy<Task<RenderedFeed>> Rendering)> _pages = new(StringComparer.Ordinal);
    // Last-Modified of the stylesheet: when this build was made (its ETag, a hash of its bytes, is what validates).
    private readonly Lazy<RenderedFeed> _stylesheet = new(() => Stored("static", "text/xsl; charset=utf-8", ReadStylesheet(),
        File.GetLastWriteTimeUtc(typeof(PagePublisher).Assembly.Location)));

    public Task<RenderedFeed> GetIndexAsync() => GetAsync("index", async () =>
    {
        var (categories, lastChange) = await ReadCatalogAsync();
        return Stored(changeDetector.Current.CatalogToken, $"{HtmlPage.MediaType}; charset=utf-8",
            IndexPage.Render(options.Value, urls, categories, changeDetector.Current.Tags), lastChange);
    });

    public Task<RenderedFeed> GetOpmlAsync() => GetAsync("opml", async () =>
    {
        var (categories, lastChange) = await ReadCatalogAsync();
        // OPML 2.0 names no media type; text/x-opml is what feed readers and browsers know.
        return Stored(changeDetector.Current.CatalogToken, "text/x-opml; charset=utf-8",
            OpmlDocument.Render(options.Value, urls, categories, lastChange), lastChange);
    });

    public RenderedFeed Stylesheet => _stylesheet.Value;

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

    private static RenderedFeed Stored(string token, string contentType, byte[] bytes, DateTime lastModified)
    {
        var etag = $"W/\"{Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 16))}\"";
        return new RenderedFeed(token, etag, lastModified, contentType, new FeedBytes(bytes, bytes.Length, [])).CompressAll();
    }

    private static byte[] ReadStylesheet()
    {
        using var stream = typeof(PagePublisher).Assembly.GetManifestResourceStream("Feeds.Pages.feed.xsl")
            ?? throw new InvalidOperationException("The feed stylesheet is not embedded in the assembly.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
