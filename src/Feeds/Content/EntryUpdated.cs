using Feeds.Data;

namespace Feeds.Content;

/// <summary>
/// The instant an entry shows as updated (RFC 4287 4.2.15: its last significant change, or its publication): the
/// second the CMS stored, as stored. A fraction Feeds stamped itself (an edit that came without an update time) is
/// dropped, and none is invented: a feed states no instant that never happened (readers such as Rome read an
/// invented fraction as milliseconds, and showed entries edited minutes after the fact). Entries really updated in
/// the same second then share their atom:updated, which the W3C validator notes as DuplicateUpdated; its own
/// documentation says that needs no action when the entries were updated at the same time.
/// </summary>
public static class EntryUpdated
{
    public static DateTime Of(ArticleKey key) =>
        SiteTime.WholeSeconds(key.UpdatedAt > key.PublishedAt ? key.UpdatedAt : key.PublishedAt);
}
