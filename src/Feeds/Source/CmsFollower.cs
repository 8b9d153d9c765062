using System.Data.Common;
using Dapper;
using Feeds.Content;
using Feeds.Data;
using Feeds.Demo;
using Feeds.Import;
using Feeds.Publishing;
using Microsoft.Extensions.Options;

namespace Feeds.Source;

/// <summary>
/// Follows the CMS's own database (Feeds:Source): every PollInterval it reads the rows whose change value is above
/// the stored cursor, through the operator's ChangesQuery on a read-only login, and applies them to Feeds' own
/// tables in one transaction of at most BatchSize rows together with the new cursor. So a restart resumes where
/// the last commit left off, nothing lost and nothing applied twice, and a batch is all applied or not at all.
/// Feeds takes no lock in the CMS database: it only reads it, as any reporting query would. One instance of a
/// fleet follows at a time: the one holding the lease in source_state, renewed at every poll; another takes
/// over once it has not been renewed for LeaseSeconds. A row that is not a valid article (the import's rules) is
/// logged with its id and skipped: it is read again when the CMS changes it.
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

    private const string CursorSql = """
        SELECT change_cursor FROM source_state WHERE source = @source
        """;

    /// <summary>Moves the cursor only while this instance holds the lease: one that lost it commits nothing.</summary>
    private const string MoveCursorSql = """
        UPDATE source_state SET change_cursor = @cursor WHERE source = @source AND owner = @owner
        """;

    private const string ReleaseLeaseSql = """
        UPDATE source_state SET owner = NULL, lease_until_ticks = 0 WHERE source = @source AND owner = @owner
        """;

    private readonly SemaphoreSlim _one = new(1, 1);
    private readonly ImportLineParser _parser = new(siteTime);
    private bool _failing;

    /// <summary>This instance, as the lease names it.</summary>
    public string Owner { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    private SourceOptions? _source;

    /// <summary>The CMS followed: Feeds:Source, or else the demo CMS beside a demo database that has one (Demo/DemoCms).</summary>
    private SourceOptions Source => _source ??= options.Value switch
    {
        { Source.Provider.Length: > 0 } configured => configured.Source,
        { DemoData: true } demo when DemoCms.PathBeside(demo.Database) is { } path && File.Exists(path) => DemoCms.Source(path),
        var none => none.Source,
    };

    /// <summary>What one poll did: whether this instance follows, and the rows it applied by outcome.</summary>
    public sealed record FollowReport(bool Following, int Inserted, int Updated, int Unchanged, int Deleted, int Bad, string? Cursor);

    /// <summary>
    /// Takes or renews the lease and applies one batch of the CMS's changes (the background loop calls it every
    /// PollInterval; tests call it to skip the wait).
    /// </summary>
    public async Task<FollowReport> FollowOnceAsync(CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            if (!await TakeLeaseAsync(cancellationToken))
            {
                return new FollowReport(false, 0, 0, 0, 0, 0, null);
            }
            var cursor = await database.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<string?>(
                new CommandDefinition(CursorSql, new { source = SourceName }, cancellationToken: cancellationToken)), cancellationToken) ?? Source.InitialCursor;
            var batch = await ReadChangesAsync(cursor, cancellationToken);
            if (batch.Cursor is null)
            {
                return new FollowReport(true, 0, 0, 0, 0, 0, cursor);
            }
            var counts = new Dictionary<UpsertOutcome, int>();
            await using (var writer = await ArticleWriter.BeginAsync(database, clock, cancellationToken))
            {
                foreach (var line in batch.Lines)
                {
                    var outcome = line.Article is { } article
                        ? await writer.UpsertAsync(article, cancellationToken)
                        : await writer.DeleteAsync(line.DeletedId!, cancellationToken);
                    counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
                }
                if (await writer.ExecuteAsync(MoveCursorSql, new { cursor = batch.Cursor, source = SourceName, owner = Owner }, cancellationToken) != 1)
                {
                    logger.LogWarning("Another instance took over following the CMS; this batch was not applied here");
                    return new FollowReport(false, 0, 0, 0, 0, 0, cursor);
                }
                await writer.CommitAsync(cancellationToken);
            }
            foreach (var (outcome, count) in counts)
            {
                metrics.SourceRows(outcome.ToString().ToLowerInvariant(), count);
            }
            metrics.SourceRows("bad", batch.Bad);
            // What changed shows at once, not a refresh interval later.
            await changes.RefreshAsync(cancellationToken);
            return new FollowReport(true, counts.GetValueOrDefault(UpsertOutcome.Inserted), counts.GetValueOrDefault(UpsertOutcome.Updated),
                counts.GetValueOrDefault(UpsertOutcome.Unchanged), counts.GetValueOrDefault(UpsertOutcome.Deleted), batch.Bad, batch.Cursor);
        }
        finally
        {
            _one.Release();
        }
    }

    private async Task<bool> TakeLeaseAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcTicks;
        await using var connection = await database.OpenAsync(cancellationToken);
        var taken = await connection.ExecuteAsync(new CommandDefinition(TakeLeaseSql,
            new { owner = Owner, until = now + TimeSpan.FromSeconds(Source.LeaseSeconds).Ticks, source = SourceName, now }, cancellationToken: cancellationToken));
        return taken == 1;
    }

    private sealed record Batch(List<ImportLineResult> Lines, int Bad, string? Cursor);

    /// <summary>
    /// The rows above the cursor, at most BatchSize, and never a part of the rows that share one change value (so
    /// the next cursor is above all of them). Read on a connection of its own to the CMS, which Feeds only reads.
    /// </summary>
    private async Task<Batch> ReadChangesAsync(string cursor, CancellationToken cancellationToken)
    {
        SqlDialect.TryGet(Source.Provider, out var dialect);
        await using var connection = dialect!.CreateConnection(dialect.WithDefaults(Source.ConnectionString, options.Value.Database.CommandTimeoutSeconds));
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = Source.ChangesQuery;
        var after = command.CreateParameter();
        after.ParameterName = "@after";
        after.Value = SourceRow.ParameterOf(cursor);
        command.Parameters.Add(after);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var change = reader.GetOrdinal(SourceRow.ChangeColumn);
        var lines = new List<ImportLineResult>();
        var bad = 0;
        string? last = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            var value = SourceRow.CursorOf(reader.GetValue(change));
            if (lines.Count + bad >= Source.BatchSize && value != last)
            {
                break;
            }
            last = value;
            var (line, error) = SourceRow.ToImportLine(reader);
            var parsed = line is null ? ImportLineResult.Fail(error!) : _parser.Parse(line);
            if (parsed.Error is { } reason)
            {
                bad++;
                logger.LogWarning("CMS row {Id} (change {Change}) is not an article Feeds can publish, skipped until the CMS changes it: {Reason}",
                    SourceRow.IdOf(reader), value, reason);
                continue;
            }
            lines.Add(parsed);
        }
        return new Batch(lines, bad, last);
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
            catch (Exception exception) when (exception is DbException or InvalidOperationException or TimeoutException && !stoppingToken.IsCancellationRequested)
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
