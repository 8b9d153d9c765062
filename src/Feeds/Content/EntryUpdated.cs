using System.IO.Hashing;
using System.Text;
using Feeds.Data;

namespace Feeds.Content;

/// <summary>
/// The instant an entry shows as updated (RFC 4287 4.2.15: its last significant change, or its publication),
/// told apart from every other entry's. A CMS keeps times to the second, and a bulk edit, an import or a schedule
/// gives many articles one second; the W3C validator then warns of two entries with one atom:updated
/// (DuplicateUpdated: "Date values SHOULD be as accurate as possible"). The stored second is kept, and the
/// microseconds within it are the entry's own: a hash of its CMS id, the same in every feed, format and render,
/// so that no reader sees a change that did not happen. Readers show the second, as stored; any fraction stored
/// (times Feeds stamps itself) gives way to the entry's own.
/// </summary>
public static class EntryUpdated
{
    private const long MicrosecondsPerSecond = 1_000_000;

    public static DateTime Of(ArticleKey key) =>
        Of(key.UpdatedAt > key.PublishedAt ? key.UpdatedAt : key.PublishedAt, key.ExternalId);

    public static DateTime Of(DateTime changedUtc, string externalId) =>
        SiteTime.WholeSeconds(changedUtc).AddTicks(OwnMicrosecond(externalId) * TimeSpan.TicksPerMicrosecond);

    /// <summary>XxHash3 of the id's UTF-8 bytes: fixed by its specification, so the same on every machine and in every version.</summary>
    private static long OwnMicrosecond(string externalId)
    {
        Span<byte> small = stackalloc byte[256];
        var length = Encoding.UTF8.GetByteCount(externalId);
        var bytes = length <= small.Length ? small[..length] : new byte[length];
        Encoding.UTF8.GetBytes(externalId, bytes);
        return (long)(XxHash3.HashToUInt64(bytes) % MicrosecondsPerSecond);
    }
}
