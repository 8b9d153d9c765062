#:package Microsoft.Data.Sqlite
#:property PublishAot=false
#:property InvariantGlobalization=true
// How long a CMS edit takes to reach its feed, under a steady stream of other CMS writes (issue 29): writes to the
// demo CMS (data/demo-cms.db of a server started with the demo) at WRITES per second, one every 2.5 s a
// numbered edit of a probe article's title (longer apart than Feeds:Source:PollInterval, so none overtakes another); a client polls the probe's category feed every 20 ms (conditional,
// as a reader would) and notes when each numbered title first shows. Prints p50, p99 and max.
//   dotnet run -c Release scripts/follow-latency.cs -- DEMO_CMS_PATH FEEDS_BASE_URL SECONDS WRITES
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

if (args is not [var cms, var feeds, var secondsText, var writesText])
{
    Console.Error.WriteLine("usage: follow-latency.cs DEMO_CMS_PATH FEEDS_BASE_URL SECONDS WRITES_PER_SECOND");
    return 2;
}
var seconds = int.Parse(secondsText);
var writesPerSecond = int.Parse(writesText);
const int Probe = 8;  // demo-0008: among the newest of the logistics category
var written = new Dictionary<int, long>();  // probe edit number -> when it was committed (Stopwatch ticks)
var shown = new Dictionary<int, long>();
var clock = Stopwatch.StartNew();
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 5));

var writer = Task.Run(async () =>
{
    await using var connection = new SqliteConnection($"Data Source={cms};Pooling=False;Default Timeout=5");
    await connection.OpenAsync();
    var random = new Random(29);
    var probeEvery = Math.Max(1, writesPerSecond * 5 / 2);
    var interval = TimeSpan.FromSeconds(1.0 / writesPerSecond);
    var next = clock.Elapsed;
    for (var n = 0; clock.Elapsed < TimeSpan.FromSeconds(seconds); n++)
    {
        await using var command = connection.CreateCommand();
        if (n % probeEvery == 0)
        {
            command.CommandText = "UPDATE cms_articles SET title = $title WHERE id = $id";
            command.Parameters.AddWithValue("$title", $"探針第 {n / probeEvery} 次編輯");
            command.Parameters.AddWithValue("$id", Probe);
            await command.ExecuteNonQueryAsync();
            lock (written) { written[n / probeEvery] = clock.ElapsedTicks; }
        }
        else
        {
            command.CommandText = "UPDATE cms_articles SET intro = $intro WHERE id = $id";
            command.Parameters.AddWithValue("$intro", $"摘要第 {n} 次修改");
            command.Parameters.AddWithValue("$id", 10 + random.Next(300));
            await command.ExecuteNonQueryAsync();
        }
        next += interval;
        if (next > clock.Elapsed)
        {
            await Task.Delay(next - clock.Elapsed);
        }
    }
});

var reader = Task.Run(async () =>
{
    using var client = new HttpClient { BaseAddress = new Uri(feeds) };
    EntityTagHeaderValue? etag = null;
    var title = new Regex("探針第 (\\d+) 次編輯");
    while (!stop.IsCancellationRequested)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/feeds/logistics.atom");
        if (etag is not null)
        {
            request.Headers.IfNoneMatch.Add(etag);
        }
        using var answer = await client.SendAsync(request);
        if (answer.StatusCode == System.Net.HttpStatusCode.OK)
        {
            etag = answer.Headers.ETag;
            var body = await answer.Content.ReadAsStringAsync();
            if (title.Match(body) is { Success: true } match)
            {
                var number = int.Parse(match.Groups[1].Value);
                lock (written) { shown.TryAdd(number, clock.ElapsedTicks); }
            }
        }
        try { await Task.Delay(20, stop.Token); } catch (OperationCanceledException) { }
    }
});

await writer;
await Task.Delay(TimeSpan.FromSeconds(4));
stop.Cancel();
await reader;
// An edit not seen before the next one replaced it took longer than the 2.5 s between them: counted as never.
var latencies = written.Select(edit => shown.TryGetValue(edit.Key, out var at) ? (at - edit.Value) * 1000.0 / Stopwatch.Frequency : double.PositiveInfinity)
    .Order().ToList();
var unseen = latencies.Count(double.IsPositiveInfinity);
Console.WriteLine($"{written.Count} probe edits among {writesPerSecond} CMS writes/s for {seconds} s; {written.Count - unseen} seen in the feed, {unseen} not before the next edit (slower than 2.5 s)");
if (latencies.Count > 0)
{
    double At(double q) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
    Console.WriteLine($"edit to feed: p50 {At(0.5):F0} ms, p99 {At(0.99):F0} ms, max {latencies[^1]:F0} ms (goal: p99 <= 3000 ms)");
}
return 0;
