using System.Diagnostics;
using System.Globalization;
using Feeds.Data;

namespace Feeds.Import;

public sealed record ImportError(int Line, string Reason)
{
    public override string ToString() => $"line {Line.ToString(CultureInfo.InvariantCulture)}: {Reason}";
}

public sealed record ImportReport(int Lines, int Inserted, int Updated, int Unchanged, int Deleted, IReadOnlyList<ImportError> Errors, bool Committed);

/// <summary>
/// Imports NDJSON lines of articles (a file, or a batch pushed by the CMS). The first pass checks every line; the second writes them in one
/// transaction. By default a file with any bad line imports nothing; with skipBadLines the good lines are
/// imported and the bad ones reported. Either way the database holds the whole result or none of it.
/// </summary>
public sealed class NdjsonImporter(Database database, ImportLineParser parser, TimeProvider clock)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(2);

    public Task<ImportReport> ImportAsync(string path, bool skipBadLines, TextWriter progress, CancellationToken cancellationToken) =>
        ImportAsync(() => OpenRead(path), skipBadLines, progress, cancellationToken);

    /// <summary>Imports the lines <paramref name="open"/> gives; it is called twice, once for each pass.</summary>
    public async Task<ImportReport> ImportAsync(Func<Stream> open, bool skipBadLines, TextWriter progress, CancellationToken cancellationToken)
    {
        var errors = new List<ImportError>();
        var lines = 0;
        var sinceProgress = Stopwatch.StartNew();
        await using (var stream = open())
        {
            await foreach (var (number, line) in ByteLines.ReadAsync(stream, cancellationToken))
            {
                lines = number;
                if (!IsBlank(line.Span) && parser.Parse(line).Error is { } error)
                {
                    errors.Add(new ImportError(number, error));
                }
                Report(progress, sinceProgress, $"checked {number:N0} lines");
            }
        }
        if (errors.Count > 0 && !skipBadLines)
        {
            return new ImportReport(lines, 0, 0, 0, 0, errors, Committed: false);
        }

        var bad = errors.Select(error => error.Line).ToHashSet();
        int inserted = 0, updated = 0, unchanged = 0, deleted = 0;
        await using (var writer = await ArticleWriter.BeginAsync(database, clock, cancellationToken))
        await using (var stream = open())
        {
            await foreach (var (number, line) in ByteLines.ReadAsync(stream, cancellationToken))
            {
                if (bad.Contains(number) || IsBlank(line.Span))
                {
                    continue;
                }
                var outcome = parser.Parse(line) switch
                {
                    { Article: { } article } => await writer.UpsertAsync(article, cancellationToken),
                    { DeletedId: { } externalId } => await writer.DeleteAsync(externalId, cancellationToken),
                    _ => throw new InvalidOperationException($"Line {number} changed while it was imported."),
                };
                switch (outcome)
                {
                    case UpsertOutcome.Inserted: inserted++; break;
                    case UpsertOutcome.Updated: updated++; break;
                    case UpsertOutcome.Deleted: deleted++; break;
                    default: unchanged++; break;
                }
                Report(progress, sinceProgress, $"imported {number:N0} of {lines:N0} lines ({100L * number / Math.Max(lines, 1)}%)");
            }
            await writer.CommitAsync(cancellationToken);
        }
        return new ImportReport(lines, inserted, updated, unchanged, deleted, errors, Committed: true);
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.Trim(" \t"u8).IsEmpty;

    private static void Report(TextWriter progress, Stopwatch sinceProgress, string message)
    {
        if (sinceProgress.Elapsed >= ProgressInterval)
        {
            progress.WriteLine(message);
            sinceProgress.Restart();
        }
    }
}
