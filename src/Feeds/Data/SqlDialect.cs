using System.Data.Common;
using System.Diagnostics.CodeAnalysis;

namespace Feeds.Data;

/// <summary>
/// Everything that differs between SQLite and SQL Server, one class per provider (<see cref="SqliteDialect"/>,
/// <see cref="SqlServerDialect"/>) with its SQL texts beside its behaviour: the connection type and
/// its defaults, which errors are worth a second read, how a database is named for people and prepared on first
/// use, whether a starting server migrates it, the newest-N and archive queries (LIMIT, WITH RECURSIVE and a
/// correlated subquery against TOP, WITH and CROSS APPLY), the migrations bookkeeping and lock, an import's
/// locks, the id of an inserted row, and how script batches are separated. Every other SQL text is shared;
/// no other code asks which provider it has. (Date binding is by parameter type: Data/UtcDateTimeHandler.)
/// </summary>
public abstract class SqlDialect
{
    public static readonly SqlDialect Sqlite = new SqliteDialect();

    public static readonly SqlDialect SqlServer = new SqlServerDialect();

    private static readonly SqlDialect[] All = [Sqlite, SqlServer];

    public static IReadOnlyList<string> Names { get; } = [.. All.Select(dialect => dialect.Name)];

    /// <summary>The name of Feeds:Database:Provider and of the folder of its schema scripts under sql/.</summary>
    public abstract string Name { get; }

    public abstract DbConnection CreateConnection(string connectionString);

    /// <summary>
    /// Read connections to keep open with their prepared statements, where the driver prepares every command anew
    /// (SQLite); null where the server keeps plans itself (SQL Server caches the plan of each parameterised text).
    /// </summary>
    internal virtual KeptSqliteConnections? KeepsReadConnections(string readConnectionString) => null;

    /// <summary>
    /// One command, two results: every category, then the keys of the newest visible articles of the
    /// category @categorySlug and all below it (@now, @limit).
    /// </summary>
    public abstract string SubtreeFeedStateSql { get; }

    /// <summary>One command, two results: every category, then the keys of the site's newest visible articles.</summary>
    public abstract string SiteFeedStateSql { get; }

    /// <summary>One command, two results: every category, then the keys of the newest visible articles with tag @tagId.</summary>
    public abstract string TagFeedStateSql { get; }

    /// <summary>
    /// The ids of the JSON array in the parameter @ids (<see cref="IdList"/>), as a subquery: one parameter and one
    /// statement text for any number of ids, where a list expanded into @ids1, @ids2, ... is a new statement to
    /// prepare for every count.
    /// </summary>
    protected abstract string IdsOfJsonArray { get; }

    /// <summary>The full articles of the ids in @ids (<see cref="IdList"/>).</summary>
    public string ArticlesByIdSql => field ??= $"""
        SELECT id, external_id, category_id, updated_at, {ArticleFields.Columns}
        FROM articles
        WHERE id IN {IdsOfJsonArray}
        """;

    /// <summary>
    /// The tag names of the articles in @ids (<see cref="IdList"/>), each article's in the order the CMS gave them:
    /// its tags only, not the other names it is filed under (its byline and source are columns of its own).
    /// </summary>
    public string TagsByArticleSql => field ??= $"""
        SELECT x.article_id, t.name
        FROM article_tags x
        JOIN tags t ON t.id = x.tag_id
        WHERE x.article_id IN {IdsOfJsonArray} AND t.kind = '{FiledNames.Tag}'
        ORDER BY x.article_id, x.position
        """;

    /// <summary>The value of @ids: the ids as a JSON array.</summary>
    public static string IdList(IEnumerable<long> ids) => $"[{string.Join(',', ids)}]";

    /// <summary>The archive queries of the site (no scope parameter).</summary>
    public abstract ArchiveSql SiteArchive { get; }

    /// <summary>The archive queries of the category @categorySlug and all below it.</summary>
    public abstract ArchiveSql SubtreeArchive { get; }

    /// <summary>The archive queries of the tag @tagId.</summary>
    public abstract ArchiveSql TagArchive { get; }

    public abstract string CreateMigrationsTableSql { get; }

    /// <summary>
    /// One row: the newest change mark (mark), the oldest mark the change log still holds (oldest_logged, null
    /// when empty), and the publish time of the next scheduled visible article after @now (next_due).
    /// </summary>
    public abstract string ChangeMarkSql { get; }

    /// <summary>
    /// Begins a read of one consistent snapshot on a read connection: every statement until
    /// <see cref="EndSnapshotSql"/> sees the database as of one moment, whatever commits meanwhile
    /// (<see cref="Database.ReadSnapshotAsync{T}"/>).
    /// </summary>
    public abstract string BeginSnapshotSql { get; }

    /// <summary>Ends the snapshot <see cref="BeginSnapshotSql"/> began (it wrote nothing, so nothing is kept or lost).</summary>
    public abstract string EndSnapshotSql { get; }

    /// <summary>1 when schema_migrations exists, else 0.</summary>
    public abstract string MigrationsTableExistsSql { get; }

    /// <summary>Appended to an INSERT: the id of the row it inserted, in the same round trip.</summary>
    public abstract string InsertedIdSql { get; }

    /// <summary>
    /// Gives a document its first time (Data/DocumentTimes: @document, @etag, @mark, @modifiedAt) unless another
    /// instance just did: one row, or none. SQLite runs one writer at a time, so the check and the insert are one step.
    /// </summary>
    public virtual string InsertDocumentTimeSql => """
        INSERT INTO document_times (document, etag, mark, modified_at)
        SELECT @document, @etag, @mark, @modifiedAt
        WHERE NOT EXISTS (SELECT 1 FROM document_times WHERE document = @document)
        """;

    /// <summary>Splits a schema script into the batches the server executes one by one.</summary>
    public virtual IReadOnlyList<string> SplitBatches(string script) => [script];

    /// <summary>The embedded database is created and migrated by a starting server (and by import); SQL Server only by migrate.</summary>
    public abstract bool MigratesOnStart { get; }

    /// <summary>Whether trying the same read again may succeed after this error of the provider.</summary>
    public abstract bool IsTransientError(Exception exception);

    /// <summary>The connection string with what every connection gets unless it says otherwise (command timeout in seconds).</summary>
    public abstract string WithDefaults(string connectionString, int commandTimeoutSeconds);

    /// <summary>Which database a connection string names, for people; never a password.</summary>
    public abstract string Describe(string connectionString);

    /// <summary>Creates what a first connection needs (the folder of an embedded database file).</summary>
    public virtual void EnsureStorage(string connectionString)
    {
    }

    /// <summary>1 when a read waits for a writer's locks (SQL Server without READ_COMMITTED_SNAPSHOT; SQLite not in WAL mode), else 0.</summary>
    public abstract string ReadsWaitForWritersSql { get; }

    /// <summary>Run before migrating, outside any transaction; null: nothing.</summary>
    public virtual string? PrepareMigrationsSql => null;

    /// <summary>Taken at the start of each migration's transaction, so that two migrations take turns; null: the transaction's own write lock does.</summary>
    public virtual string? MigrationLockSql => null;

    /// <summary>Releases <see cref="MigrationLockSql"/> at the end of a migrate.</summary>
    public virtual string? MigrationUnlockSql => null;

    /// <summary>Reads what the database must offer Feeds (<see cref="DatabaseRequirements"/>); null where nothing needs checking.</summary>
    public virtual string? RequirementsSql => null;

    /// <summary>1 when the database fires a trigger again for its own updates (RECURSIVE_TRIGGERS); null: not a database setting.</summary>
    public virtual string? RecursiveTriggersSql => null;

    /// <summary>Run at the start of an import's transaction (@waitMilliseconds), before its commit, and before its connection returns to the pool; null: nothing.</summary>
    public virtual string? BeginImportSql => null;

    public virtual string? EndImportSql => null;

    public virtual string? ResetImportSessionSql => null;

    public static bool TryGet(string? name, [NotNullWhen(true)] out SqlDialect? dialect)
    {
        var wanted = name?.Trim();
        dialect = All.FirstOrDefault(candidate => string.Equals(candidate.Name, wanted, StringComparison.OrdinalIgnoreCase));
        return dialect is not null;
    }
}

/// <summary>
/// The four reads behind an archive page, for one scope. All take @now; the page reads keys newest first from
/// @from on, older than (@beforeAt, @beforeId), at most @take; Newer reads keys oldest first before @to from
/// (@fromAt, @fromId) on; Count counts [@from, @to); Neighbours gives the newest publish time before @from
/// (older) and the oldest from @to on (newer).
/// </summary>
public sealed record ArchiveSql(string Page, string Newer, string Count, string Neighbours);
