using Feeds.Data;

namespace Feeds.Tests.Support;

/// <summary>
/// How most HTTP tests begin: a test database holding the given articles, the real server over it, and a raw
/// client (no redirects followed, nothing decompressed). <c>var (db, app, client) = site;</c> names the parts.
/// </summary>
public sealed class TestSite : IAsyncDisposable
{
    private TestSite(TestDatabase database, FeedsApp app)
    {
        Database = database;
        App = app;
        Client = app.CreateRawClient();
    }

    public TestDatabase Database { get; }

    public FeedsApp App { get; }

    public HttpClient Client { get; }

    public static Task<TestSite> StartAsync(string provider, params ArticleInput[] articles) => StartAsync(provider, settings: null, articles);

    public static async Task<TestSite> StartAsync(string provider, IDictionary<string, string?>? settings, params ArticleInput[] articles)
    {
        var database = await TestDatabase.CreateAsync(provider);
        try
        {
            await Articles.WriteAsync(database.Database, articles);
            return new TestSite(database, new FeedsApp(database, settings: settings));
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    public void Deconstruct(out TestDatabase database, out FeedsApp app, out HttpClient client) =>
        (database, app, client) = (Database, App, Client);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync();
        await Database.DisposeAsync();
    }
}
