using System.Runtime.CompilerServices;
using Feeds.Data;

namespace Feeds.Tests.Support;

internal static class SqliteFirst
{
    /// <summary>
    /// As in the app, where every SQLite connection is made by the dialect: its process settings go in before any
    /// connection of the test process (some tests open a file with Microsoft.Data.Sqlite themselves, and SQLite
    /// refuses the settings once it has started, in whatever order the tests run).
    /// </summary>
    [ModuleInitializer]
    internal static void ApplySqliteProcessSettings() => RuntimeHelpers.RunClassConstructor(typeof(SqliteDialect).TypeHandle);
}
