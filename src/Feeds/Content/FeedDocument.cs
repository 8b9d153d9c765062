namespace Feeds.Content;

/// <summary>What one feed says, independent of how a format writes it. Every text is already XML-clean;
/// titles and summaries are plain text.</summary>
public sealed record FeedDocument(
    string Id,
    string Title,
    string Description,
    string Language,
    Uri SiteLink,
    Uri SelfLink,
    string Publisher,
    DateTimeOffset Updated,
    TimeSpan TimeToLive,
    IReadOnlyList<FeedEntry> Entries)
{
    /// <summary>Further links of the feed: WebSub hubs, RFC 5005 archive navigation.</summary>
    public IReadOnlyList<FeedLink> Links { get; init; } = [];

    /// <summary>An archive document (RFC 5005 section 4: fh:archive).</summary>
    public bool IsArchive { get; init; }

    /// <summary>The site's square icon: RSS image, Atom icon, JSON Feed icon and favicon.</summary>
    public Uri? Icon { get; init; }

    /// <summary>The site's wide logo: Atom logo.</summary>
    public Uri? Logo { get; init; }

    /// <summary>An XSLT stylesheet that shows the XML formats as a page in a browser.</summary>
    public Uri? Stylesheet { get; init; }

    /// <summary>Feeds' own words (a page's labels) in the document's script: as written, or converted like its texts.</summary>
    public Func<string, string> Say { get; init; } = text => text;

    /// <summary>The first link of this relation, or null.</summary>
    public Uri? LinkOf(string relation) => Links.FirstOrDefault(link => link.Relation == relation)?.Href;
}

/// <param name="Relation">An IANA link relation: hub, current, prev-archive, next-archive, alternate.</param>
public sealed record FeedLink(string Relation, Uri Href, string? MediaType)
{
    /// <summary>The language of the linked document when it differs from this one's: the twin in the other script (RFC 4287 4.2.7.4 hreflang).</summary>
    public string? HrefLang { get; init; }
}

/// <param name="Id">Stable id: the same in every feed and every run, whatever the title or category.</param>
/// <param name="Authors">The writer, then the source organisation; never empty.</param>
/// <param name="Categories">The article's category, then its tags.</param>
/// <param name="Summary">Plain text, no markup.</param>
/// <param name="ContentHtml">Sanitised HTML with absolute links.</param>
public sealed record FeedEntry(
    string Id,
    string Title,
    Uri Link,
    DateTimeOffset Published,
    DateTimeOffset Updated,
    IReadOnlyList<string> Authors,
    IReadOnlyList<string> Categories,
    string? Summary,
    string? ContentHtml,
    FeedImage? Image)
{
    /// <summary>
    /// Every author on one line, for the formats and readers that keep one: "張書豪、港務管理處", "Jane Doe, Reuters".
    /// Names are joined with "、" unless one starts with a Latin letter or digit (the XSLT view's rule too).
    /// </summary>
    public string Byline => string.Join(Separator(Authors), Authors);

    /// <summary>
    /// The authors its byline names and its source, each with its feed's page (Publishing/NamedKind): what the
    /// page for people links and JSON Feed lists as authors. Empty when the CMS named neither.
    /// </summary>
    public IReadOnlyList<EntryName> Names { get; init; } = [];

    /// <summary>What joins names on one line: "、" unless one starts with a Latin letter or digit (the XSLT view's rule too).</summary>
    public static string Separator(IEnumerable<string> names) => names.Any(name => char.IsAsciiLetterOrDigit(name[0])) ? ", " : "、";
}

/// <summary>An author or a source of an entry, and the page of its feed; null while no poll has seen the name yet.</summary>
public sealed record EntryName(string Name, Uri? Page);

public sealed record FeedImage(Uri Url, string? MediaType);

/// <summary>The link relations of <see cref="FeedDocument.Links"/> (each format writes self and the site's alternate itself).</summary>
public static class FeedRelations
{
    public const string Hub = "hub";
    public const string Current = "current";
    public const string PrevArchive = "prev-archive";
    public const string NextArchive = "next-archive";
    public const string Alternate = "alternate";
    /// <summary>The HTML index of all feeds (RFC 8288 registers "index").</summary>
    public const string Index = "index";
}
