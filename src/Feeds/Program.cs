using Feeds;
using Feeds.Cli;

if (CommandLine.AsksForHelp(args))
{
    // Anywhere on the line, for every command: the usage, and nothing started, created or migrated.
    Console.WriteLine(CommandLine.Usage);
    return 0;
}
if (CommandLine.IsCommand(args))
{
    return await CommandLine.RunAsync(args);
}
if (CommandLine.IsUnknownCommand(args))
{
    await Console.Error.WriteLineAsync($"Feeds: unknown command '{args[0]}'.\n{CommandLine.Usage}");
    return 2;
}

var builder = WebApplication.CreateBuilder(args);
AppSettings.ReadFromAppDirectory(builder.Configuration, builder.Environment);
if (SettingsCheck.Failures(builder.Configuration) is { Count: > 0 } wrongTypes)
{
    await Console.Error.WriteLineAsync($"Feeds did not start: invalid settings: {string.Join(" ", wrongTypes)}");
    return 2;
}
builder.AddFeedsWeb();
try
{
    // Building the host and the pipeline may read the settings (Kestrel's limits do), so a wrong one can surface
    // here as well as at start.
    var app = builder.Build();
    app.UseFeedsWeb();
    await app.RunAsync();
    return 0;
}
catch (Exception exception) when (StartFailures.Describe(exception) is { } failure)
{
    // One line and an exit code a supervisor can act on (2: fix the configuration; 1: something is not there now).
    await Console.Error.WriteLineAsync($"Feeds did not start: {failure.Line}");
    return failure.ExitCode;
}

/// <summary>The entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
