using System.ComponentModel;
using System.Globalization;
using System.Reflection;

namespace Feeds;

/// <summary>
/// Values that are not of their setting's type ("abc" for a number, "soon" for a duration): the configuration
/// binder would throw with a stack trace; this names each one, what it expects, and the process exits 2 like for
/// any other wrong setting.
/// </summary>
public static class SettingsCheck
{
    public static IReadOnlyList<string> Failures(IConfiguration configuration)
    {
        var failures = new List<string>();
        Check(configuration.GetSection(FeedsOptions.SectionName), typeof(FeedsOptions), failures);
        return failures;
    }

    /// <summary>
    /// The keys under Feeds that name no setting (a misspelt <c>Feeds__DefaultLimt</c>), which would otherwise be
    /// ignored without a word while the setting meant keeps its default.
    /// </summary>
    public static IReadOnlyList<string> Unknown(IConfiguration configuration)
    {
        var unknown = new List<string>();
        FindUnknown(configuration.GetSection(FeedsOptions.SectionName), typeof(FeedsOptions), unknown);
        return unknown;
    }

    private static void FindUnknown(IConfigurationSection section, Type type, List<string> unknown)
    {
        foreach (var child in section.GetChildren())
        {
            var property = type.GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is not { CanWrite: true })
            {
                unknown.Add(child.Path);
                continue;
            }
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (propertyType.IsClass && propertyType != typeof(string) && propertyType != typeof(Uri) && !propertyType.IsGenericType)
            {
                FindUnknown(child, propertyType, unknown);
            }
        }
    }

    /// <summary>The failures of options validation, with members named as settings ("Feeds:RenderLimits:QueueLength").</summary>
    public static string Describe(Microsoft.Extensions.Options.OptionsValidationException exception) =>
        string.Join(" ", exception.Failures.Select(failure => System.Text.RegularExpressions.Regex.Replace(
            failure, @"\bFeedsOptions((\.\w+)+)", match => "Feeds" + match.Groups[1].Value.Replace('.', ':'))));

    private static void Check(IConfigurationSection section, Type type, List<string> failures)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var child = section.GetSection(property.Name);
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(List<>))
            {
                foreach (var item in child.GetChildren())
                {
                    CheckValue(item, propertyType.GetGenericArguments()[0], failures);
                }
            }
            else if (propertyType.IsClass && propertyType != typeof(string) && propertyType != typeof(Uri))
            {
                Check(child, propertyType, failures);
            }
            else
            {
                CheckValue(child, propertyType, failures);
            }
        }
    }

    private static void CheckValue(IConfigurationSection setting, Type type, List<string> failures)
    {
        if (setting.Value is not { Length: > 0 } value)
        {
            return;
        }
        try
        {
            _ = TypeDescriptor.GetConverter(type).ConvertFromString(null, CultureInfo.InvariantCulture, value);
        }
        catch (Exception exception) when (exception is FormatException or NotSupportedException or ArgumentException or OverflowException
            || exception.InnerException is FormatException or OverflowException)
        {
            failures.Add($"{setting.Path} '{value}' is not {Expected(type)}.");
        }
    }

    private static string Expected(Type type) => type switch
    {
        _ when type == typeof(int) || type == typeof(long) => "a whole number",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(TimeSpan) => "a duration such as 00:00:02 (hh:mm:ss)",
        _ when type == typeof(Uri) => "a URL",
        _ => $"a {type.Name}",
    };
}
