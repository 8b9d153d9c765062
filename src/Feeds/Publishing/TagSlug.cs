using System.Globalization;
using System.Text;

namespace Feeds.Publishing;

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
    /// Slugs for every name of one kind from its slug base (<see cref="From"/> of its name), unique, the same on every
    /// poll and every instance; a name without letters or digits is "{noun}-{id}" ("tag-12", "author-7").
    /// </summary>
    public static Dictionary<long, string> Assign(IEnumerable<(long Id, string SlugBase)> tags, string noun = "tag")
    {
        var slugs = new Dictionary<long, string>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, slugBase) in tags.OrderBy(tag => tag.Id))
        {
            var slug = slugBase;
            if (slug.Length == 0 || !taken.Add(slug))
            {
                slug = slug.Length == 0 ? $"{noun}-{id.ToString(CultureInfo.InvariantCulture)}" : $"{slug}-{id.ToString(CultureInfo.InvariantCulture)}";
                taken.Add(slug);
            }
            slugs[id] = slug;
        }
        return slugs;
    }

    private static bool IsMark(Rune rune) => Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;
}
