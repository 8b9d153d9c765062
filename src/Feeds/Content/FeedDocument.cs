namespace Feeds.Content;

/// <summary>What one feed says, independent of how a format writes it. Every text is already XML-clean;
/// titles and summaries are plain text.</summary>
public sealed record FeedDocument(
    string Id,
    string Title,
    string Description,
    string Language,
    Uri SiteLink,
    Uri SelfLink,
    string Publisher,
    DateTimeOffset Updated,
    TimeSpan TimeToLive,
    IReadOnlyList<FeedEntry> Entries);

/// <param name="Id">Stable id: the same in every feed and every run, whatever the title or category.</param>
/// <param name="Authors">The writer, then the source organisation; never empty.</param>
/// <param name="Categories">The article's category, then its tags.</param>
/// <param name="Summary">Plain text, no markup.</param>
/// <param name="ContentHtml">Sanitised HTML with absolute links.</param>
public sealed record FeedEntry(
    string Id,
    string Title,
    Uri Link,
    DateTimeOffset Published,
    DateTimeOffset Updated,
    IReadOnlyList<string> Authors,
    IReadOnlyList<string> Categories,
    string? Summary,
    string? ContentHtml,
    FeedImage? Image);

public sealed record FeedImage(Uri Url, string? MediaType);
