using BenchmarkDotNet.Attributes;
using Feeds.Content;
using Feeds.Data;
using Feeds.Formats;
using Feeds.Http;
using Feeds.Publishing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Feeds.Rendering;
using Feeds.Versions;
using Feeds.Admission;

namespace Feeds.Benchmarks;

/// <summary>
/// What a request for an unchanged feed costs once its version is known: the cache lookup and writing the
/// stored response (200 identity, 200 gzip, 304). Compare with the baseline, which only creates the request.
/// And, for the uncached figure, what one render of the same 50-item feed costs: when its entries were written
/// before (the usual case: a feed whose version moved, a new limit, a section listing its categories'
/// articles); when every entry is new to the format but its article's content is kept at its version (written
/// in another format before, or its category renamed: services that keep no entry bytes); when every entry's
/// tags moved but its texts are kept at their text version (a tag renamed: services that keep the texts but
/// never the tags); when every body must be read but its article was cleaned before (services that keep neither
/// entry bytes nor contents: since text versions, only after the contents were evicted); and when every article
/// is new too (services that keep no cleaned article either, so every body is sanitised); how much of it is
/// reading; and its gzip, spliced or compressed whole.
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private ServiceProvider _services = null!;
    private ServiceProvider _newToFormatServices = null!;
    private ServiceProvider _newTagsServices = null!;
    private ServiceProvider _newEntryServices = null!;
    private ServiceProvider _newArticleServices = null!;
    private FeedPublisher _publisher = null!;
    private FeedPublisher _newToFormatPublisher = null!;
    private FeedPublisher _newTagsPublisher = null!;
    private FeedPublisher _newEntryPublisher = null!;
    private FeedPublisher _newArticlePublisher = null!;
    private string _path = "";
    private FeedHeaders _headers = null!;
    private FeedRequest _request = null!;
    private FeedRequest _twinRequest = null!;
    private CleanArticle _cleanArticle = null!;
    private string _etag = "";
    private byte[] _document = [];
    private string _token = "";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var path = _path = Path.Combine(Path.GetTempPath(), $"feeds-hotpath-{Environment.ProcessId}.db");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Feeds:Database:ConnectionString"] = $"Data Source={path}",
        }).Build();
        _services = Services(configuration, keepEntries: true, keepContents: true, keepCleanArticles: true);
        _newToFormatServices = Services(configuration, keepEntries: false, keepContents: true, keepCleanArticles: true);
        _newTagsServices = Services(configuration, keepEntries: false, keepContents: true, keepCleanArticles: true, keepTags: false);
        _newEntryServices = Services(configuration, keepEntries: false, keepContents: false, keepCleanArticles: true);
        _newArticleServices = Services(configuration, keepEntries: false, keepContents: false, keepCleanArticles: false);
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
        await _newToFormatServices.GetRequiredService<ChangeDetector>().RefreshAsync(CancellationToken.None);
        await _newTagsServices.GetRequiredService<ChangeDetector>().RefreshAsync(CancellationToken.None);
        await _newEntryServices.GetRequiredService<ChangeDetector>().RefreshAsync(CancellationToken.None);
        await _newArticleServices.GetRequiredService<ChangeDetector>().RefreshAsync(CancellationToken.None);
        _publisher = _services.GetRequiredService<FeedPublisher>();
        _newToFormatPublisher = _newToFormatServices.GetRequiredService<FeedPublisher>();
        _newTagsPublisher = _newTagsServices.GetRequiredService<FeedPublisher>();
        _newEntryPublisher = _newEntryServices.GetRequiredService<FeedPublisher>();
        _newArticlePublisher = _newArticleServices.GetRequiredService<FeedPublisher>();
        _headers = _services.GetRequiredService<FeedHeaders>();
        _request = new FeedRequest(FeedKey.Category("logistics"), FeedFormat.Rss, 50);
        var feed = (await _publisher.GetAsync(_request, ClientId.Background, CancellationToken.None))!;
        _etag = feed.ETag;
        _document = feed.Identity.ToArray();
        _token = feed.Token;
        // The contents are kept by a first render; every later one writes every entry anew from them.
        await _newToFormatPublisher.RenderAsync(_request, _token);
        await _newTagsPublisher.RenderAsync(_request, _token);
        // The Simplified-Chinese twin of the same feed (Content/Scripts), its articles converted by a first render;
        // without OpenCC there is none, and the "twins" benchmarks cannot run.
        _twinRequest = _request with { Script = Script.Simplified };
        _cleanArticle = _services.GetRequiredService<FeedBuilder>().Cleaned(SampleData.Article(1));
        if (_services.GetRequiredService<Scripts>().Serves(Script.Simplified))
        {
            await _publisher.RenderAsync(_twinRequest, _token);
            await _newToFormatPublisher.RenderAsync(_twinRequest, _token);
        }
    }

    // Async: some services (RedisFeedStore) are only IAsyncDisposable, and a synchronous Dispose throws, which
    // made BenchmarkDotNet report every row of this class as NA.
    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _services.DisposeAsync();
        await _newToFormatServices.DisposeAsync();
        await _newTagsServices.DisposeAsync();
        await _newEntryServices.DisposeAsync();
        await _newArticleServices.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(_path);
    }

    /// <summary>The app's services; a cache of capacity 0 keeps nothing, so every render writes (reads, or cleans) anew.</summary>
    private static ServiceProvider Services(IConfiguration configuration, bool keepEntries, bool keepContents, bool keepCleanArticles, bool keepTags = true)
    {
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddFeedsCore();
        if (!keepEntries || !keepContents || !keepTags)
        {
            services.AddSingleton(_ => new EntryCache(entryBytes: keepEntries ? 256L << 20 : 0, contentBytes: keepContents ? 256L << 20 : 0, keepTags));
        }
        if (!keepCleanArticles)
        {
            services.AddSingleton(_ => new CleanArticleCache(capacityBytes: 0));
        }
        return services.BuildServiceProvider();
    }

    [Benchmark(Baseline = true, Description = "baseline: create the request")]
    public HttpContext Baseline() => Context(null, null);

    [Benchmark(Description = "cached feed, 200 identity")]
    public Task Ok() => ServeAsync(Context(null, null));

    [Benchmark(Description = "cached feed, 200 gzip")]
    public Task Gzip() => ServeAsync(Context("gzip", null));

    [Benchmark(Description = "cached feed, 304")]
    public Task NotModified() => ServeAsync(Context(null, _etag));

    [Benchmark(Description = "uncached render, entries written before: read keys, splice")]
    public Task<RenderedFeed?> Render() => _publisher.RenderAsync(_request, _token);

    [Benchmark(Description = "uncached render, every entry new to its format (contents kept): read keys, write XML")]
    public Task<RenderedFeed?> RenderNewToFormat() => _newToFormatPublisher.RenderAsync(_request, _token);

    [Benchmark(Description = "uncached render, every entry new, its tags moved (texts kept): read keys and tags, write XML")]
    public Task<RenderedFeed?> RenderNewTags() => _newTagsPublisher.RenderAsync(_request, _token);

    [Benchmark(Description = "uncached render, every entry new (articles cleaned before): read all, write XML")]
    public Task<RenderedFeed?> RenderNewEntries() => _newEntryPublisher.RenderAsync(_request, _token);

    [Benchmark(Description = "uncached render, every article new: read all, sanitise, write XML")]
    public Task<RenderedFeed?> RenderNewArticles() => _newArticlePublisher.RenderAsync(_request, _token);

    /// <summary>The category of the benchmarks that need OpenCC (the Simplified-Chinese twins).</summary>
    public const string Twins = "twins";

    [Benchmark(Description = "twin: uncached render, entries written before: read keys, splice"), BenchmarkCategory(Twins)]
    public Task<RenderedFeed?> RenderTwin() => _publisher.RenderAsync(_twinRequest, _token);

    [Benchmark(Description = "twin: uncached render, every entry new to its format (converted contents kept): read keys, write XML"), BenchmarkCategory(Twins)]
    public Task<RenderedFeed?> RenderTwinNewToFormat() => _newToFormatPublisher.RenderAsync(_twinRequest, _token);

    [Benchmark(Description = "one article's texts converted to Simplified Chinese (OpenCC t2s: title, summary, body's HTML)"), BenchmarkCategory(Twins)]
    public Task<CleanArticle> ConvertArticle() =>
        Task.FromResult(_services.GetRequiredService<Scripts>().Article(Script.Simplified, _cleanArticle, new SharedConversions([])));

    [Benchmark(Description = "uncached render + gzip, entries written before (spliced)")]
    public async Task<byte[]> RenderGzip() => (await _publisher.RenderAsync(_request, _token))!.Gzip;

    [Benchmark(Description = "uncached render + gzip, every entry new (each entry compressed)")]
    public async Task<byte[]> RenderGzipNewEntries() => (await _newEntryPublisher.RenderAsync(_request, _token))!.Gzip;

    [Benchmark(Description = "gzip of the whole document at once (GZipStream, as before)")]
    public byte[] GzipWhole() => Compress(_document, stream => new System.IO.Compression.GZipStream(stream, System.IO.Compression.CompressionLevel.Optimal));

    [Benchmark(Description = "Brotli of the whole document (BrotliStream, Optimal)")]
    public byte[] BrotliWhole() => Compress(_document, stream => new System.IO.Compression.BrotliStream(stream, System.IO.Compression.CompressionLevel.Optimal));

    private static byte[] Compress(byte[] document, Func<Stream, Stream> compressor)
    {
        using var buffer = new MemoryStream();
        using (var stream = compressor(buffer))
        {
            stream.Write(document);
        }
        return buffer.ToArray();
    }

    [Benchmark(Description = "uncached render: the categories and the 50 keys alone")]
    public Task<(IReadOnlyList<CategoryRow> Categories, IReadOnlyList<ArticleKey> Keys)> Keys() =>
        _services.GetRequiredService<ArticleStore>().GetFeedStateAsync(FeedScope.Subtree("logistics"), DateTime.UtcNow, 50, CancellationToken.None);

    [Benchmark(Description = "uncached render: the keys, every body and every tag read")]
    public Task<FeedRead> Read() => _services.GetRequiredService<ArticleStore>().ReadFeedAsync(FeedScope.Subtree("logistics"), DateTime.UtcNow, 50, CancellationToken.None);

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
