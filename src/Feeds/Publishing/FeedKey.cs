using System.Globalization;
using System.Text;

namespace Feeds.Publishing;

public enum FeedKind
{
    Site,
    Category,
    Tag,
}

/// <summary>
/// Which feed: the whole site, a category or section (by slug), or a tag (by its slug, see <see cref="TagSlug"/>).
/// </summary>
public sealed record FeedKey(FeedKind Kind, string Slug)
{
    /// <summary>The slug of the whole-site feed; no category may use it.</summary>
    public const string SiteSlug = "all";

    public static readonly FeedKey Site = new(FeedKind.Site, SiteSlug);

    /// <summary>A category's or section's feed; "all" is the site's.</summary>
    public static FeedKey Category(string slug) => slug == SiteSlug ? Site : new(FeedKind.Category, slug);

    public static FeedKey Tag(string slug) => new(FeedKind.Tag, slug);

    /// <summary>The feed a URL names by a category's slug or a tag's: the tag's when there is one.</summary>
    public static FeedKey Of(string? categorySlug, string? tagSlug) => tagSlug is not null ? Tag(tagSlug) : Category(categorySlug!);

    /// <summary>The feed's name in its id (tag:…:feed:{Name}): tags apart from categories.</summary>
    public string Name => Kind == FeedKind.Tag ? "tags/" + Slug : Slug;

    /// <summary>What the feed is about, for a person: "tag '港口'", "category or section 'logistics'", "the site".</summary>
    public string Description => Kind switch
    {
        FeedKind.Tag => $"tag '{Slug}'",
        FeedKind.Category => $"category or section '{Slug}'",
        _ => "the site",
    };

    /// <summary>The feed's path below /feeds/, percent-encoded (RFC 3986: a CJK slug stays one path segment).</summary>
    public string Path => Kind == FeedKind.Tag ? "tags/" + Uri.EscapeDataString(Slug) : Uri.EscapeDataString(Slug);

    /// <summary>
    /// The CDN's name for every document of this feed (each format, limit, archive page and its page for people),
    /// by which one purge drops them all (Edge/EdgePurger): ASCII without spaces or commas, as every CDN's key header
    /// needs ("feed-c-logistics", "feed-t-%E6%B8%AF%E5%8F%A3").
    /// </summary>
    public string SurrogateKey => Kind switch
    {
        FeedKind.Tag => "feed-t-" + Uri.EscapeDataString(Slug),
        FeedKind.Category => "feed-c-" + Uri.EscapeDataString(Slug),
        _ => "feed-all",
    };

    /// <summary>The surrogate key of the documents that list the feeds (the index, the tag directory, the OPML).</summary>
    public const string CatalogSurrogateKey = "feeds-catalog";
}

/// <summary>
/// Readable, stable URL names for tags: the name in Unicode normalisation form KC, lower case, with every run
/// of characters other than letters, marks and digits turned into one hyphen. "Supply Chain" is "supply-chain",
/// "綜合 物流" is "綜合-物流" (percent-encoded in links). Two names that give the same slug are told apart by
/// id: the oldest tag keeps the plain slug, every other gets "-{id}" appended.
/// </summary>
public static class TagSlug
{
    public static string From(string name)
    {
        var text = new StringBuilder(name.Length);
        var pendingHyphen = false;
        // Lone surrogates and other characters XML cannot carry go first: normalisation rejects them.
        foreach (var rune in Content.XmlText.Clean(name).Normalize(NormalizationForm.FormKC).EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune) || IsMark(rune))
            {
                if (pendingHyphen && text.Length > 0)
                {
                    text.Append('-');
                }
                pendingHyphen = false;
                text.Append(Rune.ToLowerInvariant(rune).ToString());
            }
            else
            {
                pendingHyphen = true;
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// Slugs for every tag from its slug base (<see cref="From"/> of its name), unique, the same on every poll and
    /// every instance.
    /// </summary>
    public static Dictionary<long, string> Assign(IEnumerable<(long Id, string SlugBase)> tags)
    {
        var slugs = new Dictionary<long, string>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, slugBase) in tags.OrderBy(tag => tag.Id))
        {
            var slug = slugBase;
            if (slug.Length == 0 || !taken.Add(slug))
            {
                slug = slug.Length == 0 ? $"tag-{id.ToString(CultureInfo.InvariantCulture)}" : $"{slug}-{id.ToString(CultureInfo.InvariantCulture)}";
                taken.Add(slug);
            }
            slugs[id] = slug;
        }
        return slugs;
    }

    private static bool IsMark(Rune rune) => Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;
}

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
