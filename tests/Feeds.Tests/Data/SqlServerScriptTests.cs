using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace Feeds.Tests.Data;

/// <summary>
/// No SQL Server runs here, so every T-SQL text Feeds can send is parsed by Microsoft's own parser with the
/// current grammar (SQL Server 2025, TSql170Parser): the schema scripts and every SQL constant in the code.
/// </summary>
public sealed partial class SqlServerScriptTests
{
    public static TheoryData<string> SchemaScripts => new(
        Directory.GetFiles(Path.Combine(Migrator.DefaultScriptsRoot, "sqlserver"), "*.sql").Select(Path.GetFileName).Order()!);

    public static TheoryData<string> CodeTexts => new(SqlServerTexts().Select(text => text.Name));

    [Theory, MemberData(nameof(SchemaScripts))]
    public void SchemaScript_ParsesAsTSql(string fileName)
    {
        var script = File.ReadAllText(Path.Combine(Migrator.DefaultScriptsRoot, "sqlserver", fileName));

        AssertParses(script);
        // The migrator sends the same batches that GO separates here.
        Assert.All(SqlDialect.SqlServer.SplitBatches(script), AssertParses);
    }

    [Theory, MemberData(nameof(CodeTexts))]
    public void SqlConstant_ParsesAsTSql(string name)
    {
        var sql = SqlServerTexts().Single(text => text.Name == name).Sql;

        AssertParses(ExpandListParameters(sql));
    }

    [Fact]
    public void EveryCodeText_IsFound()
    {
        // Guards the reflection below: a renamed class or constant must not silently shrink the check.
        var names = SqlServerTexts().Select(text => text.Name).ToList();

        Assert.Contains("SqlServerDialect.ArticlesByIdSql", names);
        Assert.Contains("ArticleWriter.UpdateArticleSql", names);
        Assert.Contains("Migrator.RecordVersionSql", names);
        Assert.Contains("SqlServerDialect.SubtreeFeedStateSql", names);
        Assert.Contains("SqlServerDialect.TagArchive.Neighbours", names);
        Assert.Contains("SqlServerDialect.BeginImportSql", names);
        Assert.DoesNotContain(names, name => name.StartsWith("SqliteDialect", StringComparison.Ordinal));
        Assert.True(names.Count >= 20, $"only {names.Count} texts found");
    }

    [Fact]
    public void Parser_RejectsTheSqliteDialect_SoTheCheckCanFail()
    {
        var errors = Parse(ExpandListParameters(SqlDialect.Sqlite.SiteFeedStateSql));

        Assert.NotEmpty(errors);
    }

    public static TheoryData<string> PerCategoryQueries => new(
        nameof(SqlDialect.SubtreeFeedStateSql), nameof(SqlDialect.SubtreeArchive) + "." + nameof(ArchiveSql.Page), nameof(SqlDialect.SubtreeArchive) + "." + nameof(ArchiveSql.Newer));

    /// <summary>
    /// A section's newest articles and its archive pages take the top rows of each category (CROSS APPLY of a
    /// TOP ... ORDER BY per category, one range of ix_articles_category_newest each), never the whole month of
    /// every category joined first; and no subtree walk can raise Msg 530 (MAXRECURSION 0 with a depth bound).
    /// </summary>
    [Theory, MemberData(nameof(PerCategoryQueries))]
    public void SubtreeQueries_TakeTheTopRowsOfEachCategory_AndEndEveryWalk(string name)
    {
        var sql = SqlServerTexts().Single(text => text.Name == $"SqlServerDialect.{name}").Sql;
        var parser = new TSql170Parser(initialQuotedIdentifiers: true);
        var tree = parser.Parse(new StringReader(sql), out var errors);
        Assert.Empty(errors);
        var visitor = new ApplyVisitor();
        tree.Accept(visitor);

        Assert.Contains(visitor.CrossApplied, query => query.TopRowFilter is not null && query.OrderByClause is not null);
        Assert.Equal([0], visitor.MaxRecursion);
        Assert.Contains("depth < 100", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void ListParameters_ArePadded_SoThatSqlServerKeepsFewPlans()
    {
        _ = new Database(SqlDialect.Sqlite, "Data Source=:memory:");

        Assert.True(Dapper.SqlMapper.Settings.PadListExpansions);
    }

    private sealed class ApplyVisitor : TSqlFragmentVisitor
    {
        public List<QuerySpecification> CrossApplied { get; } = [];
        public List<int> MaxRecursion { get; } = [];

        public override void Visit(UnqualifiedJoin node)
        {
            if (node.UnqualifiedJoinType == UnqualifiedJoinType.CrossApply && node.SecondTableReference is QueryDerivedTable { QueryExpression: QuerySpecification query })
            {
                CrossApplied.Add(query);
            }
        }

        public override void Visit(LiteralOptimizerHint node)
        {
            if (node.HintKind == OptimizerHintKind.MaxRecursion)
            {
                MaxRecursion.Add(int.Parse(node.Value.Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>
    /// Every const string named *Sql in the Feeds assembly, and every SQL text of the SQL Server dialect (its
    /// string properties and archive queries); none of the SQLite dialect's.
    /// </summary>
    internal static IEnumerable<(string Name, string Sql)> SqlServerTexts()
    {
        var constants = typeof(SqlDialect).Assembly.GetTypes()
            .Where(type => !type.IsAssignableTo(typeof(SqlDialect)))
            .SelectMany(type => type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
                .Where(field => (field.IsLiteral || field.IsInitOnly) && field.FieldType == typeof(string) && field.Name.EndsWith("Sql", StringComparison.Ordinal))
                .Select(field => ($"{type.Name}.{field.Name}", field.IsLiteral ? (string)field.GetRawConstantValue()! : (string)field.GetValue(null)!)));
        var dialect = SqlDialect.SqlServer;
        var properties = typeof(SqlDialect).GetProperties(BindingFlags.Instance | BindingFlags.Public);
        var texts = properties
            .Where(property => property.PropertyType == typeof(string) && property.Name.EndsWith("Sql", StringComparison.Ordinal))
            .Select(property => (Name: $"SqlServerDialect.{property.Name}", Sql: (string?)property.GetValue(dialect)))
            .Where(text => text.Sql is not null)
            .Select(text => (text.Name, text.Sql!));
        var archives = properties
            .Where(property => property.PropertyType == typeof(ArchiveSql))
            .SelectMany(property =>
            {
                var archive = (ArchiveSql)property.GetValue(dialect)!;
                return new[] { ("Page", archive.Page), ("Newer", archive.Newer), ("Count", archive.Count), ("Neighbours", archive.Neighbours) }
                    .Select(part => ($"SqlServerDialect.{property.Name}.{part.Item1}", part.Item2));
            });
        return constants.Concat(texts).Concat(archives);
    }

    /// <summary>Dapper sends "IN @ids" as "IN (@ids1, @ids2, ...)".</summary>
    internal static string ExpandListParameters(string sql) => ListParameter().Replace(sql, "IN (@$1_1, @$1_2)");

    private static void AssertParses(string sql)
    {
        var errors = Parse(sql);
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"line {e.Line}: {e.Message}")) + "\n" + sql);
    }

    private static IList<ParseError> Parse(string sql)
    {
        var parser = new TSql170Parser(initialQuotedIdentifiers: true);
        parser.Parse(new StringReader(sql), out var errors);
        return errors;
    }

    [GeneratedRegex(@"IN @(\w+)")]
    private static partial Regex ListParameter();
}
