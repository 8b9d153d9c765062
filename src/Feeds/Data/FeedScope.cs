namespace Feeds.Data;

/// <summary>Whose articles a feed shows: a category and all below it, a tag, or (both null) the whole site.</summary>
public sealed record FeedScope(string? CategorySlug, long? TagId)
{
    public static readonly FeedScope Site = new(null, null);
}
