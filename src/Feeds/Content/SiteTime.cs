using System.Globalization;

namespace Feeds.Content;

/// <summary>
/// The site's time zone. Instants are stored in UTC; naive local times (as the reference CMS stores them)
/// are read in this zone, and every date a feed shows is written in it with its real offset.
/// </summary>
public sealed class SiteTime(TimeZoneInfo zone)
{
    public TimeZoneInfo Zone { get; } = zone;

    public static SiteTime Create(string zoneIdOrOffset) =>
        TryCreate(zoneIdOrOffset, out var siteTime)
            ? siteTime
            : throw new ArgumentException($"Unknown time zone '{zoneIdOrOffset}'.", nameof(zoneIdOrOffset));

    public static bool TryCreate(string zoneIdOrOffset, out SiteTime siteTime)
    {
        siteTime = null!;
        if (string.IsNullOrWhiteSpace(zoneIdOrOffset))
        {
            return false;
        }
        var text = zoneIdOrOffset.Trim();
        if ((text[0] == '+' || text[0] == '-')
            && TimeSpan.TryParseExact(text[1..], @"hh\:mm", CultureInfo.InvariantCulture, out var offset)
            && offset <= TimeSpan.FromHours(14))
        {
            var signed = text[0] == '-' ? -offset : offset;
            siteTime = new SiteTime(TimeZoneInfo.CreateCustomTimeZone($"UTC{text}", signed, $"UTC{text}", $"UTC{text}"));
            return true;
        }
        if (TimeZoneInfo.TryFindSystemTimeZoneById(text, out var zone))
        {
            siteTime = new SiteTime(zone);
            return true;
        }
        return false;
    }

    /// <summary>
    /// The instant to the whole second, as HTTP dates carry it (RFC 9110 5.6.7) and as a CMS stores its times.
    /// </summary>
    public static DateTime WholeSeconds(DateTime utc) => new(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    /// <summary>The instant as the site's clocks showed it, with the offset in force at that instant.</summary>
    public DateTimeOffset ToSite(DateTime utc)
    {
        var instant = new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
        return TimeZoneInfo.ConvertTime(instant, Zone);
    }

    /// <summary>A wall-clock time without offset, read as site-local time.</summary>
    public DateTime LocalToUtc(DateTime naive)
    {
        var unspecified = DateTime.SpecifyKind(naive, DateTimeKind.Unspecified);
        // A time skipped by a daylight-saving jump does not exist; read it with the standard offset.
        if (Zone.IsInvalidTime(unspecified))
        {
            return DateTime.SpecifyKind(unspecified - Zone.BaseUtcOffset, DateTimeKind.Utc);
        }
        return TimeZoneInfo.ConvertTimeToUtc(unspecified, Zone);
    }
}
