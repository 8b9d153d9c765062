using System.Globalization;
using System.Text.RegularExpressions;

namespace Feeds.Subscribers;

/// <summary>What a User-Agent says about who polls a feed.</summary>
public enum ReaderKind
{
    /// <summary>Not counted: no User-Agent, a browser, a crawler.</summary>
    NotAReader,

    /// <summary>A reader application or service that does not report subscribers: each distinct client counts one.</summary>
    Reader,

    /// <summary>An aggregator polling for many people, which reports how many follow the feed there.</summary>
    Aggregator,
}

/// <summary>
/// A User-Agent read for subscriber counts, as FeedPress reads them: an aggregator's report ("462 subscribers") with
/// its own feed id when it gives one, or a reader application, or nobody to count. Reader names come from a fixed
/// list (<see cref="Known"/>) plus "other", so that no User-Agent, however invented, makes a new name to keep.
/// </summary>
public sealed partial record ReaderAgent(ReaderKind Kind, string Reader, long? Subscribers = null, string FeedId = "", bool Capped = false)
{
    /// <summary>The name of readers not in <see cref="Known"/>.</summary>
    public const string Other = "other";

    private static readonly ReaderAgent Nobody = new(ReaderKind.NotAReader, "");

    // Pollers send the same few User-Agents again and again: each is read once while this holds it. Cleared when
    // full, so that a flood of invented ones costs their reading, never memory.
    private const int RememberedAgents = 1024;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, long), ReaderAgent> Remembered = new();

    /// <summary>Readers by a distinctive part of their User-Agent (case-insensitive), aggregators first.</summary>
    public static readonly IReadOnlyList<(string Marker, string Name)> Known =
    [
        ("feedly", "Feedly"), ("inoreader", "Inoreader"), ("feedbin", "Feedbin"), ("newsblur", "NewsBlur"),
        ("theoldreader", "The Old Reader"), ("bazqux", "BazQux"), ("feedpress", "FeedPress"), ("feeder.co", "Feeder"),
        ("netnewswire", "NetNewsWire"), ("miniflux", "Miniflux"), ("newsboat", "newsboat"), ("freshrss", "FreshRSS"),
        ("tiny tiny rss", "Tiny Tiny RSS"), ("tt-rss", "Tiny Tiny RSS"), ("thunderbird", "Thunderbird"), ("reeder", "Reeder"),
        ("newsflash", "NewsFlash"), ("liferea", "Liferea"), ("quiterss", "QuiteRSS"), ("akregator", "Akregator"),
        ("rss2email", "rss2email"), ("feedparser", "feedparser"), ("commafeed", "CommaFeed"), ("fluent reader", "Fluent Reader"),
    ];

    /// <summary>
    /// Reads <paramref name="userAgent"/>. A report larger than <paramref name="maxReported"/> is marked
    /// <see cref="Capped"/> (and carries that bound): a User-Agent can claim anything.
    /// </summary>
    public static ReaderAgent Read(string? userAgent, long maxReported)
    {
        if (string.IsNullOrWhiteSpace(userAgent) || userAgent.Length > 1024)
        {
            return Nobody;
        }
        if (Remembered.TryGetValue((userAgent, maxReported), out var known))
        {
            return known;
        }
        if (Remembered.Count >= RememberedAgents)
        {
            Remembered.Clear();
        }
        return Remembered[(userAgent, maxReported)] = ReadAnew(userAgent, maxReported);
    }

    private static ReaderAgent ReadAnew(string userAgent, long maxReported)
    {
        var name = Known.FirstOrDefault(known => userAgent.Contains(known.Marker, StringComparison.OrdinalIgnoreCase)).Name;
        if (SubscribersPattern().Match(userAgent) is { Success: true } report)
        {
            // More digits than a long holds is a claim past any cap.
            var capped = !long.TryParse(report.Groups["count"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > maxReported;
            var feedId = FeedIdPattern().Match(userAgent) is { Success: true } id ? id.Groups["id"].Value : "";
            return new(ReaderKind.Aggregator, name ?? Other, capped ? maxReported : count, feedId, capped);
        }
        if (name is not null)
        {
            return new(ReaderKind.Reader, name);
        }
        if (CrawlerPattern().IsMatch(userAgent) || BrowserPattern().IsMatch(userAgent))
        {
            return Nobody;
        }
        return new(ReaderKind.Reader, Other);
    }

    // "462 subscribers", "1 subscriber" (NewsBlur), "1 subscribers" (The Old Reader).
    [GeneratedRegex(@"(?<![\w.-])(?<count>\d{1,30})\s+subscribers?\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SubscribersPattern();

    // "feed-id:1697787" (Feedbin), "feed-id=…" (The Old Reader).
    [GeneratedRegex(@"feed-id[:=]\s*(?<id>[A-Za-z0-9_-]{1,64})", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FeedIdPattern();

    [GeneratedRegex(@"bot\b|crawl|spider|slurp|archiver|headless", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CrawlerPattern();

    // A browser's User-Agent names its engine; readers built on one name themselves (matched above).
    [GeneratedRegex(@"^Mozilla/\d.*(Gecko|WebKit|Trident|Presto)", RegexOptions.CultureInvariant)]
    private static partial Regex BrowserPattern();
}
