using System.Text;
using System.Text.Encodings.Web;

namespace Feeds.Tests.Support;

/// <summary>NDJSON import files for tests, one article object per line.</summary>
public static class Ndjson
{
    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Dictionary<string, object?> Article(string id, string category = "logistics", string title = "標題", string publishedAt = "2026-11-27T09:00:00+08:00") => new()
    {
        ["id"] = id,
        ["category"] = category,
        ["categoryName"] = category == "logistics" ? "綜合物流" : category,
        ["section"] = "news",
        ["sectionName"] = "資訊中心",
        ["title"] = title,
        ["summary"] = $"摘要 {id}",
        ["contentHtml"] = $"<p>內文 {id}</p>",
        ["author"] = null,
        ["source"] = "示範物流協會",
        ["url"] = $"https://news.example.com/articles/{id}.html",
        ["publishedAt"] = publishedAt,
        ["updatedAt"] = publishedAt,
        ["tags"] = new[] { "供應鏈" },
    };

    public static string Line(object article) => JsonSerializer.Serialize(article, Options);

    public static async Task<string> WriteFileAsync(string folder, IEnumerable<string> lines, string name = "articles.ndjson")
    {
        var path = Path.Combine(folder, name);
        await File.WriteAllTextAsync(path, string.Join('\n', lines) + "\n", new UTF8Encoding(false), TestContext.Current.CancellationToken);
        return path;
    }
}
