#:property PublishAot=false
#:property InvariantGlobalization=true
// The shapes of scripts/abuse.sh that wrk cannot make (many source addresses, many sockets, following links):
//   dotnet run -c Release scripts/abuse-clients.cs -- flood PORT SECONDS CONNECTIONS
//     a flood from 10,000 loopback sources, each in a /24 of its own (127.X.Y.1), one connection per request,
//     asking for what abuse.lua asks for (archive cursors, any ?limit, junk query strings, unknown tags);
//   dotnet run -c Release scripts/abuse-clients.cs -- idle PORT COUNT SECONDS FIRST_OCTET
//     COUNT idle keep-alive connections held for SECONDS, from sources 127.FIRST_OCTET.x.y, each sending nothing
//     (run several processes for more connections than one process's descriptors);
//   dotnet run -c Release scripts/abuse-clients.cs -- crawl PORT LIMITS
//     every feed of the OPML in every format and every ?limit in LIMITS (comma-separated), then every document
//     their links lead to (archive months and their pages), 8 at a time.
// Each prints its summary lines.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

return args switch
{
    ["flood", var port, var seconds, var connections] => await Flood(int.Parse(port), int.Parse(seconds), int.Parse(connections)),
    ["idle", var port, var count, var seconds, var firstOctet] => await Idle(int.Parse(port), int.Parse(count), int.Parse(seconds), int.Parse(firstOctet)),
    ["crawl", var port, var limits] => await Crawl(int.Parse(port), limits.Split(',')),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: abuse-clients.cs flood PORT SECONDS CONNECTIONS | idle PORT COUNT SECONDS FIRST_OCTET | crawl PORT LIMITS");
    return 2;
}

static async Task<int> Flood(int port, int seconds, int connections)
{
    var statuses = new Dictionary<string, int>();
    var missingRetryAfter = 0;
    var failures = 0;
    var requests = 0;
    var clock = Stopwatch.StartNew();
    var until = TimeSpan.FromSeconds(seconds);
    async Task Worker(int worker)
    {
        var random = new Random(worker);
        var buffer = new byte[64 * 1024];
        while (clock.Elapsed < until)
        {
            var n = random.Next(10_000);
            var source = new IPAddress(new byte[] { 127, (byte)(1 + n / 100), (byte)(n % 100), 1 });
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(IPAddress.Loopback, port);
                var request = $"GET {FloodPath(random, worker, requests)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n";
                await socket.SendAsync(Encoding.ASCII.GetBytes(request));
                var head = new StringBuilder();
                int read;
                while ((read = await socket.ReceiveAsync(buffer)) > 0)
                {
                    if (head.Length < 4096)
                    {
                        head.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    }
                }
                var text = head.ToString();
                var status = text.Length >= 12 ? text.Substring(9, 3) : "none";
                var key = status is "200" or "304" or "400" or "404" or "429" or "503" ? status : status.StartsWith('3') ? "30x" : "other";
                lock (statuses)
                {
                    statuses[key] = statuses.GetValueOrDefault(key) + 1;
                    requests++;
                    if (key is "429" or "503" && !text.Contains("\r\nRetry-After:", StringComparison.OrdinalIgnoreCase))
                    {
                        missingRetryAfter++;
                    }
                }
            }
            catch (SocketException)
            {
                Interlocked.Increment(ref failures);
            }
        }
    }
    await Task.WhenAll(Enumerable.Range(0, connections).Select(worker => Task.Run(() => Worker(worker))));
    var counted = string.Join(", ", new[] { "200", "304", "30x", "400", "404", "429", "503", "other" }.Select(s => $"{s} {statuses.GetValueOrDefault(s)}"));
    Console.WriteLine($"flood: {requests} requests in {clock.Elapsed.TotalSeconds:F1} s: {requests / clock.Elapsed.TotalSeconds:F0} req/s from 10,000 loopback /24s");
    Console.WriteLine($"flood status: {counted}; 429/503 without Retry-After {missingRetryAfter}; socket errors {failures}");
    Console.WriteLine($"ABUSE_BAD={statuses.GetValueOrDefault("other") + statuses.GetValueOrDefault("400") + missingRetryAfter}");
    return 0;
}

// The paths abuse.lua asks for, in the same shares.
static string FloodPath(Random random, int worker, int counter)
{
    string[] formats = ["rss", "atom", "json"];
    var feeds = new List<string> { "all", "news", "industry" };
    feeds.AddRange(Enumerable.Range(1, 12).Select(i => $"category-{i:00}"));
    feeds.AddRange(Enumerable.Range(0, 50).Select(i => "tags/%E6%A8%99%E7%B1%A4" + i));
    var feed = feeds[random.Next(feeds.Count)];
    var format = formats[random.Next(3)];
    var kind = random.NextDouble();
    if (kind < 0.35)
    {
        var month = new DateTime(2026, 9 + random.Next(3), 1, 0, 0, 0, DateTimeKind.Utc);
        var cursor = month.AddSeconds(random.NextDouble() * 31 * 24 * 3600).Ticks;
        return $"/feeds/{feed}/archive/{month:yyyy-MM}.{format}?before={cursor}-{random.Next(1, 6001)}";
    }
    if (kind < 0.70)
    {
        return $"/feeds/{feed}.{format}?limit={random.Next(1, 101)}";
    }
    return kind < 0.85 ? $"/feeds/{feed}.{format}?junk={worker}-{counter}" : $"/feeds/tags/no-such-tag-{worker}-{counter}.rss";
}

static async Task<int> Idle(int port, int count, int seconds, int firstOctet)
{
    var sockets = new List<Socket>(count);
    var refused = 0;
    for (var i = 0; i < count; i++)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // 10,000 connections per source address at most, well inside the ephemeral port range.
            socket.Bind(new IPEndPoint(new IPAddress(new byte[] { 127, (byte)firstOctet, (byte)(i / 10_000), 1 }), 0));
            await socket.ConnectAsync(IPAddress.Loopback, port);
            sockets.Add(socket);
        }
        catch (SocketException)
        {
            refused++;
            socket.Dispose();
        }
    }
    Console.WriteLine($"idle: {sockets.Count} connections open, {refused} refused");
    await Task.Delay(TimeSpan.FromSeconds(seconds));
    // Closed by the server while held: a read returns 0 (or fails) at once.
    var closed = 0;
    foreach (var socket in sockets)
    {
        if (socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0)
        {
            closed++;
        }
        socket.Dispose();
    }
    Console.WriteLine($"idle: {sockets.Count} connections opened ({refused} refused), {closed} of them closed by the server within {seconds} s");
    return 0;
}

static async Task<int> Crawl(int port, string[] limits)
{
    using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    // The site's feeds from the OPML, the tag feeds from the tag directory's pages.
    var listings = new List<string> { await client.GetStringAsync("/feeds.opml") };
    for (var page = 1; ; page++)
    {
        using var answer = await client.GetAsync(page == 1 ? "/tags" : $"/tags/{page}");
        var text = await answer.Content.ReadAsStringAsync();
        if (!answer.IsSuccessStatusCode || !text.Contains("/feeds/tags/"))
        {
            break;
        }
        listings.Add(text);
    }
    var feeds = listings.SelectMany(text => Regex.Matches(text, @"(/feeds/(?:tags/)?[^""'<>\s./?]+)(?:\.(?:rss|atom|json))?""").Select(m => m.Groups[1].Value))
        .Distinct().ToList();
    var seen = new HashSet<string>();
    var queue = new Queue<string>();
    foreach (var feed in feeds)
    {
        foreach (var format in new[] { "rss", "atom", "json" })
        {
            foreach (var limit in limits)
            {
                var path = $"{feed}.{format}?limit={limit}";
                if (seen.Add(path))
                {
                    queue.Enqueue(path);
                }
            }
        }
    }
    // Links to other documents of Feeds: archive months and their pages, in any format, with their cursors.
    var link = new Regex(@"/feeds/[^""'<>\s]+?\.(?:rss|atom|json)(?:\?[^""'<>\s]*)?");
    var statuses = new Dictionary<int, int>();
    long bytes = 0;
    var clock = Stopwatch.StartNew();
    while (queue.Count > 0)
    {
        var batch = new List<string>();
        while (queue.Count > 0 && batch.Count < 64)
        {
            batch.Add(queue.Dequeue());
        }
        var bodies = await Task.WhenAll(batch.Select(async path =>
        {
            using var answer = await client.GetAsync(path);
            var body = await answer.Content.ReadAsStringAsync();
            lock (statuses)
            {
                statuses[(int)answer.StatusCode] = statuses.GetValueOrDefault((int)answer.StatusCode) + 1;
                bytes += body.Length;
            }
            return answer.IsSuccessStatusCode ? body : "";
        }));
        foreach (var body in bodies)
        {
            foreach (Match found in link.Matches(body))
            {
                var path = WebUtility.HtmlDecode(found.Value).Replace("\\u0026", "&");
                if (path.Contains("/archive/") && seen.Add(path))
                {
                    queue.Enqueue(path);
                }
            }
        }
    }
    var counted = string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}"));
    Console.WriteLine($"crawl: {seen.Count} documents of {feeds.Count} feeds in {clock.Elapsed.TotalSeconds:F1} s ({bytes / 1_000_000} MB of text); status {counted}");
    Console.WriteLine($"CRAWL_NOT_200={seen.Count - statuses.GetValueOrDefault(200)}");
    return 0;
}
