using BenchmarkDotNet.Running;

namespace Feeds.Benchmarks;

// dotnet run -c Release --project tests/Feeds.Benchmarks -- --filter '*'
// dotnet run -c Release --project tests/Feeds.Benchmarks -- --loop RenderNewToFormat 3000   (HotPathLoop)
// dotnet run -c Release --project tests/Feeds.Benchmarks -- --twin-memory 10000   (TwinMemory)
// (A named class, not top-level statements: the tests reference this assembly beside the app's own Program.)
internal static class BenchmarkProgram
{
    public static int Main(string[] args)
    {
        if (args is ["--loop", var benchmark, var count])
        {
            if (!int.TryParse(count, out var runs) || runs <= 0)
            {
                Console.Error.WriteLine($"--loop wants a positive count of runs, not '{count}'.");
                return 2;
            }
            return HotPathLoop.RunAsync(benchmark, runs).GetAwaiter().GetResult();
        }
        if (args is ["--twin-memory", var articles])
        {
            return int.TryParse(articles, out var articleCount) && articleCount > 0 ? TwinMemory.Run(articleCount) : 2;
        }
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
        return 0;
    }
}
