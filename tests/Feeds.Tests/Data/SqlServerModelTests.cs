using System.Text.RegularExpressions;
using Microsoft.SqlServer.Dac.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace Feeds.Tests.Data;

/// <summary>
/// Semantic checks without a server, as an SSDT build makes them: Microsoft's DacFx builds a model of the schema
/// that sql/sqlserver's migrations leave (folded into one CREATE per table and trigger, since a model holds
/// objects, not ALTERs) and validates against it every trigger and every T-SQL text of the code, each wrapped as a
/// procedure with its parameters declared: a column, table or trigger reference that does not resolve fails here.
/// </summary>
public sealed partial class SqlServerModelTests
{
    [Fact]
    public void EverySchemaObjectAndEveryQuery_ResolveAgainstTheMigratedSchema()
    {
        var model = BuildModel();
        foreach (var (name, sql) in SqlServerScriptTests.SqlServerTexts())
        {
            model.AddOrUpdateObjects(AsProcedure(name, SqlServerScriptTests.ExpandListParameters(sql)), name, new TSqlObjectOptions());
        }

        var problems = model.Validate().Where(IsProblem).Select(message => message.ToString()).ToList();

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(model.GetObjects(DacQueryScopes.UserDefined, Procedure.TypeClass).Count() >= 20);
        Assert.Equal(12, model.GetObjects(DacQueryScopes.UserDefined, DmlTrigger.TypeClass).Count());
    }

    [Fact]
    public void AQueryOfAColumnThatNoMigrationCreates_Fails_SoTheCheckCanFail()
    {
        var model = BuildModel();
        model.AddOrUpdateObjects(AsProcedure("Broken", "SELECT id, newest_due_at FROM dbo.tags WHERE name = @name;"), "broken", new TSqlObjectOptions());
        model.AddOrUpdateObjects(AsProcedure("Missing", "SELECT id FROM dbo.feed_subscriptions;"), "missing", new TSqlObjectOptions());

        var problems = model.Validate().Where(IsProblem).Select(message => message.Message).ToList();

        Assert.Contains(problems, message => message.Contains("newest_due_at", StringComparison.Ordinal));
        Assert.Contains(problems, message => message.Contains("feed_subscriptions", StringComparison.Ordinal));
    }

    /// <summary>
    /// Errors, and unresolved references (SQL71502) except to what a model without the master database cannot
    /// know: system objects (sys.*) and the session's temporary tables (#feeds_pending_versions).
    /// </summary>
    private static bool IsProblem(DacModelMessage message) =>
        message.MessageType == Microsoft.SqlServer.Dac.DacMessageType.Error
        || (message.Number == 71502 && !message.Message.Contains("[sys].", StringComparison.Ordinal) && !message.Message.Contains("[#", StringComparison.Ordinal));

    /// <summary>A model of the schema every migration of sql/sqlserver leaves (<see cref="MigratedSchema"/>).</summary>
    private static TSqlModel BuildModel()
    {
        var (tables, triggers, indexes) = MigratedSchema();
        var model = new TSqlModel(SqlServerVersion.Sql160, new TSqlModelOptions());
        var generator = new Sql160ScriptGenerator();
        foreach (var (name, fragment) in tables.Select(t => (t.Key, (TSqlFragment)t.Value))
            .Concat(indexes.Select(i => ($"{i.OnName.BaseIdentifier.Value}.{i.Name.Value}", (TSqlFragment)i)))
            .Concat(triggers.Select(t => (t.Key, (TSqlFragment)t.Value))))
        {
            generator.GenerateScript(fragment, out var script);
            // A model holds objects: CREATE OR ALTER is the same object as CREATE.
            model.AddOrUpdateObjects(CreateOrAlter().Replace(script, "CREATE TRIGGER"), name, new TSqlObjectOptions());
        }
        return model;
    }

    /// <summary>
    /// The triggers of dbo.articles that compare what a statement wrote with what was there (inserted EXCEPT deleted)
    /// name every column of the table, and its text version hashes every column the cleaned content is made from:
    /// a column added by a migration and left out of either is an edit SQL Server would not see. Read from the
    /// scripts, so this fails here, without a server (on SQLite, ArticleFieldTests updates each column alone).
    /// </summary>
    [Fact]
    public void EveryTriggerThatComparesArticles_AndTheTextVersion_NameEveryColumnTheyMustSee()
    {
        var (tables, triggers, _) = MigratedSchema();
        var articleColumns = tables["articles"].Definition.ColumnDefinitions;
        var written = articleColumns
            .Where(column => column.ComputedColumnExpression is null && column.ColumnIdentifier.Value is not ("id" or "version"))
            .Select(column => column.ColumnIdentifier.Value).ToList();
        var cleaned = typeof(ArticleRow).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly)
            .Where(field => field.PropertyType == typeof(string)).Select(field => ArticleFields.Column(field.Name)).ToList();
        var comparing = triggers.Values
            .Where(trigger => trigger.TriggerObject.Name.BaseIdentifier.Value == "articles" && Contains<BinaryQueryExpression>(trigger, query => query.BinaryQueryExpressionType == BinaryQueryExpressionType.Except))
            .ToList();
        var textVersion = articleColumns.Single(column => column.ColumnIdentifier.Value == "text_version").ComputedColumnExpression;

        Assert.True(written.Count >= 12, $"only {written.Count} columns of dbo.articles");
        Assert.True(comparing.Count >= 2, $"only {comparing.Count} triggers of dbo.articles compare inserted with deleted");
        foreach (var trigger in comparing)
        {
            var named = ColumnsNamed(trigger);
            Assert.True(written.All(named.Contains), $"{trigger.Name.BaseIdentifier.Value} does not name {string.Join(", ", written.Where(column => !named.Contains(column)))}");
        }
        var hashed = ColumnsNamed(textVersion);
        Assert.True(cleaned.All(hashed.Contains), $"text_version does not hash {string.Join(", ", cleaned.Where(column => !hashed.Contains(column)))}");
    }

    private static HashSet<string> ColumnsNamed(TSqlFragment fragment)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        Contains<ColumnReferenceExpression>(fragment, column =>
        {
            if (column.MultiPartIdentifier is { } identifier)
            {
                names.Add(identifier.Identifiers[^1].Value);
            }
            return false;
        });
        return names;
    }

    /// <summary>Whether <paramref name="fragment"/> holds a node of type T that <paramref name="match"/> accepts (every node is offered).</summary>
    private static bool Contains<T>(TSqlFragment fragment, Func<T, bool> match) where T : TSqlFragment
    {
        var visitor = new NodeVisitor<T>(match);
        fragment.Accept(visitor);
        return visitor.Found;
    }

    private sealed class NodeVisitor<T>(Func<T, bool> match) : TSqlFragmentVisitor where T : TSqlFragment
    {
        public bool Found { get; private set; }

        public override void Visit(TSqlFragment node)
        {
            if (node is T typed && match(typed))
            {
                Found = true;
            }
        }
    }

    /// <summary>The schema every migration of sql/sqlserver leaves: one CREATE per table (its ALTERs folded in), index and trigger.</summary>
    private static (Dictionary<string, CreateTableStatement> Tables, Dictionary<string, TriggerStatementBody> Triggers, List<CreateIndexStatement> Indexes) MigratedSchema()
    {
        var tables = new Dictionary<string, CreateTableStatement>(StringComparer.OrdinalIgnoreCase);
        var triggers = new Dictionary<string, TriggerStatementBody>(StringComparer.OrdinalIgnoreCase);
        var indexes = new List<CreateIndexStatement>();
        var scripts = Directory.GetFiles(Path.Combine(Migrator.DefaultScriptsRoot, "sqlserver"), "*.sql").Order(StringComparer.Ordinal)
            .Select(File.ReadAllText)
            .Append(SqlDialect.SqlServer.CreateMigrationsTableSql);
        foreach (var statement in scripts.SelectMany(SqlDialect.SqlServer.SplitBatches).SelectMany(Statements))
        {
            switch (statement)
            {
                // A migration's own temporary table (#names_of_articles) is no part of the schema it leaves.
                case CreateTableStatement create when !create.SchemaObjectName.BaseIdentifier.Value.StartsWith('#'):
                    tables[create.SchemaObjectName.BaseIdentifier.Value] = create;
                    break;
                case IfStatement { ThenStatement: CreateTableStatement create }:
                    tables[create.SchemaObjectName.BaseIdentifier.Value] = create;
                    break;
                case AlterTableAddTableElementStatement add:
                    var definition = tables[add.SchemaObjectName.BaseIdentifier.Value].Definition;
                    foreach (var column in add.Definition.ColumnDefinitions)
                    {
                        definition.ColumnDefinitions.Add(column);
                    }
                    foreach (var constraint in add.Definition.TableConstraints)
                    {
                        definition.TableConstraints.Add(constraint);
                    }
                    break;
                case AlterTableAlterColumnStatement alter:
                    var altered = tables[alter.SchemaObjectName.BaseIdentifier.Value].Definition.ColumnDefinitions
                        .Single(column => column.ColumnIdentifier.Value == alter.ColumnIdentifier.Value);
                    altered.DataType = alter.DataType;
                    altered.Collation = alter.Collation;
                    break;
                case AlterTableDropTableElementStatement drop:
                    var table = tables[drop.SchemaObjectName.BaseIdentifier.Value].Definition;
                    foreach (var element in drop.AlterTableDropTableElements)
                    {
                        if (element.TableElementType == TableElementType.Column)
                        {
                            table.ColumnDefinitions.Where(c => c.ColumnIdentifier.Value == element.Name.Value).ToList().ForEach(c => table.ColumnDefinitions.Remove(c));
                            continue;
                        }
                        foreach (var column in table.ColumnDefinitions)
                        {
                            column.Constraints.Where(c => c.ConstraintIdentifier?.Value == element.Name.Value).ToList().ForEach(c => column.Constraints.Remove(c));
                        }
                        table.TableConstraints.Where(c => c.ConstraintIdentifier?.Value == element.Name.Value).ToList().ForEach(c => table.TableConstraints.Remove(c));
                    }
                    break;
                // DROP_EXISTING (or a DROP INDEX before it) replaces an index of the same name.
                case CreateIndexStatement index:
                    indexes.RemoveAll(existing => existing.Name.Value == index.Name.Value && existing.OnName.BaseIdentifier.Value == index.OnName.BaseIdentifier.Value);
                    indexes.Add(index);
                    break;
                case DropIndexStatement drop:
                    foreach (var clause in drop.DropIndexClauses.OfType<DropIndexClause>())
                    {
                        indexes.RemoveAll(existing => existing.Name.Value == clause.Index.Value && existing.OnName.BaseIdentifier.Value == clause.Object.BaseIdentifier.Value);
                    }
                    break;
                case TriggerStatementBody trigger:
                    triggers[trigger.Name.BaseIdentifier.Value] = trigger;
                    break;
                case DropTriggerStatement drop:
                    drop.Objects.ToList().ForEach(name => triggers.Remove(name.BaseIdentifier.Value));
                    break;
            }
        }
        return (tables, triggers, indexes);
    }

    private static IEnumerable<TSqlStatement> Statements(string batch)
    {
        var parser = new TSql170Parser(initialQuotedIdentifiers: true);
        var script = (TSqlScript)parser.Parse(new StringReader(batch), out var errors);
        Assert.Empty(errors);
        return script.Batches.SelectMany(b => b.Statements);
    }

    /// <summary>The text as the body of a procedure whose parameters are the text's undeclared variables.</summary>
    private static string AsProcedure(string name, string sql)
    {
        var parser = new TSql170Parser(initialQuotedIdentifiers: true);
        var fragment = parser.Parse(new StringReader(sql), out var errors);
        Assert.Empty(errors);
        var variables = new VariableVisitor();
        fragment.Accept(variables);
        var parameters = variables.Used.Except(variables.Declared, StringComparer.OrdinalIgnoreCase)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(variable => $"{variable} {TypeOf(variable)}");
        return $"CREATE PROCEDURE dbo.[{name}] {string.Join(", ", parameters)}\nAS\nBEGIN\n;\n{sql}\nEND";
    }

    /// <summary>The parameter's type by Feeds' naming: times, counts and ids, flags, else text.</summary>
    private static string TypeOf(string variable) => variable.TrimStart('@') switch
    {
        var v when v is "now" or "from" or "to" || v.EndsWith("At", StringComparison.Ordinal) => "datetime2(7)",
        var v when v is "limit" or "take" or "id" or "position" or "waitMilliseconds" || v.EndsWith("Id", StringComparison.Ordinal) || v.StartsWith("ids", StringComparison.Ordinal) => "bigint",
        "isPublished" => "bit",
        _ => "nvarchar(4000)",
    };

    private sealed class VariableVisitor : TSqlFragmentVisitor
    {
        public List<string> Used { get; } = [];
        public List<string> Declared { get; } = [];

        public override void Visit(VariableReference node) => Used.Add(node.Name);

        public override void Visit(DeclareVariableElement node) => Declared.Add(node.VariableName.Value);

        // "@Resource = N'...'" names a parameter of the procedure called, not a variable of ours.
        public override void Visit(ExecuteParameter node)
        {
            if (node.Variable is not null)
            {
                Declared.Add(node.Variable.Name);
            }
        }
    }

    [GeneratedRegex(@"CREATE\s+OR\s+ALTER\s+TRIGGER", RegexOptions.IgnoreCase)]
    private static partial Regex CreateOrAlter();
}
