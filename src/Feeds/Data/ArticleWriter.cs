using System.Data.Common;
using Dapper;

namespace Feeds.Data;

public enum UpsertOutcome
{
    Inserted,
    Updated,
    Unchanged,
    Deleted,
}

/// <summary>
/// Upserts articles by external id inside one transaction: all of them are stored, or (when the writer is
/// disposed without <see cref="CommitAsync"/>) none. An article whose stored values already equal the input
/// is not touched at all, so importing the same data twice changes nothing.
/// </summary>
/// <remarks>
/// On SQL Server, which other writers (the CMS) share while an import runs: imports run one at a time (an
/// application lock); the transaction is serializable, so that a lookup that finds nothing holds its key
/// range and a concurrent writer cannot insert the same slug, tag or article in between (Msg 2627); it wins
/// deadlocks (DEADLOCK_PRIORITY HIGH: the CMS's short transaction is the one to retry, never the import's
/// whole work); and its version moves are collected (#feeds_pending_versions, see
/// sql/sqlserver/0004) and made in one statement just before it commits, so that it holds the hot rows of
/// categories and tags for milliseconds, not for the whole import.
/// </remarks>
public sealed class ArticleWriter : IAsyncDisposable
{
    private const string CategoryBySlugSql = """
        SELECT id, slug, name, parent_id, updated_at
        FROM categories
        WHERE slug = @slug
        """;

    private const string CategoryByIdSql = """
        SELECT id, slug, name, parent_id, updated_at
        FROM categories
        WHERE id = @id
        """;

    private const string InsertCategorySql = """
        INSERT INTO categories (slug, name, parent_id, updated_at)
        VALUES (@slug, @name, @parentId, @updatedAt);
        """;

    private const string UpdateCategorySql = """
        UPDATE categories
        SET name = @name, parent_id = @parentId, updated_at = @updatedAt
        WHERE id = @id
        """;

    // The fields' column lists come from ArticleFields: a new field is read back, inserted and updated with them.
    internal static readonly string ArticleByExternalIdSql = $"""
        SELECT id, external_id, category_id, updated_at, {ArticleFields.Columns}
        FROM articles
        WHERE external_id = @externalId
        """;

    // Followed by the dialect's "id of the row just inserted" (SqlDialect.InsertedIdSql): one round trip.
    internal static readonly string InsertArticleSql = $"""
        INSERT INTO articles (external_id, category_id, updated_at, {ArticleFields.Columns})
        VALUES (@externalId, @categoryId, @updatedAt, {ArticleFields.ParameterNames});
        """;

    internal static readonly string UpdateArticleSql = $"""
        UPDATE articles
        SET category_id = @categoryId, updated_at = @updatedAt, {ArticleFields.Assignments}
        WHERE id = @id
        """;

    // The names the article is filed under (Data/FiledNames), in their order.
    private const string NamesOfArticleSql = """
        SELECT t.kind, t.name
        FROM article_tags x
        JOIN tags t ON t.id = x.tag_id
        WHERE x.article_id = @articleId
        ORDER BY x.position
        """;

    private const string NameIdSql = """
        SELECT id
        FROM tags
        WHERE kind = @kind AND name = @name
        """;

    private const string InsertNameSql = """
        INSERT INTO tags (kind, name)
        VALUES (@kind, @name);
        """;

    private const string DeleteArticleSql = """
        DELETE FROM articles WHERE id = @articleId
        """;

    private const string DeleteArticleTagsSql = """
        DELETE FROM article_tags
        WHERE article_id = @articleId
        """;

    private const string InsertArticleTagSql = """
        INSERT INTO article_tags (article_id, tag_id, position)
        VALUES (@articleId, @tagId, @position)
        """;

    /// <summary>How long an import waits for another one to finish.</summary>
    private static readonly TimeSpan ImportLockWait = TimeSpan.FromMinutes(10);

    private readonly DbConnection _connection;
    private readonly DbTransaction _transaction;
    private readonly SqlDialect _dialect;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, CategoryRow> _categories = new(StringComparer.Ordinal);
    private readonly Dictionary<FiledName, long> _nameIds = [];

    private ArticleWriter(DbConnection connection, DbTransaction transaction, SqlDialect dialect, TimeProvider clock)
    {
        _connection = connection;
        _transaction = transaction;
        _dialect = dialect;
        _clock = clock;
    }

    public static async Task<ArticleWriter> BeginAsync(Database database, TimeProvider clock, CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);
            if (database.Dialect.BeginImportSql is { } beginImport)
            {
                await connection.ExecuteAsync(new CommandDefinition(beginImport,
                    new { waitMilliseconds = (int)ImportLockWait.TotalMilliseconds }, transaction,
                    commandTimeout: (int)ImportLockWait.TotalSeconds + 30, cancellationToken: cancellationToken));
            }
            return new ArticleWriter(connection, transaction, database.Dialect, clock);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<UpsertOutcome> UpsertAsync(ArticleInput input, CancellationToken cancellationToken)
    {
        long? parentId = null;
        if (input.SectionSlug is not null)
        {
            parentId = (await EnsureCategoryAsync(input.SectionSlug, input.SectionName ?? input.SectionSlug, null, cancellationToken)).Id;
        }
        var category = await EnsureCategoryAsync(input.CategorySlug, input.CategoryName, parentId, cancellationToken);
        var names = FiledNames.Of(input);

        var existing = await _connection.QuerySingleOrDefaultAsync<ArticleRow>(Command(ArticleByExternalIdSql, new { externalId = input.ExternalId }, cancellationToken));
        if (existing is null)
        {
            var id = await _connection.ExecuteScalarAsync<long>(Command(InsertArticleSql + _dialect.InsertedIdSql,
                Parameters(input, category.Id, input.UpdatedAt ?? input.PublishedAt), cancellationToken));
            await FileAsync(id, names, cancellationToken);
            return UpsertOutcome.Inserted;
        }

        var storedNames = await _connection.QueryAsync<FiledName>(Command(NamesOfArticleSql, new { articleId = existing.Id }, cancellationToken));
        var namesEqual = storedNames.SequenceEqual(names.Select(name => name.Name));
        var fieldsEqual = existing.CategoryId == category.Id && ArticleFields.Same(existing, input);
        if (fieldsEqual && namesEqual && (input.UpdatedAt is null || input.UpdatedAt == existing.UpdatedAt))
        {
            return UpsertOutcome.Unchanged;
        }
        // An edit without its own update time is dated by the import that brought it.
        var updatedAt = input.UpdatedAt ?? _clock.GetUtcNow().UtcDateTime;
        await _connection.ExecuteAsync(Command(UpdateArticleSql, Parameters(input, category.Id, updatedAt, existing.Id), cancellationToken));
        if (!namesEqual)
        {
            await FileAsync(existing.Id, names, cancellationToken);
        }
        return UpsertOutcome.Updated;
    }

    /// <summary>
    /// Deletes the article the CMS deleted, with its tags: it leaves every feed at the next change (the triggers
    /// move the versions of its category and tags). Unchanged when no such article is stored, so a replayed delete
    /// changes nothing.
    /// </summary>
    public async Task<UpsertOutcome> DeleteAsync(string externalId, CancellationToken cancellationToken)
    {
        var existing = await _connection.QuerySingleOrDefaultAsync<ArticleRow>(Command(ArticleByExternalIdSql, new { externalId }, cancellationToken));
        if (existing is null)
        {
            return UpsertOutcome.Unchanged;
        }
        // Its tags first, so that the tag triggers see the article they belonged to (on either database, whether
        // or not foreign keys cascade on this connection).
        await _connection.ExecuteAsync(Command(DeleteArticleTagsSql, new { articleId = existing.Id }, cancellationToken));
        await _connection.ExecuteAsync(Command(DeleteArticleSql, new { articleId = existing.Id }, cancellationToken));
        return UpsertOutcome.Deleted;
    }

    /// <summary>Runs a statement of the caller's in this transaction (the CMS follower's cursor); the rows it changed.</summary>
    public Task<int> ExecuteAsync(string sql, object parameters, CancellationToken cancellationToken) =>
        _connection.ExecuteAsync(Command(sql, parameters, cancellationToken));

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (_dialect.EndImportSql is { } endImport)
        {
            await _connection.ExecuteAsync(Command(endImport, new { }, cancellationToken));
        }
        await _transaction.CommitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        try
        {
            if (_dialect.ResetImportSessionSql is { } reset && _connection.State == System.Data.ConnectionState.Open)
            {
                await _connection.ExecuteAsync(reset);
            }
        }
        catch (DbException)
        {
            // A broken connection is not returned to the pool in a usable state anyway.
        }
        await _connection.DisposeAsync();
    }

    private async Task<CategoryRow> EnsureCategoryAsync(string slug, string name, long? parentId, CancellationToken cancellationToken)
    {
        if (!_categories.TryGetValue(slug, out var row))
        {
            row = await _connection.QuerySingleOrDefaultAsync<CategoryRow>(Command(CategoryBySlugSql, new { slug }, cancellationToken));
        }
        var now = _clock.GetUtcNow().UtcDateTime;
        if (row is null)
        {
            var id = await _connection.ExecuteScalarAsync<long>(Command(InsertCategorySql + _dialect.InsertedIdSql, new { slug, name, parentId, updatedAt = now }, cancellationToken));
            row = new CategoryRow { Id = id, Slug = slug, Name = name, ParentId = parentId, UpdatedAt = now };
        }
        else
        {
            // A line without a section leaves the category where it is.
            var newParentId = parentId ?? row.ParentId;
            if (row.Name != name || row.ParentId != newParentId)
            {
                if (newParentId is not null && await IsSelfOrAncestorAsync(row.Id, newParentId.Value, cancellationToken))
                {
                    throw new InvalidOperationException($"Category '{slug}' cannot be placed under its own descendant.");
                }
                await _connection.ExecuteAsync(Command(UpdateCategorySql, new { id = row.Id, name, parentId = newParentId, updatedAt = now }, cancellationToken));
                row = new CategoryRow { Id = row.Id, Slug = slug, Name = name, ParentId = newParentId, UpdatedAt = now };
            }
        }
        _categories[slug] = row;
        return row;
    }

    private async Task<bool> IsSelfOrAncestorAsync(long categoryId, long startId, CancellationToken cancellationToken)
    {
        long? current = startId;
        var seen = new HashSet<long>();
        while (current is long id && seen.Add(id))
        {
            if (id == categoryId)
            {
                return true;
            }
            var parent = _categories.Values.FirstOrDefault(row => row.Id == id)
                ?? await _connection.QuerySingleOrDefaultAsync<CategoryRow>(Command(CategoryByIdSql, new { id }, cancellationToken));
            current = parent?.ParentId;
        }
        return false;
    }

    /// <summary>Links the article to the names it is filed under (its tags, authors and source), replacing its links.</summary>
    private async Task FileAsync(long articleId, IReadOnlyList<(FiledName Name, int Position)> names, CancellationToken cancellationToken)
    {
        await _connection.ExecuteAsync(Command(DeleteArticleTagsSql, new { articleId }, cancellationToken));
        foreach (var (name, position) in names)
        {
            // Names are compared byte for byte on both databases (sql/sqlserver/0004); FiledNames gives each once.
            var tagId = await EnsureNameAsync(name, cancellationToken);
            await _connection.ExecuteAsync(Command(InsertArticleTagSql, new { articleId, tagId, position }, cancellationToken));
        }
    }

    private async Task<long> EnsureNameAsync(FiledName name, CancellationToken cancellationToken)
    {
        if (_nameIds.TryGetValue(name, out var cached))
        {
            return cached;
        }
        var id = await _connection.ExecuteScalarAsync<long?>(Command(NameIdSql, new { kind = name.Kind, name = name.Name }, cancellationToken))
            ?? await _connection.ExecuteScalarAsync<long>(Command(InsertNameSql + _dialect.InsertedIdSql, new { kind = name.Kind, name = name.Name }, cancellationToken));
        _nameIds[name] = id;
        return id;
    }

    private static DynamicParameters Parameters(ArticleInput input, long categoryId, DateTime updatedAt, long id = 0)
    {
        var parameters = ArticleFields.Parameters(input);
        parameters.Add(nameof(id), id);
        parameters.Add("externalId", input.ExternalId);
        parameters.Add(nameof(categoryId), categoryId);
        parameters.Add(nameof(updatedAt), updatedAt);
        return parameters;
    }

    private CommandDefinition Command(string sql, object parameters, CancellationToken cancellationToken) =>
        new(sql, parameters, _transaction, cancellationToken: cancellationToken);
}
