namespace Feeds.Data;

/// <summary>A name an article is filed under beside its category, a row of tags: its kind (<see cref="FiledNames"/>) and the name.</summary>
public sealed record FiledName(string Kind, string Name);

/// <summary>
/// The names an article is filed under beside its category, each with a feed of its own: its tags, the authors its
/// byline names, and the organisation it comes from (sql/*/0013_authors_and_sources.sql). All are rows of tags
/// with their kind, linked in article_tags, so one set of triggers, indexes and queries serves every kind.
/// </summary>
public static class FiledNames
{
    public const string Tag = "t";
    public const string Author = "a";
    public const string Source = "s";

    /// <summary>
    /// What separates the names of a byline ("林雅婷、陳志明", "Jane Doe, John Roe"): the enumeration comma, commas
    /// and semicolons, full width or not. Never "和", "與" or "and", which occur inside names and organisations.
    /// The migration that files stored articles splits the same way (sql/*/0013).
    /// </summary>
    private static readonly string[] BylineSeparators = ["、", "，", ",", "；", ";"];

    // Positions keep the kinds apart in article_tags (tags first, in the CMS's order), as the migration numbers them.
    private const int FirstAuthorPosition = 1000;
    private const int SourcePosition = 2000;

    /// <summary>The authors a byline names, in its order, each once.</summary>
    public static IReadOnlyList<string> Authors(string? byline) => byline is null
        ? []
        : [.. byline.Split(BylineSeparators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// The names an article's own fields file it under beside its tags: the authors its byline names, then its
    /// source. What an entry links to their feeds (Content/FeedBuilder), and what the writer files (<see cref="Of"/>).
    /// </summary>
    public static IReadOnlyList<FiledName> OfByline(string? byline, string? source) =>
    [
        .. Authors(byline).Select(author => new FiledName(Author, author)),
        .. source is null ? [] : new[] { new FiledName(Source, source) },
    ];

    /// <summary>Every name the article is filed under, each once, in the order of their links' positions.</summary>
    public static IReadOnlyList<(FiledName Name, int Position)> Of(ArticleInput article)
    {
        var names = new List<(FiledName, int)>();
        var seen = new HashSet<FiledName>();
        void Add(string kind, string name, int position)
        {
            if (seen.Add(new FiledName(kind, name)))
            {
                names.Add((new FiledName(kind, name), position));
            }
        }
        foreach (var tag in article.Tags)
        {
            Add(Tag, tag, names.Count);
        }
        var authors = 0;
        foreach (var name in OfByline(article.Author, article.Source))
        {
            Add(name.Kind, name.Name, name.Kind == Source ? SourcePosition : FirstAuthorPosition + authors++);
        }
        return names;
    }
}
