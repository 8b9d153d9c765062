using Feeds.Content;
using Feeds.Data;
using Feeds.Import;

namespace Feeds.Cli;

/// <summary>
/// The commands beside the server: <c>migrate</c> and <c>import FILE.ndjson [--skip-bad-lines]</c>. They read
/// the same settings as the server (appsettings, Feeds__* variables, --Feeds:Name=value arguments).
/// </summary>
public static class CommandLine
{
    private const string SkipBadLinesFlag = "--skip-bad-lines";

    public const string Usage = """
        usage: Feeds [--Feeds:Name=value ...]                                   serve the feeds
               Feeds migrate [--Feeds:Name=value ...]                           apply the schema scripts
               Feeds import FILE.ndjson [--skip-bad-lines] [--Feeds:Name=value ...]   import articles
               Feeds --help                                                      this text
        Settings are also read from appsettings.json and Feeds__Name environment variables (README, Settings).
        """;

    /// <summary>
    /// The first argument that is neither a setting (--Section:Name=value, or --Section:Name value) nor one of the
    /// host's own (--environment, --contentRoot, --applicationName): a misspelt flag such as --skip-bad-line would
    /// otherwise be read as a setting nobody reads, and the command would run as if it were not there.
    /// </summary>
    private static string? Unexpected(List<string> arguments)
    {
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            var name = argument.TrimStart('-', '/').Split('=')[0];
            var isOption = argument.StartsWith("--", StringComparison.Ordinal) || argument.StartsWith('/');
            if (!isOption || !(name.Contains(':', StringComparison.Ordinal) || name is "environment" or "contentRoot" or "applicationName"))
            {
                return argument;
            }
            if (!argument.Contains('=', StringComparison.Ordinal))
            {
                i++;  // its value
            }
        }
        return null;
    }

    /// <summary>-h, --help or -? anywhere: the usage is all that is wanted.</summary>
    public static bool AsksForHelp(string[] args) => args.Any(arg => arg is "-h" or "--help" or "-?" or "/?");

    public static bool IsCommand(string[] args) => args.Length > 0 && args[0] is "migrate" or "import";

    /// <summary>A first argument that is neither a command, an option (--name) nor a setting (name=value): a typo such as "imprt".</summary>
    public static bool IsUnknownCommand(string[] args) =>
        args.Length > 0 && !IsCommand(args) && !args[0].StartsWith('-') && !args[0].Contains('=', StringComparison.Ordinal);

    public static async Task<int> RunAsync(string[] args)
    {
        var command = args[0];
        var rest = args.Skip(1).ToList();
        var skipBadLines = rest.Remove(SkipBadLinesFlag);
        var file = command == "import" && rest.Count > 0 && !rest[0].StartsWith('-') ? rest[0] : null;
        if (file is not null)
        {
            rest.RemoveAt(0);
        }

        if (Unexpected(rest) is { } unexpected)
        {
            await Console.Error.WriteLineAsync($"{command}: unknown option '{unexpected}'; settings are written --Feeds:Name=value.\n{Usage}");
            return 2;
        }
        var builder = Host.CreateApplicationBuilder(rest.ToArray());
        AppSettings.ReadFromAppDirectory(builder.Configuration, builder.Environment);
        if (SettingsCheck.Failures(builder.Configuration) is { Count: > 0 } wrongTypes)
        {
            await Console.Error.WriteLineAsync($"{command}: invalid settings: {string.Join(" ", wrongTypes)}");
            return 2;
        }
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddFeedsCore();
        using var host = builder.Build();
        var services = host.Services;
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        // A service manager stops with SIGTERM (systemctl stop, docker stop): the same as Ctrl+C, an unfinished
        // import rolled back at once, rather than killed after the grace period with all its work lost anyway.
        var terminated = false;
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            terminated = true;
            cancellation.Cancel();
        });

        try
        {
            // Stops here with the failing settings named, as the server does.
            await host.StartAsync(cancellation.Token);
            var migrator = services.GetRequiredService<Migrator>();
            var database = services.GetRequiredService<Database>().Describe();
            if (command == "migrate")
            {
                var applied = await migrator.MigrateAsync(cancellation.Token);
                foreach (var warning in migrator.Warnings)
                {
                    await Console.Error.WriteLineAsync($"migrate: warning: {warning}");
                }
                Console.WriteLine(applied.Count == 0 ? $"The database ({database}) is up to date." : $"Applied {string.Join(", ", applied)} to {database}.");
                return 0;
            }
            if (file is null)
            {
                await Console.Error.WriteLineAsync(Usage);
                return 2;
            }
            if (!File.Exists(file))
            {
                await Console.Error.WriteLineAsync($"import: no file {file}");
                return 2;
            }
            // The embedded database is created on first use; SQL Server is migrated by the operator.
            if (services.GetRequiredService<Database>().Dialect.MigratesOnStart)
            {
                await migrator.MigrateAsync(cancellation.Token);
            }
            else
            {
                // Refused before any work, not at commit after all of it.
                var store = services.GetRequiredService<Database>();
                await using (var connection = await store.OpenReadAsync(cancellation.Token))
                {
                    await store.CheckRequirementsAsync(connection, cancellation.Token);
                }
                if (await migrator.MissingAsync(cancellation.Token) is { Count: > 0 } missing)
                {
                    throw new SchemaBehindException(missing);
                }
            }
            var importer = new NdjsonImporter(
                services.GetRequiredService<Database>(),
                new ImportLineParser(services.GetRequiredService<SiteTime>()),
                services.GetRequiredService<TimeProvider>());
            var report = await importer.ImportAsync(file, skipBadLines, Console.Error, cancellation.Token);
            foreach (var error in report.Errors)
            {
                await Console.Error.WriteLineAsync($"{file}: {error}");
            }
            if (!report.Committed)
            {
                await Console.Error.WriteLineAsync(
                    $"import: {report.Errors.Count} bad line(s); nothing was imported into {database}. Fix them, or pass {SkipBadLinesFlag} to import the good lines.");
                return 1;
            }
            Console.WriteLine($"Imported {file} into {database}: {report.Inserted} new, {report.Updated} updated, {report.Unchanged} unchanged, {report.Deleted} deleted, {report.Errors.Count} bad line(s) skipped.");
            return 0;
        }
        catch (Exception exception) when (exception is not OperationCanceledException && StartFailures.Describe(exception) is { } failure)
        {
            await Console.Error.WriteLineAsync($"{command}: {failure.Line}");
            return failure.ExitCode;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"{command}: {(terminated ? "stopped by SIGTERM" : "cancelled")}; nothing was changed by the unfinished step, and running it again starts it over.");
            // 128 + the signal's number, as a shell reports a process the signal ended.
            return terminated ? 143 : 130;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}
