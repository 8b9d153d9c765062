using Feeds.Content;
using Feeds.Data;
using Feeds.Formats;
using Feeds.Http;
using Feeds.Pages;
using Feeds.Publishing;
using Feeds.Subscribers;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Feeds.Versions;
using Feeds.Rendering;
using Feeds.WebSub;
using Feeds.Fleet;
using Feeds.Admission;

namespace Feeds;

/// <summary>Registration of everything Feeds needs, shared by the web server and the command line.</summary>
public static class Hosting
{
    /// <summary>Options (validated at start), the database, the feed pipeline.</summary>
    public static IServiceCollection AddFeedsCore(this IServiceCollection services)
    {
        // appsettings.json gives the console one line an entry with its UTC time, the time followed by a space to
        // part it from the level; in JSON (Logging:Console:FormatterName=json) the time is a value of its own.
        services.PostConfigure<Microsoft.Extensions.Logging.Console.JsonConsoleFormatterOptions>(json => json.TimestampFormat = json.TimestampFormat?.TrimEnd());
        services.AddOptions<FeedsOptions>()
            .BindConfiguration(FeedsOptions.SectionName)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<FeedsOptions>, FeedsOptionsAttributesValidator>();
        services.AddSingleton<IValidateOptions<FeedsOptions>, FeedsOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<FeedsMetrics>();
        services.AddSingleton<Refusals.DetourPacing>();
        services.AddSingleton<PushWriter>();
        services.AddSingleton(provider => Database.From(Options(provider).Database));
        services.AddSingleton(provider => SiteTime.Create(Options(provider).SiteTimeZone));
        services.AddSingleton(provider => new Migrator(provider.GetRequiredService<Database>(), Migrator.DefaultScriptsRoot));
        services.AddSingleton<ArticleStore>();
        services.AddSingleton<VersionStore>();
        services.AddSingleton<DocumentTimes>();
        services.AddSingleton<ArticleHtml>();
        services.AddSingleton(provider => MemoryBudget.Of(Options(provider).CacheSizeMegabytes));
        services.AddSingleton(provider => provider.GetRequiredService<FeedsMetrics>().ObserveCache(
            "clean-texts", new CleanArticleCache(provider.GetRequiredService<MemoryBudget>().CleanTextBytes), cache => cache.Bytes, cache => cache.Count));
        services.AddSingleton(provider =>
        {
            var budget = provider.GetRequiredService<MemoryBudget>();
            var metrics = provider.GetRequiredService<FeedsMetrics>();
            var cache = new EntryCache(budget.EntryBytes, budget.ContentBytes);
            metrics.ObserveCache("contents", cache, cache => cache.ContentBytes, cache => cache.ContentCount);
            return metrics.ObserveCache("entries", cache, cache => cache.EntryBytes, cache => cache.EntryCount);
        });
        services.AddSingleton(provider =>
        {
            var scripts = ActivatorUtilities.CreateInstance<Scripts>(provider);
            return provider.GetRequiredService<FeedsMetrics>().ObserveCache("converted-names", scripts, scripts => scripts.TextBytes, scripts => scripts.TextCount);
        });
        services.AddSingleton<FeedBuilder>();
        services.AddSingleton<ChangeDetector>();
        services.AddSingleton<RedisFeedStore>();
        services.AddSingleton(provider =>
        {
            var counts = ActivatorUtilities.CreateInstance<Subscribers.SubscriberCounts>(provider);
            provider.GetRequiredService<FeedsMetrics>().ObserveSubscribers(counts);
            return counts;
        });
        services.AddSingleton<RenderAdmission>();
        services.AddSingleton<FeedCache>();
        services.AddSingleton<FeedPublisher>();
        services.AddSingleton<FeedUrls>();
        services.AddSingleton<PagePublisher>();
        services.AddSingleton(provider => new FeedHeaders(
            TimeSpan.FromMinutes(Options(provider).TimeToLiveMinutes), TimeSpan.FromSeconds(Options(provider).RetryAfterSeconds),
            Options(provider).MaxStaleness, Options(provider).Edge));
        return services;
    }

    public static WebApplicationBuilder AddFeedsWeb(this WebApplicationBuilder builder)
    {
        // Demo data where a person is trying Feeds (Development: `dotnet run`, by launchSettings.json), never by
        // default in production. Set below every other source, so any setting of Feeds:DemoData wins.
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = [new("Feeds:DemoData", builder.Environment.IsDevelopment() ? "true" : "false")],
        });
        builder.Services.AddFeedsCore();
        // Feeds answers GET and HEAD: small request limits, so that a flood of huge headers costs little.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestLineSize = 8 * 1024;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.MaxRequestHeaderCount = 50;
            kestrel.Limits.MaxRequestBodySize = 16 * 1024;
        });
        builder.Services.AddSingleton(provider => new ConnectionLimits(
            ConnectionLimits.Effective(Options(provider).MaxConnections), provider.GetRequiredService<ILogger<ConnectionLimits>>()));
        builder.Services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<ConnectionLimits, IOptions<FeedsOptions>>((kestrel, limits, feeds) => limits.ApplyTo(kestrel, feeds.Value));
        // On SIGTERM the server stops accepting and lets requests in flight finish, for up to this long.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));
        // In this order: the embedded database exists before the first versions are read.
        builder.Services.AddHostedService<DatabaseInitializer>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<ChangeDetector>());
        builder.Services.AddSingleton<Source.CmsFollower>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<Source.CmsFollower>());
        builder.Services.AddHostedService<FleetChanges>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<Subscribers.SubscriberCounts>());
        builder.Services.AddHostedService<StartupReport>();
        builder.Services.AddHttpClient(WebSubPublisher.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10));
        builder.Services.AddHttpClient(Edge.EdgePurger.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10));
        builder.Services.AddSingleton<Edge.EdgePurger>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<Edge.EdgePurger>());
        builder.Services.AddSingleton<WebSubPublisher>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<WebSubPublisher>());
        builder.Services.AddProblemDetails();
        builder.Services.AddFeedsHealthChecks();
        // Prometheus scrapes /metrics: Feeds' own meter, ASP.NET Core's, Kestrel's and the runtime's (working set,
        // GC heap: what README's memory bound is checked against). Each scrape reads the
        // current values (the exporter's default keeps a scrape for 300 ms; a scraper asks every few seconds).
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(FeedsMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime")
            .AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
        builder.Services.AddPolitePolling();
        return builder;
    }

    public static WebApplication UseFeedsWeb(this WebApplication app)
    {
        app.UseResponseSafetyHeaders();
        app.UseRequestMetrics();
        app.UseOperatorsOnly();
        app.UseForwardedClients();
        // Errors become problem details without stack trace or SQL text.
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapFeedsHealth();
        app.MapPrometheusScrapingEndpoint("/metrics");
        // Every document in each script served: as written, and under /zh-hans/ its Simplified-Chinese twin.
        foreach (var script in app.Services.GetRequiredService<Scripts>().Served)
        {
            app.MapPages(script);
            app.MapFeeds(script);
        }
        app.MapPush();
        app.MapSubscriberStats();
        return app;
    }

    private static FeedsOptions Options(IServiceProvider provider) => provider.GetRequiredService<IOptions<FeedsOptions>>().Value;
}
