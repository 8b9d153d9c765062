using System.Diagnostics;

namespace Feeds.Benchmarks;

/// <summary>
/// Runs one hot-path benchmark many times in this process, for comparing two builds run alternately and for
/// profiling with perf (DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0): BenchmarkDotNet runs each
/// benchmark in a child process of its own, a few iterations at a time.
/// <code>dotnet run -c Release --project tests/Feeds.Benchmarks -- --loop RenderNewToFormat 3000</code>
/// </summary>
internal static class HotPathLoop
{
    private const int WarmUp = 3000;

    public static async Task<int> RunAsync(string benchmark, int count)
    {
        var method = typeof(HotPathBenchmarks).GetMethod(benchmark);
        if (method is null || method.GetParameters().Length != 0 || !typeof(Task).IsAssignableFrom(method.ReturnType))
        {
            await Console.Error.WriteLineAsync($"HotPathBenchmarks has no asynchronous benchmark named {benchmark}.");
            return 2;
        }
        var benchmarks = new HotPathBenchmarks();
        await benchmarks.SetupAsync();
        try
        {
            var run = method.CreateDelegate<Func<Task>>(benchmarks);
            for (var i = 0; i < WarmUp; i++)
            {
                await run();
            }
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                await run();
            }
            Console.WriteLine($"{benchmark}: {clock.Elapsed.TotalMicroseconds / count:F1} µs a run, {count} runs after {WarmUp} to warm up");
            return 0;
        }
        finally
        {
            await benchmarks.CleanupAsync();
        }
    }
}
