using Feeds.Data;

namespace Feeds.Tests.Data;

/// <summary>
/// What a SQL Server must offer Feeds, judged from what SqlServerDialect.RequirementsSql reads (its text is parsed
/// and resolved with the other T-SQL in SqlServerScriptTests and SqlServerModelTests; a real server runs it in the
/// SQL Server provider tests when FEEDS_TEST_SQLSERVER is set).
/// </summary>
public sealed class DatabaseRequirementsTests : FeedsTest
{
    [Theory]
    [InlineData(130, "13.0.4001.0", 3, 1, 1, "")]
    [InlineData(160, "16.0.4135.4", 2, 1, 1, "")]
    [InlineData(150, "12.0.2000.8", 5, 1, 1, "")]  // Azure SQL Database says 12.0 and has everything
    [InlineData(120, "15.0.2000.5", 3, 1, 1, "compatibility level is 120")]
    [InlineData(130, "13.0.1601.5", 3, 1, 1, "older than 2016 SP1")]
    [InlineData(150, "15.0.2000.5", 3, 0, 1, "'nested triggers' is 0")]
    [InlineData(150, "15.0.2000.5", 3, 1, 0, "ALLOW_SNAPSHOT_ISOLATION is not ON")]
    [InlineData(150, "15.0.2000.5", 3, 1, 3, "ALLOW_SNAPSHOT_ISOLATION is not ON")]  // still turning on
    public void ADatabaseThatLacksWhatFeedsReliesOn_IsNamedInOneLine(int compatibilityLevel, string productVersion, int engineEdition, int nestedTriggers, int snapshotIsolation, string expected)
    {
        var unmet = new DatabaseRequirements(compatibilityLevel, productVersion, engineEdition, nestedTriggers, snapshotIsolation).Unmet();

        if (expected.Length == 0)
        {
            Assert.Empty(unmet);
        }
        else
        {
            var message = new DatabaseRequirementsException(unmet).Message;
            Assert.Contains(expected, Assert.Single(unmet), StringComparison.Ordinal);
            Assert.DoesNotContain('\n', message);
        }
    }

    [Fact]
    public void SqlServer_ReadsItsRequirements_AndSqliteHasNone()
    {
        Assert.Contains("compatibility_level", SqlDialect.SqlServer.RequirementsSql, StringComparison.Ordinal);
        Assert.Contains("nested triggers", SqlDialect.SqlServer.RequirementsSql, StringComparison.Ordinal);
        Assert.Contains("snapshot_isolation_state", SqlDialect.SqlServer.RequirementsSql, StringComparison.Ordinal);
        Assert.Null(SqlDialect.Sqlite.RequirementsSql);
    }
}
