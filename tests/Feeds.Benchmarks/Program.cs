using BenchmarkDotNet.Running;

namespace Feeds.Benchmarks;

// dotnet run -c Release --project tests/Feeds.Benchmarks -- --filter '*'
// dotnet run -c Release --project tests/Feeds.Benchmarks -- --loop RenderNewToFormat 3000   (HotPathLoop)
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
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
        return 0;
    }
}
