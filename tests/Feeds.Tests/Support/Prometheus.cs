using System.Globalization;
using System.Text.RegularExpressions;

namespace Feeds.Tests.Support;

/// <summary>Reads samples out of Prometheus' text exposition format.</summary>
public static partial class Prometheus
{
    /// <summary>The value of the one sample of <paramref name="metric"/> whose labels include all of <paramref name="labels"/>.</summary>
    public static double Value(string exposition, string metric, params (string Name, string Value)[] labels)
    {
        var samples = exposition.Split('\n')
            .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal))
            .Where(line => labels.All(label => line.Contains($"{label.Name}=\"{label.Value}\"", StringComparison.Ordinal)))
            .ToList();
        Assert.True(samples.Count == 1, $"{samples.Count} samples of {metric} with {string.Join(",", labels)} in:\n{string.Join("\n", exposition.Split('\n').Where(line => line.StartsWith("feeds_", StringComparison.Ordinal)))}");
        return double.Parse(SampleValue().Match(samples[0]).Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"\}?\s([-+0-9.eE]+|NaN)(\s\d+)?$")]
    private static partial Regex SampleValue();
}

/// <summary>
/// Tests that read /metrics run alone: OpenTelemetry listens to every meter named "Feeds" in the process,
/// so servers of tests running in parallel would add to the counts. So do the fleet's tests, whose proxies and
/// instances would otherwise share two cores with every other test (a Varnish probe timed out under that load).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics";
}
