namespace Feeds.Tests.Support;

/// <summary>
/// What every test class shares: the running test's cancellation token, and the databases a provider test runs
/// on (<c>[Theory, MemberData(nameof(Providers))]</c>: SQLite, and SQL Server when FEEDS_TEST_SQLSERVER is set).
/// </summary>
public abstract class FeedsTest
{
    public static TheoryData<string> Providers => TestDatabase.Providers;

    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>The clone the tests were built from (the folder of Feeds.sln), for files such as README.md.</summary>
    protected static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Feeds.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("Feeds.sln not found above " + AppContext.BaseDirectory);
    }
}
