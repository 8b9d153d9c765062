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
/// same of every category below it; the site's covers all categories. A tag's covers its own version and
/// the publish time of its newest visible article.
/// </summary>
public sealed class FeedVersions
{
    public static readonly FeedVersions Empty = new([], [], null, DateTime.UnixEpoch);

    private readonly FrozenDictionary<FeedKey, string> _tokens;
    private readonly FrozenDictionary<FeedKey, DateTime> _changedAt;
    private readonly FrozenDictionary<string, FeedTag> _tagsBySlug;

    /// <param name="previous">The versions of the poll before, whose change times carry over; null at the first poll.</param>
    /// <param name="observedUtc">When this poll read the versions.</param>
    public FeedVersions(IReadOnlyList<CategoryVersionRow> rows, IReadOnlyList<TagVersionRow> tagRows, FeedVersions? previous, DateTime observedUtc)
    {
        var children = rows.Where(row => row.ParentId is not null).ToLookup(row => row.ParentId!.Value);
        var tokens = new Dictionary<FeedKey, string>
        {
            [FeedKey.Site] = Token(rows),
        };
        foreach (var row in rows)
        {
            tokens[FeedKey.Category(row.Slug)] = Token(Subtree(row, children));
        }
        var slugs = TagSlug.Assign(tagRows.Select(row => (row.Id, row.Name)));
        var tags = new Dictionary<string, FeedTag>(StringComparer.Ordinal);
        foreach (var row in tagRows)
        {
            var tag = new FeedTag(row.Id, slugs[row.Id], row.Name);
            tags[tag.Slug] = tag;
            tokens[FeedKey.Tag(tag.Slug)] = Token(string.Create(CultureInfo.InvariantCulture, $"tag:{row.Id}:{row.Version}:{row.NewestDue?.Ticks};"));
        }
        CatalogToken = Token(string.Join('\n', tags.Values.OrderBy(tag => tag.Id).Select(tag => $"{tag.Id}={tag.Slug}={tag.Name}").Prepend(tokens[FeedKey.Site])));
        NewestDue = rows.Select(row => row.NewestDue).Concat(tagRows.Select(row => row.NewestDue)).Max();
        var observed = RenderedFeed.WholeSeconds(observedUtc);
        _changedAt = tokens.ToFrozenDictionary(entry => entry.Key, entry => previous is not null && previous._changedAt.TryGetValue(entry.Key, out var before)
            ? ChangeTime(previous._tokens.GetValueOrDefault(entry.Key), before, entry.Value, observed)
            : observed);
        CatalogChangedAt = previous is null ? observed : ChangeTime(previous.CatalogToken, previous.CatalogChangedAt, CatalogToken, observed);
        _tokens = tokens.ToFrozenDictionary();
        _tagsBySlug = tags.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Moves whenever the list of feeds (categories, sections, tags) may have changed: the index and OPML version.</summary>
    public string CatalogToken { get; }

    /// <summary>The publish time of the newest visible article anywhere, or null.</summary>
    public DateTime? NewestDue { get; }

    /// <summary>The feed's version token, or null when no such feed exists.</summary>
    public string? TokenOf(FeedKey feed) => _tokens.GetValueOrDefault(feed);

    /// <summary>
    /// When this process first saw the feed's current version (whole seconds, UTC): the Last-Modified of what it
    /// shows. A version's content dates cannot serve: an article imported late, edited or removed changes a feed
    /// without moving any date in it. Null when no such feed exists.
    /// </summary>
    public DateTime? ChangedAtOf(FeedKey feed) => _changedAt.TryGetValue(feed, out var changedAt) ? changedAt : null;

    /// <summary>When this process first saw the current list of feeds (see <see cref="ChangedAtOf"/>).</summary>
    public DateTime CatalogChangedAt { get; }

    /// <summary>The feeds that are new or whose token moved since <paramref name="previous"/> (not those that went away).</summary>
    public IEnumerable<FeedKey> ChangedSince(FeedVersions previous)
    {
        foreach (var (key, token) in _tokens)
        {
            if (previous._tokens.GetValueOrDefault(key) != token)
            {
                yield return key;
            }
        }
    }

    /// <summary>
    /// Whose articles a feed shows: a category and all below it, a tag (with its name, for the title), or the
    /// site; null for a tag unknown to this poll.
    /// </summary>
    public (FeedScope Scope, FeedTag? Tag)? ScopeOf(FeedKey feed) => feed.Kind switch
    {
        FeedKind.Category => (new FeedScope(feed.Slug, null), null),
        FeedKind.Tag => TagOf(feed.Slug) is { } tag ? (new FeedScope(null, tag.Id), tag) : null,
        _ => (FeedScope.Site, null),
    };

    /// <summary>The tag a tag feed's slug names, or null.</summary>
    public FeedTag? TagOf(string slug) => _tagsBySlug.GetValueOrDefault(slug);

    /// <summary>Every tag, by slug.</summary>
    public IEnumerable<FeedTag> Tags => _tagsBySlug.Values;


    /// <summary>
    /// A version seen before keeps its time. A new one gets the poll's second, and at least one second more than
    /// the version it follows: HTTP dates have whole seconds, and two versions within one second would share a
    /// Last-Modified, so that a client holding the first would be told the second is not modified.
    /// </summary>
    private static DateTime ChangeTime(string? previousToken, DateTime previousTime, string token, DateTime observed)
    {
        if (previousToken == token)
        {
            return previousTime;
        }
        return observed > previousTime ? observed : previousTime.AddSeconds(1);
    }

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
        return Token(text.ToString());
    }

    private static string Token(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 12));
}

/// <summary>A tag as its feed knows it: id, URL slug and display name.</summary>
public sealed record FeedTag(long Id, string Slug, string Name);
