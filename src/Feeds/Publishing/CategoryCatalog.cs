using Feeds.Data;

namespace Feeds.Publishing;

/// <summary>The category tree as read in one query: lookups by slug and id, and a section's subtree.</summary>
public sealed class CategoryCatalog
{
    private readonly Dictionary<string, CategoryRow> _bySlug;
    private readonly Dictionary<long, CategoryRow> _byId;
    private readonly ILookup<long, CategoryRow> _children;

    public CategoryCatalog(IReadOnlyList<CategoryRow> rows)
    {
        _bySlug = rows.ToDictionary(row => row.Slug, StringComparer.Ordinal);
        _byId = rows.ToDictionary(row => row.Id);
        _children = rows.Where(row => row.ParentId is not null).ToLookup(row => row.ParentId!.Value);
    }

    /// <summary>When any category last changed; null when there is none.</summary>
    public DateTime? NewestChange => _byId.Count == 0 ? null : _byId.Values.Max(row => row.UpdatedAt);

    public CategoryRow? Find(string slug) => _bySlug.GetValueOrDefault(slug);

    public CategoryRow? Get(long id) => _byId.GetValueOrDefault(id);

    /// <summary>The category and every category below it, at any depth (a cycle in the data stops the walk).</summary>
    public IReadOnlyList<long> SelfAndDescendants(long id)
    {
        var result = new List<long>();
        var seen = new HashSet<long>();
        var pending = new Stack<long>([id]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current))
            {
                continue;
            }
            result.Add(current);
            foreach (var child in _children[current])
            {
                pending.Push(child.Id);
            }
        }
        return result;
    }
}
