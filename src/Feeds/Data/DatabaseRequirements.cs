namespace Feeds.Data;

/// <summary>
/// What a SQL Server must offer Feeds, as <see cref="SqlDialect.RequirementsSql"/> reads it: checked by migrate,
/// import and the server at start, which refuse with one line naming what is wrong instead of failing later (a
/// database at compatibility level 120 would migrate, report healthy, then fail every render that reads a body).
/// </summary>
public sealed record DatabaseRequirements(int CompatibilityLevel, string ProductVersion, int EngineEdition, int? NestedTriggers, int SnapshotIsolation)
{
    /// <summary>Azure SQL Database and Azure SQL Managed Instance: always current, whatever ProductVersion says.</summary>
    private bool IsAzure => EngineEdition is 5 or 8;

    public IReadOnlyList<string> Unmet()
    {
        var unmet = new List<string>();
        if (CompatibilityLevel < 130)
        {
            unmet.Add($"the database's compatibility level is {CompatibilityLevel}, and Feeds needs 130 or higher (OPENJSON): ALTER DATABASE CURRENT SET COMPATIBILITY_LEVEL = 130");
        }
        if (!IsAzure && Version.TryParse(ProductVersion, out var version) && version < new Version(13, 0, 4001))
        {
            unmet.Add($"SQL Server {ProductVersion} is older than 2016 SP1 (13.0.4001), which Feeds' scripts need (CREATE OR ALTER)");
        }
        if (NestedTriggers == 0)
        {
            unmet.Add("the server option 'nested triggers' is 0, so changes never reach Feeds' change mark: EXEC sp_configure 'nested triggers', 1; RECONFIGURE");
        }
        if (SnapshotIsolation != 1)
        {
            // 0 OFF, 3 still turning on (it waits for older transactions): renders and polls would fail with Msg 3952.
            unmet.Add("ALLOW_SNAPSHOT_ISOLATION is not ON, and every render and poll reads one snapshot: run Feeds migrate, or ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON");
        }
        return unmet;
    }
}

/// <summary>The database cannot run Feeds; the message names every reason, in one line.</summary>
public sealed class DatabaseRequirementsException(IReadOnlyList<string> unmet)
    : Exception($"the database cannot run Feeds: {string.Join("; ", unmet)}.");
