using BenchmarkDotNet.Attributes;
using Dapper;
using Feeds.Data;
using Feeds.Publishing;
using Feeds.Versions;

namespace Feeds.Benchmarks;

/// <summary>
/// What a poll of feed versions costs as the tags grow (200, 4,000, 40,000), on SQLite with 60,000 articles in
/// 300 categories of 20 sections, two tags each: the one-row read every poll makes, the read of a poll after one
/// article was edited, and every feed's versions (what every poll read before the change log); then the
/// in-memory step of each (<see cref="FeedVersions.Apply"/>). Setup prints the memory the versions take per feed.
/// </summary>
[MemoryDiagnoser]
public class PollBenchmarks
{
    private const string FillSql = """
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
        INSERT INTO categories (id, slug, name, parent_id, updated_at)
        SELECT i, printf('section-%02d', i), printf('版面 %d', i), NULL, '2026-01-01T00:00:00.0000000Z' FROM n;
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
        INSERT INTO categories (id, slug, name, parent_id, updated_at)
        SELECT 20 + i, printf('category-%03d', i), printf('分類 %d', i), 1 + i % 20, '2026-01-01T00:00:00.0000000Z' FROM n;
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000)
        INSERT INTO articles (external_id, category_id, title, summary, content_html, author, source, url, published_at, updated_at, is_published)
        SELECT printf('gen-%07d', i), 21 + i % 300, printf('第%d號報導', i), '摘要', '<p>內文</p>', NULL, '示範物流協會',
               printf('https://news.example.com/%d.html', i),
               strftime('%Y-%m-%dT%H:%M:%S.0000000Z', '2026-11-28T00:00:00', printf('%+d minutes', 10 - i)),
               strftime('%Y-%m-%dT%H:%M:%S.0000000Z', '2026-11-28T00:00:00', printf('%+d minutes', 10 - i)),
               1
        FROM n;
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @tags)
        INSERT INTO tags (id, name) SELECT i, printf('標籤%d', i) FROM n;
        INSERT INTO article_tags (article_id, tag_id, position) SELECT id, 1 + id % @tags, 0 FROM articles;
        INSERT INTO article_tags (article_id, tag_id, position) SELECT id, 1 + (id * 7 + 3) % @tags, 1 FROM articles WHERE (id * 7 + 3) % @tags <> id % @tags;
        """;

    private readonly DateTime _now = new(2026, 11, 28, 0, 0, 0, DateTimeKind.Utc);
    private VersionStore _store = null!;
    private long _markBeforeEdit;
    private long _markAfterEdit;
    private VersionRead _all = null!;
    private VersionRead _changed = null!;
    private FeedVersions _versions = null!;

    [Params(200, 4_000, 40_000)]
    public int Tags { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        // WAL: the setup edits an article while the store reads.
        var database = await BenchmarkDatabase.OpenAsync($"feeds-bench-poll-v2-{Tags}", FillSql, new { tags = Tags }, "WAL");
        _store = new VersionStore(database);
        _markBeforeEdit = (await _store.GetMarkAsync(_now, CancellationToken.None)).Mark;
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            // One edit, as the CMS makes it: its category and its two tags are logged.
            await connection.ExecuteAsync("UPDATE articles SET title = title || '.' WHERE id = 12345");
        }
        _markAfterEdit = (await _store.GetMarkAsync(_now, CancellationToken.None)).Mark;
        _all = await _store.ReadAllAsync(_now, CancellationToken.None);
        _changed = await _store.ReadChangedAsync(_markBeforeEdit, _markAfterEdit, _now, _now, CancellationToken.None);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        _versions = FeedVersions.Empty.Apply(_all, out _);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"// versions of {_versions.Count} feeds: {after - before:N0} bytes, {(after - before) / (double)_versions.Count:N0} bytes a feed");
    }

    [Benchmark(Description = "read: the change mark (a poll that finds nothing)")]
    public async Task<long> Mark() => (await _store.GetMarkAsync(_now, CancellationToken.None)).Mark;

    [Benchmark(Description = "read: the feeds one edit touched")]
    public async Task<int> Changed() =>
        (await _store.ReadChangedAsync(_markBeforeEdit, _markAfterEdit, _now, _now, CancellationToken.None)).RowsRead;

    [Benchmark(Description = "read: every feed's version (every poll before)")]
    public async Task<int> All() => (await _store.ReadAllAsync(_now, CancellationToken.None)).RowsRead;

    [Benchmark(Description = "apply: the feeds one edit touched")]
    public int ApplyChanged() => _versions.Apply(_changed, out var changed).Count + changed.Count;

    [Benchmark(Description = "apply: every feed's version")]
    public int ApplyAll() => FeedVersions.Empty.Apply(_all, out _).Count;
}
