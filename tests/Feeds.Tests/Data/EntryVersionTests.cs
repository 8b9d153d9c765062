using System.Data.Common;

namespace Feeds.Tests.Data;

/// <summary>
/// An article's entry version (sql/*/0006_entry_versions.sql) moves with every change its entry shows, and its
/// text version (0007) with every change of the texts its content is cleaned from and with nothing else, written
/// by any writer (here, hand-typed SQL as a CMS would send it), so that a render may keep an entry's bytes while
/// its version stays; and a render reads the bodies of the entries it has not written before and whose article's
/// texts it does not keep at that text version, and no others.
/// </summary>
public sealed class EntryVersionTests : FeedsTest
{
    [Theory, MemberData(nameof(Providers))]
    public async Task EveryChangeAnEntryShows_MovesTheVersionsOfExactlyItsArticles(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await Articles.WriteAsync(db.Database,
            Articles.Sample("a-1") with { Tags = ["港口", "物流"] },
            Articles.Sample("a-2") with { Tags = ["港口"] },
            Articles.Sample("b-1", category: "express") with { Tags = ["快遞"] });
        await using var connection = await db.Database.OpenAsync(Cancel);
        var tagOf = async (string name) => await connection.ExecuteScalarAsync<long>("SELECT id FROM tags WHERE name = @name", new { name });
        var articleOf = async (string externalId) => await connection.ExecuteScalarAsync<long>("SELECT id FROM articles WHERE external_id = @externalId", new { externalId });
        string Appended(string column) => provider == "sqlserver" ? $"CONCAT({column}, N'x')" : $"COALESCE({column}, '') || 'x'";

        (string Change, string Sql, object? Parameters, string[] Moved, string[] TextsMoved)[] steps =
        [
            ("a title", $"UPDATE articles SET title = {Appended("title")} WHERE external_id = 'a-1'", null, ["a-1"], ["a-1"]),
            ("a tag added", "INSERT INTO article_tags (article_id, tag_id, position) VALUES (@article, @tag, 5)",
                new { article = await articleOf("a-2"), tag = await tagOf("物流") }, ["a-2"], []),
            ("the tags reordered", "UPDATE article_tags SET position = position + 10 WHERE article_id = @article",
                new { article = await articleOf("a-1") }, ["a-1"], []),
            ("a tag removed", "DELETE FROM article_tags WHERE article_id = @article AND tag_id = @tag",
                new { article = await articleOf("a-1"), tag = await tagOf("物流") }, ["a-1"], []),
            ("a tag renamed", "UPDATE tags SET name = @name WHERE name = @old", new { name = "港口區", old = "港口" }, ["a-1", "a-2"], []),
            ("a category renamed (part of the entry's key, not its version)", "UPDATE categories SET name = @name WHERE slug = 'logistics'", new { name = "物流新聞" }, [], []),
            ("the publish state", "UPDATE articles SET is_published = 0 WHERE external_id = 'b-1'", null, ["b-1"], []),
            ("an article moved to another category", "UPDATE articles SET category_id = (SELECT id FROM categories WHERE slug = 'logistics') WHERE external_id = 'b-1'", null, ["b-1"], []),
            ("a body", $"UPDATE articles SET content_html = {Appended("content_html")} WHERE external_id = 'a-2'", null, ["a-2"], ["a-2"]),
            ("a source and an image", $"UPDATE articles SET source = {Appended("source")}, image_url = {Appended("image_url")} WHERE external_id = 'b-1'", null, ["b-1"], ["b-1"]),
        ];
        foreach (var (change, sql, parameters, moved, textsMoved) in steps)
        {
            var before = await VersionsAsync(connection, provider);
            await connection.ExecuteAsync(sql, parameters);
            var after = await VersionsAsync(connection, provider);

            var changed = after.Where(pair => pair.Value.Version != before[pair.Key].Version).Select(pair => pair.Key).Order().ToArray();
            Assert.True(moved.SequenceEqual(changed), $"{change}: moved [{string.Join(", ", changed)}], expected [{string.Join(", ", moved)}]");
            Assert.All(changed, id => Assert.True(after[id].Version > before.Values.Max(v => v.Version), $"{change}: {id} got a version given before"));
            var textsChanged = after.Where(pair => pair.Value.TextVersion != before[pair.Key].TextVersion).Select(pair => pair.Key).Order().ToArray();
            Assert.True(textsMoved.SequenceEqual(textsChanged), $"{change}: texts moved [{string.Join(", ", textsChanged)}], expected [{string.Join(", ", textsMoved)}]");
            Assert.All(after.Values, v => Assert.NotNull(v.TextVersion));
        }
    }

    [Fact]
    public async Task AnUpdateThatChangesNothing_KeepsTheVersion_AndAReusedIdGetsANewOne()
    {
        // SQLite only: SQL Server's rowversion moves on every UPDATE of the row, which costs a render, never a wrong entry.
        await using var db = await TestDatabase.CreateAsync("sqlite");
        await Articles.WriteAsync(db.Database, Articles.Sample("a-1"), Articles.Sample("a-2"));
        await using var connection = await db.Database.OpenAsync(Cancel);
        var before = await VersionsAsync(connection, "sqlite");

        await connection.ExecuteAsync("UPDATE articles SET title = title, is_published = is_published");
        Assert.Equal(before, await VersionsAsync(connection, "sqlite"));

        // SQLite hands out the id of a deleted newest row again: the new article must not meet the old one's versions.
        const string VersionsOf = "SELECT a.id, v.version, v.text_version FROM articles a JOIN entry_versions v ON v.article_id = a.id WHERE a.external_id = @externalId";
        var (id, version, textVersion) = await connection.QuerySingleAsync<(long, long, long)>(VersionsOf, new { externalId = "a-2" });
        await connection.ExecuteAsync("DELETE FROM articles WHERE id = @id", new { id });
        await Articles.WriteAsync(db.Database, Articles.Sample("a-3"));
        var (newId, newVersion, newTextVersion) = await connection.QuerySingleAsync<(long, long, long)>(VersionsOf, new { externalId = "a-3" });
        Assert.Equal(id, newId);
        Assert.True(newVersion > version, $"version {newVersion} after {version}");
        Assert.True(newTextVersion > textVersion, $"text version {newTextVersion} after {textVersion}");
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ARender_WritesOnlyTheEntriesItHasNotWrittenBefore_AndShowsEveryChange(string provider)
    {
        var articles = Enumerable.Range(1, 12).Select(i => Articles.Sample($"a-{i}", publishedAt: TestClock.Start.UtcDateTime.AddMinutes(-i)) with { Tags = i <= 2 ? ["供應鏈"] : ["港口"] }).ToArray();
        await using var site = await TestSite.StartAsync(provider, articles);
        var (db, app, client) = site;
        var entries = app.Services.GetRequiredService<EntryCache>();
        var store = app.Services.GetRequiredService<ArticleStore>();

        var written = entries.Misses;
        var bodiesRead = store.BodiesRead;
        var full = await client.GetStringAsync("/feeds/logistics.rss", Cancel);
        Assert.Equal(12, entries.Misses - written);
        Assert.Equal(12, store.BodiesRead - bodiesRead);

        // Other documents listing the same articles in the same format write nothing new.
        written = entries.Misses;
        var five = await client.GetStringAsync("/feeds/logistics.rss?limit=5", Cancel);
        await client.GetStringAsync("/feeds/news.rss", Cancel);
        Assert.Equal(0, entries.Misses - written);
        Assert.Contains(Items(five)[4], full, StringComparison.Ordinal);

        // A renamed tag, typed by hand: only the entries that list it are written again, and they show the new name,
        // from their texts kept (their text versions stayed) and their tags read anew, without reading a body.
        await using (var connection = await db.Database.OpenAsync(Cancel))
        {
            await connection.ExecuteAsync("UPDATE tags SET name = @name WHERE name = @old", new { name = "港埠", old = "港口" });
        }
        await app.RefreshAsync();
        written = entries.Misses;
        bodiesRead = store.BodiesRead;
        var textsKept = entries.TextsKept;
        var renamed = await client.GetStringAsync("/feeds/logistics.rss", Cancel);
        Assert.Equal(10, entries.Misses - written);
        Assert.Equal(0, store.BodiesRead - bodiesRead);
        Assert.Equal(10, entries.TextsKept - textsKept);
        Assert.Equal(10, Items(renamed).Count(item => item.Contains("<category>港埠</category>", StringComparison.Ordinal)));
        Assert.DoesNotContain("<category>港口</category>", renamed, StringComparison.Ordinal);

        // A renamed category is part of every entry of it: written again with the new name, from the contents
        // kept (the articles' versions stayed), without reading a body.
        await using (var connection = await db.Database.OpenAsync(Cancel))
        {
            await connection.ExecuteAsync("UPDATE categories SET name = @name WHERE slug = 'logistics'", new { name = "物流要聞" });
        }
        await app.RefreshAsync();
        written = entries.Misses;
        bodiesRead = store.BodiesRead;
        var keptContents = entries.ContentsKept;
        var recategorised = await client.GetStringAsync("/feeds/logistics.rss?limit=5", Cancel);
        Assert.Equal(5, entries.Misses - written);
        Assert.Equal(0, store.BodiesRead - bodiesRead);
        Assert.Equal(5, entries.ContentsKept - keptContents);
        Assert.All(Items(recategorised), item => Assert.Contains("<category>物流要聞</category>", item, StringComparison.Ordinal));

        // A title edited by hand with a tag added: that article's body alone is read, and its entry shows both.
        await using (var connection = await db.Database.OpenAsync(Cancel))
        {
            await connection.ExecuteAsync(provider == "sqlserver"
                ? "UPDATE articles SET title = N'更正：港區新聞' WHERE external_id = 'a-3'"
                : "UPDATE articles SET title = '更正：港區新聞' WHERE external_id = 'a-3'");
            await connection.ExecuteAsync("UPDATE tags SET name = @name WHERE name = @old", new { name = "供應鏈管理", old = "供應鏈" });
        }
        await app.RefreshAsync();
        written = entries.Misses;
        bodiesRead = store.BodiesRead;
        var edited = Items(await client.GetStringAsync("/feeds/logistics.rss?limit=5", Cancel));
        Assert.Equal(3, entries.Misses - written);
        Assert.Equal(1, store.BodiesRead - bodiesRead);
        Assert.Contains("<title>更正：港區新聞</title>", edited[2], StringComparison.Ordinal);
        Assert.All(edited[..2], item => Assert.Contains("<category>供應鏈管理</category>", item, StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task AFormatsFirstRender_WritesItsEntriesFromTheContentsAnotherFormatRead_AsIfItReadTheBodies(string provider)
    {
        var articles = Enumerable.Range(1, 8).Select(i => Articles.Sample($"a-{i}", publishedAt: TestClock.Start.UtcDateTime.AddMinutes(-i)) with { Tags = ["港口", $"標籤{i}"] }).ToArray();
        await using var site = await TestSite.StartAsync(provider, articles);
        var (_, app, client) = site;
        var entries = app.Services.GetRequiredService<EntryCache>();
        var store = app.Services.GetRequiredService<ArticleStore>();
        await client.GetStringAsync("/feeds/logistics.rss", Cancel);

        var bodiesRead = store.BodiesRead;
        var fromContents = new Dictionary<string, string>();
        foreach (var format in new[] { "atom", "json" })
        {
            fromContents[format] = await client.GetStringAsync($"/feeds/logistics.{format}", Cancel);
        }
        Assert.Equal(0, store.BodiesRead - bodiesRead);

        // The same documents from an instance that read every body for them.
        await using var other = await TestSite.StartAsync(provider, articles);
        foreach (var (format, document) in fromContents)
        {
            Assert.Equal(await other.Client.GetStringAsync($"/feeds/logistics.{format}", Cancel), document);
        }
    }

    /// <summary>Each item's XML as served, byte for byte.</summary>
    private static string[] Items(string rss) =>
        [.. System.Text.RegularExpressions.Regex.Matches(rss, "<item>.*?</item>", System.Text.RegularExpressions.RegexOptions.Singleline).Select(match => match.Value)];

    private static async Task<Dictionary<string, (long Version, long? TextVersion)>> VersionsAsync(DbConnection connection, string provider) =>
        (await connection.QueryAsync<(string, long, long?)>(provider == "sqlserver"
            ? "SELECT external_id, CAST(version AS bigint), text_version FROM articles"
            : "SELECT a.external_id, v.version, v.text_version FROM articles a JOIN entry_versions v ON v.article_id = a.id"))
        .ToDictionary(row => row.Item1, row => (row.Item2, row.Item3));
}
