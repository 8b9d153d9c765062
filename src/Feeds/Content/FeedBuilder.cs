using Feeds.Data;
using Microsoft.Extensions.Options;
using Feeds.Rendering;

namespace Feeds.Content;

/// <summary>What a feed is about, as its title names it: a category, a section, a tag (#name), an archive month, or (Name null) the whole site.</summary>
public sealed record FeedSubject(string Slug, string? Name);

/// <summary>
/// Decides what goes into a feed: ids, links, dates, authors, clean text and clean HTML, in the script asked for
/// (<see cref="Scripts"/>: a twin's texts are converted, never its ids or links).
/// </summary>
public sealed class FeedBuilder(IOptions<FeedsOptions> options, SiteTime siteTime, ArticleHtml articleHtml, CleanArticleCache cleanArticles, Scripts? scripts = null)
{
    private const string Untitled = "(無標題)";
    private readonly FeedsOptions _options = options.Value;
    private readonly string _siteName = XmlText.Clean(options.Value.SiteName);
    private readonly string _siteDescription = XmlText.Clean(options.Value.SiteDescription);

    /// <summary>Articles are in feed order, newest first; <paramref name="categoryName"/> names an article's category.</summary>
    public FeedDocument Build(
        FeedSubject subject,
        Uri selfLink,
        DateTime updatedUtc,
        IReadOnlyList<ArticleRow> articles,
        ILookup<long, string> tags,
        Func<long, string?> categoryName) =>
        Document(subject, selfLink, updatedUtc) with
        {
            Entries = [.. articles.Select(article => Entry(article, tags[article.Id], categoryName(article.CategoryId)))],
        };

    /// <summary>The feed's own elements, without entries.</summary>
    public FeedDocument Document(FeedSubject subject, Uri selfLink, DateTime updatedUtc, Script script = Script.Original)
    {
        var name = subject.Name is null ? null : Text(script, XmlText.Clean(subject.Name));
        var siteName = Text(script, _siteName);
        var siteDescription = Text(script, _siteDescription);
        return new FeedDocument(
            // A twin is a feed of its own (another language), so its id is its own; its entries' ids are the originals'.
            Id: FeedId(script == Script.Original ? subject.Slug : $"{Scripts.SimplifiedSegment}/{subject.Slug}"),
            Title: name is null ? siteName : $"{siteName} - {name}",
            Description: name is null ? siteDescription : $"{name} - {siteDescription}",
            Language: scripts?.LanguageOf(script) ?? _options.Language,
            SiteLink: _options.SiteUrl,
            SelfLink: selfLink,
            Publisher: siteName,
            Updated: siteTime.ToSite(updatedUtc),
            TimeToLive: TimeSpan.FromMinutes(_options.TimeToLiveMinutes),
            Entries: [])
        {
            Say = text => Text(script, text),
        };
    }

    /// <summary>RFC 4151 tag URI from the CMS id alone, so it never changes with title, category or URL.</summary>
    public string ArticleId(string externalId) => $"{_options.IdPrefix}article:{Uri.EscapeDataString(externalId)}";

    public string FeedId(string slug) => $"{_options.IdPrefix}feed:{Uri.EscapeDataString(slug)}";

    /// <summary>One article's entry; <paramref name="tags"/> in the order the CMS gave them.</summary>
    public FeedEntry Entry(ArticleRow article, IEnumerable<string> tags, string? categoryName) =>
        Entry(article, Content(article, tags), categoryName);

    /// <summary>
    /// What an article's entries show in every format, its category apart: its cleaned texts (cleaned once per
    /// text, then converted to the script) and its tags (named in the script when an entry is written).
    /// </summary>
    public ArticleContent Content(ArticleRow article, IEnumerable<string> tags, Script script = Script.Original, SharedConversions? shared = null)
    {
        var clean = Cleaned(article);
        return new(script == Script.Original ? clean : Scripts.Article(script, clean, shared), [.. tags]);
    }

    /// <summary>The article's texts cleaned (once per text, kept in the CleanArticleCache).</summary>
    public CleanArticle Cleaned(ArticleRow article) => cleanArticles.GetOrAdd(article, Clean);

    /// <summary>
    /// The entry of the article <paramref name="key"/> names, from its content (read now or kept from an earlier
    /// render); <paramref name="pageOf"/> gives the page of each author and source, or null when it has none yet.
    /// </summary>
    public FeedEntry Entry(ArticleKey key, ArticleContent content, string? categoryName, Func<FiledName, Uri?>? pageOf = null, Script script = Script.Original)
    {
        var clean = content.Clean;
        return new FeedEntry(
            Id: ArticleId(key.ExternalId),
            Title: clean.Title,
            Link: clean.Link,
            Published: siteTime.ToSite(key.PublishedAt),
            Updated: siteTime.ToSite(EntryUpdated.Of(key)),
            Authors: clean.Authors,
            Categories: Distinct(Distinct([categoryName, .. content.Tags]).Select(name => Text(script, name))),
            Summary: clean.Summary,
            ContentHtml: clean.ContentHtml,
            Image: clean.Image)
        {
            Names = [.. clean.Names.Select(name => new EntryName(Text(script, XmlText.Clean(name.Name)), pageOf?.Invoke(name)))],
        };
    }

    /// <summary>A name or title in the script.</summary>
    private string Text(Script script, string text) => script == Script.Original ? text : Scripts.Text(script, text);

    private Scripts Scripts => scripts ?? throw new InvalidOperationException("No scripts besides the original are served.");

    /// <summary>The work that depends on the article alone, done once per article version.</summary>
    private CleanArticle Clean(ArticleRow article)
    {
        var link = AbsoluteOrNull(_options.SiteUrl, article.Url) ?? _options.SiteUrl;
        var title = ArticleHtml.ToPlainText(article.Title);
        var summary = article.Summary is null ? null : ArticleHtml.ToPlainText(article.Summary);
        var content = articleHtml.Clean(article.ContentHtml ?? string.Empty, link);
        // Every item has a description (RSS Best Practices; the W3C validator's NeedDescriptionBeforeContent):
        // without a summary, the start of the body's text, cut at a sentence.
        summary = string.IsNullOrEmpty(summary) ? articleHtml.Excerpt(content) : summary;
        var authors = Distinct([article.Author, article.Source]);
        var image = AbsoluteOrNull(link, article.ImageUrl) is { } imageUrl ? new FeedImage(imageUrl, ImageMediaType(imageUrl)) : null;
        return new CleanArticle(
            Title: title.Length == 0 ? Untitled : title,
            Link: link,
            Summary: string.IsNullOrEmpty(summary) ? null : summary,
            ContentHtml: content.Length == 0 ? null : content,
            Authors: authors.Count == 0 ? [_siteName] : authors,
            Image: image)
        {
            Names = FiledNames.OfByline(article.Author, article.Source),
        };
    }

    private static List<string> Distinct(IEnumerable<string?> values) =>
        values.Select(value => XmlText.CleanOrNull(value)?.Trim())
            .Where(value => !string.IsNullOrEmpty(value))
            .Select(value => value!)
            .Distinct(StringComparer.Ordinal)
            .ToList();

    /// <summary>An http(s) URL, resolved against <paramref name="baseUrl"/> when the CMS stored it relative.</summary>
    private static Uri? AbsoluteOrNull(Uri baseUrl, string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(baseUrl, XmlText.Clean(url).Trim(), out var absolute))
        {
            return null;
        }
        return absolute.Scheme == Uri.UriSchemeHttp || absolute.Scheme == Uri.UriSchemeHttps ? absolute : null;
    }

    private static string? ImageMediaType(Uri url) => Path.GetExtension(url.AbsolutePath).ToLowerInvariant() switch
    {
        ".jpg" or ".jpeg" => "image/jpeg",
        ".png" => "image/png",
        ".gif" => "image/gif",
        ".webp" => "image/webp",
        ".avif" => "image/avif",
        ".svg" => "image/svg+xml",
        _ => null,
    };
}
