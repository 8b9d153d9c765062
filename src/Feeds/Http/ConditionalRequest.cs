using Microsoft.Net.Http.Headers;
using Feeds.Rendering;

namespace Feeds.Http;

/// <summary>RFC 9110 section 13: preconditions of a GET or HEAD.</summary>
internal static class ConditionalRequest
{
    public static bool IsNotModified(HttpRequest request, Rendering.RenderedFeed feed, DateTimeOffset now)
    {
        var headers = request.Headers;
        // 13.2.2: when If-None-Match is present, If-Modified-Since is not evaluated.
        if (headers.IfNoneMatch.Count > 0)
        {
            // Most pollers echo the ETag they were given: compare before parsing anything.
            if (headers.IfNoneMatch.Count == 1 && string.Equals(headers.IfNoneMatch[0], feed.ETag, StringComparison.Ordinal))
            {
                return true;
            }
            return IfNoneMatchFails(headers.IfNoneMatch, feed.EntityTag);
        }
        if (headers.IfModifiedSince.Count == 1
            && HeaderUtilities.TryParseDate(headers.IfModifiedSince.ToString(), out var since)
            // 13.1.3: a date later than the server's clock is invalid and ignored.
            && since <= now
            // 13.2.1: a document without a Last-Modified has nothing to compare the date with.
            && feed.LastModifiedUtc is { } lastModified)
        {
            return new DateTimeOffset(lastModified, TimeSpan.Zero) <= since;
        }
        return false;
    }

    /// <summary>13.1.2: weak comparison; "*" matches any current representation. A malformed header matches nothing.</summary>
    private static bool IfNoneMatchFails(Microsoft.Extensions.Primitives.StringValues values, EntityTagHeaderValue current)
    {
        if (!EntityTagHeaderValue.TryParseList(values, out var tags))
        {
            return false;
        }
        foreach (var tag in tags)
        {
            if (tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(current, useStrongComparison: false))
            {
                return true;
            }
        }
        return false;
    }
}
