using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Feeds;

/// <summary>Every setting of the service, bound from the "Feeds" configuration section.</summary>
public sealed class FeedsOptions
{
    public const string SectionName = "Feeds";

    /// <summary>
    /// Where readers reach this service; the only source of self links (never the Host header). Unset: the
    /// address the server listens on (a wildcard one as localhost, with a warning at start).
    /// </summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>The news site's home page: the feeds' alternate link, and the base for relative article links.</summary>
    [Required]
    public Uri SiteUrl { get; set; } = new("https://news.example.com/");

    [Required]
    public string SiteName { get; set; } = "Feeds 示範新聞網";

    [Required]
    public string SiteDescription { get; set; } = "示範新聞網的最新文章";

    /// <summary>
    /// The site's square icon (GIF, JPEG or PNG, which RSS readers can show; 64 to 512 pixels): RSS image, Atom
    /// icon, JSON Feed icon and favicon. Absolute, or relative to <see cref="PublicBaseUrl"/>; empty: none. The
    /// default is Feeds' own demo icon, which it serves at /icon.png.
    /// </summary>
    public string SiteIcon { get; set; } = "icon.png";

    /// <summary>The site's wide logo (2:1, RFC 4287 4.2.8): Atom logo. Absolute or relative like <see cref="SiteIcon"/>; the demo's is /logo.png.</summary>
    public string SiteLogo { get; set; } = "logo.png";

    /// <summary>BCP 47 tag written as RSS language and Atom xml:lang.</summary>
    [Required, RegularExpression("^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
    public string Language { get; set; } = "zh-Hant";

    /// <summary>IANA or Windows time zone id, or a fixed offset such as +08:00. Naive local times are read in it and every date is written in it.</summary>
    [Required]
    public string SiteTimeZone { get; set; } = "Asia/Shanghai";

    /// <summary>Prefix of every article and feed id (RFC 4151 tag URI). Set it once: changing it makes readers see every article as new.</summary>
    [Required]
    public string IdPrefix { get; set; } = "tag:news.example.com,2026:";

    [Range(1, 1000)]
    public int DefaultLimit { get; set; } = 20;

    [Range(1, 1000)]
    public int MaxLimit { get; set; } = 100;

    /// <summary>
    /// The limits a feed is rendered with: 1, 2, 5, 10, 20, 50, 100 (the 1-2-5 series), DefaultLimit and MaxLimit, none above MaxLimit.
    /// Another limit up to MaxLimit is redirected to the next of these, so that a client cannot make a document
    /// for every number (and so that readers asking for similar lengths share one rendering).
    /// </summary>
    public IReadOnlyList<int> LimitChoices => _limitChoices ??=
        [.. new[] { 1, 2, 5, 10, 20, 50, 100, DefaultLimit, MaxLimit }.Where(limit => limit <= MaxLimit).Distinct().Order()];

    private int[]? _limitChoices;

    /// <summary>RSS ttl and the HTTP max-age of every feed.</summary>
    [Range(1, 1440)]
    public int TimeToLiveMinutes { get; set; } = 10;

    /// <summary>How often the database's feed versions are read: a change by any writer shows within about this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Keep rendered feeds (and their gzip and Brotli forms) in memory; off renders every request.</summary>
    public bool CacheEnabled { get; set; } = true;

    /// <summary>Upper bound of the rendered-feed cache; the least recently used feeds go first.</summary>
    [Range(1, 65536)]
    public int CacheSizeMegabytes { get; set; } = 256;

    /// <summary>
    /// How long documents rendered before the database became unreachable are still served; past it, and for a
    /// document never rendered, the answer is 503 with Retry-After.
    /// </summary>
    public TimeSpan MaxStaleness { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The Retry-After of a 503 while the database is unreachable.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 5;

    /// <summary>Articles per archive page (RFC 5005 archives are months, split into pages of this size).</summary>
    [Range(10, 1000)]
    public int ArchivePageSize { get; set; } = 100;

    /// <summary>WebSub (W3C Recommendation 2018): hubs announced in every feed and pinged when a feed changes.</summary>
    [ValidateObjectMembers]
    public WebSubOptions WebSub { get; set; } = new();

    /// <summary>429 for clients that fetch the same document unconditionally faster than its ttl.</summary>
    [ValidateObjectMembers]
    public PolitePollingOptions PolitePolling { get; set; } = new();

    /// <summary>
    /// How long a 429 (polite polling, render budget) waits before it is sent: a client that ignores Retry-After
    /// is slowed to one request per connection per this long, instead of taking the cores from other clients.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan TooManyRequestsDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many renders run at once, how many wait, and how many one client may cause per ttl.</summary>
    [ValidateObjectMembers]
    public RenderLimitsOptions RenderLimits { get; set; } = new();

    /// <summary>The CMS's own database, followed continuously (README "Following the CMS"); off while no provider is set.</summary>
    [ValidateObjectMembers]
    public SourceOptions Source { get; set; } = new();

    /// <summary>The CMS pushing articles to /cms/articles (README "Push from the CMS"); off while no token is set.</summary>
    [ValidateObjectMembers]
    public PushOptions Push { get; set; } = new();

    /// <summary>
    /// Addresses (or CIDR networks such as 10.0.0.0/8) of the proxies and CDN edges in front of Feeds; only a
    /// request from one of them may name its client in X-Forwarded-For. None by default: the peer is the client.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>
    /// Connections held at once; past nine tenths the longest-held are asked to close, at the limit new ones are
    /// answered 503 (Http/ConnectionLimits). 0 (the default): three quarters of the process's file descriptor limit.
    /// </summary>
    [Range(0, 10_000_000)]
    public int MaxConnections { get; set; }

    /// <summary>How long an idle keep-alive connection is kept: a feed reader comes back in minutes, not seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Who may read /metrics and /health/ready: addresses or CIDR networks of the TCP peer, and only for requests
    /// that did not come through a proxy (no X-Forwarded-For). None set: loopback and the private networks
    /// (<see cref="DefaultOperatorNetworks"/>), where balancers and Prometheus run. /health/live is open to all.
    /// </summary>
    public List<string> OperatorNetworks { get; set; } = [];

    public static readonly IReadOnlyList<string> DefaultOperatorNetworks = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

    /// <summary>A configured list replaces the default one (the configuration binder would append to a list with items).</summary>
    public IReadOnlyList<string> EffectiveOperatorNetworks => OperatorNetworks.Count > 0 ? OperatorNetworks : DefaultOperatorNetworks;

    /// <summary>
    /// A setting's network: a CIDR network (10.0.0.0/8), or one address as a network of its own (/32 or /128),
    /// which IPNetwork.TryParse does not take.
    /// </summary>
    public static bool TryParseNetwork(string text, out System.Net.IPNetwork network)
    {
        if (System.Net.IPNetwork.TryParse(text, out network))
        {
            return true;
        }
        if (System.Net.IPAddress.TryParse(text, out var address))
        {
            network = new System.Net.IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }
        return false;
    }

    /// <summary>Redis shared by every instance; without it, each instance keeps its renderings in its own memory.</summary>
    [ValidateObjectMembers]
    public RedisOptions Redis { get; set; } = new();

    /// <summary>Subscriber counts per feed and reader (Subscribers/SubscriberCounts).</summary>
    [ValidateObjectMembers]
    public SubscribersOptions Subscribers { get; set; } = new();

    /// <summary>What a CDN in front of the fleet is told: its own lifetime and how long it may serve stale.</summary>
    [ValidateObjectMembers]
    public EdgeOptions Edge { get; set; } = new();

    /// <summary>The Simplified-Chinese twin of every document, under /zh-hans/ (Content/Scripts).</summary>
    public SimplifiedChineseOptions SimplifiedChinese { get; set; } = new();

    /// <summary>
    /// Beside a newly created embedded database, make the demo CMS and follow it. Unset: on in Development (what
    /// `dotnet run` starts), off anywhere else, so that a published binary never fills a database with demo articles.
    /// </summary>
    public bool DemoData { get; set; }

    [ValidateObjectMembers]
    public DatabaseOptions Database { get; set; } = new();
}

public sealed class DatabaseOptions
{
    /// <summary><c>sqlite</c> (embedded default) or <c>sqlserver</c>.</summary>
    [Required]
    public string Provider { get; set; } = "sqlite";

    /// <summary>Where import and migrations write (SQL Server: the primary).</summary>
    [Required]
    public string ConnectionString { get; set; } = "Data Source=data/feeds.db";

    /// <summary>
    /// Where the server reads; empty: <see cref="ConnectionString"/>. For a SQL Server readable secondary add
    /// <c>ApplicationIntent=ReadOnly</c>. Pool sizes (<c>Max Pool Size</c>, <c>Min Pool Size</c>) go in either string.
    /// </summary>
    public string ReadConnectionString { get; set; } = "";

    /// <summary>Command timeout of every statement, in seconds (SQL Server Command Timeout, SQLite Default Timeout).</summary>
    [Range(1, 3600)]
    public int CommandTimeoutSeconds { get; set; } = 30;

    /// <summary>How often a read that failed transiently (no connection, deadlock, busy, timeout) is tried again. Writes never are.</summary>
    [Range(0, 10)]
    public int ReadRetries { get; set; } = 2;
}

public sealed class PolitePollingOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Unconditional requests one client may make for one document within one ttl (Feeds:TimeToLiveMinutes).</summary>
    [Range(1, 10_000)]
    public int UnconditionalPerTimeToLive { get; set; } = 4;
}

/// <summary>
/// Renders are admitted, not unlimited: a document that is not in memory costs a database read and a render,
/// so at most <see cref="Concurrency"/> run at once, at most <see cref="QueueLength"/> wait (no longer than
/// <see cref="QueueTimeout"/>), and one client may cause at most <see cref="PerClientPerTimeToLive"/> of them
/// per ttl. Cached documents and 304s never wait behind a render and are never refused.
/// </summary>
public sealed class RenderLimitsOptions
{
    /// <summary>Off: every render runs at once and no client has a budget (load tests from one address).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Renders running at once; 0 (the default): half the cores, at least one, so that cached answers always
    /// keep a core while renders run. Raise it when renders wait on a remote database rather than on the CPU.
    /// </summary>
    [Range(0, 1024)]
    public int Concurrency { get; set; }

    /// <summary>Renders that may wait for a free slot; past it, the last rendering of the document or 503.</summary>
    [Range(0, 100_000)]
    public int QueueLength { get; set; } = 16;

    /// <summary>How long a render may wait for a slot before the request gets the last rendering or 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Renders one client (one IPv4 address, one IPv6 /64) may cause per ttl; past it, 429 for documents not in
    /// memory. 1,000 per 10 minutes is a crawler at 1.6 documents a second, or a reader subscribed to 300 feeds
    /// all of which changed twice. Joining a render already running and cached answers cost nothing.
    /// </summary>
    [Range(1, 10_000_000)]
    public int PerClientPerTimeToLive { get; set; } = 1000;

    /// <summary>
    /// Renders the clients of one network (an IPv4 /24, an IPv6 /56 and its /48) may cause together per ttl: many
    /// addresses of one network are not many clients.
    /// </summary>
    [Range(1, 10_000_000)]
    public int PerNetworkPerTimeToLive { get; set; } = 4000;

    /// <summary>
    /// Renders of archive pages and of feeds with a limit other than the default, for all clients together per
    /// ttl: the documents that exist only because someone asked, which a flood from many networks could otherwise
    /// keep rendering. 3,000 per 10 minutes is five a second; the current feeds are never held by it.
    /// </summary>
    [Range(1, 10_000_000)]
    public int LongTailPerTimeToLive { get; set; } = 3000;

    /// <summary>
    /// Answers that are not documents (a redirect to a limit or page Feeds offers, 404, 400) sent at once per second
    /// by this instance, whoever asks; past it each waits Feeds:TooManyRequestsDelay, as a 429 does. Each costs
    /// little, but a flood of them from thousands of networks, which no per-client budget sees, would otherwise
    /// take the cores from readers. Readers following Feeds' own links never meet them.
    /// </summary>
    [Range(1, 1_000_000)]
    public int DetoursPerSecond { get; set; } = 100;

    public int EffectiveConcurrency => Concurrency > 0 ? Concurrency : Math.Max(1, Environment.ProcessorCount / 2);
}

public sealed class SourceOptions
{
    /// <summary>The CMS database's provider (sqlite, sqlserver, postgresql); empty: no CMS is followed.</summary>
    public string Provider { get; set; } = "";

    /// <summary>A login that can only read the CMS's tables.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// One SELECT over the CMS's own tables returning the import's fields as columns (id, category, title, …,
    /// tags as a JSON array, status), a column <c>change</c> that grows with every change of a row, and optionally
    /// <c>deleted</c>; it reads the rows whose change is above <c>@after</c>, ordered by change.
    /// </summary>
    public string ChangesQuery { get; set; } = "";

    /// <summary>The cursor before the first change: 0 for a counter or rowversion, a date for a time column.</summary>
    public string InitialCursor { get; set; } = "0";

    /// <summary>How often the CMS is asked for changes.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Rows applied in one transaction of Feeds' (rows that share the last change value are never split).</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// The rows whose id is in <c>@ids</c> (a JSON array of Feeds' article ids), with ChangesQuery's columns: the
    /// reconciliation walk asks it for Feeds' stored articles a page at a time, and deletes those it does not return.
    /// Empty: no reconciliation (then a CMS that deletes rows must mark them deleted instead).
    /// </summary>
    public string RowsQuery { get; set; } = "";

    /// <summary>How often a page of the reconciliation walk is asked.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Feeds' stored articles asked of the CMS per page of the walk.</summary>
    [Range(1, 100_000)]
    public int ReconcilePageSize { get; set; } = 1000;

    /// <summary>How long after the live cursor passed them rows are read again (the sweep): longer than any CMS transaction.</summary>
    [Range(1, 86_400)]
    public int SweepAfterSeconds { get; set; } = 60;

    /// <summary>How long an instance follows without renewing its lease before another takes over.</summary>
    [Range(2, 3600)]
    public int LeaseSeconds { get; set; } = 15;

    /// <summary>
    /// SQL Server Change Tracking: the CMS tables (<c>dbo.cms_articles</c>) whose changes ChangesQuery reads through
    /// <c>CHANGETABLE(CHANGES …, @after)</c>, with SYS_CHANGE_VERSION as <c>change</c>. Set, the follower reads in
    /// one SNAPSHOT transaction of the CMS's, moves its cursor to CHANGE_TRACKING_CURRENT_VERSION(), needs no sweep
    /// (versions are given at commit), and reads every article again (ResyncQuery) on its first follow and whenever
    /// its cursor is older than a table's CHANGE_TRACKING_MIN_VALID_VERSION. Empty: the change-column mode.
    /// </summary>
    public List<string> TrackedTables { get; set; } = [];

    /// <summary>
    /// Change Tracking's full read: every article, with ChangesQuery's columns, where <c>change</c> is the CMS's
    /// key; the rows whose key is above <c>@after</c> (NULL for the first page), ordered by it.
    /// </summary>
    public string ResyncQuery { get; set; } = "";

    /// <summary>Whether the CMS is followed through SQL Server Change Tracking.</summary>
    public bool TracksChanges => TrackedTables.Count > 0;
}

public sealed class PushOptions
{
    /// <summary>The bearer token the CMS sends (at least 20 characters); empty: the push endpoints do not exist.</summary>
    public string Token { get; set; } = "";

    /// <summary>The largest body a push may send: one article, or an NDJSON batch of them.</summary>
    [Range(1, 1024)]
    public int MaxBodyMegabytes { get; set; } = 16;

    public const int MinTokenLength = 20;
}

/// <summary>
/// Freshness for shared caches (RFC 9111 section 5.2.2.10, RFC 5861). Every document also says
/// <c>stale-if-error</c> = Feeds:MaxStaleness, so that a CDN serves through an outage as long as Feeds itself would.
/// </summary>
public sealed class EdgeOptions
{
    /// <summary>
    /// <c>s-maxage</c>: how long a CDN keeps a document, apart from the readers' <c>max-age</c> (the ttl). Short
    /// (seconds) keeps the edge fresh without purges; unset, shared caches keep it as long as readers do.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan? SharedMaxAge { get; set; }

    /// <summary><c>stale-while-revalidate</c>: how long past its lifetime a cache may answer with a document while it fetches the next; zero: not sent.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan StaleWhileRevalidate { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Whether a browser opening a feed (Sec-Fetch-Dest: document) gets it as XML its stylesheet shows, with
    /// <c>Vary: Sec-Fetch-Dest</c>. Off behind a CDN that ignores that Vary (Cloudflare and Akamai by their own
    /// documentation), which would otherwise give one variant to everyone: browsers then get the feed's own type.
    /// </summary>
    public bool BrowserVariant { get; set; } = true;

    /// <summary>
    /// The CDN, for surrogate keys and purges: <c>xkey</c> (Varnish with varnish-modules' xkey: header <c>xkey</c>,
    /// purged by <c>PURGE</c> with <c>xkey-purge</c>), <c>fastly</c> (<c>Surrogate-Key</c>, purged by the API's
    /// POST …/purge), <c>cloudflare</c> (<c>Cache-Tag</c>, purged by the API's purge_cache with tags); empty: none.
    /// </summary>
    public string Cdn { get; set; } = "";

    /// <summary>Where a change's purge goes: Varnish's address; Fastly's https://api.fastly.com/service/{id}/purge; Cloudflare's https://api.cloudflare.com/client/v4/zones/{zone}/purge_cache. Empty: keys are sent, nothing is purged.</summary>
    public Uri? PurgeUrl { get; set; }

    /// <summary>The API token of a Fastly or Cloudflare purge (Fastly-Key; Authorization: Bearer).</summary>
    public string PurgeToken { get; set; } = "";

    public static readonly string[] Cdns = ["xkey", "fastly", "cloudflare"];

    /// <summary>The CDN as one of <see cref="Cdns"/> (case and spaces as written do not matter); empty for none.</summary>
    public string CdnName => Cdn.Trim().ToLowerInvariant();

    /// <summary>The response header that carries a document's surrogate keys, or null.</summary>
    public string? KeyHeader => CdnName switch
    {
        "xkey" => "xkey",
        "fastly" => "Surrogate-Key",
        "cloudflare" => "Cache-Tag",
        _ => null,
    };
}

public sealed class RedisOptions
{
    /// <summary>A StackExchange.Redis configuration string such as <c>redis.internal:6379,password=…</c>; empty: no Redis.</summary>
    public string Configuration { get; set; } = "";

    /// <summary>Prefix of every key and channel, so that several sites can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "feeds:";

    /// <summary>
    /// How long a rendering is kept in Redis after it was last read (or stored): a version no instance serves any
    /// more is gone this long after its last reader. Redis holds what the fleet served within it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "7.00:00:00")]
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromMinutes(10);
}

public sealed class SubscribersOptions
{
    /// <summary>Off: nothing is counted and /stats/subscribers is empty.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Counters (a feed in one format through one reader) kept at most, in memory and in Redis, each a week of 1 KB
    /// registers: past it a new combination is not counted (feeds_subscriber_observations_dropped_total).
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxCounters { get; set; } = 4096;

    /// <summary>The largest count an aggregator's User-Agent is believed to report; a larger one is flagged and not counted.</summary>
    [Range(1, 1_000_000_000)]
    public long MaxReported { get; set; } = 100_000;

    /// <summary>How often the counts are merged into Redis and read anew.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(1);
}

public sealed class SimplifiedChineseOptions
{
    /// <summary>Off: no twins. On, they need OpenCC (Debian's libopencc1.1 and libopencc-data); without it they are off, and the start says why in one line.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The OpenCC configuration the twins are converted with: a file of /usr/share/opencc (t2s.json; tw2sp.json,
    /// which also converts Taiwan's phrases, 軟體 to 软件; tw2s.json; hk2s.json) or a path to one.
    /// </summary>
    public string Configuration { get; set; } = "t2s.json";
}

public sealed class WebSubOptions
{
    /// <summary>Hub URLs; none (the default) turns WebSub off.</summary>
    public List<Uri> Hubs { get; set; } = [];

    /// <summary>How often a failed publish ping is tried in all, with doubling waits between tries.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 6;

    /// <summary>The wait before the second try; it doubles for each try after.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// The attributes of <see cref="FeedsOptions"/> and of every options object in it ([ValidateObjectMembers]),
/// checked by code the options source generator writes (no reflection).
/// </summary>
[OptionsValidator]
internal sealed partial class FeedsOptionsAttributesValidator : IValidateOptions<FeedsOptions>;

/// <summary>Checks what attributes cannot express (URLs, time zones, settings compared with each other), so that a wrong setting stops the process at start.</summary>
internal sealed partial class FeedsOptionsValidator : IValidateOptions<FeedsOptions>
{
    public ValidateOptionsResult Validate(string? name, FeedsOptions options)
    {
        var failures = new List<string>();
        if (options.PublicBaseUrl is not null && !IsHttpBase(options.PublicBaseUrl))
        {
            failures.Add("Feeds:PublicBaseUrl must be an absolute http or https URL.");
        }
        if (!IsHttpBase(options.SiteUrl))
        {
            failures.Add("Feeds:SiteUrl must be an absolute http or https URL.");
        }
        // The images resolve against PublicBaseUrl (or the listening address): checked once the base is valid itself.
        var imageBase = options.PublicBaseUrl ?? Publishing.FeedUrls.FallbackBase;
        var images = IsHttpBase(imageBase) ? new[] { ("SiteIcon", options.SiteIcon), ("SiteLogo", options.SiteLogo) } : [];
        foreach (var (setting, value) in images)
        {
            var image = Publishing.FeedUrls.SiteImage(imageBase, value);
            if (value.Length > 0 && image is null)
            {
                failures.Add($"Feeds:{setting} '{value}' is neither an absolute http or https URL nor a path relative to Feeds:PublicBaseUrl.");
            }
            else if (setting == "SiteIcon" && image is not null && Path.GetExtension(image.AbsolutePath).ToLowerInvariant() is not ("" or ".png" or ".gif" or ".jpg" or ".jpeg"))
            {
                // RSS 2.0 "image": a GIF, JPEG or PNG (the W3C validator's ImageUrlFormat).
                failures.Add($"Feeds:{setting} '{value}' must be a GIF, JPEG or PNG image: RSS readers show no other.");
            }
        }
        if (options.Source.Provider.Length > 0)
        {
            if (!Source.SourceDatabase.IsKnown(options.Source.Provider))
            {
                failures.Add($"Feeds:Source:Provider '{options.Source.Provider}' is not one of {string.Join(", ", Source.SourceDatabase.Providers)}.");
            }
            if (string.IsNullOrWhiteSpace(options.Source.ConnectionString) || string.IsNullOrWhiteSpace(options.Source.ChangesQuery))
            {
                failures.Add("Feeds:Source needs a ConnectionString and a ChangesQuery when a Provider is set.");
            }
            else if (!options.Source.ChangesQuery.Contains("@after", StringComparison.OrdinalIgnoreCase))
            {
                failures.Add("Feeds:Source:ChangesQuery must read the rows whose change is above @after.");
            }
            if (options.Source.TracksChanges && !string.Equals(options.Source.Provider.Trim(), Data.SqlDialect.SqlServer.Name, StringComparison.OrdinalIgnoreCase))
            {
                failures.Add("Feeds:Source:TrackedTables names tables of SQL Server Change Tracking: Feeds:Source:Provider must be sqlserver.");
            }
            if (options.Source.TracksChanges && !options.Source.ResyncQuery.Contains("@after", StringComparison.OrdinalIgnoreCase))
            {
                failures.Add("Feeds:Source:TrackedTables needs a ResyncQuery reading every article whose key is above @after (NULL for the first page), ordered by it.");
            }
        }
        if (options.Edge.Cdn.Length > 0 && !EdgeOptions.Cdns.Contains(options.Edge.CdnName))
        {
            failures.Add($"Feeds:Edge:Cdn '{options.Edge.Cdn}' is not one of {string.Join(", ", EdgeOptions.Cdns)}.");
        }
        if (options.Edge.PurgeUrl is { } purge && (options.Edge.KeyHeader is null || !purge.IsAbsoluteUri || purge.Scheme is not ("http" or "https")))
        {
            failures.Add("Feeds:Edge:PurgeUrl must be an absolute http or https URL, and needs Feeds:Edge:Cdn.");
        }
        if (options.Push.Token.Length is > 0 and < PushOptions.MinTokenLength)
        {
            failures.Add($"Feeds:Push:Token must be at least {PushOptions.MinTokenLength} characters: it is all that stands between the world and the articles.");
        }
        if (options.MaxStaleness < options.RefreshInterval)
        {
            failures.Add("Feeds:MaxStaleness must be at least Feeds:RefreshInterval.");
        }
        if (options.DefaultLimit > options.MaxLimit)
        {
            failures.Add("Feeds:DefaultLimit must not exceed Feeds:MaxLimit.");
        }
        if (!Uri.TryCreate(options.IdPrefix, UriKind.Absolute, out _))
        {
            failures.Add("Feeds:IdPrefix must be an absolute URI such as tag:example.com,2026: (RFC 4151).");
        }
        else if (options.IdPrefix.StartsWith("tag:", StringComparison.Ordinal) && !TagUriPrefix().IsMatch(options.IdPrefix))
        {
            failures.Add("Feeds:IdPrefix must be a tag URI of the form tag:example.com,2026: (RFC 4151 section 2.1: lower-case domain, a date, a colon).");
        }
        if (!Content.SiteTime.TryCreate(options.SiteTimeZone, out _))
        {
            failures.Add($"Feeds:SiteTimeZone '{options.SiteTimeZone}' is neither a known time zone nor an offset such as +08:00.");
        }
        foreach (var (setting, networks) in new[] { ("TrustedProxies", options.TrustedProxies), ("OperatorNetworks", options.OperatorNetworks) })
        {
            foreach (var network in networks.Where(network => !FeedsOptions.TryParseNetwork(network, out _)))
            {
                failures.Add($"Feeds:{setting}: '{network}' is neither an IP address nor a CIDR network.");
            }
        }
        foreach (var hub in options.WebSub.Hubs)
        {
            if (!IsHttpBase(hub))
            {
                failures.Add($"Feeds:WebSub:Hubs: '{hub}' is not an absolute http or https URL.");
            }
        }
        if (!Data.SqlDialect.TryGet(options.Database.Provider, out var dialect))
        {
            failures.Add($"Feeds:Database:Provider '{options.Database.Provider}' is not one of: {string.Join(", ", Data.SqlDialect.Names)}.");
        }
        else
        {
            // A misspelt keyword ("servr") would otherwise fail deep in the first connection, with a stack trace.
            CheckConnectionString(failures, "Feeds:Database:ConnectionString", options.Database.ConnectionString, text => dialect.WithDefaults(text, 30));
            if (!string.IsNullOrWhiteSpace(options.Database.ReadConnectionString))
            {
                CheckConnectionString(failures, "Feeds:Database:ReadConnectionString", options.Database.ReadConnectionString, text => dialect.WithDefaults(text, 30));
            }
        }
        if (options.Source.Provider.Length > 0 && Source.SourceDatabase.IsKnown(options.Source.Provider) && options.Source.ConnectionString.Length > 0)
        {
            CheckConnectionString(failures, "Feeds:Source:ConnectionString", options.Source.ConnectionString,
                text => Source.SourceDatabase.Connect(options.Source.Provider, text, 30).Dispose());
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckConnectionString(List<string> failures, string setting, string connectionString, Action<string> parse)
    {
        try
        {
            parse(connectionString);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidOperationException)
        {
            // The driver's words ("Keyword not supported: 'servr'."), never the string itself: it may hold a password.
            failures.Add($"{setting} is not a connection string its provider accepts: {exception.Message}");
        }
    }

    // RFC 4151 section 2.1 taggingEntity, as the W3C Feed Validation Service checks it.
    [GeneratedRegex(@"^tag:([a-z0-9\-._]+@)?[a-z0-9.\-]+,\d{4}(-\d{2}(-\d{2})?)?:[0-9a-zA-Z;/?:@&=+$.\-_!~*'()%,#]*$")]
    private static partial Regex TagUriPrefix();

    private static bool IsHttpBase(Uri? uri) =>
        uri is { IsAbsoluteUri: true } && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
