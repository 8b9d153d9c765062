using System.Collections.Frozen;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Feeds.Data;

namespace Feeds.Publishing;

/// <summary>
/// Every feed's version at one poll, in memory: a feed is known here or it does not exist, and its token
/// changes exactly when something it shows may have changed. A category's token covers its own version,
/// the publish time of its newest visible article (so a scheduled article coming due counts), and the
/// same of every category below it; the site's covers all categories.
/// </summary>
public sealed class FeedVersions
{
    public static readonly FeedVersions Empty = new([]);

    private readonly FrozenDictionary<string, string> _tokens;

    public FeedVersions(IReadOnlyList<CategoryVersionRow> rows)
    {
        var children = rows.Where(row => row.ParentId is not null).ToLookup(row => row.ParentId!.Value);
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [FeedPublisher.SiteSlug] = Token(rows),
        };
        foreach (var row in rows)
        {
            tokens[row.Slug] = Token(Subtree(row, children));
        }
        _tokens = tokens.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The feed's version token, or null when no such feed exists.</summary>
    public string? TokenOf(string slug) => _tokens.GetValueOrDefault(slug);

    private static List<CategoryVersionRow> Subtree(CategoryVersionRow root, ILookup<long, CategoryVersionRow> children)
    {
        var result = new List<CategoryVersionRow>();
        var seen = new HashSet<long>();
        var pending = new Stack<CategoryVersionRow>([root]);
        while (pending.TryPop(out var current))
        {
            if (seen.Add(current.Id))
            {
                result.Add(current);
                foreach (var child in children[current.Id])
                {
                    pending.Push(child);
                }
            }
        }
        return result;
    }

    private static string Token(IEnumerable<CategoryVersionRow> members)
    {
        var text = new StringBuilder();
        foreach (var row in members.OrderBy(row => row.Id))
        {
            text.Append(CultureInfo.InvariantCulture, $"{row.Id}:{row.Version}:{row.NewestDue?.Ticks};");
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())).AsSpan(0, 12));
    }
}
