using System.Diagnostics;
using Feeds.Content;
using Feeds.Rendering;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Feeds.Benchmarks;

/// <summary>
/// What keeping the Simplified-Chinese contents of many entries costs (issue 34): each sample article (about
/// 4 KB of body) cleaned, then converted as a twin's render converts it, and all kept; reported are the time a
/// conversion took, the bytes the entry cache charges for the converted contents (Rendering/EntryCache's budget)
/// and the managed heap they hold, measured by the GC, against the same originals kept.
/// <code>dotnet run -c Release --project tests/Feeds.Benchmarks -- --twin-memory 10000</code>
/// </summary>
internal static class TwinMemory
{
    public static int Run(int count)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Feeds:Database:ConnectionString"] = $"Data Source={Path.Combine(Path.GetTempPath(), "feeds-twin-memory.db")}",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddFeedsCore();
        var provider = services.BuildServiceProvider();
        var builder = provider.GetRequiredService<FeedBuilder>();
        var scripts = provider.GetRequiredService<Scripts>();
        if (!scripts.Serves(Script.Simplified))
        {
            Console.Error.WriteLine($"The twins are off: {scripts.Problem}");
            provider.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return 1;
        }

        var originals = new List<CleanArticle>(count);
        var before = Heap();
        for (var id = 1; id <= count; id++)
        {
            originals.Add(builder.Cleaned(SampleData.Article(id)));
        }
        var originalHeap = Heap() - before;

        var converted = new List<CleanArticle>(count);
        before = Heap();
        var clock = Stopwatch.StartNew();
        foreach (var original in originals)
        {
            converted.Add(scripts.Article(Script.Simplified, original));
        }
        var elapsed = clock.Elapsed;
        var convertedHeap = Heap() - before;

        var charged = converted.Sum(clean => new ArticleContent(clean, ["供應鏈"]).EstimatedBytes);
        var budget = MemoryBudget.Of(new FeedsOptions().CacheSizeMegabytes);
        Console.WriteLine($"{count} articles converted in {elapsed.TotalSeconds:F1} s ({elapsed.TotalMicroseconds / count:F0} µs each)");
        Console.WriteLine($"converted contents: {convertedHeap / 1048576.0:F1} MB of heap, {charged / 1048576.0:F1} MB charged to the contents' budget ({budget.ContentBytes / 1048576.0:F0} MB at the default Feeds:CacheSizeMegabytes)");
        Console.WriteLine($"the same originals: {originalHeap / 1048576.0:F1} MB of heap");
        GC.KeepAlive(originals);
        GC.KeepAlive(converted);
        // RedisFeedStore is only IAsyncDisposable.
        provider.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return 0;
    }

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
