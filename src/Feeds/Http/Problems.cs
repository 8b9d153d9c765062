using Microsoft.AspNetCore.Http.HttpResults;

namespace Feeds.Http;

/// <summary>RFC 9457 problem details for the answers a client can act on.</summary>
internal static class Problems
{
    /// <summary>
    /// Every answer is sent with X-Content-Type-Options: nosniff, and every error (400, 404, 429, 503 …) with
    /// Cache-Control: no-store: a refusal or a mistake is about this moment, and no cache should keep it.
    /// </summary>
    public static WebApplication UseResponseSafetyHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var response = context.Response;
            response.Headers.XContentTypeOptions = "nosniff";
            response.OnStarting(() =>
            {
                if (response.StatusCode >= StatusCodes.Status400BadRequest)
                {
                    response.Headers.CacheControl = "no-store";
                }
                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");
}
