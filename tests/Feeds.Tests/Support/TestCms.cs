using Dapper;
using Feeds.Demo;
using Microsoft.Data.Sqlite;

namespace Feeds.Tests.Support;

/// <summary>
/// A CMS's own database in the demo CMS's shape (<see cref="DemoCms"/>: sections and categories, naive UTC+8 times,
/// a state, tags in their own tables, a change number its triggers move), empty but for one section and two
/// categories, for a test to write as the newsroom would. Feeds follows it through DemoCms.ChangesQuery, so an
/// article with CMS id 101 is demo-0101 in the feeds.
/// </summary>
public sealed class TestCms : IDisposable
{
    private readonly TempFolder _folder = new("feeds-cms-");

    public TestCms()
    {
        Path = System.IO.Path.Combine(_folder.FullName, "cms.db");
        using var connection = Open();
        connection.Execute(DemoCms.Schema);
        connection.Execute("""
            INSERT INTO cms_sections (id, slug, name) VALUES (1, 'news', '資訊中心');
            INSERT INTO cms_categories (id, section_id, slug, name) VALUES (1, 1, 'logistics', '綜合物流'), (2, 1, 'express', '快遞');
            """);
    }

    public string Path { get; }

    /// <summary>Feeds' settings for following this CMS.</summary>
    public Dictionary<string, string?> Settings(int batchSize = 500, bool reconcile = false) => new()
    {
        ["Feeds:Source:RowsQuery"] = reconcile ? DemoCms.RowsQuery : "",
        ["Feeds:Source:ReconcilePageSize"] = "2",
        ["Feeds:Source:ReconcileInterval"] = "00:00:01",
        ["Feeds:Source:Provider"] = "sqlite",
        ["Feeds:Source:ConnectionString"] = $"Data Source={Path};Mode=ReadOnly",
        ["Feeds:Source:ChangesQuery"] = DemoCms.ChangesQuery,
        ["Feeds:Source:BatchSize"] = batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        // The tests follow by calling FollowOnceAsync; the background loop waits longer than any test.
        ["Feeds:Source:PollInterval"] = "01:00:00",
    };

    public void Execute(string sql, object? parameters = null)
    {
        using var connection = Open();
        connection.Execute(sql, parameters);
    }

    /// <summary>An article as the CMS's editor saves it: publish time naive, in China time.</summary>
    public void Publish(long id, string title, string publishTime = "2026-11-27 10:05:39", long category = 1, params string[] tags)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        connection.Execute("""
            INSERT INTO cms_articles (id, category_id, title, intro, body, writer, source_org, path, publish_time, modify_time, state)
            VALUES (@id, @category, @title, '摘要', '<p>內文</p>', '記者', '示範物流協會', '/a/' || @id || '.html', @publishTime, @publishTime, 1)
            """, new { id, category, title, publishTime }, transaction);
        for (var i = 0; i < tags.Length; i++)
        {
            connection.Execute("INSERT OR IGNORE INTO cms_tags (name) VALUES (@name)", new { name = tags[i] }, transaction);
            connection.Execute("INSERT INTO cms_article_tags (article_id, tag_id, sort) SELECT @id, id, @i FROM cms_tags WHERE name = @name",
                new { id, i, name = tags[i] }, transaction);
        }
        transaction.Commit();
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection($"Data Source={Path};Pooling=False");
        connection.Open();
        return connection;
    }

    public void Dispose() => _folder.Dispose();
}
