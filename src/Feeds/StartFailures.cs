using Feeds.Data;
using Microsoft.Extensions.Options;

namespace Feeds;

/// <summary>
/// What stops the server or a command at start, as one line naming what is wrong and what to do, and its exit code:
/// 2 for what the operator configured (settings, a schema the binary does not fit, a data path it may not write),
/// 1 for what is not there now (an unreachable database, a port another process holds). No stack trace: the line
/// says it all, and a supervisor's log keeps one line per failure.
/// </summary>
public static class StartFailures
{
    public const int Configuration = 2;
    public const int Unavailable = 1;

    /// <summary>The line and exit code for <paramref name="exception"/> (or any exception it wraps), or null when it is none of these.</summary>
    public static (string Line, int ExitCode)? Describe(Exception exception)
    {
        // Kestrel throws IOException("Failed to bind to address …: address already in use.") around its
        // AddressInUseException (an InvalidOperationException of Microsoft.AspNetCore.Connections): the outer one
        // names the address.
        if (exception is IOException bind && bind.InnerException?.GetType().Name == "AddressInUseException")
        {
            return ($"{bind.Message.TrimEnd('.')}: another process listens there. Stop it, or give Feeds another address with --urls.", Unavailable);
        }
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (DescribeOne(current) is { } failure)
            {
                return (failure.Line.ReplaceLineEndings(" "), failure.ExitCode);
            }
        }
        return null;
    }

    private static (string Line, int ExitCode)? DescribeOne(Exception exception) => exception switch
    {
        OptionsValidationException invalid => ($"invalid settings: {SettingsCheck.Describe(invalid)}", Configuration),
        SchemaBehindException or SchemaAheadException or DatabaseRequirementsException or DataPathException => (exception.Message, Configuration),
        UnauthorizedAccessException denied => (
            $"{denied.Message.TrimEnd('.')}: the user Feeds runs as must be able to create and write its data folder. Give it write access, or set Feeds:Database:ConnectionString to a path it can write (README, Deploy).",
            Configuration),
        DatabaseUnavailableException unreachable => (
            $"The database cannot be reached: {Database.Reason(unreachable).TrimEnd('.')}. Check that the database server runs and that this machine may reach it; Connect Timeout=5 in the connection string makes this answer come sooner.",
            Unavailable),
        _ => null,
    };
}
