using Feeds.Data;

namespace Feeds.Rendering;

/// <summary>The categories as read with a feed's keys: lookups by slug and id.</summary>
public sealed class CategoryCatalog
{
    private readonly Dictionary<string, CategoryRow> _bySlug;
    private readonly Dictionary<long, CategoryRow> _byId;

    public CategoryCatalog(IReadOnlyList<CategoryRow> rows)
    {
        _bySlug = rows.ToDictionary(row => row.Slug, StringComparer.Ordinal);
        _byId = rows.ToDictionary(row => row.Id);
    }

    /// <summary>When any category last changed; null when there is none.</summary>
    public DateTime? NewestChange => _byId.Count == 0 ? null : _byId.Values.Max(row => row.UpdatedAt);

    public CategoryRow? Find(string slug) => _bySlug.GetValueOrDefault(slug);

    public CategoryRow? Get(long id) => _byId.GetValueOrDefault(id);
}
