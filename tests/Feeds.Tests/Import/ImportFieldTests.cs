using Feeds.Import;

namespace Feeds.Tests.Import;

/// <summary>
/// The import format names every field of an article, and reads each: the CMS's source query is checked against
/// <see cref="ImportLineParser.Fields"/> (Source/SourceRow), and a line is read by <c>Read</c>. A field added to
/// ArticleInput and forgotten in either fails here, instead of being dropped on the way in.
/// </summary>
public sealed class ImportFieldTests
{
    // The fields whose name in the import is not the property's, in camelCase.
    private static readonly Dictionary<string, string> Renamed = new()
    {
        ["ExternalId"] = "id",
        ["CategorySlug"] = "category",
        ["SectionSlug"] = "section",
        ["IsPublished"] = "status",
    };

    // A value for each field, different from the line's own.
    private static readonly Dictionary<string, object> Changed = new()
    {
        ["id"] = "other-id",
        ["category"] = "express",
        ["section"] = "industry",
        ["url"] = "https://news.example.com/articles/other.html",
        ["imageUrl"] = "https://news.example.com/other.jpg",
        ["publishedAt"] = "2026-11-27T10:00:00+08:00",
        ["updatedAt"] = "2026-11-27T11:00:00+08:00",
        ["status"] = "draft",
        ["tags"] = new[] { "其他" },
    };

    [Fact]
    public void EveryFieldOfAnArticle_IsAFieldOfTheImportFormat_AndEachIsRead()
    {
        var parser = new ImportLineParser(SiteTime.Create("Asia/Shanghai"));
        var line = Ndjson.Article("a-1");
        line["author"] = "林雅婷";
        line["imageUrl"] = "https://news.example.com/i.jpg";
        var read = Parse(parser, line);
        var properties = typeof(ArticleInput).GetProperties();

        Assert.True(properties.Length >= 16, $"only {properties.Length} fields of ArticleInput");
        foreach (var property in properties)
        {
            var field = Renamed.GetValueOrDefault(property.Name) ?? char.ToLowerInvariant(property.Name[0]) + property.Name[1..];
            Assert.True(ImportLineParser.Fields.Contains(field), $"ArticleInput.{property.Name}: '{field}' is not in ImportLineParser.Fields");
        }
        foreach (var field in ImportLineParser.Fields)
        {
            var edited = new Dictionary<string, object?>(line) { [field] = Changed.GetValueOrDefault(field) ?? $"{line.GetValueOrDefault(field)}x" };
            var changed = Parse(parser, edited);
            Assert.True(!Same(read, changed), $"'{field}': a line that changes it alone is read as the same article");
        }
    }

    private static ArticleInput Parse(ImportLineParser parser, Dictionary<string, object?> line)
    {
        var result = parser.Parse(System.Text.Encoding.UTF8.GetBytes(Ndjson.Line(line)));
        Assert.True(result.Article is not null, result.Error);
        return result.Article!;
    }

    private static bool Same(ArticleInput a, ArticleInput b) =>
        typeof(ArticleInput).GetProperties().All(property => property.GetValue(a) is IEnumerable<string> list
            ? list.SequenceEqual((IEnumerable<string>)property.GetValue(b)!)
            : Equals(property.GetValue(a), property.GetValue(b)));
}
