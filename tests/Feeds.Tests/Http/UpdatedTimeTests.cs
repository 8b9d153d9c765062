using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using static Feeds.Tests.Support.FeedXml;

namespace Feeds.Tests.Http;

/// <summary>
/// Articles that share a stored second (a bulk edit, an import, a schedule) show that second, as stored, with no
/// invented fraction (issue 32, third item), and the same time in every feed, format and process.
/// </summary>
public sealed class UpdatedTimeTests : FeedsTest
{
    private static readonly DateTime BulkEdit = TestClock.Start.UtcDateTime.AddMinutes(-20);

    [Theory, MemberData(nameof(Providers))]
    public async Task EntriesEditedInOneSecond_ShowThatSecondAsStored_InEveryFeedAndFormat(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        // Eight articles edited in one second, and two published in one second and never edited.
        var edited = Enumerable.Range(1, 8).Select(n => Articles.Sample($"bulk-{n}", publishedAt: BulkEdit.AddHours(-n)) with { UpdatedAt = BulkEdit });
        var scheduled = Enumerable.Range(1, 2).Select(n => Articles.Sample($"scheduled-{n}", publishedAt: BulkEdit.AddHours(-10)));
        await Articles.WriteAsync(db.Database, [.. edited, .. scheduled]);

        Dictionary<string, string> atomCategory, atomSite, json;
        XElement rssChannel;
        await using (var app = new FeedsApp(db))
        {
            var client = app.CreateRawClient();
            var atom = Parse(await client.GetByteArrayAsync("/feeds/logistics.atom", Cancel));
            atomCategory = UpdatedById(AtomEntries(atom));
            Assert.Equal(atomCategory.Values.Max(Instant), Instant(atom.Root!.Element(Atom + "updated")!.Value));
            atomSite = UpdatedById(AtomEntries(Parse(await client.GetByteArrayAsync("/feeds/all.atom", Cancel))));
            json = JsonDocument.Parse(await client.GetByteArrayAsync("/feeds/logistics.json", Cancel)).RootElement.GetProperty("items")
                .EnumerateArray().ToDictionary(item => item.GetProperty("id").GetString()!, item => item.GetProperty("date_modified").GetString()!);
            rssChannel = Parse(await client.GetByteArrayAsync("/feeds/logistics.rss", Cancel)).Root!.Element("channel")!;
        }

        Assert.Equal(10, atomCategory.Count);
        // Exactly the stored second: no fraction, neither invented nor stamped.
        // Exactly the stored second, in UTC in Atom (issue 32, fourth item).
        Assert.All(Enumerable.Range(1, 8), n => Assert.Equal(Utc(BulkEdit), atomCategory[Id($"bulk-{n}")]));
        Assert.All(Enumerable.Range(1, 2), n => Assert.Equal(Utc(BulkEdit.AddHours(-10)), atomCategory[Id($"scheduled-{n}")]));
        // JSON Feed and RSS's atom:updated say it in the site's offset.
        Assert.All(Enumerable.Range(1, 8), n => Assert.Equal(Text(BulkEdit), json[Id($"bulk-{n}")]));
        // The same time in every document and format that lists the entry.
        Assert.Equal(atomCategory, atomSite);
        Assert.Equal(atomCategory.ToDictionary(pair => pair.Key, pair => Instant(pair.Value)), json.ToDictionary(pair => pair.Key, pair => Instant(pair.Value)));
        var rssUpdated = rssChannel.Elements("item").ToDictionary(item => item.Element("guid")!.Value, item => item.Element(Atom + "updated")?.Value);
        Assert.All(Enumerable.Range(1, 8), n => Assert.Equal(Instant(atomCategory[Id($"bulk-{n}")]), Instant(rssUpdated[Id($"bulk-{n}")]!)));
        // RSS says "updated" for corrections only: never edited, no atom:updated beside pubDate.
        Assert.All(Enumerable.Range(1, 2), n => Assert.Null(rssUpdated[Id($"scheduled-{n}")]));

        // And in another process.
        await using var restarted = new FeedsApp(db);
        Assert.Equal(atomCategory, UpdatedById(AtomEntries(Parse(await restarted.CreateRawClient().GetByteArrayAsync("/feeds/logistics.atom", Cancel)))));
    }

    private static string Id(string externalId) => $"tag:news.example.com,2026:article:{externalId}";

    private static Dictionary<string, string> UpdatedById(IEnumerable<XElement> entries) =>
        entries.ToDictionary(entry => entry.Element(Atom + "id")!.Value, entry => entry.Element(Atom + "updated")!.Value);

    private static DateTimeOffset Instant(string rfc3339) => DateTimeOffset.Parse(rfc3339, CultureInfo.InvariantCulture);

    private static string Utc(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The second as the site (UTC+8) shows it.</summary>
    private static string Text(DateTime utc) =>
        new DateTimeOffset(utc, TimeSpan.Zero).ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
}
