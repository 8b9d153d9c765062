using System.Globalization;
using Dapper;
using Feeds.Content;
using Feeds.Data;
using Microsoft.Data.Sqlite;

namespace Feeds.Demo;

/// <summary>
/// The demo's CMS: a small SQLite database in a CMS's own shape, beside a new embedded database of Feeds'
/// (data/demo-cms.db), holding the demo articles (<see cref="DemoArticles"/>) as the reference site's CMS keeps
/// them: sections and categories, naive China times, a source organisation, a state (1 published, 0 draft, -1
/// deleted), tags in their own tables, and a change number its triggers move on every write. Feeds follows it
/// through <see cref="ChangesQuery"/>, as it would follow a real CMS (README "Following the CMS"), so an edit
/// made to it with sqlite3 shows in the feeds within seconds.
/// </summary>
public static class DemoCms
{
    public const string FileName = "demo-cms.db";

    public const string Schema = """
        CREATE TABLE cms_sections (id INTEGER PRIMARY KEY, slug TEXT NOT NULL, name TEXT NOT NULL);
        CREATE TABLE cms_categories (id INTEGER PRIMARY KEY, section_id INTEGER REFERENCES cms_sections (id), slug TEXT NOT NULL, name TEXT NOT NULL);
        CREATE TABLE cms_articles (
            id           INTEGER PRIMARY KEY,
            category_id  INTEGER NOT NULL REFERENCES cms_categories (id),
            title        TEXT,
            intro        TEXT,
            body         TEXT,
            writer       TEXT,
            source_org   TEXT,
            path         TEXT NOT NULL,     -- the article page, on the site
            cover        TEXT,              -- the lead image, on the site or elsewhere
            publish_time TEXT NOT NULL,     -- China time, without offset
            modify_time  TEXT,
            state        INTEGER NOT NULL DEFAULT 1,
            change_no    INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE cms_tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
        CREATE TABLE cms_article_tags (article_id INTEGER NOT NULL, tag_id INTEGER NOT NULL, sort INTEGER NOT NULL, PRIMARY KEY (article_id, tag_id));
        CREATE TABLE cms_change_counter (last INTEGER NOT NULL);
        INSERT INTO cms_change_counter VALUES (0);
        CREATE INDEX ix_cms_articles_change ON cms_articles (change_no);
        -- Every write of an article, or of its tags, gives it the next change number.
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
        CREATE TRIGGER cms_article_untagged AFTER DELETE ON cms_article_tags BEGIN
            UPDATE cms_articles SET modify_time = modify_time WHERE id = OLD.article_id;
        END;
        """;

    /// <summary>The columns a site's engineer selects from this CMS: named as the import's fields.</summary>
    private const string Rows = """
        SELECT 'demo-' || printf('%04d', a.id) AS id,
               c.slug AS category, c.name AS categoryName, s.slug AS section, s.name AS sectionName,
               a.title AS title, a.intro AS summary, a.body AS contentHtml, a.writer AS author, a.source_org AS source,
               'https://news.example.com' || a.path AS url,
               CASE WHEN a.cover LIKE '/%' THEN 'https://news.example.com' || a.cover ELSE a.cover END AS imageUrl,
               a.publish_time AS publishedAt, a.modify_time AS updatedAt,
               (SELECT json_group_array(name) FROM (SELECT t.name FROM cms_article_tags x JOIN cms_tags t ON t.id = x.tag_id
                                                    WHERE x.article_id = a.id ORDER BY x.sort)) AS tags,
               CASE a.state WHEN 1 THEN 'published' ELSE 'draft' END AS status,
               a.state = -1 AS deleted,
               a.change_no AS change
        FROM cms_articles a
        JOIN cms_categories c ON c.id = a.category_id
        LEFT JOIN cms_sections s ON s.id = c.section_id

        """;

    /// <summary>The rows changed after the cursor, in the order of their change (Feeds:Source:ChangesQuery).</summary>
    public const string ChangesQuery = Rows + """
        WHERE a.change_no > @after
        ORDER BY a.change_no
        """;

    /// <summary>The rows of some of Feeds' article ids, for the reconciliation walk (Feeds:Source:RowsQuery).</summary>
    public const string RowsQuery = Rows + """
        WHERE a.id IN (SELECT CAST(substr(value, 6) AS INTEGER) FROM json_each(@ids))
        """;

    /// <summary>Feeds' source settings for following the CMS at <paramref name="path"/>, read-only.</summary>
    public static SourceOptions Source(string path) => new()
    {
        Provider = SqlDialect.Sqlite.Name,
        ConnectionString = $"Data Source={path};Mode=ReadOnly",
        ChangesQuery = ChangesQuery,
        RowsQuery = RowsQuery,
    };

    /// <summary>Where the demo CMS of an embedded database lives: beside its file. Null for any other database.</summary>
    public static string? PathBeside(DatabaseOptions database)
    {
        if (!string.Equals(database.Provider, SqlDialect.Sqlite.Name, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var file = new SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
        return file is "" or ":memory:" || file.StartsWith("file:", StringComparison.Ordinal)
            ? null
            : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, FileName);
    }

    /// <summary>Creates the demo CMS at <paramref name="path"/> with the demo articles, their times as the CMS keeps them.</summary>
    public static async Task CreateAsync(string path, DateTime nowUtc, SiteTime siteTime, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(Schema, transaction: transaction);
        var sections = new Dictionary<string, long>();
        var categories = new Dictionary<string, long>();
        var tags = new Dictionary<string, long>();
        foreach (var article in DemoArticles.Create(nowUtc, siteTime))
        {
            var section = await IdOfAsync(sections, article.SectionSlug!, () => connection.ExecuteScalarAsync<long>(
                "INSERT INTO cms_sections (slug, name) VALUES (@slug, @name) RETURNING id", new { slug = article.SectionSlug, name = article.SectionName }, transaction));
            var category = await IdOfAsync(categories, article.CategorySlug, () => connection.ExecuteScalarAsync<long>(
                "INSERT INTO cms_categories (section_id, slug, name) VALUES (@section, @slug, @name) RETURNING id", new { section, slug = article.CategorySlug, name = article.CategoryName }, transaction));
            await connection.ExecuteAsync("""
                INSERT INTO cms_articles (id, category_id, title, intro, body, writer, source_org, path, cover, publish_time, modify_time, state)
                VALUES (@id, @category, @title, @intro, @body, @writer, @source, @path, @cover, @published, @modified, @state)
                """, new
            {
                id = int.Parse(article.ExternalId["demo-".Length..], CultureInfo.InvariantCulture),
                category,
                title = article.Title,
                intro = article.Summary,
                body = article.ContentHtml,
                writer = article.Author,
                source = article.Source,
                path = new Uri(article.Url).AbsolutePath,
                cover = article.ImageUrl,
                published = Local(article.PublishedAt, siteTime),
                modified = article.UpdatedAt is { } updated ? Local(updated, siteTime) : null,
                state = article.IsPublished ? 1 : 0,
            }, transaction);
            for (var i = 0; i < article.Tags.Count; i++)
            {
                var name = article.Tags[i];
                var tag = await IdOfAsync(tags, name, () => connection.ExecuteScalarAsync<long>(
                    "INSERT INTO cms_tags (name) VALUES (@name) RETURNING id", new { name }, transaction));
                await connection.ExecuteAsync("INSERT INTO cms_article_tags (article_id, tag_id, sort) VALUES (@article, @tag, @i)",
                    new { article = int.Parse(article.ExternalId["demo-".Length..], CultureInfo.InvariantCulture), tag, i }, transaction);
            }
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>A UTC time as the CMS writes it: the site's wall clock, to the second, without offset.</summary>
    private static string Local(DateTime utc, SiteTime siteTime) =>
        TimeZoneInfo.ConvertTimeFromUtc(utc, siteTime.Zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static async Task<long> IdOfAsync(Dictionary<string, long> known, string key, Func<Task<long>> insert)
    {
        if (!known.TryGetValue(key, out var id))
        {
            known[key] = id = await insert();
        }
        return id;
    }
}
