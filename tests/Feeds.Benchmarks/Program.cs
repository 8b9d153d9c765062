using BenchmarkDotNet.Running;
using Feeds.Benchmarks;

// dotnet run -c Release --project tests/Feeds.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(RenderBenchmarks).Assembly).Run(args);
