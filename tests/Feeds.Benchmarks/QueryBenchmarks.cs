using BenchmarkDotNet.Attributes;
using Dapper;
using Feeds.Data;

namespace Feeds.Benchmarks;

/// <summary>
/// The newest-N read of a category, section, tag and site feed on SQLite with 10,000 and 1,000,000 articles:
/// with the indexes it stays one seek per category or tag, so the two sizes should cost about the same.
/// Also the poll of every version, and archive pages (a month's newest page, with its neighbours found).
/// </summary>
[MemoryDiagnoser]
public class QueryBenchmarks
{
    // 12 categories in 2 sections, articles spread over them, 1 % drafts, the newest 10 scheduled.
    private const string FillSql = """
        INSERT INTO categories (id, slug, name, parent_id, updated_at) VALUES
            (1, 'news', '資訊中心', NULL, '2026-01-01T00:00:00.0000000Z'),
            (2, 'industry', '產業觀察', NULL, '2026-01-01T00:00:00.0000000Z');
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12)
        INSERT INTO categories (id, slug, name, parent_id, updated_at)
        SELECT 2 + i, printf('category-%02d', i), printf('分類 %d', i), 1 + i % 2, '2026-01-01T00:00:00.0000000Z' FROM n;
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @count)
        INSERT INTO articles (external_id, category_id, title, summary, content_html, author, source, url, published_at, updated_at, is_published)
        SELECT printf('gen-%07d', i), 3 + i % 12, printf('第%d號報導', i), '摘要', '<p>內文</p>', NULL, '示範物流協會',
               printf('https://news.example.com/%d.html', i),
               strftime('%Y-%m-%dT%H:%M:%S.0000000Z', '2026-11-28T00:00:00', printf('%+d minutes', 10 - i)),
               strftime('%Y-%m-%dT%H:%M:%S.0000000Z', '2026-11-28T00:00:00', printf('%+d minutes', 10 - i)),
               CASE WHEN i % 100 = 0 THEN 0 ELSE 1 END
        FROM n;
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
        INSERT INTO tags (id, name) SELECT i, printf('標籤%d', i) FROM n;
        INSERT INTO article_tags (article_id, tag_id, position) SELECT id, 1 + id % 200, 0 FROM articles;
        INSERT INTO article_tags (article_id, tag_id, position) SELECT id, 1 + (id * 7 + 3) % 200, 1 FROM articles WHERE (id * 7 + 3) % 200 <> id % 200;
        """;

    private ArticleStore _store = null!;
    private VersionStore _versions = null!;
    private readonly DateTime _now = new(2026, 11, 28, 0, 0, 0, DateTimeKind.Utc);

    [Params(10_000, 1_000_000)]
    public int Articles { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var database = await BenchmarkDatabase.OpenAsync($"feeds-bench-v4-{Articles}", FillSql, new { count = Articles }, "DELETE", async connection =>
        {
            var published = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM articles WHERE published_at IS NOT NULL");
            if (published != Articles)
            {
                throw new InvalidOperationException($"The benchmark database holds {published} articles, not {Articles}.");
            }
        });
        _store = new ArticleStore(database);
        _versions = new VersionStore(database);
    }

    [Benchmark(Description = "newest 50 of a category")]
    public Task<int> Category() => CountAsync("category-01");

    [Benchmark(Description = "newest 50 of a section (6 categories)")]
    public Task<int> Section() => CountAsync("news");

    [Benchmark(Description = "newest 50 of the site")]
    public Task<int> Site() => CountAsync(null);

    [Benchmark(Description = "newest 50 of a tag")]
    public async Task<int> Tag() => (await _store.GetFeedStateAsync(FeedScope.Named(17), _now, 50, CancellationToken.None)).Keys.Count;

    [Benchmark(Description = "poll of all feed versions (14 categories, 200 tags)")]
    public async Task<int> Versions()
    {
        var read = await _versions.ReadAllAsync(_now, CancellationToken.None);
        return read.RowsRead;
    }

    [Benchmark(Description = "archive page: the site's October, newest 100")]
    public Task<int> SiteArchive() => ArchiveAsync(FeedScope.Site);

    [Benchmark(Description = "archive page: a category's October, newest 100")]
    public Task<int> CategoryArchive() => ArchiveAsync(FeedScope.Subtree("category-01"));

    [Benchmark(Description = "archive page: a tag's October, newest 100")]
    public Task<int> TagArchive() => ArchiveAsync(FeedScope.Named(17));

    private async Task<int> ArchiveAsync(FeedScope scope)
    {
        var read = await _store.ReadArchiveAsync(scope, October, October.AddMonths(1), null, 100, _now, MonthOf, CancellationToken.None);
        return read?.Feed.Keys.Count ?? 0;
    }

    private static readonly DateTime October = new(2026, 10, 1, 0, 0, 0, DateTimeKind.Utc);

    private static (DateTime Start, DateTime End) MonthOf(DateTime utc)
    {
        var start = new DateTime(utc.Year, utc.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        return (start, start.AddMonths(1));
    }

    private async Task<int> CountAsync(string? slug) => (await _store.GetFeedStateAsync(slug is null ? FeedScope.Site : FeedScope.Subtree(slug), _now, 50, CancellationToken.None)).Keys.Count;
}
