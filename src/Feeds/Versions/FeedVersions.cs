using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Feeds.Content;
using Feeds.Data;
using Feeds.Publishing;

namespace Feeds.Versions;

/// <summary>
/// Every feed's version at one poll, in memory: a feed is known here or it does not exist, and its token
/// changes exactly when something it shows may have changed. A category's token covers its own version,
/// the publish time of its newest visible article (so a scheduled article coming due counts), and the
/// same of every category below it; the site's covers all categories. A name's (a tag's, an author's or a
/// source's: Publishing/NamedKind) covers its own version and the publish time of its newest visible article.
/// </summary>
/// <remarks>
/// A poll that read only some feeds (<see cref="Apply"/>) recomputes only theirs: category tokens all
/// together (a site has hundreds of categories, each token covers a subtree), a name's alone. Slugs are
/// assigned again only when a name was added, renamed or removed, and then from each name's slug base kept here
/// (one slug space per kind: a tag and a source may share a slug), so the work of a poll follows what it read,
/// not how many names there are. Published snapshots are never
/// changed: a poll copies the maps it changes (dictionary copies of one entry per feed, no hashing).
/// </remarks>
public sealed class FeedVersions
{
    public static readonly FeedVersions Empty = new(
        new Dictionary<long, CategoryVersionRow>(), new Dictionary<long, TagState>(), new Dictionary<FeedKey, string>(),
        new Dictionary<FeedKey, NamedFeed>(), new Dictionary<NamedKind, string>(), catalogToken: Token(""));

    private readonly Dictionary<long, CategoryVersionRow> _categories;
    private readonly Dictionary<long, TagState> _tags;
    private readonly Dictionary<FeedKey, string> _feeds;
    private readonly Dictionary<FeedKey, NamedFeed> _named;
    // Per kind of name, a token of its list of names (ids, slugs, names): part of the catalog token.
    private readonly Dictionary<NamedKind, string> _nameListTokens;
    private readonly Lazy<ILookup<NamedKind, NamedFeed>> _namedByName;
    private readonly Lazy<Dictionary<FiledName, NamedFeed>> _namedByFiledName;

    private FeedVersions(
        Dictionary<long, CategoryVersionRow> categories,
        Dictionary<long, TagState> tags,
        Dictionary<FeedKey, string> feeds,
        Dictionary<FeedKey, NamedFeed> named,
        Dictionary<NamedKind, string> nameListTokens,
        string catalogToken)
    {
        _categories = categories;
        _tags = tags;
        _feeds = feeds;
        _named = named;
        _nameListTokens = nameListTokens;
        CatalogToken = catalogToken;
        NewestDue = categories.Count == 0 ? null : categories.Values.Max(row => row.NewestDue);
        _namedByName = new(() => named.Values.OrderBy(feed => feed.Name, StringComparer.Ordinal).ThenBy(feed => feed.Id).ToLookup(feed => feed.Kind));
        _namedByFiledName = new(() => named.Values.ToDictionary(feed => new FiledName(feed.Kind.Code, feed.Name)));
    }

    /// <summary>
    /// The database's change mark these versions were read at (VersionStore): a render that reads a lower one
    /// reads a replica behind them, and what it would write is older than their tokens say.
    /// </summary>
    public long Mark { get; private init; }

    /// <summary>These versions, read at <paramref name="mark"/>.</summary>
    public FeedVersions AtMark(long mark) => mark == Mark
        ? this
        : new FeedVersions(_categories, _tags, _feeds, _named, _nameListTokens, CatalogToken) { Mark = mark };

    /// <summary>Moves whenever the list of feeds (categories, sections, tags) may have changed: the index and OPML version.</summary>
    public string CatalogToken { get; }

    /// <summary>The publish time of the newest visible article anywhere, or null (every visible article is in a category).</summary>
    public DateTime? NewestDue { get; }

    /// <summary>How many feeds are known: the site, every category and section, every tag, author and source.</summary>
    public int Count => _feeds.Count;

    /// <summary>The feed's version token, or null when no such feed exists.</summary>
    public string? TokenOf(FeedKey feed) => _feeds.GetValueOrDefault(feed);

    /// <summary>
    /// Whose articles a feed shows: a category and all below it, a name (with its name, for the title), or the
    /// site; null for a name unknown to this poll.
    /// </summary>
    public (FeedScope Scope, NamedFeed? Named)? ScopeOf(FeedKey feed) => feed.Kind.ScopeOf(feed.Slug, this);

    /// <summary>The name a named kind's feed key names, or null.</summary>
    public NamedFeed? NamedOf(FeedKey feed) => _named.GetValueOrDefault(feed);

    /// <summary>The feed of a name an article is filed under, or null (not yet seen by a poll).</summary>
    public NamedFeed? FeedOf(FiledName name) => _namedByFiledName.Value.GetValueOrDefault(name);

    /// <summary>How many names of <paramref name="kind"/> there are.</summary>
    public int CountOf(NamedKind kind) => _namedByName.Value[kind].Count();

    /// <summary>
    /// The <paramref name="count"/> names of <paramref name="kind"/> whose newest visible article is the most recent,
    /// most recent first: the tags the newsroom is using now. Names without a visible article are never among them.
    /// </summary>
    public IReadOnlyList<NamedFeed> MostRecentlyUsed(NamedKind kind, int count) =>
    [
        .. _tags.Values.Where(tag => tag.Row.NewestDue is not null && tag.Kind == kind)
            .OrderByDescending(tag => tag.Row.NewestDue).ThenBy(tag => tag.Row.Id)
            .Take(count)
            .Select(tag => _named[new FeedKey(kind, tag.Slug)]),
    ];

    /// <summary>Every name of <paramref name="kind"/> in the order of its name (ordinal), sorted once per version.</summary>
    public IReadOnlyList<NamedFeed> ByName(NamedKind kind) => [.. _namedByName.Value[kind]];

    /// <summary>
    /// The versions after a poll that read <paramref name="read"/>, and the feeds that are new or whose token moved
    /// (not those that went away). Versions not read carry over.
    /// </summary>
    public FeedVersions Apply(VersionRead read, out IReadOnlyList<FeedKey> changed)
    {
        var moved = new List<FeedKey>();
        var categoriesRead = read.Complete || read.Categories.Count > 0 || read.RemovedCategories.Count > 0;
        var tagsRead = read.Complete || read.Tags.Count > 0 || read.RemovedTags.Count > 0;
        if (!categoriesRead && !tagsRead)
        {
            changed = moved;
            return this;
        }
        var feeds = new Dictionary<FeedKey, string>(_feeds);

        // Categories: every token is recomputed whenever one of them was read (hundreds, each a subtree).
        var categories = _categories;
        if (categoriesRead)
        {
            categories = read.Complete ? [] : new Dictionary<long, CategoryVersionRow>(_categories);
            foreach (var id in read.RemovedCategories)
            {
                categories.Remove(id);
            }
            foreach (var row in read.Categories)
            {
                categories[row.Id] = row;
            }
            foreach (var row in _categories.Values.Where(row => !categories.TryGetValue(row.Id, out var now) || now.Slug != row.Slug))
            {
                feeds.Remove(FeedKey.Category(row.Slug));
            }
            var children = categories.Values.Where(row => row.ParentId is not null).ToLookup(row => row.ParentId!.Value);
            Set(feeds, FeedKey.Site, Token(categories.Values), moved);
            foreach (var row in categories.Values)
            {
                Set(feeds, FeedKey.Category(row.Slug), Token(Subtree(row, children)), moved);
            }
        }

        // Names: a name's token alone; the slugs of a kind anew only when a name of that kind was added, renamed or
        // removed (a new author leaves the 40,000 tags' slugs alone).
        var tags = _tags;
        var named = _named;
        var nameListTokens = _nameListTokens;
        if (tagsRead)
        {
            tags = read.Complete ? [] : new Dictionary<long, TagState>(_tags);
            var relisted = read.Complete ? new HashSet<NamedKind>(FeedKind.Named) : [];
            foreach (var id in read.RemovedTags)
            {
                if (tags.Remove(id, out var removed))
                {
                    relisted.Add(removed.Kind);
                }
            }
            foreach (var row in read.Tags)
            {
                if (NamedKind.OfCode(row.Kind) is not { } kind)
                {
                    continue;  // a kind this server does not know (a newer one's): left alone
                }
                var known = _tags.GetValueOrDefault(row.Id);
                var sameName = known is not null && known.Row.Name == row.Name;
                if (!sameName)
                {
                    relisted.Add(kind);
                }
                tags[row.Id] = new TagState(row, kind, sameName ? known!.SlugBase : TagSlug.From(row.Name), known?.Slug ?? "", TagToken(row));
            }
            if (relisted.Count > 0)
            {
                named = read.Complete ? [] : new Dictionary<FeedKey, NamedFeed>(_named);
                nameListTokens = new Dictionary<NamedKind, string>(_nameListTokens);
                foreach (var key in _named.Keys.Where(key => relisted.Contains(key.Kind)))
                {
                    feeds.Remove(key);
                    named.Remove(key);
                }
                foreach (var kind in relisted)
                {
                    var list = new StringBuilder();
                    var ofKind = tags.Values.Where(tag => tag.Kind == kind).Select(tag => (tag.Row.Id, tag.SlugBase));
                    foreach (var (id, slug) in TagSlug.Assign(ofKind, kind.Noun).OrderBy(pair => pair.Key))
                    {
                        var state = tags[id] = tags[id] with { Slug = slug };
                        var key = new FeedKey(kind, slug);
                        named[key] = new NamedFeed(kind, id, slug, state.Row.Name);
                        Set(feeds, key, state.Token, moved);
                        list.Append(CultureInfo.InvariantCulture, $"{id}={slug}={state.Row.Name}\n");
                    }
                    nameListTokens[kind] = Token(list.ToString());
                }
            }
            foreach (var row in read.Tags)
            {
                if (tags.TryGetValue(row.Id, out var state) && !relisted.Contains(state.Kind))
                {
                    Set(feeds, new FeedKey(state.Kind, state.Slug), state.Token, moved);
                }
            }
        }

        var catalogToken = Token(feeds.GetValueOrDefault(FeedKey.Site) + "\n"
            + string.Join('\n', FeedKind.Named.Select(kind => nameListTokens.GetValueOrDefault(kind))));
        changed = moved;
        return new FeedVersions(categories, tags, feeds, named, nameListTokens, catalogToken);
    }

    /// <summary>
    /// Sets a feed's token. A new or different one is counted as moved (except at the first poll, when nothing is
    /// known to have changed).
    /// </summary>
    private void Set(Dictionary<FeedKey, string> feeds, FeedKey key, string token, List<FeedKey> moved)
    {
        feeds[key] = token;
        if (_feeds.GetValueOrDefault(key) != token && !ReferenceEquals(this, Empty))
        {
            moved.Add(key);
        }
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

    private static string TagToken(TagVersionRow row) =>
        Token(string.Create(CultureInfo.InvariantCulture, $"tag:{row.Id}:{row.Version}:{row.NewestDue?.Ticks};"));

    private static string Token(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 12));

    /// <summary>A name (a tag, an author, a source) as the last poll that read it saw it: its kind, its slug before and after collisions are told apart, and its token.</summary>
    private sealed record TagState(TagVersionRow Row, NamedKind Kind, string SlugBase, string Slug, string Token);

}

/// <summary>A tag, an author or a source as its feed knows it: its kind, id, URL slug and display name.</summary>
public sealed record NamedFeed(NamedKind Kind, long Id, string Slug, string Name)
{
    public FeedKey Key => new(Kind, Slug);
}
