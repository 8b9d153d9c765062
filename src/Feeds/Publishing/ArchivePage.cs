using System.Globalization;

namespace Feeds.Publishing;

/// <summary>
/// One page of a feed's archive (RFC 5005 section 4): visible articles published in one month of the site's
/// time zone, newest first, at most the page size, older than <see cref="Before"/> (from the month's end when null).
/// </summary>
public sealed record ArchivePage(ArchiveMonth Month, ArchiveCursor? Before);

/// <summary>A calendar month of the site's time zone, written yyyy-MM in URLs.</summary>
public readonly record struct ArchiveMonth(int Year, int Month)
{
    public override string ToString() => $"{Year.ToString("D4", CultureInfo.InvariantCulture)}-{Month.ToString("D2", CultureInfo.InvariantCulture)}";

    public ArchiveMonth Next => Month == 12 ? new(Year + 1, 1) : new(Year, Month + 1);

    public static bool TryParse(string? text, out ArchiveMonth month)
    {
        month = default;
        if (text is not { Length: 7 } || text[4] != '-'
            || !int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            || !int.TryParse(text.AsSpan(5, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            || year is < 1970 or > 9998 || number is < 1 or > 12)
        {
            return false;
        }
        month = new ArchiveMonth(year, number);
        return true;
    }

    /// <summary>The month containing this UTC instant on the site's clocks.</summary>
    public static ArchiveMonth Of(DateTime utc, Content.SiteTime siteTime)
    {
        var local = siteTime.ToSite(utc);
        return new ArchiveMonth(local.Year, local.Month);
    }

    /// <summary>The month's first instant in UTC.</summary>
    public DateTime StartUtc(Content.SiteTime siteTime) => siteTime.LocalToUtc(new DateTime(Year, Month, 1, 0, 0, 0, DateTimeKind.Unspecified));
}

/// <summary>
/// The page boundaries of one month of a feed's archive, newest first: the cursor of its second page, its third,
/// and so on (a page holds the articles older than its cursor, down to and including the next cursor). A month
/// with articles that fit on one page has none; <see cref="Count"/> 0 with <see cref="HasArticles"/> false is a
/// month without articles.
/// </summary>
public sealed class ArchiveBoundaries(IReadOnlyList<ArchiveCursor> cursors, bool hasArticles)
{
    public int Count => cursors.Count;

    public bool HasArticles => hasArticles;

    /// <summary>
    /// The cursor of the page holding the first article older than <paramref name="position"/> (or, with none
    /// older, the month's oldest page); null for the month's newest page. A boundary is its own page.
    /// </summary>
    public ArchiveCursor? PageHolding(ArchiveCursor position)
    {
        // The page is the number of boundaries newer than the position: binary search in newest-first order.
        int low = 0, high = cursors.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (cursors[middle].CompareTo(position) > 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        if (low < cursors.Count && cursors[low] == position)
        {
            return position;
        }
        return low == 0 ? null : cursors[low - 1];
    }
}

/// <summary>
/// A keyset position in the newest-first order (publish time, then id): a page holds the articles before it.
/// Written as the UTC publish time in ticks, a hyphen and the id, for example "639001236000000000-412".
/// </summary>
public readonly record struct ArchiveCursor(DateTime PublishedUtc, long Id) : IComparable<ArchiveCursor>
{
    /// <summary>Publish time, then id: the order of keyset positions (newest first is descending).</summary>
    public int CompareTo(ArchiveCursor other)
    {
        var byTime = PublishedUtc.Ticks.CompareTo(other.PublishedUtc.Ticks);
        return byTime != 0 ? byTime : Id.CompareTo(other.Id);
    }

    public override string ToString() =>
        $"{PublishedUtc.Ticks.ToString(CultureInfo.InvariantCulture)}-{Id.ToString(CultureInfo.InvariantCulture)}";

    public static bool TryParse(string? text, out ArchiveCursor cursor)
    {
        cursor = default;
        var hyphen = text?.IndexOf('-') ?? -1;
        if (hyphen <= 0
            || !long.TryParse(text.AsSpan(0, hyphen), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || !long.TryParse(text.AsSpan(hyphen + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            || ticks > DateTime.MaxValue.Ticks)
        {
            return false;
        }
        cursor = new ArchiveCursor(new DateTime(ticks, DateTimeKind.Utc), id);
        return true;
    }
}
