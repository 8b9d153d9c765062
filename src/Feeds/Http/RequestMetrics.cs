namespace Feeds.Http;

/// <summary>What kind of document an endpoint serves, for the request metrics.</summary>
public sealed record DocumentKind(string Name);

public static class RequestMetrics
{
    /// <summary>Counts every answered request by the kind of document its endpoint serves and its status.</summary>
    public static WebApplication UseRequestMetrics(this WebApplication app)
    {
        var metrics = app.Services.GetRequiredService<FeedsMetrics>();
        app.Use(async (context, next) =>
        {
            await next(context);
            var kind = context.GetEndpoint()?.Metadata.GetMetadata<DocumentKind>()?.Name ?? "other";
            metrics.Request(kind, context.Response.StatusCode);
        });
        return app;
    }

    public static TBuilder Serves<TBuilder>(this TBuilder builder, string kind) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DocumentKind(kind));
}
