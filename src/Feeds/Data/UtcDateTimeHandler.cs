using System.Data;
using System.Globalization;
using Dapper;
using Microsoft.Data.SqlClient;

namespace Feeds.Data;

/// <summary>
/// Every time in the database is a UTC instant. SQLite keeps it as fixed-width ISO 8601 text
/// (<c>2026-11-28T08:05:39.0000000Z</c>), so that text order is time order; SQL Server as datetime2(7).
/// Dapper ignores a handler for DateTime while its built-in map for the type exists, and would send
/// DateTime to SQL Server as legacy datetime (3 ms precision), so the map is replaced here.
/// </summary>
internal sealed class UtcDateTimeHandler : SqlMapper.TypeHandler<DateTime>
{
    private const string SqliteFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private static int s_registered;

    /// <summary>Dapper's settings for Feeds, once per process: this handler, snake_case columns, padded list expansions.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
        {
            SqlMapper.RemoveTypeMap(typeof(DateTime));
            SqlMapper.RemoveTypeMap(typeof(DateTime?));
            SqlMapper.AddTypeHandler(new UtcDateTimeHandler());
            DefaultTypeMap.MatchNamesWithUnderscores = true;
            // "IN @ids" becomes "IN (@ids1, ..., @idsN)": padded to a few sizes, so that SQL Server keeps a few plans
            // instead of one per list length (a feed of 20 articles, of 19, of 100 ...).
            SqlMapper.Settings.PadListExpansions = true;
        }
    }

    private static string ToSqliteText(DateTime utc) =>
        ToUtc(utc).ToString(SqliteFormat, CultureInfo.InvariantCulture);

    public override void SetValue(IDbDataParameter parameter, DateTime value)
    {
        if (parameter is SqlParameter)
        {
            parameter.DbType = DbType.DateTime2;
            parameter.Value = ToUtc(value);
        }
        else
        {
            parameter.DbType = DbType.String;
            parameter.Value = ToSqliteText(value);
        }
    }

    public override DateTime Parse(object value) => value switch
    {
        DateTime dateTime => DateTime.SpecifyKind(dateTime, DateTimeKind.Utc),
        DateTimeOffset offset => offset.UtcDateTime,
        string text => TryParseSqliteText(text, out var utc) ? utc : DateTime.Parse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
        _ => throw new DataException($"Cannot read {value.GetType().Name} as a UTC time."),
    };

    /// <summary>
    /// Reads the fixed-width text Feeds writes (<see cref="SqliteFormat"/>) digit by digit: a render reads two
    /// times per key, and the general parser took a tenth of an uncached render's CPU. Anything else (a time
    /// written by a CMS in another ISO 8601 shape) is left to <see cref="DateTime.Parse(string, IFormatProvider, DateTimeStyles)"/>.
    /// </summary>
    internal static bool TryParseSqliteText(ReadOnlySpan<char> text, out DateTime utc)
    {
        utc = default;
        if (text.Length != 28 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':'
            || text[16] != ':' || text[19] != '.' || text[27] != 'Z')
        {
            return false;
        }
        if (!TryDigits(text[..4], out var year) || !TryDigits(text[5..7], out var month) || !TryDigits(text[8..10], out var day)
            || !TryDigits(text[11..13], out var hour) || !TryDigits(text[14..16], out var minute)
            || !TryDigits(text[17..19], out var second) || !TryDigits(text[20..27], out var ticks)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }
        utc = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(ticks);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        foreach (var digit in digits)
        {
            if (!char.IsAsciiDigit(digit))
            {
                return false;
            }
            value = value * 10 + (digit - '0');
        }
        return true;
    }

    private static DateTime ToUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => value,
        DateTimeKind.Local => value.ToUniversalTime(),
        _ => throw new ArgumentException("A time without kind reached the database; convert it to UTC first.", nameof(value)),
    };
}
