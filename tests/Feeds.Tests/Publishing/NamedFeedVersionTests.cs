using Feeds.Versions;

namespace Feeds.Tests.Publishing;

/// <summary>
/// Names of each kind (tags, authors, sources) get their slugs in a slug space of their own, and a poll that reads a
/// new name relists only its kind: a new author, which a newsroom adds far more often than a tag, leaves every tag
/// as it was (the same objects, not recomputed).
/// </summary>
public sealed class NamedFeedVersionTests
{
    [Fact]
    public void ANewAuthor_RelistsTheAuthorsOnly_AndKindsShareNoSlugSpace()
    {
        var first = FeedVersions.Empty.Apply(new VersionRead([], [Row(1, "t", "港口"), Row(2, "a", "港口"), Row(3, "t", "供應鏈"), Row(4, "s", "!!!")], [], [], Complete: true, RowsRead: 4), out _);

        var second = first.Apply(new VersionRead([], [Row(5, "a", "陳志明")], [], [], Complete: false, RowsRead: 1), out var changed);

        // A tag and an author of one name: two feeds, each with the plain slug in its own kind.
        Assert.Equal(1, first.NamedOf(FeedKey.Tag("港口"))!.Id);
        Assert.Equal(2, first.NamedOf(new FeedKey(FeedKind.Author, "港口"))!.Id);
        Assert.Equal(4, first.NamedOf(new FeedKey(FeedKind.Source, "source-4"))!.Id);
        Assert.Equal([new FeedKey(FeedKind.Author, "陳志明")], changed);
        Assert.Same(first.NamedOf(FeedKey.Tag("港口")), second.NamedOf(FeedKey.Tag("港口")));
        Assert.Same(first.NamedOf(new FeedKey(FeedKind.Source, "source-4")), second.NamedOf(new FeedKey(FeedKind.Source, "source-4")));
        Assert.NotSame(first.NamedOf(new FeedKey(FeedKind.Author, "港口")), second.NamedOf(new FeedKey(FeedKind.Author, "港口")));
        Assert.Equal(2, second.CountOf(FeedKind.Author));
        Assert.NotEqual(first.CatalogToken, second.CatalogToken);
    }

    [Fact]
    public void ANameOfAKindThisServerDoesNotKnow_IsLeftAlone()
    {
        var versions = FeedVersions.Empty.Apply(new VersionRead([], [Row(1, "t", "港口"), Row(2, "x", "未來的種類")], [], [], Complete: true, RowsRead: 2), out _);

        Assert.Equal(1, versions.CountOf(FeedKind.Tag));
        // The site's feed and the tag's: none for the unknown kind.
        Assert.Equal(2, versions.Count);
    }

    private static TagVersionRow Row(long id, string kind, string name) =>
        new() { Id = id, Kind = kind, Name = name, Version = 1, NewestDue = TestClock.Start.UtcDateTime };
}
