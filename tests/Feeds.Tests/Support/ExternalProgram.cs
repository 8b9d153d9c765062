using System.Diagnostics;

namespace Feeds.Tests.Support;

/// <summary>Runs a program the tests use (chromium, newsboat, Python's feedparser) to its end, bounded in time.</summary>
public static class ExternalProgram
{
    /// <summary>Its standard output and error once it exited 0; a failed assertion naming it otherwise.</summary>
    /// <param name="home">Set as HOME and the XDG folders, so that the program keeps its state in the test's folder.</param>
    public static async Task<(string Output, string Errors)> RunAsync(string executable, IEnumerable<string> arguments, string? home = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (home is not null)
        {
            start.Environment["HOME"] = home;
            start.Environment["XDG_CONFIG_HOME"] = Path.Combine(home, ".config");
            start.Environment["XDG_DATA_HOME"] = Path.Combine(home, ".local", "share");
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancellation.CancelAfter(limit);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(executable)} did not finish within {limit.TotalSeconds} s: {await errors}");
        }
        Assert.True(process.ExitCode == 0, $"{Path.GetFileName(executable)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await errors}");
        return (await output, await errors);
    }
}
