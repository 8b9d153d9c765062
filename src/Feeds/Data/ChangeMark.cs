using System.Data.Common;
using Dapper;

namespace Feeds.Data;

/// <summary>The first read of every poll, and the last of every render (which compares its mark with its poll's).</summary>
public sealed class ChangeMark
{
    /// <summary>The mark as <paramref name="connection"/> reads it now (in the snapshot it is in, if any).</summary>
    internal static Task<ChangeMark> ReadAsync(DbConnection connection, SqlDialect dialect, DateTime nowUtc, CancellationToken cancellationToken) =>
        connection.QuerySingleAsync<ChangeMark>(new CommandDefinition(dialect.ChangeMarkSql, new { now = nowUtc }, cancellationToken: cancellationToken));

    /// <summary>Moves with every change of a category or a tag.</summary>
    public long Mark { get; init; }

    /// <summary>The oldest mark the log still names feeds for; null when it is empty.</summary>
    public long? OldestLogged { get; init; }

    /// <summary>When the next scheduled (published, not yet due) article comes due; null when none is waiting.</summary>
    public DateTime? NextDue { get; init; }
}
