using BenchmarkDotNet.Attributes;
using Feeds.Content;
using Feeds.Data;
using Feeds.Formats;
using Microsoft.Extensions.Options;
using Feeds.Rendering;

namespace Feeds.Benchmarks;

/// <summary>Writing a 50-item feed with full bodies, and the per-article cleaning it is built from.</summary>
[MemoryDiagnoser]
public class RenderBenchmarks
{
    private FeedDocument _document = null!;
    private FeedBuilder _coldBuilder = null!;
    private FeedBuilder _warmBuilder = null!;
    private ArticleRow[] _articles = [];
    private ILookup<long, string> _tags = null!;
    private readonly ArticleHtml _html = new();
    private readonly Uri _articleUrl = new("https://news.example.com/news/logistics/1.html");

    [GlobalSetup]
    public void Setup()
    {
        _articles = Enumerable.Range(1, 50).Select(i => SampleData.Article(i)).ToArray();
        _tags = _articles.SelectMany(a => new[] { (a.Id, "供應鏈"), (a.Id, $"主題{a.Id % 7}") }).ToLookup(t => t.Item1, t => t.Item2);
        _coldBuilder = Builder(new CleanArticleCache(capacityBytes: 0));
        _warmBuilder = Builder(new CleanArticleCache());
        _document = Build(_warmBuilder);
    }

    [Benchmark(Description = "write RSS, 50 items")]
    public byte[] WriteRss() => FeedFormat.Rss.WriteParts(_document).ToArray();

    [Benchmark(Description = "write RSS as parts (a render), 50 items")]
    public FeedBytes WriteRssParts() => FeedFormat.Rss.WriteParts(_document);

    [Benchmark(Description = "write RSS as parts + ETag of its bytes (XxHash128), 50 items")]
    public string WriteRssPartsAndETag() => FeedFormat.Rss.WriteParts(_document).EntityTag();

    [Benchmark(Description = "write Atom, 50 items")]
    public byte[] WriteAtom() => FeedFormat.Atom.WriteParts(_document).ToArray();

    [Benchmark(Description = "build + write RSS, 50 items, articles cleaned before")]
    public byte[] BuildAndWriteRssWarm() => FeedFormat.Rss.WriteParts(Build(_warmBuilder)).ToArray();

    [Benchmark(Description = "build + write RSS, 50 items, every article cleaned")]
    public byte[] BuildAndWriteRssCold() => FeedFormat.Rss.WriteParts(Build(_coldBuilder)).ToArray();

    [Benchmark(Description = "sanitise one article body")]
    public string SanitiseBody() => _html.Clean(SampleData.DirtyBody, _articleUrl);

    private FeedDocument Build(FeedBuilder builder) =>
        builder.Build(new FeedSubject("logistics", "綜合物流"), new Uri("https://feeds.example.org/feeds/logistics.rss"),
            DateTime.UtcNow.Date, _articles, _tags, _ => "綜合物流");

    private static FeedBuilder Builder(CleanArticleCache cache) =>
        new(Options.Create(new FeedsOptions()), SiteTime.Create("Asia/Shanghai"), new ArticleHtml(), cache);
}
