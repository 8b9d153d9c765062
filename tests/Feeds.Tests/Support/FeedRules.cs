using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Feeds.Tests.Support;

/// <summary>
/// The W3C Feed Validation Service's rules that Feeds' documents touch (github.com/w3c/feedvalidator: link.py,
/// rss.py, item.py, entry.py, extension.py), checked on the parsed XML, since the service itself cannot be
/// reached from here. Each failed rule names what the validator would report.
/// </summary>
public static partial class FeedRules
{
    // link.py validRelations: registered relations the validator accepts without "UnregisteredAtomLinkRel".
    private static readonly HashSet<string> Relations =
        ["alternate", "current", "describedby", "edit", "edit-media", "enclosure", "first", "hub", "last", "license",
         "next", "next-archive", "payment", "prev-archive", "previous", "related", "replies", "search", "self", "service", "up", "via"];

    private static readonly XNamespace Atom = FeedXml.Atom;
    private static readonly XNamespace History = "http://purl.org/syndication/history/1.0";

    /// <summary>Asserts that <paramref name="document"/>, fetched from <paramref name="url"/>, breaks none of the rules.</summary>
    public static void AssertValid(XDocument document, string url)
    {
        var root = document.Root!;
        var isRss = root.Name == "rss";
        var feed = isRss ? root.Element("channel")! : root;
        Assert.True(isRss ? root.Attribute("version")?.Value == "2.0" : root.Name == Atom + "feed", $"{url}: neither RSS 2.0 nor Atom");

        foreach (var link in feed.Elements(Atom + "link"))
        {
            var rel = (string?)link.Attribute("rel") ?? "alternate";
            Assert.True(Relations.Contains(rel), $"{url}: UnregisteredAtomLinkRel {rel}");
            var href = (string?)link.Attribute("href");
            Assert.True(Uri.TryCreate(href, UriKind.Absolute, out _), $"{url}: link {rel} href '{href}' is not absolute");
            if (link.Attribute("type") is { } type)
            {
                Assert.Matches(MimeType(), type.Value);
            }
            if (rel == "self")
            {
                Assert.Equal(url, href);  // SelfDoesntMatchLocation
                Assert.Contains((string?)link.Attribute("type"), new[] { "application/atom+xml", "application/rss+xml" });  // SelfNotAtom
            }
        }
        // DuplicateAtomLink: one alternate per type (and hreflang); one self.
        Assert.Single(feed.Elements(Atom + "link"), link => (string?)link.Attribute("rel") == "self");
        var alternates = feed.Elements(Atom + "link").Where(link => ((string?)link.Attribute("rel") ?? "alternate") == "alternate").Select(link => (string?)link.Attribute("type")).ToList();
        Assert.Equal(alternates.Count, alternates.Distinct().Count());
        // extension.py knows fh:archive and fh:complete, at feed level only.
        Assert.All(document.Descendants().Where(element => element.Name.Namespace == History), element =>
        {
            Assert.Contains(element.Name.LocalName, new[] { "archive", "complete" });
            Assert.Same(feed, element.Parent);
        });

        if (isRss)
        {
            Assert.False(string.IsNullOrWhiteSpace(feed.Element("title")?.Value), $"{url}: channel title");
            Assert.False(string.IsNullOrWhiteSpace(feed.Element("description")?.Value), $"{url}: channel description");
            Assert.True(Uri.TryCreate(feed.Element("link")?.Value, UriKind.Absolute, out _), $"{url}: channel link");
            foreach (var item in feed.Elements("item"))
            {
                Assert.False(string.IsNullOrEmpty(item.Element("guid")?.Value), $"{url}: MissingGuid");
                Assert.True(DateTimeOffset.TryParseExact(item.Element("pubDate")!.Value, "ddd, dd MMM yyyy HH:mm:ss zzz",
                    CultureInfo.InvariantCulture, DateTimeStyles.None, out _) || Rfc822().IsMatch(item.Element("pubDate")!.Value), $"{url}: InvalidRFC2822Date");
            }
        }
        else
        {
            Assert.False(string.IsNullOrEmpty(feed.Element(Atom + "id")?.Value), $"{url}: feed id");
            Assert.Matches(Rfc3339(), feed.Element(Atom + "updated")!.Value);
            var feedHasAuthor = feed.Element(Atom + "author") is not null;
            foreach (var entry in feed.Elements(Atom + "entry"))
            {
                Assert.False(string.IsNullOrEmpty(entry.Element(Atom + "id")?.Value), $"{url}: entry id");
                Assert.NotNull(entry.Element(Atom + "title"));
                Assert.Matches(Rfc3339(), entry.Element(Atom + "updated")!.Value);
                Assert.True(feedHasAuthor || entry.Element(Atom + "author") is not null, $"{url}: MissingAuthor");
            }
        }
    }

    [GeneratedRegex(@"^[a-z]+/[a-z0-9.+-]+$")]
    private static partial Regex MimeType();

    [GeneratedRegex(@"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$")]
    private static partial Regex Rfc822();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex Rfc3339();
}
