using System.Reflection;
using Dapper;

namespace Feeds.Data;

/// <summary>
/// What an article says, derived once from its shape: every property <see cref="ArticleRow"/> declares beyond its
/// key (<see cref="ArticleKey"/>), and its publish time. The writer's comparison and parameters and the cleaned
/// article's fingerprint read the fields from here, so a field added to <see cref="ArticleRow"/> and
/// <see cref="ArticleInput"/> (and to the column lists beside them) is compared, written and fingerprinted with
/// no further code. A field of the row that the input lacks stops Feeds when this type is first used.
/// </summary>
public static class ArticleFields
{
    private static readonly PropertyInfo[] RowFields =
    [
        .. typeof(ArticleRow).GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly),
        typeof(ArticleKey).GetProperty(nameof(ArticleKey.PublishedAt))!,
    ];

    private static readonly (PropertyInfo Row, PropertyInfo Input, string Parameter)[] Pairs = [.. RowFields.Select(Pair)];

    /// <summary>The text fields, in declaration order, as compiled getters (a render fingerprints every article it shows).</summary>
    public static IReadOnlyList<Func<ArticleRow, string?>> Texts { get; } =
    [
        .. RowFields.Where(field => field.PropertyType == typeof(string))
            .Select(field => field.GetMethod!.CreateDelegate<Func<ArticleRow, string?>>()),
    ];

    /// <summary>The names of the fields compared (for tests and messages).</summary>
    public static IReadOnlyList<string> Names { get; } = [.. RowFields.Select(field => field.Name)];

    /// <summary>Whether the stored article already says what the input says (its category apart).</summary>
    public static bool Same(ArticleRow stored, ArticleInput input) =>
        Pairs.All(pair => Equals(pair.Row.GetValue(stored), pair.Input.GetValue(input)));

    /// <summary>Every field of <paramref name="input"/> as a parameter named as in the SQL (@title, @contentHtml, ...).</summary>
    public static DynamicParameters Parameters(ArticleInput input)
    {
        var parameters = new DynamicParameters();
        foreach (var (_, field, name) in Pairs)
        {
            parameters.Add(name, field.GetValue(input));
        }
        return parameters;
    }

    private static (PropertyInfo, PropertyInfo, string) Pair(PropertyInfo row)
    {
        var input = typeof(ArticleInput).GetProperty(row.Name);
        if (input is null || input.PropertyType != row.PropertyType)
        {
            throw new InvalidOperationException($"ArticleRow.{row.Name} has no field of the same name and type in ArticleInput.");
        }
        return (row, input, char.ToLowerInvariant(row.Name[0]) + row.Name[1..]);
    }
}
