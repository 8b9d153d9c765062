using System.Reflection;
using Dapper;

namespace Feeds.Data;

/// <summary>
/// What an article says, derived once from its shape: every property <see cref="ArticleRow"/> declares beyond its
/// key (<see cref="ArticleKey"/>), and its publish time. The writer's comparison, parameters and SQL column lists,
/// the store's article read and the cleaned article's fingerprint read the fields from here, so a field added to
/// <see cref="ArticleRow"/>, <see cref="ArticleInput"/> and the table is read, compared, written and fingerprinted
/// with no further code. A field of the row that the input lacks stops Feeds when this type is first used. The
/// schema's triggers are written by hand; ArticleFieldTests fails until they see a new column.
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

    /// <summary>The fields' columns of the articles table, in order: <c>title, summary, …, published_at</c>.</summary>
    public static string Columns { get; } = string.Join(", ", RowFields.Select(field => Column(field.Name)));

    /// <summary>The fields' parameters, in the order of <see cref="Columns"/>: <c>@title, @summary, …</c>.</summary>
    public static string ParameterNames { get; } = string.Join(", ", Pairs.Select(pair => "@" + pair.Parameter));

    /// <summary>Each column set to its parameter, for an UPDATE: <c>title = @title, …</c>.</summary>
    public static string Assignments { get; } = string.Join(", ", Pairs.Select(pair => $"{Column(pair.Row.Name)} = @{pair.Parameter}"));

    /// <summary>A field's column: its name in snake_case (ContentHtml: content_html).</summary>
    public static string Column(string field) =>
        string.Concat(field.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));

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
