using System.Reflection;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Feeds.Tests.Benchmarks;

/// <summary>
/// Every benchmark runs once, in BenchmarkDotNet's dry job (one launch, one iteration, in this process), with
/// each parameter at its smallest value (so never the 1,000,000-article database), and any error fails: in a
/// setup, a benchmark or a cleanup. The benchmarks behind the README's figures cannot rot unnoticed.
/// </summary>
public sealed class BenchmarkDryRunTests : FeedsTest
{
    private static readonly Assembly Benchmarks = typeof(Feeds.Benchmarks.PollBenchmarks).Assembly;

    public static TheoryData<string> BenchmarkClasses => new(
        Benchmarks.GetTypes()
            .Where(type => type.GetMethods().Any(method => method.GetCustomAttribute<BenchmarkAttribute>() is not null))
            .Select(type => type.Name)
            .Order(StringComparer.Ordinal));

    [Fact]
    public void EveryBenchmarkClass_IsFound()
    {
        Assert.Equal(["HotPathBenchmarks", "PollBenchmarks", "QueryBenchmarks", "RenderBenchmarks"], BenchmarkClasses.Select(row => (string)row.Data));
    }

    [Theory, MemberData(nameof(BenchmarkClasses))]
    public void EveryBenchmark_RunsOnceInTheDryJob_WithoutError(string name)
    {
        var type = Benchmarks.GetTypes().Single(candidate => candidate.Name == name);
        var log = new AccumulationLogger();
        using var artifacts = new TempFolder("feeds-benchmark-dry-");
        var config = ManualConfig.CreateEmpty()
            .AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance))
            .AddLogger(log)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddFilter(new SimpleFilter(SmallestParameters(type)))
            // The twins' benchmarks need OpenCC (.ci/run installs it); without it they are left out.
            .AddFilter(new SimpleFilter(benchmark => OpenCcOracle.LibraryInstalled() || !benchmark.Descriptor.HasCategory(Feeds.Benchmarks.HotPathBenchmarks.Twins)))
            // The benchmark assembly is optimised; the app it references is a Debug build in the test run.
            .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.DisableLogFile)
            .WithArtifactsPath(artifacts.FullName);

        var summary = BenchmarkRunner.Run(type, config);

        var text = log.GetLog();
        Assert.False(summary.HasCriticalValidationErrors, string.Join("\n", summary.ValidationErrors.Select(error => error.Message)));
        Assert.NotEmpty(summary.Reports);
        Assert.All(summary.Reports, report => Assert.True(report.Success && report.AllMeasurements.Count > 0, $"{report.BenchmarkCase.DisplayInfo} failed:\n{text}"));
        // An error in a setup or cleanup leaves the report "successful" and is only logged ("// ERROR:  Exception
        // during GlobalCleanup!"); "// Exceptions: N" counts first-chance exceptions anywhere in this process.
        Assert.DoesNotContain(text.Split('\n'), line => line.StartsWith("// ERROR", StringComparison.Ordinal)
            || line.Contains("Exception during", StringComparison.Ordinal)
            || (line.TrimStart().StartsWith("System.", StringComparison.Ordinal) && line.Contains("Exception", StringComparison.Ordinal)));
    }

    /// <summary>The cases whose every parameter has the smallest value it takes in that class.</summary>
    private static Func<BenchmarkCase, bool> SmallestParameters(Type type)
    {
        var smallest = type.GetProperties()
            .Select(property => (property.Name, Values: property.GetCustomAttribute<ParamsAttribute>()?.Values))
            .Where(parameter => parameter.Values is { Length: > 0 })
            .ToDictionary(parameter => parameter.Name, parameter => parameter.Values!.Min());
        return benchmark => benchmark.Parameters.Items.All(item => !smallest.TryGetValue(item.Name, out var value) || Equals(item.Value, value));
    }
}
