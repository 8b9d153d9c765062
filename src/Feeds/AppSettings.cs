using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace Feeds;

/// <summary>
/// The app's own appsettings.json (shipped beside the binary) is read wherever the user stands: `dotnet run
/// --project src/Feeds` from the repository root makes the working directory the content root, where there is
/// none. It is read first, so that a settings file in the working directory, environment variables and the
/// command line still override it. Relative paths in settings (data/feeds.db) stay relative to the working directory.
/// </summary>
public static class AppSettings
{
    public static void ReadFromAppDirectory(IConfigurationBuilder configuration, IHostEnvironment environment)
    {
        var appDirectory = AppContext.BaseDirectory;
        if (string.Equals(Path.GetFullPath(environment.ContentRootPath).TrimEnd('/', '\\'), Path.GetFullPath(appDirectory).TrimEnd('/', '\\'), StringComparison.Ordinal))
        {
            return;
        }
        var files = new PhysicalFileProvider(appDirectory);
        configuration.Sources.Insert(0, new JsonConfigurationSource { FileProvider = files, Path = $"appsettings.{environment.EnvironmentName}.json", Optional = true });
        configuration.Sources.Insert(0, new JsonConfigurationSource { FileProvider = files, Path = "appsettings.json", Optional = true });
    }
}
