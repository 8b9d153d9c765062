namespace Feeds.Tests.Support;

/// <summary>
/// What every test class shares: the running test's cancellation token, and the databases a provider test runs
/// on (<c>[Theory, MemberData(nameof(Providers))]</c>: SQLite, and SQL Server when FEEDS_TEST_SQLSERVER is set).
/// </summary>
public abstract class FeedsTest
{
    public static TheoryData<string> Providers => TestDatabase.Providers;

    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;
}
