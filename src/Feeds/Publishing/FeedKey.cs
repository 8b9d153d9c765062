namespace Feeds.Publishing;

/// <summary>
/// Which feed: the whole site, a category or section (by slug), or a name of a <see cref="NamedKind"/> (a tag, an
/// author, a source, by its slug: see <see cref="TagSlug"/>).
/// </summary>
public sealed record FeedKey(FeedKind Kind, string Slug)
{
    /// <summary>The slug of the whole-site feed; no category may use it.</summary>
    public const string SiteSlug = "all";

    public static readonly FeedKey Site = new(FeedKind.Site, SiteSlug);

    /// <summary>A category's or section's feed; "all" is the site's.</summary>
    public static FeedKey Category(string slug) => slug == SiteSlug ? Site : new(FeedKind.Category, slug);

    public static FeedKey Tag(string slug) => new(FeedKind.Tag, slug);

    /// <summary>
    /// The feed a URL names: a category's by its slug, or a name's by its kind's path segment ("authors", which the
    /// route's constraint admits only for a <see cref="NamedKind"/>) and its slug.
    /// </summary>
    public static FeedKey Of(string? categorySlug, string? segment, string? slug) =>
        segment is not null && NamedKind.OfSegment(segment) is { } kind ? new(kind, slug!) : Category(categorySlug!);

    /// <summary>The feed's name in its id (tag:…:feed:{Name}): tags apart from categories.</summary>
    public string Name => Kind.PathPrefix + Slug;

    /// <summary>What the feed is about, for a person: "tag '港口'", "category or section 'logistics'", "the site".</summary>
    public string Description => Kind.Describe(Slug);

    /// <summary>The feed's path below /feeds/, percent-encoded (RFC 3986: a CJK slug stays one path segment).</summary>
    public string Path => Kind.PathPrefix + Uri.EscapeDataString(Slug);

    /// <summary>
    /// The CDN's name for every document of this feed (each format, limit, archive page and its page for people),
    /// by which one purge drops them all (Edge/EdgePurger): ASCII without spaces or commas, as every CDN's key header
    /// needs ("feed-c-logistics", "feed-t-%E6%B8%AF%E5%8F%A3").
    /// </summary>
    public string SurrogateKey => Kind.SurrogateKey(Slug);

    /// <summary>The surrogate key of the documents that list the feeds (the index, the tag directory, the OPML).</summary>
    public const string CatalogSurrogateKey = "feeds-catalog";
}
