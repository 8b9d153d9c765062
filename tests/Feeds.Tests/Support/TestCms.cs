using Dapper;
using Microsoft.Data.Sqlite;

namespace Feeds.Tests.Support;

/// <summary>
/// A CMS's own database in a CMS's own shape, as the reference site keeps it: sections and categories, articles with
/// naive UTC+8 times, a source organisation and a state (1 published, 0 draft, -1 deleted), tags in their own
/// tables, and a change number its triggers move on every write of an article or of its tags. Feeds follows it
/// through <see cref="ChangesQuery"/> (Feeds:Source), read-only.
/// </summary>
public sealed class TestCms : IDisposable
{
    private const string Schema = """
        CREATE TABLE cms_sections (id INTEGER PRIMARY KEY, slug TEXT NOT NULL, name TEXT NOT NULL);
        CREATE TABLE cms_categories (id INTEGER PRIMARY KEY, section_id INTEGER REFERENCES cms_sections (id), slug TEXT NOT NULL, name TEXT NOT NULL);
        CREATE TABLE cms_articles (
            id INTEGER PRIMARY KEY, category_id INTEGER NOT NULL REFERENCES cms_categories (id), title TEXT, intro TEXT, body TEXT,
            writer TEXT, source_org TEXT, publish_time TEXT NOT NULL, modify_time TEXT, state INTEGER NOT NULL DEFAULT 1,
            change_no INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE cms_tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
        CREATE TABLE cms_article_tags (article_id INTEGER NOT NULL, tag_id INTEGER NOT NULL, sort INTEGER NOT NULL, PRIMARY KEY (article_id, tag_id));
        CREATE TABLE cms_change_counter (last INTEGER NOT NULL);
        INSERT INTO cms_change_counter VALUES (0);
        CREATE TRIGGER cms_article_written AFTER INSERT ON cms_articles BEGIN
            UPDATE cms_change_counter SET last = last + 1;
            UPDATE cms_articles SET change_no = (SELECT last FROM cms_change_counter) WHERE id = NEW.id;
        END;
        CREATE TRIGGER cms_article_changed AFTER UPDATE ON cms_articles WHEN NEW.change_no = OLD.change_no BEGIN
            UPDATE cms_change_counter SET last = last + 1;
            UPDATE cms_articles SET change_no = (SELECT last FROM cms_change_counter) WHERE id = NEW.id;
        END;
        CREATE TRIGGER cms_article_tagged AFTER INSERT ON cms_article_tags BEGIN
            UPDATE cms_articles SET modify_time = modify_time WHERE id = NEW.article_id;
        END;
        """;

    /// <summary>The source query a site's engineer writes for this CMS: its columns named as the import's fields.</summary>
    public const string ChangesQuery = """
        SELECT a.id AS id, c.slug AS category, c.name AS categoryName, s.slug AS section, s.name AS sectionName,
               a.title AS title, a.intro AS summary, a.body AS contentHtml, a.writer AS author, a.source_org AS source,
               'https://news.example.com/a/' || a.id || '.html' AS url,
               a.publish_time AS publishedAt, a.modify_time AS updatedAt,
               (SELECT json_group_array(name) FROM (SELECT t.name FROM cms_article_tags x JOIN cms_tags t ON t.id = x.tag_id
                                                    WHERE x.article_id = a.id ORDER BY x.sort)) AS tags,
               CASE a.state WHEN 1 THEN 'published' ELSE 'draft' END AS status,
               a.state = -1 AS deleted,
               a.change_no AS change
        FROM cms_articles a
        JOIN cms_categories c ON c.id = a.category_id
        LEFT JOIN cms_sections s ON s.id = c.section_id
        WHERE a.change_no > @after
        ORDER BY a.change_no
        """;

    private readonly TempFolder _folder = new("feeds-cms-");

    public TestCms()
    {
        Path = System.IO.Path.Combine(_folder.FullName, "cms.db");
        using var connection = Open();
        connection.Execute(Schema);
        connection.Execute("""
            INSERT INTO cms_sections (id, slug, name) VALUES (1, 'news', '資訊中心');
            INSERT INTO cms_categories (id, section_id, slug, name) VALUES (1, 1, 'logistics', '綜合物流'), (2, 1, 'express', '快遞');
            """);
    }

    public string Path { get; }

    /// <summary>Feeds' settings for following this CMS.</summary>
    public Dictionary<string, string?> Settings(int batchSize = 500) => new()
    {
        ["Feeds:Source:Provider"] = "sqlite",
        ["Feeds:Source:ConnectionString"] = $"Data Source={Path};Mode=ReadOnly",
        ["Feeds:Source:ChangesQuery"] = ChangesQuery,
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
            INSERT INTO cms_articles (id, category_id, title, intro, body, writer, source_org, publish_time, modify_time, state)
            VALUES (@id, @category, @title, '摘要', '<p>內文</p>', '記者', '示範物流協會', @publishTime, @publishTime, 1)
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
