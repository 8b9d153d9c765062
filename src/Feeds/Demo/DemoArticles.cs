using System.Globalization;
using Feeds.Content;
using Feeds.Data;

namespace Feeds.Demo;

/// <summary>
/// A few hundred made-up articles of a Traditional Chinese logistics news site, written the way its CMS
/// stores them: naive local publish times, a source organisation, HTML paragraphs, and dirty content
/// (a Simplified-script advertising line, romanised glosses, scripts, relative links, control characters,
/// a CJK Extension B name) that the feeds must pass on faithfully yet safely. Always the same articles
/// for the same seeding time.
/// </summary>
public static class DemoArticles
{
    public const int Count = 320;

    private sealed record DemoCategory(string Section, string SectionName, string Slug, string Name, string[] Topics);

    private static readonly DemoCategory[] Categories =
    [
        new("news", "資訊中心", "logistics", "綜合物流", ["倉儲自動化", "多式聯運", "城市配送", "物流園區"]),
        new("news", "資訊中心", "express", "快遞動態", ["包裹分揀", "末端網點", "智慧快遞櫃", "農村寄遞"]),
        new("news", "資訊中心", "policy", "政策法規", ["綠色包裝", "運輸安全", "數據合規", "行業標準"]),
        new("news", "資訊中心", "shipping", "國際航運", ["港口吞吐", "航線調整", "貨櫃運價", "跨境通關"]),
        new("industry", "產業觀察", "ecommerce", "電商零售", ["直播帶貨", "退貨物流", "前置倉", "會員配送"]),
        new("industry", "產業觀察", "cold-chain", "冷鏈物流", ["生鮮冷藏", "醫藥冷鏈", "溫控追蹤", "冷庫建設"]),
        new("industry", "產業觀察", "technology", "科技創新", ["無人機配送", "路徑規劃", "電子運單", "新能源貨車"]),
    ];

    private static readonly string[] Places = ["台中", "高雄", "新竹", "嘉義", "花蓮", "台南", "基隆", "桃園"];
    private static readonly string[] Actions = ["啟動", "完成", "試行", "擴建", "發布", "升級", "檢討", "推動"];
    private static readonly string[] Sources = ["示範物流協會", "城市交通研究中心", "港務管理處", "產業發展研究院", "消費者權益促進會"];
    // A byline may name several authors (Data/FiledNames): each has a feed.
    private static readonly string?[] Authors = ["林雅婷", "陳志明", "林雅婷、張書豪", "張書豪", "黃𪚥", null, "李佩珊"];
    private static readonly string[] TagPool = ["供應鏈", "碳排放", "自動化", "最後一哩", "跨境電商", "人才培訓", "數位轉型", "年終旺季"];

    private static readonly string[] Openings =
    [
        "{0}今日宣布在{1}推動「{2}」計畫，預計明年第一季完成第一階段。",
        "記者走訪{1}多家業者，發現「{2}」已成為今年最受關注的議題。",
        "{0}與地方政府簽署合作備忘錄，將在{1}共同推進{2}。",
    ];

    private static readonly string[] Middles =
    [
        "業者表示，過去一年訂單量成長近兩成，既有設施已接近滿載，必須重新規劃動線與人力配置。",
        "根據內部統計，導入新系統後，平均處理時間由四小時縮短為兩個半小時，錯誤率也明顯下降。",
        "不過也有基層人員指出，新流程上路初期需要大量培訓，部分偏遠站點仍缺乏穩定網路。",
        "專家建議，企業應先盤點現有資料，再逐步導入自動化設備，以免投資與實際需求脫節。",
        "主管機關強調，相關措施將兼顧消費者權益與從業人員安全，並於半年後進行成效評估。",
        "多家中小企業認為，共同倉儲與共同配送能降低成本，但資訊分享與責任歸屬仍待釐清。",
    ];

    private static readonly string[] Closings =
    [
        "下一階段的細節預計於月底公布，業界將持續關注後續發展。",
        "相關單位表示，將於年底前舉辦說明會，聽取業者與民眾意見。",
    ];

    private static readonly string[] EnglishTitles =
    [
        "Port of Keelung trials night-time container pickups",
        "Parcel lockers reach 5,000 sites as rural demand grows",
        "Cold-chain operators agree on shared temperature logging",
        "Electric delivery vans cut inner-city noise, study finds",
    ];

    public static IEnumerable<ArticleInput> Create(DateTime nowUtc, SiteTime siteTime)
    {
        var random = new Random(20260331);
        // The CMS writes wall-clock times of the site, to the second, without offset.
        var localNow = TimeZoneInfo.ConvertTimeFromUtc(nowUtc, siteTime.Zone);
        localNow = new DateTime(localNow.Year, localNow.Month, localNow.Day, localNow.Hour, localNow.Minute, localNow.Second);

        for (var i = 0; i < Count; i++)
        {
            var category = Categories[i % Categories.Length];
            var topic = category.Topics[random.Next(category.Topics.Length)];
            var place = Places[random.Next(Places.Length)];
            var source = Sources[random.Next(Sources.Length)];
            var id = $"demo-{(i + 1).ToString("D4", CultureInfo.InvariantCulture)}";
            var english = i % 9 == 4;

            // Article 0..2 are scheduled for the coming days; the rest go back about two months.
            var localPublished = i < 3
                ? localNow.AddHours(20 * (i + 1))
                : localNow.AddMinutes(-(i * 277 + random.Next(60)));
            var published = siteTime.LocalToUtc(localPublished);
            DateTime? updated = i % 5 == 0 && i >= 3 ? published.AddHours(3 + random.Next(20)) : null;
            if (updated > nowUtc)
            {
                updated = null;
            }

            var title = english
                ? EnglishTitles[i % EnglishTitles.Length]
                : $"{place}{Actions[random.Next(Actions.Length)]}{topic}方案 {category.Name}業者看好明年需求";
            var body = english ? EnglishBody(place) : ChineseBody(random, source, place, topic);
            var tags = TagPool.OrderBy(_ => random.Next()).Take(random.Next(0, 4)).ToList();
            var url = $"https://news.example.com/{category.Section}/{category.Slug}/{id}.html";
            string? image = i % 4 == 0 ? $"https://news.example.com/images/{id}.jpg" : null;

            string? summary = english ? "A short report from the logistics desk." : $"{place}{topic}最新進展，{source}提供資料。";
            (title, summary, body, image) = MakeDirty(i, title, summary, body, image);

            yield return new ArticleInput(
                ExternalId: id,
                CategorySlug: category.Slug,
                CategoryName: category.Name,
                SectionSlug: category.Section,
                SectionName: category.SectionName,
                Title: title,
                Summary: summary,
                ContentHtml: body,
                Author: Authors[i % Authors.Length],
                Source: source,
                Url: url,
                ImageUrl: image,
                PublishedAt: published,
                UpdatedAt: updated,
                IsPublished: i % 37 != 10,  // a few drafts
                Tags: tags);
        }
    }

    private static string ChineseBody(Random random, string source, string place, string topic)
    {
        var paragraphs = new List<string> { string.Format(CultureInfo.InvariantCulture, Openings[random.Next(Openings.Length)], source, place, topic) };
        var count = 3 + random.Next(5);
        for (var p = 0; p < count; p++)
        {
            paragraphs.Add(Middles[random.Next(Middles.Length)]);
        }
        paragraphs.Add(Closings[random.Next(Closings.Length)]);
        return string.Concat(paragraphs.Select(paragraph => $"<p>{paragraph}</p>\n"));
    }

    private static string EnglishBody(string place) =>
        $"<p>Operators in {place} say the change was requested by drivers and customers alike.</p>\n" +
        "<p>The pilot runs for three months, after which the results will be published.</p>\n";

    /// <summary>The kinds of dirt a real CMS holds, spread over some articles.</summary>
    private static (string Title, string? Summary, string Body, string? Image) MakeDirty(int i, string title, string? summary, string body, string? image) => (i % 23) switch
    {
        // An advertising line injected in Simplified script, as scraped pages carry.
        3 => (title, summary, "<p>点击关注获取最新优惠信息</p>\n" + body, image),
        // Romanised glosses in brackets after some characters.
        5 => (title, summary, body.Replace("業者", "業(ye) 者", StringComparison.Ordinal).Replace("物流", "物流(wu liu) ", StringComparison.Ordinal), image),
        // Markup that must not reach a reader: script, handlers, javascript: links, iframes, styles.
        7 => (title, summary, body + "<script>alert('x')</script><p onclick=\"steal()\" style=\"position:fixed;top:0\">延伸閱讀：<a href=\"javascript:alert(1)\">更多</a></p><iframe src=\"https://ads.example.net/\"></iframe>", image),
        // Relative links and images, resolved against the article's own URL.
        9 => (title, summary, body + "<p>相關報導請見<a href=\"/news/policy/\">政策法規</a>，圖表見 <img src=\"../images/chart.png\" alt=\"統計圖\"></p>", "/images/lead-relative.jpg"),
        // Characters XML forbids, pasted from office documents.
        11 => ($"{title}\u0008\u000B", summary, body.Replace("。", "。\uFFFE", StringComparison.Ordinal), image),
        // Characters that must be escaped exactly once.
        13 => ($"運價指數 & 油價 <漲跌> \"兩難\" {title}", summary, body, image),
        // Text that looks like markup but is text: comparisons, and tags the newsroom wrote as text (entities).
        15 => ($"比較 x<y 與 p<q　{title}", "若 x<y 則 y>x，否則 a<b；a < b && c > d", body, image),
        17 => (title, "摘要 &lt;script&gt;alert(1)&lt;/script&gt; 與 &lt;/b&gt; 是文字", body, image),
        // No summary: the start of the body describes the article.
        19 => (title, null, body, image),
        // Ideographic spaces (U+3000) of CJK typography, and a lead image whose URL tells no type.
        21 => ($"港口吞吐量　「{title}」", summary, body, $"https://news.example.com/image?id={i}"),
        _ => (title, summary, body, image),
    };
}
