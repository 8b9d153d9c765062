using Dapper;

namespace Feeds.Data;

/// <summary>
/// Whose articles a feed shows, and how they are read: the whole site, a category and all below it, or a name
/// (a tag, an author, a source). Each
/// scope names its own queries in a dialect and adds its own parameters, so the store never asks which it holds;
/// a new kind of feed is a new scope with its queries.
/// </summary>
public abstract record FeedScope
{
    public static readonly FeedScope Site = new SiteScope();

    /// <summary>A category's or a section's articles, and those of every category below it.</summary>
    public static FeedScope Subtree(string categorySlug) => new SubtreeScope(categorySlug);

    /// <summary>The articles filed under a name: a tag, an author or a source, all rows of tags (Data/FiledNames).</summary>
    public static FeedScope Named(long tagId) => new TagScope(tagId);

    /// <summary>Every category, then the newest keys of this scope (@now, @limit, and the scope's own).</summary>
    internal abstract string StateSql(SqlDialect dialect);

    /// <summary>This scope's archive queries.</summary>
    internal abstract ArchiveSql ArchiveSql(SqlDialect dialect);

    /// <summary>A query's <paramref name="parameters"/> and this scope's own.</summary>
    internal DynamicParameters With(object parameters)
    {
        var all = new DynamicParameters(parameters);
        AddOwn(all);
        return all;
    }

    private protected abstract void AddOwn(DynamicParameters parameters);

    private sealed record SiteScope : FeedScope
    {
        internal override string StateSql(SqlDialect dialect) => dialect.SiteFeedStateSql;

        internal override ArchiveSql ArchiveSql(SqlDialect dialect) => dialect.SiteArchive;

        private protected override void AddOwn(DynamicParameters parameters)
        {
        }
    }

    private sealed record SubtreeScope(string CategorySlug) : FeedScope
    {
        internal override string StateSql(SqlDialect dialect) => dialect.SubtreeFeedStateSql;

        internal override ArchiveSql ArchiveSql(SqlDialect dialect) => dialect.SubtreeArchive;

        private protected override void AddOwn(DynamicParameters parameters) => parameters.Add("categorySlug", CategorySlug);
    }

    private sealed record TagScope(long TagId) : FeedScope
    {
        internal override string StateSql(SqlDialect dialect) => dialect.TagFeedStateSql;

        internal override ArchiveSql ArchiveSql(SqlDialect dialect) => dialect.TagArchive;

        private protected override void AddOwn(DynamicParameters parameters) => parameters.Add("tagId", TagId);
    }
}
