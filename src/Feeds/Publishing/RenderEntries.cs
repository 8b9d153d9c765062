using Feeds.Content;
using Feeds.Data;
using Feeds.Formats;

namespace Feeds.Publishing;

/// <summary>
/// One render's entries. When the keys are read, the entries written before from the same versions are taken
/// from the <see cref="EntryCache"/> (held here, so that eviction meanwhile loses nothing), and so are the
/// contents of the articles whose entries are new to this format; only the other articles' bodies are asked
/// for. Then the new entries are written and kept, and all are returned in feed order.
/// </summary>
internal sealed class RenderEntries(EntryCache cache, FeedFormat format)
{
    private IReadOnlyList<ArticleKey> _keys = [];
    private EntryVersion[] _versions = [];
    private BytePart?[] _found = [];
    private ArticleContent?[] _contents = [];

    /// <summary>How many entries were written for this render (the others were written before).</summary>
    public int Written { get; private set; }

    /// <summary>The ids of the entries not written before (for <see cref="Data.BodiesWanted"/>).</summary>
    public IReadOnlyCollection<long> BodiesWanted(CategoryCatalog catalog, IReadOnlyList<ArticleKey> keys)
    {
        _keys = keys;
        _versions = new EntryVersion[keys.Count];
        _found = new BytePart?[keys.Count];
        _contents = new ArticleContent?[keys.Count];
        var wanted = new List<long>();
        for (var i = 0; i < keys.Count; i++)
        {
            _versions[i] = EntryVersion.Of(keys[i], catalog.Get(keys[i].CategoryId)?.Name);
            _found[i] = cache.Find(format, keys[i].Id, _versions[i]);
            if (_found[i] is null && (_contents[i] = cache.FindContent(keys[i].Id, _versions[i])) is null)
            {
                wanted.Add(keys[i].Id);
            }
        }
        return wanted;
    }

    /// <summary>
    /// Every entry in key order: those found, and those written now, from a kept content or from
    /// <paramref name="read"/>'s article (whose content <paramref name="contentOf"/> makes and this keeps). An
    /// article deleted between the keys and the bodies is left out.
    /// </summary>
    public IReadOnlyList<BytePart> Complete(FeedRead read, Func<ArticleRow, ArticleContent> contentOf, Func<ArticleKey, ArticleContent, FeedEntry> entryOf)
    {
        var newEntries = new List<(int Index, FeedEntry Entry)>();
        for (var i = 0; i < _keys.Count; i++)
        {
            if (_found[i] is not null)
            {
                continue;
            }
            // Kept under the version the key was read with: if the body read after it is newer, the next render
            // reads a newer version and reads the body and writes the entry again.
            var content = _contents[i]
                ?? (read.Articles.TryGetValue(_keys[i].Id, out var article) ? cache.AddContent(_keys[i].Id, _versions[i], contentOf(article)) : null);
            if (content is not null)
            {
                newEntries.Add((i, entryOf(_keys[i], content)));
            }
        }
        var written = format.WriteEntries([.. newEntries.Select(entry => entry.Entry)]);
        for (var n = 0; n < newEntries.Count; n++)
        {
            var i = newEntries[n].Index;
            _found[i] = cache.Add(format, _keys[i].Id, _versions[i], written[n]);
        }
        Written = newEntries.Count;
        return [.. _found.OfType<BytePart>()];
    }
}
