using System.Text;
using System.Xml.Linq;

namespace Feeds.Tests.Content;

/// <summary>
/// A format whose container lists its entries fits the shell and its entries: RSS 1.0 (RSS-DEV, 2000) must name
/// every item of the document in channel/items (an rdf:Seq of rdf:li resources) and each item says it is that
/// resource (rdf:about). The shell is given the ids of the entries spliced into it, in order.
/// </summary>
public sealed class ContainerFormatTests
{
    private static readonly XNamespace Rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    private static readonly XNamespace Rss10 = "http://purl.org/rss/1.0/";

    [Fact]
    public void ASeparatelyWrittenContainer_ListsEveryEntrySplicedIntoIt_InOrder()
    {
        var entries = new[] { "a-3", "a-2", "a-1" }.Select(Entry).ToList();
        var document = new FeedDocument("tag:news.example.com,2026:feed:all", "示範 & <網站>", "d", "zh-Hant",
            new Uri("https://news.example.com/"), new Uri("https://feeds.example.org/feeds/all.rdf"), "p",
            entries[0].Updated, TimeSpan.FromMinutes(10), entries);

        var rdf = XDocument.Parse(Encoding.UTF8.GetString(new Rss10Format().WriteParts(document).ToArray()));

        var listed = rdf.Root!.Element(Rss10 + "channel")!.Element(Rss10 + "items")!.Element(Rdf + "Seq")!.Elements(Rdf + "li")
            .Select(li => (string?)li.Attribute(Rdf + "resource")).ToList();
        var items = rdf.Root.Elements(Rss10 + "item").Select(item => (string?)item.Attribute(Rdf + "about")).ToList();
        Assert.Equal(entries.Select(entry => entry.Id), listed);
        Assert.Equal(listed, items);
        Assert.Equal("示範 & <網站>", rdf.Root.Element(Rss10 + "channel")!.Element(Rss10 + "title")!.Value);
    }

    private static FeedEntry Entry(string id) => new(
        $"tag:news.example.com,2026:article:{id}", $"標題 {id}", new Uri($"https://news.example.com/{id}.html"),
        new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.FromHours(8)), new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.FromHours(8)),
        ["林雅婷"], [], null, null, null);

    /// <summary>RSS 1.0, as small as it can be: what a format that lists its entries writes.</summary>
    private sealed class Rss10Format() : FeedFormat("rdf", "application/rdf+xml", "RSS 1.0")
    {
        private const string End = "</rdf:RDF>";

        public override DocumentShell WriteShell(FeedDocument document, IReadOnlyList<string> entryIds)
        {
            var channel = new XElement(Rss10 + "channel", new XAttribute(Rdf + "about", document.SelfLink.AbsoluteUri),
                new XElement(Rss10 + "title", document.Title),
                new XElement(Rss10 + "link", document.SiteLink.AbsoluteUri),
                new XElement(Rss10 + "description", document.Description),
                new XElement(Rss10 + "items", new XElement(Rdf + "Seq", entryIds.Select(id => new XElement(Rdf + "li", new XAttribute(Rdf + "resource", id))))));
            var root = new XElement(Rdf + "RDF", new XAttribute(XNamespace.Xmlns + "rdf", Rdf.NamespaceName), new XAttribute("xmlns", Rss10.NamespaceName), channel);
            var bytes = Encoding.UTF8.GetBytes(root.ToString(SaveOptions.DisableFormatting));
            return new DocumentShell(bytes, bytes.AsSpan().LastIndexOf(Encoding.UTF8.GetBytes(End)));
        }

        public override byte[] WriteEntry(FeedEntry entry) => Encoding.UTF8.GetBytes(
            new XElement(Rss10 + "item", new XAttribute(XNamespace.Xmlns + "rdf", Rdf.NamespaceName), new XAttribute(Rdf + "about", entry.Id),
                new XElement(Rss10 + "title", entry.Title),
                new XElement(Rss10 + "link", entry.Link.AbsoluteUri)).ToString(SaveOptions.DisableFormatting));
    }
}
