using CsCheck;

namespace Feeds.Tests.Content;

/// <summary>Whatever text a CMS holds, in whatever field, every feed stays well-formed XML 1.0 (and valid JSON).</summary>
public sealed partial class FeedPropertyTests
{
    // RFC 3986 section 2: unreserved, reserved and percent-encoded characters only, so every reader can parse it.
    [System.Text.RegularExpressions.GeneratedRegex(@"^https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]*(%[0-9A-F]{2}[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]*)*$")]
    private static partial System.Text.RegularExpressions.Regex Rfc3986Url();

    private static readonly Gen<string> Piece = Gen.Frequency(
        (4, Gen.Char['\u0000', '\uFFFF'].Array[0, 12].Select(chars => new string(chars))),
        (3, Gen.Char['\u4E00', '\u9FFF'].Array[1, 12].Select(chars => new string(chars))),
        (2, Gen.Int[0x10000, 0x10FFFF].Select(char.ConvertFromUtf32)),
        (3, Gen.OneOfConst("<", ">", "&", "\"", "'", "&amp;", "<b>", "</p>", "<script>", "]]>", "\u0008", "\u000B", "\uFFFE", "\uFFFF", "\uD800", "\uDC00", "\u0085", "𠀀", "\r\n", " ")));

    private static readonly Gen<string> Text = Piece.Array[0, 10].Select(string.Concat);

    private static readonly Gen<ArticleRow> Article = Gen.Select(Text, Text, Text, Text, Text, Text, Text, Text)
        .Select(fields => new ArticleRow
        {
            Id = 1,
            ExternalId = fields.Item1.Length == 0 ? "x" : fields.Item1,
            CategoryId = 1,
            Title = fields.Item2,
            Summary = fields.Item3,
            ContentHtml = fields.Item4,
            Author = fields.Item5,
            Source = fields.Item6,
            Url = fields.Item7,
            ImageUrl = fields.Item8,
            PublishedAt = TestClock.Start.UtcDateTime.AddHours(-1),
            UpdatedAt = TestClock.Start.UtcDateTime,
            IsPublished = true,
        });

    [Fact]
    public void EveryFeed_StaysWellFormed_WithRandomUnicodeInEveryField()
    {
        var builder = new FeedBuilder(Options.Create(new FeedsOptions()), SiteTime.Create("Asia/Shanghai"), new ArticleHtml(), new CleanArticleCache());

        Gen.Select(Article, Text, Text, Text).Sample((article, categoryName, tag, subjectName) =>
        {
            var tags = new[] { new ArticleTagRow { ArticleId = 1, Name = tag } }.ToLookup(t => t.ArticleId, t => t.Name);
            var document = builder.Build(new FeedSubject("logistics", subjectName), new Uri("https://feeds.example.org/feeds/logistics.rss"),
                article.UpdatedAt, [article], tags, _ => categoryName);

            var rss = FeedXml.Parse(FeedFormat.Rss.WriteParts(document).ToArray());
            var atom = FeedXml.Parse(FeedFormat.Atom.WriteParts(document).ToArray());

            using var json = System.Text.Json.JsonDocument.Parse(FeedFormat.Json.WriteParts(document).ToArray());
            var jsonItem = Assert.Single(json.RootElement.GetProperty("items").EnumerateArray().ToList());
            Assert.Equal(document.Entries[0].Id, jsonItem.GetProperty("id").GetString());
            Assert.Equal(document.Entries[0].Title, jsonItem.GetProperty("title").GetString());

            var item = Assert.Single(FeedXml.RssItems(rss));
            var entry = Assert.Single(FeedXml.AtomEntries(atom));
            Assert.Equal(document.Entries[0].Title, item.Element("title")!.Value);
            Assert.Equal(document.Entries[0].Id, entry.Element(FeedXml.Atom + "id")!.Value);
            var link = item.Element("link")!.Value;
            Assert.True(Rfc3986Url().IsMatch(link), $"not an absolute RFC 3986 http(s) URI: {link}");
        }, iter: 400, seed: null);
    }

    [Fact]
    public async Task EveryFeed_StaysWellFormed_ThroughTheDatabaseAndTheServer()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await using var app = new FeedsApp(db);
        var client = app.CreateRawClient();
        var number = 0;

        // Sample runs synchronously; the server is called with the blocking wrappers of HttpClient's tasks.
        Gen.Select(Article, Text, Text).Sample((article, categoryName, tag) =>
        {
            number++;
            var input = new ArticleInput($"p-{number}", "logistics", categoryName.Length == 0 ? "物流" : categoryName, "news", "資訊中心",
                article.Title, article.Summary, article.ContentHtml, article.Author, article.Source, article.Url, article.ImageUrl,
                article.PublishedAt, article.UpdatedAt, true, [tag]);
            Articles.WriteAsync(db.Database, input).GetAwaiter().GetResult();
            app.RefreshAsync().GetAwaiter().GetResult();
            foreach (var path in new[] { "/feeds/logistics.rss?limit=5", "/feeds/news.atom?limit=5" })
            {
                var body = client.GetByteArrayAsync(path, cancel).GetAwaiter().GetResult();
                Assert.NotEmpty(FeedXml.Parse(body).Root!.Elements());
            }
        }, iter: 40, threads: 1, seed: null);
    }
}
