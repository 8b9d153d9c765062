namespace Feeds.Data;

/// <summary>A category or, when it has no parent, a section.</summary>
public sealed class CategoryRow
{
    public long Id { get; init; }
    public required string Slug { get; init; }
    public required string Name { get; init; }
    public long? ParentId { get; init; }
    public DateTime UpdatedAt { get; init; }
}

/// <summary>What identifies one visible article of a feed and its version, without its body.</summary>
public class ArticleKey
{
    public long Id { get; init; }
    public required string ExternalId { get; init; }
    public long CategoryId { get; init; }
    public DateTime PublishedAt { get; init; }
    public DateTime UpdatedAt { get; init; }

    /// <summary>
    /// Moves whenever anything the article's entry shows changes: its fields, its tags, a tag's name
    /// (sql/*/0006_entry_versions.sql); never given twice. Read with the keys only: an entry written from this
    /// version is written again only when it moves.
    /// </summary>
    public long Version { get; init; }

    /// <summary>
    /// Moves only when the texts the article's cleaned content is made from change (title, summary, body, author,
    /// source, URL, image URL; sql/*/0007_text_versions.sql): an entry whose <see cref="Version"/> moved while this
    /// stayed (a tag added or renamed) is written from the texts kept, without reading the body. Null when unknown:
    /// the body is read.
    /// </summary>
    public long? TextVersion { get; init; }
}

/// <summary>An article's key and everything it shows.</summary>
public sealed class ArticleRow : ArticleKey
{
    public required string Title { get; init; }
    public string? Summary { get; init; }
    public string? ContentHtml { get; init; }
    public string? Author { get; init; }
    public string? Source { get; init; }
    public required string Url { get; init; }
    public string? ImageUrl { get; init; }
    public bool IsPublished { get; init; }
}

public sealed class ArticleTagRow
{
    public long ArticleId { get; init; }
    public required string Name { get; init; }
}

/// <summary>What the change detector reads of a category: its version and when its newest visible article was published.</summary>
public sealed class CategoryVersionRow
{
    public long Id { get; init; }
    public required string Slug { get; init; }
    public long? ParentId { get; init; }
    public long Version { get; init; }
    public DateTime? NewestDue { get; init; }
}

/// <summary>
/// What the change detector reads of a tag, an author or a source: its kind (<see cref="FiledNames"/>), its name (its
/// feed's slug and title), version and newest due time.
/// </summary>
public sealed class TagVersionRow
{
    public long Id { get; init; }
    public required string Kind { get; init; }
    public required string Name { get; init; }
    public long Version { get; init; }
    public DateTime? NewestDue { get; init; }
}
