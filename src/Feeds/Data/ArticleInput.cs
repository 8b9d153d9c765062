namespace Feeds.Data;

/// <summary>An article as a writer (the importer, the demo data) delivers it. Times are UTC.</summary>
public sealed record ArticleInput(
    string ExternalId,
    string CategorySlug,
    string CategoryName,
    string? SectionSlug,
    string? SectionName,
    string Title,
    string? Summary,
    string? ContentHtml,
    string? Author,
    string? Source,
    string Url,
    string? ImageUrl,
    DateTime PublishedAt,
    DateTime? UpdatedAt,
    bool IsPublished,
    IReadOnlyList<string> Tags);
