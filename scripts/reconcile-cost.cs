#:project ../src/Feeds/Feeds.csproj
#:property PublishAot=false
#:property InvariantGlobalization=false
// What the reconciliation walk of the CMS follower costs (issue 29): a demo-shaped SQLite CMS of ARTICLES articles,
// Feeds (the Release build, as a process) following it with the walk asking a page every second instead of every
// ten, its CPU read from /proc before and after SECONDS of walking once everything was stored. Prints CPU seconds
// and CMS rows read per page, and per hour at the default pace (a page of 1,000 every 10 s).
//   dotnet run -c Release scripts/reconcile-cost.cs -- ARTICLES SECONDS
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Dapper;
using Feeds.Demo;
using Microsoft.Data.Sqlite;

var articles = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 60;
var work = Directory.CreateTempSubdirectory("feeds-reconcile-");
var cms = Path.Combine(work.FullName, "cms.db");
await using (var connection = new SqliteConnection($"Data Source={cms}"))
{
    await connection.OpenAsync();
    await connection.ExecuteAsync(DemoCms.Schema);
    await connection.ExecuteAsync($"""
        INSERT INTO cms_sections (id, slug, name) VALUES (1, 'news', '資訊中心');
        INSERT INTO cms_categories (id, section_id, slug, name) VALUES (1, 1, 'logistics', '綜合物流'), (2, 1, 'express', '快遞');
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {articles})
        INSERT INTO cms_articles (id, category_id, title, intro, body, writer, source_org, path, publish_time, state)
        SELECT i, 1 + i % 2, '第 ' || i || ' 篇', '摘要', '<p>' || printf('%.*c', 2000, '文') || '</p>', '記者', '示範物流協會', '/a/' || i || '.html',
               datetime('2024-01-01 08:00:00', '+' || i || ' minutes'), 1
        FROM n;
        """);
}
var port = 5310;
var feeds = Path.Combine(AppContext.BaseDirectory, "Feeds.dll");
var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
foreach (var argument in new[]
{
    feeds, $"--urls=http://127.0.0.1:{port}", "--Feeds:DemoData=false", "--Logging:LogLevel:Default=Warning",
    $"--Feeds:Database:ConnectionString=Data Source={Path.Combine(work.FullName, "feeds.db")}",
    "--Feeds:Source:Provider=sqlite", $"--Feeds:Source:ConnectionString=Data Source={cms};Mode=ReadOnly",
    $"--Feeds:Source:ChangesQuery={DemoCms.ChangesQuery}", $"--Feeds:Source:RowsQuery={DemoCms.RowsQuery}",
    // The sweep off (it would read the initial load again a minute later): the walk alone is measured.
    "--Feeds:Source:BatchSize=5000", "--Feeds:Source:ReconcileInterval=00:00:01", "--Feeds:Source:SweepAfterSeconds=86400",
})
{
    start.ArgumentList.Add(argument);
}
using var server = Process.Start(start)!;
_ = server.StandardOutput.ReadToEndAsync();
_ = server.StandardError.ReadToEndAsync();
using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
var stored = Stopwatch.StartNew();
double Rows(string metrics, string outcome) =>
    Regex.Matches(metrics, $@"^feeds_source_rows_total\{{[^}}]*outcome=""{outcome}""[^}}]*\}} (\S+)", RegexOptions.Multiline)
        .Sum(match => double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
string metrics = "";
while (true)
{
    await Task.Delay(1000);
    try { metrics = await http.GetStringAsync("/metrics"); } catch (HttpRequestException) { continue; }
    if (Rows(metrics, "inserted") >= articles)
    {
        break;
    }
}
Console.WriteLine($"{articles:N0} CMS articles followed and stored in {stored.Elapsed.TotalSeconds:F0} s");
double Cpu() => File.ReadAllText($"/proc/{server.Id}/stat").Split(' ') is var stat
    ? (double.Parse(stat[13], CultureInfo.InvariantCulture) + double.Parse(stat[14], CultureInfo.InvariantCulture)) / 100 : 0;
var unchangedBefore = Rows(metrics, "unchanged");
var cpuBefore = Cpu();
await Task.Delay(TimeSpan.FromSeconds(seconds));
var cpuAfter = Cpu();
var walked = Rows(await http.GetStringAsync("/metrics"), "unchanged") - unchangedBefore;
server.Kill(entireProcessTree: true);
work.Delete(recursive: true);
var pages = walked / 1000;
var cpuPerPage = (cpuAfter - cpuBefore) / Math.Max(pages, 1);
Console.WriteLine($"walk: {walked:N0} articles asked of the CMS in {seconds} s ({pages:F0} pages of 1,000), {cpuAfter - cpuBefore:F2} CPU s of Feeds' process (CMS reads included: SQLite runs in it)");
Console.WriteLine($"per page: {cpuPerPage * 1000:F0} ms CPU; at the default pace (360 pages an hour): {cpuPerPage * 360:F1} CPU s and 360,000 CMS rows read an hour; a walk of {articles:N0} every {articles / 360_000.0:F1} h");
return 0;
