using BenchmarkDotNet.Attributes;
using Feeds.Data;
using Feeds.Formats;
using Feeds.Http;
using Feeds.Publishing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Feeds.Benchmarks;

/// <summary>
/// What a request for an unchanged feed costs once its version is known: the cache lookup and writing the
/// stored response (200 identity, 200 gzip, 304). Compare with the baseline, which only creates the request.
/// And, for the uncached figure, what one render of the same 50-item feed costs and how much of it is reading.
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private ServiceProvider _services = null!;
    private FeedPublisher _publisher = null!;
    private FeedHeaders _headers = null!;
    private FeedRequest _request = null!;
    private string _etag = "";
    private string _token = "";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"feeds-hotpath-{Environment.ProcessId}.db");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Feeds:Database:ConnectionString"] = $"Data Source={path}",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddFeedsCore();
        _services = services.BuildServiceProvider();
        await _services.GetRequiredService<Migrator>().MigrateAsync(CancellationToken.None);
        await using (var writer = await ArticleWriter.BeginAsync(_services.GetRequiredService<Database>(), TimeProvider.System, CancellationToken.None))
        {
            foreach (var row in Enumerable.Range(1, 50).Select(i => SampleData.Article(i)))
            {
                await writer.UpsertAsync(new ArticleInput(row.ExternalId, "logistics", "綜合物流", "news", "資訊中心", row.Title, row.Summary,
                    row.ContentHtml, row.Author, row.Source, row.Url, row.ImageUrl, row.PublishedAt, row.UpdatedAt, true, ["供應鏈"]), CancellationToken.None);
            }
            await writer.CommitAsync(CancellationToken.None);
        }
        await _services.GetRequiredService<ChangeDetector>().RefreshAsync(CancellationToken.None);
        _publisher = _services.GetRequiredService<FeedPublisher>();
        _headers = _services.GetRequiredService<FeedHeaders>();
        _request = new FeedRequest(FeedKey.Category("logistics"), FeedFormat.Rss, 50);
        var feed = (await _publisher.GetAsync(_request, ClientId.Background, CancellationToken.None))!;
        _etag = feed.ETag;
        _token = feed.Token;
    }

    // Async: some services (RedisFeedStore) are only IAsyncDisposable, and a synchronous Dispose throws, which
    // made BenchmarkDotNet report every row of this class as NA.
    [GlobalCleanup]
    public async Task CleanupAsync() => await _services.DisposeAsync();

    [Benchmark(Baseline = true, Description = "baseline: create the request")]
    public HttpContext Baseline() => Context(null, null);

    [Benchmark(Description = "cached feed, 200 identity")]
    public Task Ok() => ServeAsync(Context(null, null));

    [Benchmark(Description = "cached feed, 200 gzip")]
    public Task Gzip() => ServeAsync(Context("gzip", null));

    [Benchmark(Description = "cached feed, 304")]
    public Task NotModified() => ServeAsync(Context(null, _etag));

    [Benchmark(Description = "uncached render: read, build, write XML")]
    public Task<RenderedFeed?> Render() => _publisher.RenderAsync(_request, _token);

    [Benchmark(Description = "uncached render: the categories and the 50 keys alone")]
    public Task<(IReadOnlyList<CategoryRow> Categories, IReadOnlyList<ArticleKey> Keys)> Keys() =>
        _services.GetRequiredService<ArticleStore>().GetFeedStateAsync(new FeedScope("logistics", null), DateTime.UtcNow, 50, CancellationToken.None);

    [Benchmark(Description = "uncached render: the database reads alone")]
    public Task<FeedRead> Read() => _services.GetRequiredService<ArticleStore>().ReadFeedAsync(new FeedScope("logistics", null), DateTime.UtcNow, 50, CancellationToken.None);

    private async Task ServeAsync(HttpContext context)
    {
        var feed = await _publisher.GetAsync(new FeedRequest(FeedKey.Category("logistics"), FeedFormat.Rss, 50), ClientId.Background, CancellationToken.None);
        IResult result = ConditionalRequest.IsNotModified(context.Request, feed!, DateTimeOffset.UtcNow)
            ? new NotModifiedResponse(feed!, _headers)
            : new FeedResponse(feed!, _headers);
        await result.ExecuteAsync(context);
    }

    private static DefaultHttpContext Context(string? acceptEncoding, string? ifNoneMatch)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Response.Body = Stream.Null;
        if (acceptEncoding is not null)
        {
            context.Request.Headers.AcceptEncoding = acceptEncoding;
        }
        if (ifNoneMatch is not null)
        {
            context.Request.Headers.IfNoneMatch = ifNoneMatch;
        }
        return context;
    }
}
