using System.Text;
using Feeds.Data;

namespace Feeds.Benchmarks;

internal static class SampleData
{
    private static readonly string[] Sentences =
    [
        "業者表示，今年訂單量較去年同期成長近兩成，倉儲空間與人力配置都面臨調整。",
        "主管機關指出，新制上路後將定期檢討，並視執行情形滾動修正相關規定。",
        "專家建議企業先盤點現有流程，再逐步導入自動化設備，避免投資與需求脫節。",
        "港區夜間作業試行三個月以來，貨櫃平均滯留時間縮短約百分之十五。",
    ];

    /// <summary>About 4 KB of UTF-8: paragraphs, a relative link and image, and markup the sanitiser removes.</summary>
    public static readonly string DirtyBody = BuildBody();

    public static ArticleRow Article(long id) => new()
    {
        Id = id,
        ExternalId = $"bench-{id}",
        CategoryId = 1,
        Title = $"第{id}號報導：綜合物流最新動態",
        Summary = Sentences[id % Sentences.Length],
        ContentHtml = Body(id),
        Author = "林雅婷",
        Source = "示範物流協會",
        Url = $"https://news.example.com/news/logistics/{id}.html",
        ImageUrl = id % 3 == 0 ? $"/images/{id}.jpg" : null,
        PublishedAt = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(-id),
        UpdatedAt = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(-id),
        IsPublished = true,
    };

    private static readonly string[] Words =
    [
        "港口", "貨櫃", "倉儲", "物流", "業者", "訂單", "運價", "航線", "碼頭", "冷鏈", "電商", "配送", "海關", "報關", "轉運",
        "供應鏈", "自動化", "主管機關", "試行", "滯留", "吞吐量", "成長", "下滑", "調整", "檢討", "投資", "需求", "人力", "設備", "夜間",
        "今年", "去年同期", "第三季", "上半年", "平均", "約", "百分之", "萬箱", "公噸", "億元", "表示", "指出", "建議", "預估", "統計",
    ];

    /// <summary>
    /// About 4 KB of UTF-8 that differs from article to article, as news text does (random words and figures,
    /// seeded by the id), with the same dirt as <see cref="DirtyBody"/>: compressing it costs what real text does.
    /// </summary>
    public static string Body(long id)
    {
        var random = new Random((int)id);
        var body = new StringBuilder();
        for (var i = 0; Encoding.UTF8.GetByteCount(body.ToString()) < 4096; i++)
        {
            body.Append("<p>");
            for (var sentence = 0; sentence < 3; sentence++)
            {
                for (var word = random.Next(6, 12); word > 0; word--)
                {
                    body.Append(Words[random.Next(Words.Length)]);
                }
                body.Append(random.Next(1, 1000)).Append(random.Next(2) == 0 ? "，" : "。");
            }
            body.Append("</p>\n");
            if (i == 2)
            {
                body.Append("<p onclick=\"x()\" style=\"color:red\">延伸閱讀：<a href=\"/news/policy/\">政策</a> <img src=\"chart.png\"></p><script>track()</script>\n");
            }
        }
        return body.ToString();
    }

    private static string BuildBody()
    {
        var body = new StringBuilder();
        for (var i = 0; Encoding.UTF8.GetByteCount(body.ToString()) < 4096; i++)
        {
            body.Append("<p>").Append(Sentences[i % Sentences.Length]).Append(Sentences[(i + 1) % Sentences.Length]).Append("</p>\n");
            if (i == 2)
            {
                body.Append("<p onclick=\"x()\" style=\"color:red\">延伸閱讀：<a href=\"/news/policy/\">政策</a> <img src=\"chart.png\"></p><script>track()</script>\n");
            }
        }
        return body.ToString();
    }
}
