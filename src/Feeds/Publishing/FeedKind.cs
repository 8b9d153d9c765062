using Feeds.Data;
using Feeds.Versions;

namespace Feeds.Publishing;

/// <summary>
/// A kind of feed, asked rather than switched on (as Django's Feed subclasses are, one per kind of thing): how its
/// feeds are named and addressed, what they are about for a person, their key at the CDN, and whose articles they
/// show. A new kind is a new subclass with its scope (Data/FeedScope) and its versions.
/// </summary>
public abstract class FeedKind
{
    public static readonly FeedKind Site = new SiteKind();
    public static readonly FeedKind Category = new CategoryKind();
    public static readonly FeedKind Tag = new TagKind();

    /// <summary>What a feed's name (in its id) and its path below /feeds/ start with: "tags/" for a tag's.</summary>
    public virtual string PathPrefix => "";

    /// <summary>What a feed of this kind is about, for a person: "tag '港口'", "category or section 'logistics'".</summary>
    public abstract string Describe(string slug);

    /// <summary>A feed's key at the CDN, ASCII without spaces or commas (see <see cref="FeedKey.SurrogateKey"/>).</summary>
    public abstract string SurrogateKey(string slug);

    /// <summary>Whose articles the feed shows at <paramref name="versions"/>, with its tag for a tag's; null when no such feed exists.</summary>
    public abstract (FeedScope Scope, FeedTag? Tag)? ScopeOf(string slug, FeedVersions versions);

    // Part of every shared rendering's key and document name (as the enum's names were): they stay the same.
    public abstract override string ToString();

    private sealed class SiteKind : FeedKind
    {
        public override string Describe(string slug) => "the site";

        public override string SurrogateKey(string slug) => "feed-all";

        public override (FeedScope Scope, FeedTag? Tag)? ScopeOf(string slug, FeedVersions versions) => (FeedScope.Site, null);

        public override string ToString() => "Site";
    }

    private sealed class CategoryKind : FeedKind
    {
        public override string Describe(string slug) => $"category or section '{slug}'";

        public override string SurrogateKey(string slug) => "feed-c-" + Uri.EscapeDataString(slug);

        public override (FeedScope Scope, FeedTag? Tag)? ScopeOf(string slug, FeedVersions versions) => (FeedScope.Subtree(slug), null);

        public override string ToString() => "Category";
    }

    private sealed class TagKind : FeedKind
    {
        public override string PathPrefix => "tags/";

        public override string Describe(string slug) => $"tag '{slug}'";

        public override string SurrogateKey(string slug) => "feed-t-" + Uri.EscapeDataString(slug);

        public override (FeedScope Scope, FeedTag? Tag)? ScopeOf(string slug, FeedVersions versions) =>
            versions.TagOf(slug) is { } tag ? (FeedScope.Tag(tag.Id), tag) : null;

        public override string ToString() => "Tag";
    }
}
