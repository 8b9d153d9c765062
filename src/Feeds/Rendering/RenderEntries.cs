using Feeds.Content;
using Feeds.Data;
using Feeds.Formats;

namespace Feeds.Rendering;

/// <summary>
/// One render's entries. When the keys are read, the entries written before from the same versions are taken
/// from the <see cref="EntryCache"/> (held here, so that eviction meanwhile loses nothing), and so is what is kept
/// of the contents of the articles whose entries are new to this format: whole, or their texts alone (then their
/// tags are asked for). Only the other articles' bodies are asked for. Then the new entries are written and kept,
/// and all are returned in feed order.
/// </summary>
internal sealed class RenderEntries(EntryCache cache, FeedFormat format, Script script)
{
    private IReadOnlyList<ArticleKey> _keys = [];
    private EntryVersion[] _versions = [];
    private BytePart?[] _found = [];
    private ArticleContent?[] _contents = [];
    private CleanArticle?[] _texts = [];

    /// <summary>How many entries were written for this render (the others were written before).</summary>
    public int Written { get; private set; }

    /// <summary>What to read of the articles whose entries were not written before (for <see cref="Data.ArticlesWanted"/>).</summary>
    public ArticleReads ArticlesWanted(CategoryCatalog catalog, IReadOnlyList<ArticleKey> keys)
    {
        _keys = keys;
        _versions = new EntryVersion[keys.Count];
        _found = new BytePart?[keys.Count];
        _contents = new ArticleContent?[keys.Count];
        _texts = new CleanArticle?[keys.Count];
        var bodies = new List<long>();
        var tags = new List<long>();
        for (var i = 0; i < keys.Count; i++)
        {
            _versions[i] = EntryVersion.Of(keys[i], catalog.Get(keys[i].CategoryId)?.Name);
            _found[i] = cache.Find(format, script, keys[i].Id, _versions[i]);
            if (_found[i] is not null)
            {
                continue;
            }
            (_contents[i], _texts[i]) = cache.FindContent(script, keys[i].Id, _versions[i], keys[i].TextVersion);
            if (_contents[i] is null)
            {
                tags.Add(keys[i].Id);
                if (_texts[i] is null)
                {
                    bodies.Add(keys[i].Id);
                }
            }
        }
        return new ArticleReads(bodies, tags);
    }

    /// <summary>
    /// Every entry in key order: those found, and those written now, from a kept content, from kept texts and
    /// <paramref name="read"/>'s tags, or from <paramref name="read"/>'s article (whose content
    /// <paramref name="contentOf"/> makes). The contents are kept. An article deleted between the keys and its
    /// body is left out. Each is named by its id (<paramref name="idOf"/>), for a container that lists its entries.
    /// </summary>
    public IReadOnlyList<WrittenEntry> Complete(
        FeedRead read, Func<ArticleRow, ArticleContent> contentOf, Func<ArticleKey, ArticleContent, FeedEntry> entryOf, Func<ArticleKey, string> idOf)
    {
        var newEntries = new List<(int Index, FeedEntry Entry)>();
        for (var i = 0; i < _keys.Count; i++)
        {
            if (_found[i] is not null)
            {
                continue;
            }
            var key = _keys[i];
            // Kept under the versions the key was read with: if what was read after it is newer, the next render
            // reads newer versions, and reads and writes again.
            var content = _contents[i]
                ?? (_texts[i] is { } texts ? Keep(i, new ArticleContent(texts, [.. read.Tags[key.Id]])) : null)
                ?? (read.Articles.TryGetValue(key.Id, out var article) ? Keep(i, contentOf(article)) : null);
            if (content is not null)
            {
                newEntries.Add((i, entryOf(key, content)));
            }
        }
        var written = format.WriteEntries([.. newEntries.Select(entry => entry.Entry)]);
        for (var n = 0; n < newEntries.Count; n++)
        {
            var i = newEntries[n].Index;
            // An entry that names an author or source no poll has seen yet (read after the versions were) links
            // no page for it: written for this render only, and written again with the page by the next.
            _found[i] = newEntries[n].Entry.Names.All(name => name.Page is not null)
                ? cache.Add(format, script, _keys[i].Id, _versions[i], written[n])
                : new BytePart(written[n]);
        }
        Written = newEntries.Count;
        return [.. _keys.Select((key, i) => _found[i] is { } entry ? new WrittenEntry(idOf(key), entry) : null).OfType<WrittenEntry>()];
    }

    private ArticleContent Keep(int i, ArticleContent content) => cache.AddContent(script, _keys[i].Id, _versions[i], _keys[i].TextVersion, content);
}
