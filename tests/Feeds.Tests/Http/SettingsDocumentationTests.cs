using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;

namespace Feeds.Tests.Http;

/// <summary>The README's table of ranges is what the options' [Range] attributes enforce, setting for setting.</summary>
public sealed class SettingsDocumentationTests : FeedsTest
{
    [Fact]
    public void EveryRangedSetting_IsInTheReadmesTable_WithItsLeastAndMost()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var ranged = Ranged(typeof(FeedsOptions), FeedsOptions.SectionName).ToList();

        Assert.True(ranged.Count >= 30, $"only {ranged.Count} ranged settings found");
        Assert.All(ranged, setting => Assert.Contains($"| `{setting.Path}` | {setting.Least} | {setting.Most} |", readme, StringComparison.Ordinal));
    }

    private static IEnumerable<(string Path, string Least, string Most)> Ranged(Type type, string path)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<RangeAttribute>() is { } range)
            {
                yield return ($"{path}:{property.Name}", Text(range.Minimum), Text(range.Maximum));
            }
            else if (property.GetCustomAttribute<Microsoft.Extensions.Options.ValidateObjectMembersAttribute>() is not null)
            {
                foreach (var inner in Ranged(property.PropertyType, $"{path}:{property.Name}"))
                {
                    yield return inner;
                }
            }
        }
    }

    private static string Text(object value) => value is int number ? number.ToString("N0", CultureInfo.InvariantCulture) : Convert.ToString(value, CultureInfo.InvariantCulture)!;
}
