namespace Feeds.Http;

/// <summary>How every document Feeds serves is mapped: GET and HEAD, refusals answered first, polite polling around.</summary>
public static class DocumentRoutes
{
    private static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    /// <summary>A group of documents under <paramref name="prefix"/>: refusals as 503 and 429 problems, polite polling applied.</summary>
    public static RouteGroupBuilder MapDocuments(this IEndpointRouteBuilder routes, string prefix) =>
        routes.MapGroup(prefix).AddEndpointFilter(Refusals.FilterAsync).PolitelyPolledDocuments();

    public static RouteHandlerBuilder MapDocument(this RouteGroupBuilder documents, string pattern, Delegate handler) =>
        documents.MapMethods(pattern, GetAndHead, handler);
}
