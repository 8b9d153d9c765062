using System.Globalization;
using System.Threading.RateLimiting;
using Feeds.Publishing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Feeds.Versions;
using Feeds.Admission;

namespace Feeds.Http;

/// <summary>
/// The answers of a request Feeds will not serve now, as problem details with Retry-After: 503 Service
/// Unavailable (RFC 9110 15.6.4) while the database is unreachable or no render can run, and 429 Too Many
/// Requests (RFC 6585 section 4) to a client past its render budget. The client learns when to come back and
/// never sees a 500.
/// </summary>
public static class Refusals
{
    private static long _lastLoggedTicks;

    /// <summary>
    /// An endpoint filter: turns <see cref="FeedsUnavailableException"/> into 503 and <see cref="RenderBudgetExceededException"/>
    /// into 429, and paces answers that are not documents (<see cref="DetourPacing"/>).
    /// </summary>
    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            var answer = await next(context);
            return context.HttpContext.RequestServices.GetRequiredService<DetourPacing>().Paced(answer);
        }
        catch (RenderBudgetExceededException exception)
        {
            return Refusal.TooManyRequests(
                $"{exception.Message} Documents already rendered are still served, and conditional requests are answered 304 when nothing changed.",
                exception.RetryAfter, RefusalDelay(context.HttpContext));
        }
        catch (FeedsUnavailableException exception)
        {
            var services = context.HttpContext.RequestServices;
            var retryAfter = services.GetRequiredService<IOptions<FeedsOptions>>().Value.RetryAfterSeconds;
            // Say why, with the database's own error, at most every 30 s: an outage must be visible in the logs
            // without writing a line per request.
            var now = Environment.TickCount64;
            var last = Interlocked.Read(ref _lastLoggedTicks);
            if (now - last > 30_000 && Interlocked.CompareExchange(ref _lastLoggedTicks, now, last) == last)
            {
                services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Refusals))
                    .LogWarning(exception.InnerException ?? exception, "Answering 503 for {Path}: {Reason}", context.HttpContext.Request.Path, exception.Message);
            }
            // No slot for a render is refused as late as a 429: a flood that keeps every slot busy then waits on
            // each of its connections too, instead of being answered at once and asking again.
            return new Refusal(StatusCodes.Status503ServiceUnavailable, "Service unavailable", $"{exception.Message} Try again later.",
                TimeSpan.FromSeconds(retryAfter), exception is RenderBusyException ? RefusalDelay(context.HttpContext) : TimeSpan.Zero);
        }
    }

    private static TimeSpan RefusalDelay(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptions<FeedsOptions>>().Value.TooManyRequestsDelay;

    /// <summary>
    /// Problem details with Retry-After in whole seconds, at least one, sent after <paramref name="delay"/>: a
    /// 429 is answered late, so that a client that keeps asking regardless waits on each of its connections
    /// instead of taking the cores from everyone else (a timer, no thread, is all it holds meanwhile).
    /// </summary>
    public sealed class Refusal(int status, string title, string detail, TimeSpan retryAfter, TimeSpan delay) : IResult
    {
        public static Refusal TooManyRequests(string detail, TimeSpan retryAfter, TimeSpan delay) =>
            new(StatusCodes.Status429TooManyRequests, "Too many requests", detail, retryAfter, delay);

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            if (!await WaitAsync(httpContext, delay))
            {
                return;
            }
            httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await TypedResults.Problem(detail: detail, statusCode: status, title: title).ExecuteAsync(httpContext);
        }
    }

    /// <summary>Waits <paramref name="delay"/> (a timer, no thread); false when the client went away meanwhile.</summary>
    private static async Task<bool> WaitAsync(HttpContext context, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            return true;
        }
        try
        {
            await Task.Delay(delay, context.RequestAborted);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Answers that are not documents, paced for the whole instance: a redirect to a limit or archive page Feeds
    /// offers, 404 and 400 are cheap one by one, but a flood of them from thousands of networks is seen by no
    /// per-client budget and would take the cores from readers. Up to Feeds:RenderLimits:DetoursPerSecond are
    /// sent at once; past it each is sent after Feeds:TooManyRequestsDelay, so such a flood waits on each of its
    /// connections, as one client's 429s do. Off with the render limits.
    /// </summary>
    public sealed class DetourPacing(IOptions<FeedsOptions> options) : IDisposable
    {
        private readonly TokenBucketRateLimiter? _detours = options.Value.RenderLimits.Enabled
            ? new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = options.Value.RenderLimits.DetoursPerSecond,
                TokensPerPeriod = options.Value.RenderLimits.DetoursPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
            })
            : null;

        private readonly TimeSpan _delay = options.Value.TooManyRequestsDelay;

        /// <summary>The endpoint's answer, sent late when it is a detour past this second's share.</summary>
        public object? Paced(object? answer)
        {
            var result = answer is INestedHttpResult nested ? nested.Result : answer as IResult;
            var detour = result is RedirectHttpResult or ProblemHttpResult { StatusCode: StatusCodes.Status404NotFound or StatusCodes.Status400BadRequest };
            if (!detour || _detours is null)
            {
                return answer;
            }
            using var lease = _detours.AttemptAcquire();
            return lease.IsAcquired ? answer : new Late(result!, _delay);
        }

        public void Dispose() => _detours?.Dispose();

        private sealed class Late(IResult answer, TimeSpan delay) : IResult
        {
            public async Task ExecuteAsync(HttpContext httpContext)
            {
                if (await WaitAsync(httpContext, delay))
                {
                    await answer.ExecuteAsync(httpContext);
                }
            }
        }
    }
}
