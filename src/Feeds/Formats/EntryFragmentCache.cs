using Feeds.Content;

namespace Feeds.Formats;

/// <summary>
/// An entry's serialised XML (UTF-8), kept per format while the entry stays the same, so a feed that lists an
/// unchanged article again copies its bytes instead of serialising its body anew. Bounded; the least recently
/// used go first.
/// </summary>
internal sealed class EntryFragmentCache(int capacity = 8192)
{
    private readonly BoundedMemo<string, FeedEntry, byte[]> _memo = new(capacity, SameEntry);

    public byte[] GetOrAdd(FeedEntry feedEntry, Func<FeedEntry, byte[]> write) =>
        _memo.GetOrAdd(feedEntry.Id, feedEntry, () => write(feedEntry));

    /// <summary>
    /// Every field that reaches the XML; strings that come from the same cleaned article compare by reference
    /// first. URLs compare as written: Uri.Equals ignores the fragment and user information.
    /// </summary>
    private static bool SameEntry(FeedEntry a, FeedEntry b) =>
        a.Title == b.Title
        && a.Link.AbsoluteUri == b.Link.AbsoluteUri
        && a.Published == b.Published && a.Published.Offset == b.Published.Offset
        && a.Updated == b.Updated && a.Updated.Offset == b.Updated.Offset
        && a.Summary == b.Summary
        && a.ContentHtml == b.ContentHtml
        && a.Image?.Url.AbsoluteUri == b.Image?.Url.AbsoluteUri
        && a.Image?.MediaType == b.Image?.MediaType
        && a.Authors.SequenceEqual(b.Authors, StringComparer.Ordinal)
        && a.Categories.SequenceEqual(b.Categories, StringComparer.Ordinal);
}
