using System.Data.Common;
using Dapper;

namespace Feeds.Data;

/// <summary>
/// What the change detector reads (sql/*/0005_change_log.sql). First, always, one row: the change mark, the
/// oldest mark the log still holds, and the next time a scheduled article comes due. Then, only when the mark
/// moved or an article came due, the versions of the feeds that may have changed: those the log names after the
/// last mark read and those with an article come due since the last poll; or, on a first poll or when the log no
/// longer reaches back, every feed's.
/// </summary>
public sealed class VersionStore(Database database)
{
    /// <summary>Past this many feeds named as changed, reading every feed at once costs less than asking by id.</summary>
    public const int MostFeedsReadById = 1000;

    // The feeds logged after @since up to @mark, then the categories and tags of articles whose publish time came
    // in (@dueFrom, @now] (a range of ix_articles_newest: the articles of one poll interval).
    private const string ChangedFeedsSql = """
        SELECT DISTINCT kind, feed_id FROM feed_changes WHERE mark > @since AND mark <= @mark;
        SELECT DISTINCT a.category_id FROM articles a
        WHERE a.is_published = 1 AND a.published_at > @dueFrom AND a.published_at <= @now;
        SELECT DISTINCT x.tag_id FROM articles a JOIN article_tags x ON x.article_id = a.id
        WHERE a.is_published = 1 AND a.published_at > @dueFrom AND a.published_at <= @now;
        """;

    // A category's version and the publish time of its newest visible article (one index seek each), so that a
    // scheduled article coming due changes its feeds too.
    private const string CategoryVersionsSql = """
        SELECT c.id, c.slug, c.parent_id, c.version,
               (SELECT MAX(a.published_at)
                FROM articles a
                WHERE a.category_id = c.id AND a.is_published = 1 AND a.published_at <= @now) AS newest_due
        FROM categories c
        """;

    // The same for a tag, an author or a source (FiledNames), one seek on ix_article_tags_newest.
    private const string TagVersionsSql = """
        SELECT t.id, t.kind, t.name, t.version,
               (SELECT MAX(x.published_at)
                FROM article_tags x
                WHERE x.tag_id = t.id AND x.is_published = 1 AND x.published_at <= @now) AS newest_due
        FROM tags t
        """;

    private const string AllVersionsSql = CategoryVersionsSql + ";\n" + TagVersionsSql;

    private const string VersionsByIdSql = CategoryVersionsSql + "\nWHERE c.id IN @categoryIds;\n" + TagVersionsSql + "\nWHERE t.id IN @tagIds;";

    /// <summary>
    /// One poll, in one snapshot of the database (so the mark, the log and the versions agree, even on a replica):
    /// the mark; then nothing when neither it moved since <paramref name="last"/> nor an article came due; the
    /// feeds changed since when the log reaches back; else every feed. A mark below the last one was read on a
    /// replica that is behind the one read before: nothing is read, and the versions known stay (Behind).
    /// </summary>
    public Task<Poll> PollAsync(LastPoll? last, DateTime polledAt, CancellationToken cancellationToken) =>
        database.ReadSnapshotAsync(async connection =>
        {
            var mark = await GetMarkAsync(connection, polledAt, cancellationToken);
            if (last is null)
            {
                return new Poll(mark, await ReadAllAsync(connection, polledAt, cancellationToken), PollOutcome.All);
            }
            if (mark.Mark < last.Mark)
            {
                return new Poll(mark, VersionRead.Nothing, PollOutcome.Behind);
            }
            if (mark.Mark == last.Mark && !(last.NextDue <= polledAt))
            {
                return new Poll(mark, VersionRead.Nothing, PollOutcome.Unchanged);
            }
            if (mark.Mark == last.Mark || mark.OldestLogged <= last.Mark + 1)
            {
                var read = await ReadChangedAsync(connection, last.Mark, mark.Mark, last.PolledAt, polledAt, cancellationToken);
                return new Poll(mark, read, read.Complete ? PollOutcome.All : PollOutcome.Changed);
            }
            return new Poll(mark, await ReadAllAsync(connection, polledAt, cancellationToken), PollOutcome.All);
        }, cancellationToken);

    public async Task<ChangeMark> GetMarkAsync(DateTime nowUtc, CancellationToken cancellationToken) =>
        await database.ReadAsync(connection => GetMarkAsync(connection, nowUtc, cancellationToken), cancellationToken);

    /// <summary>Every feed's version at <paramref name="nowUtc"/>.</summary>
    public async Task<VersionRead> ReadAllAsync(DateTime nowUtc, CancellationToken cancellationToken) =>
        await database.ReadAsync(connection => ReadAllAsync(connection, nowUtc, cancellationToken), cancellationToken);

    /// <summary>
    /// The versions of the feeds logged in (<paramref name="since"/>, <paramref name="mark"/>] and of those with an
    /// article come due in (<paramref name="dueFromUtc"/>, <paramref name="nowUtc"/>]; every feed's when more than
    /// <see cref="MostFeedsReadById"/> are named.
    /// </summary>
    public async Task<VersionRead> ReadChangedAsync(long since, long mark, DateTime dueFromUtc, DateTime nowUtc, CancellationToken cancellationToken) =>
        await database.ReadSnapshotAsync(connection => ReadChangedAsync(connection, since, mark, dueFromUtc, nowUtc, cancellationToken), cancellationToken);

    private Task<ChangeMark> GetMarkAsync(DbConnection connection, DateTime nowUtc, CancellationToken cancellationToken) =>
        ChangeMark.ReadAsync(connection, database.Dialect, nowUtc, cancellationToken);

    private static async Task<VersionRead> ReadAllAsync(DbConnection connection, DateTime nowUtc, CancellationToken cancellationToken)
    {
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(AllVersionsSql, new { now = nowUtc }, cancellationToken: cancellationToken));
        var categories = (await results.ReadAsync<CategoryVersionRow>()).AsList();
        var tags = (await results.ReadAsync<TagVersionRow>()).AsList();
        return new VersionRead(categories, tags, [], [], Complete: true, RowsRead: categories.Count + tags.Count);
    }

    private static async Task<VersionRead> ReadChangedAsync(DbConnection connection, long since, long mark, DateTime dueFromUtc, DateTime nowUtc, CancellationToken cancellationToken)
    {
        HashSet<long> categoryIds, tagIds;
        int logRows;
        await using (var results = await connection.QueryMultipleAsync(new CommandDefinition(ChangedFeedsSql,
            new { since, mark, dueFrom = dueFromUtc, now = nowUtc }, cancellationToken: cancellationToken)))
        {
            var logged = (await results.ReadAsync<LoggedChange>()).AsList();
            categoryIds = [.. logged.Where(row => row.Kind == "c").Select(row => row.FeedId)];
            tagIds = [.. logged.Where(row => row.Kind == "t").Select(row => row.FeedId)];
            categoryIds.UnionWith(await results.ReadAsync<long>());
            tagIds.UnionWith(await results.ReadAsync<long>());
            logRows = logged.Count;
        }
        if (categoryIds.Count + tagIds.Count > MostFeedsReadById)
        {
            var all = await ReadAllAsync(connection, nowUtc, cancellationToken);
            return all with { RowsRead = all.RowsRead + logRows };
        }
        if (categoryIds.Count + tagIds.Count == 0)
        {
            return VersionRead.Nothing with { RowsRead = logRows };
        }
        // An empty list is Dapper's "IN (SELECT @ids WHERE 1 = 0)": no row.
        await using var versions = await connection.QueryMultipleAsync(new CommandDefinition(VersionsByIdSql,
            new { now = nowUtc, categoryIds, tagIds }, cancellationToken: cancellationToken));
        var categories = (await versions.ReadAsync<CategoryVersionRow>()).AsList();
        var tags = (await versions.ReadAsync<TagVersionRow>()).AsList();
        // Named as changed and not returned: deleted.
        categoryIds.ExceptWith(categories.Select(row => row.Id));
        tagIds.ExceptWith(tags.Select(row => row.Id));
        return new VersionRead(categories, tags, categoryIds, tagIds, Complete: false, RowsRead: logRows + categories.Count + tags.Count);
    }
}

/// <summary>What the poll before knew: the mark it read, the next due time, and when it polled.</summary>
public sealed record LastPoll(long Mark, DateTime? NextDue, DateTime PolledAt);

public enum PollOutcome
{
    /// <summary>Nothing moved: only the mark was read.</summary>
    Unchanged,

    /// <summary>The versions of the feeds that changed were read.</summary>
    Changed,

    /// <summary>Every feed's version was read.</summary>
    All,

    /// <summary>The mark read is below the last one (a replica behind the one read before): nothing was read.</summary>
    Behind,
}

/// <summary>What one poll read: the mark, the versions, and which of the four it was.</summary>
public sealed record Poll(ChangeMark Mark, VersionRead Read, PollOutcome Outcome);

/// <summary>A row of feed_changes: 'c' and a category's id, or 't' and a tag's.</summary>
public sealed class LoggedChange
{
    public required string Kind { get; init; }
    public long FeedId { get; init; }
}

/// <summary>
/// Feed versions read by one poll: every feed's when <see cref="Complete"/>; else those that changed, and the ids
/// of the categories and tags that changed and no longer exist.
/// </summary>
public sealed record VersionRead(
    IReadOnlyList<CategoryVersionRow> Categories,
    IReadOnlyList<TagVersionRow> Tags,
    IReadOnlyCollection<long> RemovedCategories,
    IReadOnlyCollection<long> RemovedTags,
    bool Complete,
    int RowsRead)
{
    /// <summary>A poll that found nothing to read.</summary>
    public static readonly VersionRead Nothing = new([], [], [], [], Complete: false, RowsRead: 0);
}
