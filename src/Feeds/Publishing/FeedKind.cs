using Feeds.Data;
using Feeds.Versions;

namespace Feeds.Publishing;

/// <summary>
/// A kind of feed, asked rather than switched on (as Django's Feed subclasses are, one per kind of thing): how its
/// feeds are named and addressed, what they are about for a person, their key at the CDN, and whose articles they
/// show. The site and categories (sections among them) are kinds of their own; tags, authors and sources are
/// <see cref="NamedKind"/>s, each a kind of name an article is filed under (Data/FiledNames), with the same
/// versions, queries, routes, pages and directory. A new kind of name is one more instance here.
/// </summary>
public abstract class FeedKind
{
    public static readonly FeedKind Site = new SiteKind();
    public static readonly FeedKind Category = new CategoryKind();
    public static readonly NamedKind Tag = new(FiledNames.Tag, "tags", "Tag", "tag", "標籤", "Tags", name => $"#{name}");
    public static readonly NamedKind Author = new(FiledNames.Author, "authors", "Author", "author", "作者", "Authors", name => name);
    public static readonly NamedKind Source = new(FiledNames.Source, "sources", "Source", "source", "來源", "Sources", name => name);

    /// <summary>The kinds of name with feeds, in the order the index lists them.</summary>
    public static readonly IReadOnlyList<NamedKind> Named = [Tag, Author, Source];

    /// <summary>What a feed's name (in its id) and its path below /feeds/ start with: "tags/" for a tag's.</summary>
    public virtual string PathPrefix => "";

    /// <summary>What a feed of this kind is about, for a person: "tag '港口'", "category or section 'logistics'".</summary>
    public abstract string Describe(string slug);

    /// <summary>A feed's key at the CDN, ASCII without spaces or commas (see <see cref="FeedKey.SurrogateKey"/>).</summary>
    public abstract string SurrogateKey(string slug);

    /// <summary>Whose articles the feed shows at <paramref name="versions"/>, with its name for a named kind's; null when no such feed exists.</summary>
    public abstract (FeedScope Scope, NamedFeed? Named)? ScopeOf(string slug, FeedVersions versions);

    // Part of every shared rendering's key and document name (as the enum's names were): they stay the same.
    public abstract override string ToString();

    private sealed class SiteKind : FeedKind
    {
        public override string Describe(string slug) => "the site";

        public override string SurrogateKey(string slug) => "feed-all";

        public override (FeedScope Scope, NamedFeed? Named)? ScopeOf(string slug, FeedVersions versions) => (FeedScope.Site, null);

        public override string ToString() => "Site";
    }

    private sealed class CategoryKind : FeedKind
    {
        public override string Describe(string slug) => $"category or section '{slug}'";

        public override string SurrogateKey(string slug) => "feed-c-" + Uri.EscapeDataString(slug);

        public override (FeedScope Scope, NamedFeed? Named)? ScopeOf(string slug, FeedVersions versions) => (FeedScope.Subtree(slug), null);

        public override string ToString() => "Category";
    }
}

/// <summary>
/// A kind of name an article is filed under, with a feed per name: /feeds/{Segment}/{slug}, a page of its own,
/// and a directory of every name at /{Segment}.
/// </summary>
/// <param name="Code">Its value of tags.kind (Data/FiledNames).</param>
/// <param name="Segment">Its path segment: below /feeds/ for its feeds, at the root for its directory.</param>
/// <param name="Name">Its name in shared keys and document names ("Tag", as the enum named it).</param>
/// <param name="Noun">What one is called in messages: "tag".</param>
/// <param name="Chinese">What they are called on the pages, in the site's language: "標籤".</param>
/// <param name="Plural">What they are called on the pages, in English: "Tags".</param>
/// <param name="Title">How a feed's title names one: "#港口" for a tag, the name itself for an author or a source.</param>
public sealed class NamedKind(string Code, string Segment, string Name, string Noun, string Chinese, string Plural, Func<string, string> Title) : FeedKind
{
    public string Code { get; } = Code;

    public string Segment { get; } = Segment;

    public string Noun { get; } = Noun;

    public string Chinese { get; } = Chinese;

    public string Plural { get; } = Plural;

    /// <summary>The heading of its directory and of its part of the index: "標籤 · Tags".</summary>
    public string Heading => $"{Chinese} · {Plural}";

    /// <summary>How a feed's title names <paramref name="name"/>.</summary>
    public string TitleOf(string name) => Title(name);

    /// <summary>The named kind of a tags.kind value, or null.</summary>
    public static NamedKind? OfCode(string code) => Named.FirstOrDefault(kind => kind.Code == code);

    /// <summary>The named kind of a path segment ("tags"), or null.</summary>
    public static NamedKind? OfSegment(string segment) => Named.FirstOrDefault(kind => kind.Segment == segment);

    public override string PathPrefix => Segment + "/";

    public override string Describe(string slug) => $"{this.Noun} '{slug}'";

    public override string SurrogateKey(string slug) => $"feed-{Code}-" + Uri.EscapeDataString(slug);

    public override (FeedScope Scope, NamedFeed? Named)? ScopeOf(string slug, FeedVersions versions) =>
        versions.NamedOf(new FeedKey(this, slug)) is { } named ? (FeedScope.Named(named.Id), named) : null;

    public override string ToString() => Name;
}
