using System.Data.Common;
using Dapper;
using Feeds.Content;
using Feeds.Data;
using Feeds.Demo;
using Feeds.Import;
using Feeds.Publishing;
using Microsoft.Extensions.Options;
using Feeds.Versions;

namespace Feeds.Source;

/// <summary>
/// Follows the CMS's own database (Feeds:Source), reading it only, through the operator's queries on a read-only
/// login; Feeds takes no lock in it beyond what any reporting query takes. Each poll (every PollInterval) makes
/// up to three passes, each applied to Feeds' own tables in one transaction of at most BatchSize rows together
/// with its own place in source_state, so a restart resumes where the last commit left off, nothing lost and
/// nothing applied twice:
/// <list type="bullet">
/// <item><b>Live</b>: the rows whose change value is above the cursor (ChangesQuery). An edit shows within a poll.</item>
/// <item><b>Sweep</b>: the same query again from a trailing cursor, up to the live cursor of SweepAfterSeconds
/// ago. A transaction that took its change value early and committed after a later one was passed by the live
/// cursor; the sweep reads it. What it reads again unchanged costs a comparison, not a write.</item>
/// <item><b>Reconcile</b> (with RowsQuery): Feeds' own stored articles walked by id, ReconcilePageSize every
/// ReconcileInterval, each page asked of the CMS; an article the CMS no longer has (a hard DELETE, which no change
/// column shows) is deleted, one that differs is stored again.</item>
/// </list>
/// One instance of a fleet follows at a time: the one holding the lease in source_state, renewed at every poll;
/// another takes over once it has not been renewed for LeaseSeconds. A row that is not a valid article (the
/// import's rules) is logged with its id and skipped: it is read again when the CMS changes it.
/// </summary>
public sealed class CmsFollower(
    Database database,
    SiteTime siteTime,
    TimeProvider clock,
    IOptions<FeedsOptions> options,
    ChangeDetector changes,
    ILogger<CmsFollower> logger,
    FeedsMetrics metrics) : BackgroundService
{
    private const string SourceName = "cms";

    private const string TakeLeaseSql = """
        UPDATE source_state
        SET owner = @owner, lease_until_ticks = @until
        WHERE source = @source AND (owner IS NULL OR owner = @owner OR lease_until_ticks < @now)
        """;

    private const string StateSql = """
        SELECT change_cursor AS ChangeCursor, sweep_cursor AS SweepCursor, reconciled_after AS ReconciledAfter, resync_after AS ResyncAfter
        FROM source_state WHERE source = @source
        """;

    // Change Tracking: a full read starts with the live cursor at the version it began at, so that what changes
    // during it is read by the live pass too.
    private const string StartResyncSql = """
        UPDATE source_state SET change_cursor = @place, resync_after = '' WHERE source = @source AND owner = @owner
        """;

    private const string MoveResyncSql = """
        UPDATE source_state SET resync_after = @place WHERE source = @source AND owner = @owner
        """;

    /// <summary>The CMS database's Change Tracking version now (one per committed transaction that changed a tracked table).</summary>
    internal const string TrackedVersionSql = "SELECT CHANGE_TRACKING_CURRENT_VERSION()";

    /// <summary>The oldest version from which a tracked table's changes can still be read (NULL: not tracked, or not visible to the login).</summary>
    internal const string MinValidVersionSql = "SELECT CHANGE_TRACKING_MIN_VALID_VERSION(OBJECT_ID(@table))";

    // Each pass moves its own place, and only while this instance holds the lease: one that lost it commits nothing.
    private const string MoveCursorSql = """
        UPDATE source_state SET change_cursor = @place WHERE source = @source AND owner = @owner
        """;

    private const string MoveSweepSql = """
        UPDATE source_state SET sweep_cursor = @place WHERE source = @source AND owner = @owner
        """;

    private const string MoveReconciledSql = """
        UPDATE source_state SET reconciled_after = @place WHERE source = @source AND owner = @owner
        """;

    private const string ReleaseLeaseSql = """
        UPDATE source_state SET owner = NULL, lease_until_ticks = 0 WHERE source = @source AND owner = @owner
        """;

    /// <summary>Feeds' stored articles after a place in the walk, by id (read until a page is full).</summary>
    private const string StoredIdsSql = """
        SELECT external_id FROM articles WHERE external_id > @after ORDER BY external_id
        """;

    /// <summary>Live cursors remembered for the sweep at most: a day of polls a second is far fewer than this.</summary>
    private const int MaxPastCursors = 100_000;

    private readonly SemaphoreSlim _one = new(1, 1);
    private readonly ImportLineParser _parser = new(siteTime);
    // The live cursor after each poll, with when: the sweep reads up to the one of SweepAfterSeconds ago.
    private readonly Queue<(DateTimeOffset At, string Cursor)> _pastCursors = new();
    private string? _lastRemembered;
    private DateTimeOffset _lastReconciled = DateTimeOffset.MinValue;
    private SourceOptions? _source;
    private bool _failing;

    /// <summary>This instance, as the lease names it.</summary>
    public string Owner { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>The CMS followed: Feeds:Source, or else the demo CMS beside a demo database that has one (Demo/DemoCms).</summary>
    private SourceOptions Source => _source ??= options.Value switch
    {
        { Source.Provider.Length: > 0 } configured => configured.Source,
        { DemoData: true } demo when DemoCms.PathBeside(demo.Database) is { } path && File.Exists(path) => DemoCms.Source(path),
        var none => none.Source,
    };

    /// <summary>What one poll did: whether this instance follows, the rows its passes applied by outcome, the live cursor.</summary>
    public sealed record FollowReport(bool Following, int Inserted, int Updated, int Unchanged, int Deleted, int Bad, string? Cursor)
    {
        public static readonly FollowReport NotFollowing = new(false, 0, 0, 0, 0, 0, null);

        public FollowReport Add(Counts counts) => this with
        {
            Inserted = Inserted + counts.Of(UpsertOutcome.Inserted),
            Updated = Updated + counts.Of(UpsertOutcome.Updated),
            Unchanged = Unchanged + counts.Of(UpsertOutcome.Unchanged),
            Deleted = Deleted + counts.Of(UpsertOutcome.Deleted),
            Bad = Bad + counts.Bad,
        };
    }

    public sealed class Counts
    {
        private readonly Dictionary<UpsertOutcome, int> _outcomes = [];

        public int Bad { get; init; }

        public int Of(UpsertOutcome outcome) => _outcomes.GetValueOrDefault(outcome);

        public void Count(UpsertOutcome outcome) => _outcomes[outcome] = Of(outcome) + 1;

        public IEnumerable<KeyValuePair<UpsertOutcome, int>> All => _outcomes;
    }

    /// <summary>
    /// Takes or renews the lease and makes the live pass, and the sweep and the reconciliation when they are due
    /// (the background loop calls it every PollInterval; tests call it to skip the wait).
    /// </summary>
    public async Task<FollowReport> FollowOnceAsync(CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            if (!await TakeLeaseAsync(cancellationToken))
            {
                _pastCursors.Clear();
                return FollowReport.NotFollowing;
            }
            var state = await database.ReadAsync(connection => connection.QuerySingleAsync<SourceState>(
                new CommandDefinition(StateSql, new { source = SourceName }, cancellationToken: cancellationToken)), cancellationToken);
            var cursor = state.ChangeCursor ?? Source.InitialCursor;
            var now = clock.GetUtcNow();
            if (_pastCursors.Count == 0)
            {
                // Whatever committed late before this instance followed is swept once SweepAfterSeconds have passed.
                _pastCursors.Enqueue((now, cursor));
            }
            var report = new FollowReport(true, 0, 0, 0, 0, 0, cursor);

            var live = await ReadRowsAsync(Source.ChangesQuery, "@after", SourceRow.ParameterOf(cursor), upTo: null, cancellationToken,
                tracked: Source.TracksChanges ? new TrackedCursor(cursor, FirstFollow: state.ChangeCursor is null) : null);
            if (live.ResyncFrom is { } version)
            {
                if (!await StartResyncAsync(version, state.ChangeCursor, cancellationToken))
                {
                    return FollowReport.NotFollowing;
                }
                report = report with { Cursor = version };
            }
            else if (live.Place(cursor) is { } place)
            {
                if (await ApplyAsync(live, MoveCursorSql, place, cancellationToken) is not { } applied)
                {
                    return FollowReport.NotFollowing;
                }
                report = report.Add(applied) with { Cursor = place };
                // What changed shows at once, before the sweep and the walk, not a refresh interval later.
                await RefreshIfChangedAsync(applied, cancellationToken);
            }
            RememberCursor(now, report.Cursor!);

            // Change Tracking gives versions at commit: nothing commits behind the cursor, so there is nothing to sweep.
            if (!Source.TracksChanges && await SweepAsync(state.SweepCursor ?? Source.InitialCursor, now, cancellationToken) is { } swept)
            {
                report = report.Add(swept);
                await RefreshIfChangedAsync(swept, cancellationToken);
            }
            if (state.ResyncAfter is { } resyncAfter && await ResyncAsync(resyncAfter, cancellationToken) is { } resynced)
            {
                report = report.Add(resynced);
                await RefreshIfChangedAsync(resynced, cancellationToken);
            }
            if (Source.RowsQuery.Length > 0 && now - _lastReconciled >= Source.ReconcileInterval
                && await ReconcileAsync(state.ReconciledAfter ?? "", cancellationToken) is { } reconciled)
            {
                _lastReconciled = now;
                report = report.Add(reconciled);
                await RefreshIfChangedAsync(reconciled, cancellationToken);
            }
            return report;
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>
    /// Notes where the live cursor is now, for the sweep: only when it moved, and at most
    /// <see cref="MaxPastCursors"/> of them (past that the oldest go, and the sweep reads their rows a little early).
    /// </summary>
    private void RememberCursor(DateTimeOffset now, string cursor)
    {
        if (_pastCursors.Count > 0 && _lastRemembered == cursor)
        {
            return;
        }
        _lastRemembered = cursor;
        if (_pastCursors.Count >= MaxPastCursors)
        {
            _pastCursors.Dequeue();
        }
        _pastCursors.Enqueue((now, cursor));
    }

    private async Task RefreshIfChangedAsync(Counts counts, CancellationToken cancellationToken)
    {
        if (counts.Of(UpsertOutcome.Inserted) + counts.Of(UpsertOutcome.Updated) + counts.Of(UpsertOutcome.Deleted) > 0)
        {
            await changes.RefreshAsync(cancellationToken);
        }
    }

    private sealed record SourceState(string? ChangeCursor, string? SweepCursor, string? ReconciledAfter, string? ResyncAfter);

    /// <summary>
    /// Change Tracking: begins reading every article again (a first follow, or a cursor older than a table's
    /// CHANGE_TRACKING_MIN_VALID_VERSION, whose changes are gone), with the live cursor at the version it began at.
    /// </summary>
    private async Task<bool> StartResyncAsync(string version, string? from, CancellationToken cancellationToken)
    {
        if (from is null)
        {
            logger.LogInformation("Following the CMS by Change Tracking for the first time: reading every article (ResyncQuery), then the changes after version {Version}", version);
        }
        else
        {
            logger.LogWarning("The CMS no longer keeps the changes after version {Cursor} (CHANGE_TRACKING_MIN_VALID_VERSION is above it): reading every article again (ResyncQuery), then the changes after version {Version}",
                from, version);
        }
        await using var writer = await ArticleWriter.BeginAsync(database, clock, cancellationToken);
        if (await writer.ExecuteAsync(StartResyncSql, new { place = version, source = SourceName, owner = Owner }, cancellationToken) != 1)
        {
            return false;
        }
        await writer.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>One page of a full read (ResyncQuery, by the CMS's key); a short page ends it.</summary>
    private async Task<Counts?> ResyncAsync(string after, CancellationToken cancellationToken)
    {
        var page = await ReadRowsAsync(Source.ResyncQuery, "@after", after.Length == 0 ? DBNull.Value : SourceRow.ParameterOf(after), upTo: null, cancellationToken);
        var counts = await ApplyAsync(page, MoveResyncSql, page.Full ? page.Cursor : null, cancellationToken);
        if (counts is not null && !page.Full)
        {
            logger.LogInformation("Every article of the CMS has been read again; following its changes");
        }
        return counts;
    }

    /// <summary>The sweep: from its own cursor up to the live cursor of SweepAfterSeconds ago, one batch.</summary>
    private async Task<Counts?> SweepAsync(string sweep, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string? target = null;
        while (_pastCursors.TryPeek(out var past) && now - past.At >= TimeSpan.FromSeconds(Source.SweepAfterSeconds))
        {
            target = _pastCursors.Dequeue().Cursor;
        }
        if (target is null || SourceRow.CompareCursors(sweep, target) >= 0)
        {
            return null;
        }
        var batch = await ReadRowsAsync(Source.ChangesQuery, "@after", SourceRow.ParameterOf(sweep), upTo: target, cancellationToken);
        // A full batch leaves the rest to the next poll; otherwise every row up to the target has been read.
        return await ApplyAsync(batch, MoveSweepSql, batch.Full ? batch.Cursor! : target, cancellationToken);
    }

    /// <summary>
    /// One page of the walk over Feeds' stored articles: the CMS is asked for those ids (RowsQuery, @ids a JSON
    /// array); an id it does not return is deleted, a row it returns is stored again (unchanged when equal).
    /// </summary>
    private async Task<Counts?> ReconcileAsync(string after, CancellationToken cancellationToken)
    {
        var ids = await database.ReadAsync(async connection =>
        {
            var page = new List<string>(Source.ReconcilePageSize);
            await foreach (var id in connection.QueryUnbufferedAsync<string>(StoredIdsSql, new { after }).WithCancellation(cancellationToken))
            {
                page.Add(id);
                if (page.Count == Source.ReconcilePageSize)
                {
                    break;
                }
            }
            return page;
        }, cancellationToken);
        var batch = await ReadRowsAsync(Source.RowsQuery, "@ids", System.Text.Json.JsonSerializer.Serialize(ids), upTo: null, cancellationToken);
        var present = batch.Lines.Select(line => line.Article?.ExternalId ?? line.DeletedId).Concat(batch.BadIds).ToHashSet(StringComparer.Ordinal);
        batch.Lines.AddRange(ids.Where(id => !present.Contains(id)).Select(ImportLineResult.Delete));
        // A short page ends the walk: the next starts again from the first id.
        return await ApplyAsync(batch, MoveReconciledSql, ids.Count == Source.ReconcilePageSize ? ids[^1] : null, cancellationToken);
    }

    /// <summary>Applies a batch and moves the pass's place in one transaction; null when the lease was lost meanwhile.</summary>
    private async Task<Counts?> ApplyAsync(Batch batch, string moveSql, string? place, CancellationToken cancellationToken)
    {
        var counts = new Counts { Bad = batch.Bad };
        await using (var writer = await ArticleWriter.BeginAsync(database, clock, cancellationToken))
        {
            foreach (var line in batch.Lines)
            {
                counts.Count(line.Article is { } article
                    ? await writer.UpsertAsync(article, cancellationToken)
                    : await writer.DeleteAsync(line.DeletedId!, cancellationToken));
            }
            if (await writer.ExecuteAsync(moveSql, new { place, source = SourceName, owner = Owner }, cancellationToken) != 1)
            {
                logger.LogWarning("Another instance took over following the CMS; this batch was not applied here");
                return null;
            }
            await writer.CommitAsync(cancellationToken);
        }
        foreach (var (outcome, count) in counts.All)
        {
            metrics.SourceRows(outcome.ToString().ToLowerInvariant(), count);
        }
        metrics.SourceRows("bad", counts.Bad);
        return counts;
    }

    private async Task<bool> TakeLeaseAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcTicks;
        await using var connection = await database.OpenAsync(cancellationToken);
        var taken = await connection.ExecuteAsync(new CommandDefinition(TakeLeaseSql,
            new { owner = Owner, until = now + TimeSpan.FromSeconds(Source.LeaseSeconds).Ticks, source = SourceName, now }, cancellationToken: cancellationToken));
        return taken == 1;
    }

    /// <summary>
    /// Rows read from the CMS as import lines; Cursor: the change value of the last row read; Full: BatchSize was
    /// reached. With Change Tracking, TrackedVersion: CHANGE_TRACKING_CURRENT_VERSION() in the snapshot the rows were
    /// read in; ResyncFrom: the changes after the cursor are gone (or none were ever read), so every article must be
    /// read again, from this version on (no rows were read).
    /// </summary>
    private sealed record Batch(List<ImportLineResult> Lines, int Bad, List<string> BadIds, string? Cursor, bool Full)
    {
        public string? TrackedVersion { get; init; }

        public string? ResyncFrom { get; init; }

        /// <summary>
        /// Where the live cursor moves after this batch from <paramref name="cursor"/>, or null when it stays: the last
        /// change read; with Change Tracking, once every change was read, the version of the snapshot (so an idle
        /// cursor keeps up with versions that changed only tables Feeds does not show, and never falls out of
        /// CHANGE_TRACKING_MIN_VALID_VERSION).
        /// </summary>
        public string? Place(string cursor) =>
            TrackedVersion is { } version && !Full
                ? SourceRow.CompareCursors(version, cursor) > 0 ? version : null
                : Cursor;
    }

    /// <summary>Where the live pass stands with Change Tracking, and whether it has ever read.</summary>
    private sealed record TrackedCursor(string Cursor, bool FirstFollow);

    /// <summary>
    /// The rows of a CMS query, at most BatchSize and never a part of the rows that share one change value (so a
    /// cursor put after them is above all of them), nor any above <paramref name="upTo"/>. Read on a connection of
    /// its own to the CMS, which Feeds only reads.
    /// </summary>
    private async Task<Batch> ReadRowsAsync(string query, string parameter, object value, string? upTo, CancellationToken cancellationToken, TrackedCursor? tracked = null)
    {
        await using var connection = SourceDatabase.Connect(Source.Provider, Source.ConnectionString, options.Value.Database.CommandTimeoutSeconds);
        await connection.OpenAsync(cancellationToken);
        if (tracked is null)
        {
            return await ReadRowsAsync(connection, query, parameter, value, upTo, cancellationToken);
        }
        // Microsoft's recommended way to read Change Tracking: the current version, the oldest valid one and the
        // changes in one SNAPSHOT transaction, so that they agree (the CMS database needs ALLOW_SNAPSHOT_ISOLATION ON).
        await connection.ExecuteAsync(new CommandDefinition(SqlDialect.SqlServer.BeginSnapshotSql, cancellationToken: cancellationToken));
        var version = await connection.ExecuteScalarAsync<long>(new CommandDefinition(TrackedVersionSql, cancellationToken: cancellationToken));
        var expired = tracked.FirstFollow;
        foreach (var table in Source.TrackedTables)
        {
            var minValid = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(MinValidVersionSql, new { table }, cancellationToken: cancellationToken))
                ?? throw new InvalidOperationException($"Change Tracking is not enabled on the CMS table {table}, or this login cannot see it (Feeds:Source:TrackedTables): ALTER TABLE {table} ENABLE CHANGE_TRACKING, and GRANT VIEW CHANGE TRACKING ON {table} to Feeds' login.");
            expired |= SourceRow.CompareCursors(tracked.Cursor, minValid.ToString(System.Globalization.CultureInfo.InvariantCulture)) < 0;
        }
        var versionText = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var batch = expired
            ? new Batch([], 0, [], null, false) { ResyncFrom = versionText }
            : await ReadRowsAsync(connection, query, parameter, value, upTo, cancellationToken) with { TrackedVersion = versionText };
        await connection.ExecuteAsync(new CommandDefinition(SqlDialect.SqlServer.EndSnapshotSql, cancellationToken: cancellationToken));
        return batch;
    }

    private async Task<Batch> ReadRowsAsync(DbConnection connection, string query, string parameter, object value, string? upTo, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = query;
        var argument = command.CreateParameter();
        argument.ParameterName = parameter;
        argument.Value = value;
        command.Parameters.Add(argument);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var change = Enumerable.Range(0, reader.FieldCount).FirstOrDefault(i => string.Equals(reader.GetName(i), SourceRow.ChangeColumn, StringComparison.OrdinalIgnoreCase), -1);
        var lines = new List<ImportLineResult>();
        var badIds = new List<string>();
        string? last = null;
        var full = false;
        while (await reader.ReadAsync(cancellationToken))
        {
            var current = change < 0 ? null : SourceRow.CursorOf(reader.GetValue(change));
            if (upTo is not null && current is not null && SourceRow.CompareCursors(current, upTo) > 0)
            {
                StopReading(command);
                break;
            }
            if (lines.Count + badIds.Count >= Source.BatchSize && current != last)
            {
                full = true;
                StopReading(command);
                break;
            }
            last = current;
            var (line, error) = SourceRow.ToImportLine(reader);
            var parsed = line is null ? ImportLineResult.Fail(error!) : _parser.Parse(line);
            if (parsed.Error is { } reason)
            {
                badIds.Add(SourceRow.IdOf(reader));
                logger.LogWarning("CMS row {Id} (change {Change}) is not an article Feeds can publish, skipped until the CMS changes it: {Reason}",
                    badIds[^1], current, reason);
                continue;
            }
            lines.Add(parsed);
        }
        return new Batch(lines, badIds.Count, badIds, last, full);
    }

    /// <summary>
    /// SqlClient reads every remaining row when a reader is closed early, so a first read of a million articles a
    /// page at a time would read the rest of the table for every page; cancelling the command first is its
    /// documented way not to (SqlDataReader.Close). SQLite steps no further anyway.
    /// </summary>
    private static void StopReading(DbCommand command)
    {
        if (command is Microsoft.Data.SqlClient.SqlCommand)
        {
            command.Cancel();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Source.Provider.Length == 0)
        {
            return;
        }
        using var timer = new PeriodicTimer(Source.PollInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await FollowOnceAsync(stoppingToken);
                if (_failing)
                {
                    logger.LogInformation("Following the CMS works again");
                    _failing = false;
                }
            }
            catch (Exception exception) when (exception is DbException or InvalidOperationException or TimeoutException or System.Net.Sockets.SocketException && !stoppingToken.IsCancellationRequested)
            {
                // Logged once when it starts failing and once when it works again; feeds keep serving what is stored.
                if (!_failing)
                {
                    logger.LogError(exception, "Following the CMS failed; retrying every {Interval} from the stored cursor", Source.PollInterval);
                    _failing = true;
                }
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (Source.Provider.Length == 0)
        {
            return;
        }
        try
        {
            // Another instance takes over at its next poll, not a lease later.
            await using var connection = await database.OpenAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(ReleaseLeaseSql, new { source = SourceName, owner = Owner }, cancellationToken: cancellationToken));
        }
        catch (DbException exception)
        {
            logger.LogWarning(exception, "Could not release the lease on following the CMS; another instance takes over when it ends");
        }
    }

    public override void Dispose()
    {
        _one.Dispose();
        base.Dispose();
    }
}
