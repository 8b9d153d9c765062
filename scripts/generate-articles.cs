#:property PublishAot=false
// Writes N made-up articles as NDJSON (the import format) to standard output, for load tests and import timing:
//   dotnet run scripts/generate-articles.cs -- 100000 > /tmp/articles.ndjson
//   dotnet run scripts/generate-articles.cs -- 60000 40000 > /tmp/articles.ndjson   (40,000 distinct tags)
// Deterministic for a given N: bodies of 1-6 KB of Traditional Chinese paragraphs, naive local publish
// times over the past two years, 2 sections and 12 categories, two tags each: one of T (default 50), one of 7.
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
var tagCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50;
var random = new Random(42);
string[] sections = ["news", "industry"];
string[] sectionNames = ["資訊中心", "產業觀察"];
string[] categoryNames = ["綜合物流", "快遞動態", "政策法規", "國際航運", "倉儲管理", "港口動態", "電商零售", "冷鏈物流", "科技創新", "人才培訓", "綠色物流", "市場行情"];
string[] sentences =
[
    "業者表示，今年訂單量較去年同期成長近兩成，倉儲空間與人力配置都面臨調整。",
    "主管機關指出，新制上路後將定期檢討，並視執行情形滾動修正相關規定。",
    "專家建議企業先盤點現有流程，再逐步導入自動化設備，避免投資與需求脫節。",
    "多家中小企業認為共同配送能降低成本，但資料分享與責任歸屬仍待釐清。",
    "港區夜間作業試行三個月以來，貨櫃平均滯留時間縮短約百分之十五。",
    "冷鏈業者強調溫度紀錄必須全程可追溯，才能取得通路與消費者的信任。",
    "偏遠地區的末端配送仍仰賴郵局網點，業者正評估與地方商店合作取件。",
    "新能源貨車的充電設施不足，是車隊汰換進度落後的主要原因之一。",
];
var options = new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
var start = new DateTime(2026, 11, 1, 8, 0, 0);
using var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16);
for (var i = 0; i < count; i++)
{
    var category = i % categoryNames.Length;
    var section = category % 2;
    var body = new StringBuilder();
    var targetBytes = random.Next(1024, 6 * 1024);
    while (Encoding.UTF8.GetByteCount(body.ToString()) < targetBytes)
    {
        body.Append("<p>");
        for (var s = 0; s < 3; s++)
        {
            body.Append(sentences[random.Next(sentences.Length)]);
        }
        body.Append("</p>\n");
    }
    var published = start.AddMinutes(-i * 7 - random.Next(7));
    var article = new Dictionary<string, object?>
    {
        ["id"] = $"gen-{i:D7}",
        ["category"] = $"category-{category + 1:D2}",
        ["categoryName"] = categoryNames[category],
        ["section"] = sections[section],
        ["sectionName"] = sectionNames[section],
        ["title"] = $"第{i + 1}號報導：{categoryNames[category]}最新動態",
        ["summary"] = sentences[random.Next(sentences.Length)],
        ["contentHtml"] = body.ToString(),
        ["author"] = i % 3 == 0 ? null : $"記者{(char)('甲' + i % 10)}",
        ["source"] = "示範物流協會",
        ["url"] = $"https://news.example.com/{sections[section]}/{i}.html",
        ["publishedAt"] = published.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        ["tags"] = new[] { $"標籤{i % tagCount}", $"主題{i % 7}" },
    };
    output.WriteLine(JsonSerializer.Serialize(article, options));
}
