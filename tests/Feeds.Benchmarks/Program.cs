using BenchmarkDotNet.Running;

namespace Feeds.Benchmarks;

// dotnet run -c Release --project tests/Feeds.Benchmarks -- --filter '*'
// (A named class, not top-level statements: the tests reference this assembly beside the app's own Program.)
internal static class BenchmarkProgram
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
}
