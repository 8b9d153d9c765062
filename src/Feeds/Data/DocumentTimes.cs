using Dapper;
using Feeds.Content;

namespace Feeds.Data;

/// <summary>
/// Every document's Last-Modified, kept in Feeds' database (document_times) so that every instance of a fleet gives
/// the same one, with Redis or without it, and after a restart, a Redis flush or a lost rendering. A document keeps
/// its time while its bytes (its ETag) stay the same; new bytes get the present second, or one second more than the
/// time given before when that is later: HTTP dates have whole seconds (RFC 9110 section 5.6.7), and two versions
/// given one second would let a reader holding the first be told the second is not modified (section 13.1.3).
/// </summary>
/// <remarks>
/// Rendering is where a time is given, once per version of a document in a fleet that shares renderings, once per
/// instance otherwise; one read of a primary key, and a write only when the bytes are new. Every step is a
/// compare-and-set on the row, so instances racing over one document agree on one time.
/// </remarks>
public sealed class DocumentTimes(Database database, TimeProvider clock)
{
    private const string ReadSql = "SELECT etag, mark, modified_at FROM document_times WHERE document = @document";

    private const string MoveSql = """
        UPDATE document_times SET etag = @etag, mark = @mark, modified_at = @modifiedAt
        WHERE document = @document AND etag = @previousETag
        """;

    /// <summary>Compare-and-set steps before giving up on a document that other instances keep changing.</summary>
    private const int Attempts = 3;

    /// <summary>
    /// How long a write may wait for the database's write lock. SQLite has one writer: an import holding it for
    /// half a minute must not hold up the renders that want a time (they go without one instead).
    /// </summary>
    private const int WriteTimeoutSeconds = 1;

    /// <summary>
    /// The Last-Modified of <paramref name="document"/> in the version whose bytes have <paramref name="etag"/>, read at
    /// the database's change mark <paramref name="mark"/>. Null when these bytes are older than the ones the document's
    /// time was last given for (a render that read before a change another instance has already served): a time for
    /// them would be earlier than one given out, so the response carries none, and readers validate by ETag. Null too
    /// when another writer holds the database longer than <see cref="WriteTimeoutSeconds"/> (a long import on SQLite).
    /// </summary>
    public async Task<DateTime?> LastModifiedAsync(string document, string etag, long mark, CancellationToken cancellationToken)
    {
        try
        {
            return await GiveAsync(document, etag, mark, cancellationToken);
        }
        catch (Exception exception) when (database.Dialect.IsTransientError(exception))
        {
            return null;
        }
    }

    private async Task<DateTime?> GiveAsync(string document, string etag, long mark, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var now = SiteTime.WholeSeconds(clock.GetUtcNow().UtcDateTime);
            var known = await connection.QuerySingleOrDefaultAsync<DocumentTime>(
                new CommandDefinition(ReadSql, new { document }, cancellationToken: cancellationToken));
            if (known is null)
            {
                var inserted = await connection.ExecuteAsync(new CommandDefinition(
                    database.Dialect.InsertDocumentTimeSql, new { document, etag, mark, modifiedAt = now }, commandTimeout: WriteTimeoutSeconds, cancellationToken: cancellationToken));
                if (inserted == 1)
                {
                    return now;
                }
                continue;
            }
            if (known.Etag == etag)
            {
                return known.ModifiedAt;
            }
            if (known.Mark > mark)
            {
                return null;
            }
            var modifiedAt = now > known.ModifiedAt ? now : known.ModifiedAt.AddSeconds(1);
            var moved = await connection.ExecuteAsync(new CommandDefinition(
                MoveSql, new { document, etag, mark, modifiedAt, previousETag = known.Etag }, commandTimeout: WriteTimeoutSeconds, cancellationToken: cancellationToken));
            if (moved == 1)
            {
                return modifiedAt;
            }
        }
        return null;
    }

    private sealed class DocumentTime
    {
        public required string Etag { get; init; }
        public long Mark { get; init; }
        public DateTime ModifiedAt { get; init; }
    }
}
