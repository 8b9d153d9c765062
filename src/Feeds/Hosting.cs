using System.IO.Compression;
using Feeds.Content;
using Feeds.Data;
using Feeds.Http;
using Feeds.Publishing;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Options;

namespace Feeds;

/// <summary>Registration of everything Feeds needs, shared by the web server and the command line.</summary>
public static class Hosting
{
    /// <summary>Options (validated at start), the database, the feed pipeline.</summary>
    public static IServiceCollection AddFeedsCore(this IServiceCollection services)
    {
        services.AddOptions<FeedsOptions>()
            .BindConfiguration(FeedsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<FeedsOptions>, FeedsOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(provider => Database.From(Options(provider).Database));
        services.AddSingleton(provider => SiteTime.Create(Options(provider).SiteTimeZone));
        services.AddSingleton(provider => new Migrator(provider.GetRequiredService<Database>(), Migrator.DefaultScriptsRoot));
        services.AddSingleton<ArticleStore>();
        services.AddSingleton<ArticleHtml>();
        services.AddSingleton<FeedBuilder>();
        services.AddSingleton<FeedPublisher>();
        return services;
    }

    public static WebApplicationBuilder AddFeedsWeb(this WebApplicationBuilder builder)
    {
        builder.Services.AddFeedsCore();
        builder.Services.AddHostedService<DatabaseInitializer>();
        builder.Services.AddProblemDetails();
        builder.Services.AddResponseCompression(options =>
        {
            // Feeds hold public articles and no secrets, so compressing over HTTPS carries no BREACH risk.
            options.EnableForHttps = true;
            options.Providers.Add<BrotliCompressionProvider>();
            options.Providers.Add<GzipCompressionProvider>();
            // The default list leaves out the feed media types.
            options.MimeTypes = ResponseCompressionDefaults.MimeTypes.Concat(
                ["application/rss+xml", "application/atom+xml", "application/problem+json"]);
        });
        builder.Services.Configure<BrotliCompressionProviderOptions>(options => options.Level = CompressionLevel.Fastest);
        builder.Services.Configure<GzipCompressionProviderOptions>(options => options.Level = CompressionLevel.Fastest);
        return builder;
    }

    public static WebApplication UseFeedsWeb(this WebApplication app)
    {
        // Errors become problem details without stack trace or SQL text.
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use((context, next) =>
        {
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return next(context);
        });
        app.UseResponseCompression();
        app.MapFeeds();
        return app;
    }

    private static FeedsOptions Options(IServiceProvider provider) => provider.GetRequiredService<IOptions<FeedsOptions>>().Value;
}
