namespace Feeds.Tests.Support;

/// <summary>A folder of one test's own, deleted with everything in it when the test ends.</summary>
public sealed class TempFolder(string prefix) : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory(prefix);

    public string FullName => _directory.FullName;

    public void Dispose() => _directory.Delete(recursive: true);
}
