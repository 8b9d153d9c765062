using Feeds.Source;

namespace Feeds.Tests.Source;

/// <summary>Feeds' own tables in the CMS's database are told, whatever the spelling of the connection strings.</summary>
public sealed class SourceDatabaseTests : FeedsTest
{
    [Theory]
    [InlineData("sqlite", "Data Source=data/feeds.db", "sqlite", "Data Source=./data/../data/feeds.db;Mode=ReadOnly", true)]
    [InlineData("sqlite", "Data Source=data/feeds.db", "sqlite", "Data Source=data/demo-cms.db;Mode=ReadOnly", false)]
    [InlineData("sqlserver", "Server=db1;Database=Cms;User Id=feeds_import", "sqlserver", "Data Source=DB1;Initial Catalog=cms;User Id=feeds_read", true)]
    [InlineData("sqlserver", "Server=db1;Database=Feeds", "sqlserver", "Server=db1;Database=Cms", false)]
    [InlineData("sqlite", "Data Source=data/feeds.db", "postgresql", "Host=db1;Database=cms", false)]
    [InlineData("sqlite", "Data Source=data/feeds.db", "", "", false)]
    public void FeedsOwnTablesInTheCmsDatabase_AreTold(string feedsProvider, string feeds, string sourceProvider, string source, bool same)
    {
        var database = new DatabaseOptions { Provider = feedsProvider, ConnectionString = feeds };
        var followed = new SourceOptions { Provider = sourceProvider, ConnectionString = source };

        Assert.Equal(same, SourceDatabase.IsTheCmsDatabase(database, followed));
    }
}
