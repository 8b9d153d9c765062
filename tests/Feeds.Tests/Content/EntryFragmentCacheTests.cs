namespace Feeds.Tests.Content;

public sealed class EntryFragmentCacheTests
{
    [Fact]
    public void AnEntryWhoseLinkChangesOnlyInItsFragment_IsWrittenAnew()
    {
        var entry = Entry(new Uri("https://news.example.com/a.html#part-1"), new FeedImage(new Uri("https://news.example.com/i.jpg#x"), "image/jpeg"));
        var moved = entry with
        {
            Link = new Uri("https://news.example.com/a.html#part-2"),
            Image = new FeedImage(new Uri("https://news.example.com/i.jpg#y"), "image/jpeg"),
        };

        var first = FeedXml.Text(FeedFormat.Atom.WriteParts(Document(entry)).ToArray());
        var second = FeedXml.Text(FeedFormat.Atom.WriteParts(Document(moved)).ToArray());

        Assert.Contains("a.html#part-1", first, StringComparison.Ordinal);
        Assert.Contains("a.html#part-2", second, StringComparison.Ordinal);
        Assert.Contains("i.jpg#y", second, StringComparison.Ordinal);
    }

    private static FeedEntry Entry(Uri link, FeedImage image) => new(
        $"tag:news.example.com,2026:article:fragment-{Guid.NewGuid():N}", "標題", link,
        new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.FromHours(8)), new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.FromHours(8)),
        ["林雅婷"], ["物流"], "摘要", "<p>內文</p>", image);

    private static FeedDocument Document(FeedEntry entry) => new(
        "tag:news.example.com,2026:feed:x", "t", "d", "zh-Hant", new Uri("https://news.example.com/"),
        new Uri("https://feeds.example.org/feeds/x.atom"), "p", entry.Updated, TimeSpan.FromMinutes(10), [entry]);
}
