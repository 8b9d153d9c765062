using AngleSharp.Html.Parser;
using CodeHollow.FeedReader;
using Microsoft.Data.Sqlite;

namespace Feeds.Tests.Http;

/// <summary>
/// Hard cases written into the CMS, served by the real server, read by five readers we did not write:
/// Python's feedparser (Debian's python3-feedparser, outside .NET), newsboat (reads RSS; its cache is read back),
/// sfeed (C) and Perl's XML::FeedPP (both Debian's), and CodeHollow.FeedReader. Each must show exactly what the newsroom wrote: titles, summaries, authors,
/// the lead image and the correction's date. A text a reader takes as HTML is compared as a browser shows it.
/// </summary>
public sealed class ReaderAgreementTests : FeedsTest
{
    private const string Feedparser = "/usr/lib/python3/dist-packages/feedparser";
    private const string Newsboat = "/usr/bin/newsboat";

    private static readonly DateTime Published = TestClock.Start.UtcDateTime.AddHours(-1);

    /// <summary>What the CMS holds, and what a reader must show for it.</summary>
    private sealed record HardCase(ArticleInput Cms, string Title, string Summary, string Byline, string[] Authors, string? Image, DateTimeOffset? Updated)
    {
        public string Id => $"tag:news.example.com,2026:article:{Cms.ExternalId}";
    }

    private static readonly HardCase[] Cases =
    [
        // Text that is not markup, ideographic spaces, two authors, a lead image, a correction.
        new(Articles.Sample("hard-compare", title: "比較 x<y 與 p<q　結果") with
            {
                Summary = "若 x<y 則 y>x，否則 a<b；a < b && c > d",
                ImageUrl = "https://news.example.com/images/hard-compare.jpg",
                UpdatedAt = Published.AddMinutes(30),
            },
            "比較 x<y 與 p<q　結果", "若 x<y 則 y>x，否則 a<b；a < b && c > d", "林雅婷、示範物流協會", ["林雅婷", "示範物流協會"],
            "https://news.example.com/images/hard-compare.jpg", new DateTimeOffset(Published.AddMinutes(30))),
        // Tags the newsroom wrote as text (entities in the CMS), a script among them; Latin names.
        new(Articles.Sample("hard-entities", title: "港口吞吐量　「農產品」", publishedAt: Published.AddMinutes(-10)) with
            {
                Summary = "摘要 &lt;script&gt;alert(1)&lt;/script&gt; 與 &lt;/b&gt; 是文字",
                Author = "Jane Doe",
                Source = "Reuters",
            },
            "港口吞吐量　「農產品」", "摘要 <script>alert(1)</script> 與 </b> 是文字", "Jane Doe, Reuters", ["Jane Doe", "Reuters"], null, null),
        // No summary: the start of the body describes it. Ampersands that are no reference.
        new(Articles.Sample("hard-no-summary", title: "AT&T 與 R&D 合作", publishedAt: Published.AddMinutes(-20)) with
            {
                Summary = null,
                ContentHtml = "<p>第一句話說明事件。</p><p>第二句話補充細節。</p>",
                Source = null,
            },
            "AT&T 與 R&D 合作", "第一句話說明事件。 第二句話補充細節。", "林雅婷", ["林雅婷"], null, null),
    ];

    // feedparser 6.0 (Debian's) reads no JSON Feed; JsonFeedTests read that format.
    [Theory]
    [InlineData("rss")]
    [InlineData("atom")]
    public async Task Feedparser_ShowsWhatTheNewsroomWrote(string format)
    {
        if (!Directory.Exists(Feedparser))
        {
            Assert.Skip($"{Feedparser} is not installed (apt-get install python3-feedparser; .ci/run does).");
        }
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, [.. Cases.Select(c => c.Cms)]);
        await using var app = FeedsApp.SelfAddressed(db);

        var script = Path.Combine(AppContext.BaseDirectory, "Readers", "feedparser_read.py");
        using var read = JsonDocument.Parse(await RunAsync("/usr/bin/python3", [script, $"{app.Address.AbsoluteUri}feeds/logistics.{format}"]));
        var entries = read.RootElement.GetProperty("entries").EnumerateArray().ToDictionary(entry => entry.GetProperty("id").GetString()!);

        Assert.Equal(Cases.Select(c => c.Id).Order(), entries.Keys.Order());
        foreach (var expected in Cases)
        {
            var entry = entries[expected.Id];
            Assert.Equal(expected.Title, Shown(entry.GetProperty("title")));
            Assert.Equal(expected.Summary, Shown(entry.GetProperty("summary")));
            // RSS and Atom name everyone in one author: the whole byline.
            var authors = entry.GetProperty("authors").EnumerateArray().Select(author => author.GetString()).ToArray();
            Assert.Equal(expected.Byline, Assert.Single(authors));
            var enclosures = entry.GetProperty("enclosures").EnumerateArray().Select(enclosure => enclosure.GetString()).ToArray();
            Assert.Equal(expected.Image is null ? [] : [expected.Image], enclosures);
            if (expected.Updated is { } updated)
            {
                // The stored second, with the entry's own fraction (Content.EntryUpdated) as written; as applications
                // get it from feedparser (to the second), the stored second.
                var written = DateTimeOffset.Parse(entry.GetProperty("updated").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(updated, written.AddTicks(-(written.Ticks % TimeSpan.TicksPerSecond)));
                Assert.Equal(updated.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), entry.GetProperty("updated_parsed").GetString());
            }
        }
        Assert.Equal($"{app.Address.AbsoluteUri}icon.png", format == "rss"
            ? read.RootElement.GetProperty("image").GetString()
            : read.RootElement.GetProperty("icon").GetString());
    }

    [Fact]
    public async Task Newsboat_ShowsWhatTheNewsroomWrote()
    {
        if (!File.Exists(Newsboat))
        {
            Assert.Skip($"{Newsboat} is not installed (apt-get install newsboat; .ci/run does).");
        }
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, [.. Cases.Select(c => c.Cms)]);
        await using var app = FeedsApp.SelfAddressed(db);
        using var home = new TempFolder("feeds-newsboat-");
        var urls = Path.Combine(home.FullName, "urls");
        var cache = Path.Combine(home.FullName, "cache.db");
        await File.WriteAllTextAsync(urls, $"{app.Address.AbsoluteUri}feeds/logistics.rss\n", Cancel);
        await RunAsync(Newsboat, ["-u", urls, "-c", cache, "-C", "/dev/null", "-x", "reload"], home.FullName);

        // What newsboat shows is what it keeps in its cache (SQLite): read it back.
        await using var connection = new SqliteConnection($"Data Source={cache};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(Cancel);
        var items = new Dictionary<string, (string Title, string Author, string Content)>();
        await using (var command = connection.CreateCommand())
        {
            // No enclosure_url: newsboat keeps only podcast enclosures (audio, video), never an image.
            command.CommandText = "SELECT guid, title, author, content FROM rss_item";
            await using var reader = await command.ExecuteReaderAsync(Cancel);
            while (await reader.ReadAsync(Cancel))
            {
                items[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2), reader.GetString(3));
            }
        }

        Assert.Equal(Cases.Select(c => c.Id).Order(), items.Keys.Order());
        foreach (var expected in Cases)
        {
            var item = items[expected.Id];
            Assert.Equal(expected.Title, item.Title);
            Assert.Equal(expected.Byline, item.Author);
            // newsboat shows content:encoded, the body; every body here is plain paragraphs.
            Assert.Equal(Text(expected.Cms.ContentHtml!), Text(item.Content));
        }
    }

    [Theory]
    [InlineData("rss")]
    [InlineData("atom")]
    public async Task CodeHollowFeedReader_ShowsWhatTheNewsroomWrote(string format)
    {
        await using var site = await TestSite.StartAsync("sqlite", [.. Cases.Select(c => c.Cms)]);
        var (db, app, _) = site;

        var feed = FeedReader.ReadFromString(await app.CreateRawClient().GetStringAsync($"/feeds/logistics.{format}", Cancel));
        var items = feed.Items.ToDictionary(item => item.Id);

        foreach (var expected in Cases)
        {
            var item = items[expected.Id];
            Assert.Equal(expected.Title, item.Title);
            // RSS description is HTML; Atom's summary is text, or HTML where the text reads as markup (its type says).
            var summaryIsHtml = format == "rss"
                || item.SpecificItem.Element.Element(System.Xml.Linq.XName.Get("summary", "http://www.w3.org/2005/Atom"))?.Attribute("type")?.Value == "html";
            Assert.Equal(expected.Summary, summaryIsHtml ? Text(item.Description) : item.Description);
            // CodeHollow keeps one author: in RSS it is dc:creator (its Author is RSS's e-mail author element). It must
            // be the whole byline, as the newsroom wrote it: a first author alone would accept the source's loss.
            var author = item.SpecificItem is CodeHollow.FeedReader.Feeds.Rss20FeedItem rss ? rss.DC?.Creator : item.Author;
            Assert.Equal(expected.Byline, author);
        }
    }

    /// <summary>A text a reader marked as HTML, as a browser shows it; plain text as it is.</summary>
    private static string? Shown(JsonElement text)
    {
        var value = text.GetProperty("value").GetString();
        return value is not null && text.GetProperty("type").GetString() == "text/html" ? Text(value) : value;
    }

    private static string Text(string html)
    {
        var parser = new HtmlParser();
        using var page = parser.ParseDocument(string.Empty);
        return string.Join(' ', parser.ParseFragment(html, page.Body!).Select(node => node.TextContent).Where(text => text.Length > 0));
    }

    /// <summary>
    /// Two more readers written outside .NET, from Debian (issue 32): sfeed (C; its TSV: UNIX time, title, link,
    /// content, content type, id, author) and Perl's XML::FeedPP. Both keep one author, so the whole byline must be
    /// it (with two Atom authors sfeed kept the writer and XML::FeedPP died); both turn the date into an instant,
    /// which must be the one the CMS stored, in RSS's site offset and Atom's UTC alike (elfeed and rsstail had read
    /// Atom's offset wrong).
    /// </summary>
    [Theory]
    [InlineData("sfeed", "rss")]
    [InlineData("sfeed", "atom")]
    [InlineData("feedpp", "rss")]
    [InlineData("feedpp", "atom")]
    public async Task SfeedAndXmlFeedPP_ShowTheWholeBylineAndTheStoredInstant(string reader, string format)
    {
        if (reader == "sfeed" ? !File.Exists("/usr/bin/sfeed") : !File.Exists("/usr/share/perl5/XML/FeedPP.pm"))
        {
            Assert.Skip($"{reader} is not installed (apt-get install sfeed libxml-feedpp-perl; .ci/run does).");
        }
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, [.. Cases.Select(c => c.Cms)]);
        await using var app = FeedsApp.SelfAddressed(db);
        using var folder = new TempFolder("feeds-readers-");
        var file = Path.Combine(folder.FullName, $"logistics.{format}");
        await File.WriteAllBytesAsync(file, await app.CreateRawClient().GetByteArrayAsync($"/feeds/logistics.{format}", Cancel), Cancel);

        // One line an item: UNIX time, title, link, id, author, tab-separated (sfeed's own columns 1, 2, 3, 6, 7).
        var output = reader == "sfeed"
            ? string.Join('\n', (await RunAsync("/bin/sh", ["-c", $"/usr/bin/sfeed < '{file}'"])).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split('\t')).Select(f => string.Join('\t', f[0], f[1], f[2], f[5], f[6])))
            : await RunAsync("/usr/bin/perl", ["-MXML::FeedPP", "-e", """
                my $feed = XML::FeedPP->new($ARGV[0]);
                for my $item ($feed->get_item()) {
                    print join("\t", $item->get_pubDate_epoch(), $item->title(), $item->link(), $item->guid(), $item->author()), "\n";
                }
                """, file]);
        var items = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t')).ToDictionary(fields => fields[3]);

        Assert.Equal(Cases.Select(c => c.Id).Order(), items.Keys.Order());
        foreach (var expected in Cases)
        {
            var item = items[expected.Id];
            // XML::FeedPP's date of an Atom entry is its updated time (the correction's, where there is one).
            var shown = reader == "feedpp" && format == "atom" && expected.Updated is { } updated ? updated : new DateTimeOffset(expected.Cms.PublishedAt);
            Assert.Equal(shown.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), item[0]);
            Assert.Equal(expected.Title, item[1]);
            Assert.Equal(expected.Cms.Url, item[2]);
            Assert.Equal(expected.Byline, item[4]);
        }
    }

    private static async Task<string> RunAsync(string executable, string[] arguments, string? home = null) =>
        (await ExternalProgram.RunAsync(executable, arguments, home)).Output;
}
