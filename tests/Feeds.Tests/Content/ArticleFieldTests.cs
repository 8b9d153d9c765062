using System.Reflection;

namespace Feeds.Tests.Content;

/// <summary>
/// Every field of an article, found by reflection and by reading the schema, reaches every place that decides
/// whether something changed: the writer's comparison, the triggers that move feed versions, the cleaned-article
/// fingerprint, the entry-fragment equality. A field added to the article's shape or to the table and missed in
/// one of them fails here, instead of Feeds serving the stale rendering.
/// </summary>
public sealed class ArticleFieldTests : FeedsTest
{
    /// <summary>Fields that are how the article is found, not what it says.</summary>
    private static readonly string[] Identity = ["ExternalId", "Id"];

    [Theory, MemberData(nameof(Providers))]
    public async Task EveryImportedField_EditedAlone_IsAnUpdate_AndMovesItsFeeds(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var original = Articles.Sample("a-1") with { ImageUrl = "https://news.example.com/i.jpg", UpdatedAt = TestClock.Start.UtcDateTime.AddMinutes(-10) };
        await Articles.WriteAsync(db.Database, original);
        var fields = typeof(ArticleInput).GetProperties().Where(p => !Identity.Contains(p.Name)).ToList();

        Assert.True(fields.Count >= 15, $"only {fields.Count} fields of ArticleInput");
        foreach (var field in fields)
        {
            var before = await db.VersionSumsAsync();
            var edited = With(original, field);
            var outcome = await UpsertAsync(db, edited);
            // The same again is no change: the writer read back every field it compares (a field missing from its
            // SELECT would count every re-import as an update, and a value the CMS cleared would stay stored).
            var again = await UpsertAsync(db, edited);
            // A category's or section's own fields change the category, not the article; its feeds move all the same.
            Assert.True(outcome == UpsertOutcome.Updated || field.Name is "CategoryName" or "SectionName" or "SectionSlug", $"{field.Name}: {outcome}");
            Assert.True(again == UpsertOutcome.Unchanged, $"{field.Name}: written again, {again}");
            // Category and tag feeds apart: each shows the article, so each must move; a sum would let one hide the other.
            var after = await db.VersionSumsAsync();
            Assert.True(after.Category > before.Category, $"{field.Name}: no category version moved");
            // A tag feed's entries name their category, not its section: a section's own fields leave them as they are.
            Assert.True(after.Tag > before.Tag || field.Name is "SectionName" or "SectionSlug", $"{field.Name}: no tag version moved");
            // Back to the original, so that each field is edited alone.
            await Articles.WriteAsync(db.Database, original);
        }
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task EveryColumnOfArticles_UpdatedByAnotherWriter_MovesItsFeedsAndItsEntryVersion_AndItsTextVersionIfCleaned(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await Articles.WriteAsync(db.Database,
            Articles.Sample("a-1") with { ImageUrl = "https://news.example.com/i.jpg", Tags = ["港口"] },
            Articles.Sample("other", category: "express"));
        await using var connection = await db.Database.OpenAsync(Cancel);
        var id = await connection.ExecuteScalarAsync<long>("SELECT id FROM articles WHERE external_id = 'a-1'");
        var columns = (await connection.QueryAsync<(string Name, string Type)>(provider == "sqlserver"
            ? "SELECT COLUMN_NAME, DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'articles'"
            : "SELECT name, type FROM pragma_table_info('articles')"))
            // The versions are the schema's own record of these edits (0006, 0007), not something an article says.
            .Where(column => column.Name is not ("id" or "version" or "text_version")).ToList();
        // The columns the cleaned content is made from: the fingerprinted fields (ArticleFields.Texts), snake_cased.
        var cleaned = typeof(ArticleRow).GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(field => field.PropertyType == typeof(string))
            .Select(field => System.Text.RegularExpressions.Regex.Replace(field.Name, "(?<=[a-z])([A-Z])", "_$1").ToLowerInvariant())
            .ToHashSet();

        Assert.True(columns.Count >= 12, $"only {columns.Count} columns");
        Assert.Equal(ArticleFields.Texts.Count, cleaned.Count);
        Assert.Contains("content_html", cleaned);
        var entryVersionSql = provider == "sqlserver" ? "SELECT CAST(version AS bigint) FROM articles WHERE id = @id" : "SELECT version FROM entry_versions WHERE article_id = @id";
        var textVersionSql = provider == "sqlserver" ? "SELECT text_version FROM articles WHERE id = @id" : "SELECT text_version FROM entry_versions WHERE article_id = @id";
        foreach (var (name, type) in columns)
        {
            var before = await db.VersionSumsAsync();
            var entryBefore = await connection.ExecuteScalarAsync<long>(entryVersionSql, new { id });
            var textBefore = await connection.ExecuteScalarAsync<long?>(textVersionSql, new { id });
            // As the CMS or a hand-typed UPDATE would: this column alone, to a new value of its type.
            var change = name switch
            {
                "category_id" => "category_id = (SELECT id FROM categories WHERE slug = 'express')",
                "is_published" => "is_published = 1 - is_published",
                "published_at" or "updated_at" => provider == "sqlserver"
                    ? $"{name} = DATEADD(minute, -1, {name})"
                    : $"{name} = strftime('%Y-%m-%dT%H:%M:%S.0000000Z', {name}, '-1 minute')",
                _ when type is "int" or "bigint" or "INTEGER" => throw new InvalidOperationException($"articles.{name}: a number column this test does not know how to change"),
                _ => provider == "sqlserver" ? $"{name} = CONCAT({name}, N'x')" : $"{name} = COALESCE({name}, '') || 'x'",
            };
            await connection.ExecuteAsync($"UPDATE articles SET {change} WHERE id = @id", new { id });
            var after = await db.VersionSumsAsync();
            Assert.True(after.Category > before.Category, $"articles.{name}: no category version moved");
            Assert.True(after.Tag > before.Tag, $"articles.{name}: no tag version moved");
            Assert.True(await connection.ExecuteScalarAsync<long>(entryVersionSql, new { id }) > entryBefore, $"articles.{name}: the entry version did not move");
            var textAfter = await connection.ExecuteScalarAsync<long?>(textVersionSql, new { id });
            Assert.NotNull(textAfter);
            Assert.True(cleaned.Contains(name) == (textAfter != textBefore), $"articles.{name}: the text version {(cleaned.Contains(name) ? "did not move" : "moved")}");
        }
    }

    [Fact]
    public void EveryTextFieldThatIsCleaned_IsPartOfTheCleanedArticlesFingerprint()
    {
        // Fields the cleaning does not read: they reach the feed without it (dates, state) or identify the article
        // and its version.
        string[] notCleaned = ["Id", "ExternalId", "CategoryId", "PublishedAt", "UpdatedAt", "IsPublished", "Version", "TextVersion"];
        var cache = new CleanArticleCache();
        var builder = new FeedBuilder(Options.Create(new FeedsOptions()), SiteTime.Create("Asia/Shanghai"), new ArticleHtml(), cache);
        var article = Row();
        var fields = typeof(ArticleRow).GetProperties().Where(p => !notCleaned.Contains(p.Name)).ToList();
        Build(builder, article);

        Assert.Contains(fields, field => field.Name == "ContentHtml");
        foreach (var field in fields)
        {
            Build(builder, article);
            var misses = cache.Misses;
            Build(builder, WithProperty(article, field));
            Assert.True(cache.Misses == misses + 1, $"ArticleRow.{field.Name}: an edit of it alone was not cleaned anew");
        }
    }

    [Fact]
    public void EveryFieldOfAnEntry_ChangedAlone_ChangesWhatAFormatWrites()
    {
        var entry = new FeedEntry("tag:news.example.com,2026:article:fields", "標題", new Uri("https://news.example.com/a.html"),
            new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.FromHours(8)), new DateTimeOffset(2026, 11, 28, 13, 0, 0, TimeSpan.FromHours(8)),
            ["林雅婷"], ["物流"], "摘要", "<p>內文</p>", new FeedImage(new Uri("https://news.example.com/i.jpg"), "image/jpeg"));
        var fields = typeof(FeedEntry).GetProperties().Where(p => p.CanWrite && p.Name != "Id").ToList();

        Assert.True(fields.Count >= 9, $"only {fields.Count} fields of FeedEntry");
        foreach (var field in fields)
        {
            var changed = WithProperty(entry, field);
            // Every field reaches Atom, but the names' pages, which only JSON Feed and the page for people show.
            var before = string.Concat(FeedFormat.All.Append(FeedFormat.HtmlPreview).Select(format => FeedXml.Text(format.WriteParts(Document(entry)).ToArray())));
            var after = string.Concat(FeedFormat.All.Append(FeedFormat.HtmlPreview).Select(format => FeedXml.Text(format.WriteParts(Document(changed)).ToArray())));
            Assert.True(before != after, $"FeedEntry.{field.Name}: a change of it alone does not reach what any format writes");
        }
    }

    private static async Task<UpsertOutcome> UpsertAsync(TestDatabase db, ArticleInput article)
    {
        await using var writer = await ArticleWriter.BeginAsync(db.Database, new TestClock(), Cancel);
        var outcome = await writer.UpsertAsync(article, Cancel);
        await writer.CommitAsync(Cancel);
        return outcome;
    }

    private static ArticleInput With(ArticleInput input, PropertyInfo field) => field.Name switch
    {
        // A new category (and section) name is a change of the category, which moves its feed too.
        "CategorySlug" => input with { CategorySlug = "express" },
        "SectionSlug" => input with { SectionSlug = "industry" },
        _ => WithProperty(input, field),
    };

    /// <summary>A copy of a record with one property set to a different value of its type.</summary>
    private static T WithProperty<T>(T record, PropertyInfo field) where T : class
    {
        var clone = (T)typeof(object).GetMethod("MemberwiseClone", BindingFlags.Instance | BindingFlags.NonPublic)!.Invoke(record, null)!;
        var value = field.GetValue(record);
        object? changed = value switch
        {
            string text => text + "x",
            null when field.PropertyType == typeof(string) => "x",
            DateTime time => time.AddMinutes(1),
            null when field.PropertyType == typeof(DateTime?) => TestClock.Start.UtcDateTime.AddMinutes(5),
            DateTimeOffset time => time.AddMinutes(1),
            bool flag => !flag,
            long number => number + 1,
            Uri uri => new Uri(uri.AbsoluteUri + "x"),
            FeedImage image => image with { Url = new Uri(image.Url.AbsoluteUri + "x") },
            IReadOnlyList<string> list => list.Append("x").ToArray(),
            IReadOnlyList<EntryName> names => names.Append(new EntryName("x", new Uri("https://news.example.com/feeds/authors/x"))).ToArray(),
            _ => throw new InvalidOperationException($"{typeof(T).Name}.{field.Name}: a type this test does not know how to change"),
        };
        field.SetValue(clone, changed);
        return clone;
    }

    /// <summary>
    /// Every text of an article (the fields its cleaned content is made from) changes what some format writes when
    /// it changes alone: a field stored and fingerprinted but never shown is a field forgotten in Content/FeedBuilder.
    /// </summary>
    [Fact]
    public void EveryTextOfAnArticle_ChangedAlone_ChangesWhatAFormatWrites()
    {
        var builder = new FeedBuilder(Options.Create(new FeedsOptions()), SiteTime.Create("Asia/Shanghai"), new ArticleHtml(), new CleanArticleCache());
        var texts = typeof(ArticleRow).GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(field => field.PropertyType == typeof(string)).ToList();
        string Written(ArticleRow article) => string.Concat(FeedFormat.All.Append(FeedFormat.HtmlPreview).Select(format =>
            FeedXml.Text(format.WriteParts(Document(builder.Entry(article, [], "物流"))).ToArray())));
        var original = Written(Row());

        Assert.Equal(ArticleFields.Texts.Count, texts.Count);
        foreach (var field in texts)
        {
            // A URL stays a URL: a changed path, not a changed scheme.
            var changed = field.Name.EndsWith("Url", StringComparison.Ordinal)
                ? Copy(Row(), field, (string)field.GetValue(Row())! + "x")
                : WithProperty(Row(), field);
            Assert.True(Written(changed) != original, $"ArticleRow.{field.Name}: a change of it alone does not reach what any format writes");
        }
    }

    private static ArticleRow Copy(ArticleRow row, PropertyInfo field, object value)
    {
        var clone = WithProperty(row, field);
        field.SetValue(clone, value);
        return clone;
    }

    private static ArticleRow Row() => new()
    {
        Id = 1, ExternalId = "a-1", CategoryId = 1, Title = "標題", Summary = "摘要", ContentHtml = "<p>內文</p>", Author = "林雅婷",
        Source = "示範物流協會", Url = "https://news.example.com/a-1.html", ImageUrl = "https://news.example.com/i.jpg",
        PublishedAt = TestClock.Start.UtcDateTime, UpdatedAt = TestClock.Start.UtcDateTime, IsPublished = true,
    };

    private static void Build(FeedBuilder builder, ArticleRow article) =>
        builder.Build(new FeedSubject("logistics", "物流"), new Uri("https://feeds.example.org/feeds/logistics.rss"), TestClock.Start.UtcDateTime,
            [article], Array.Empty<ArticleTagRow>().ToLookup(t => t.ArticleId, t => t.Name), _ => "物流");

    private static FeedDocument Document(FeedEntry entry) => new(
        "tag:news.example.com,2026:feed:x", "t", "d", "zh-Hant", new Uri("https://news.example.com/"),
        new Uri("https://feeds.example.org/feeds/x.atom"), "p", entry.Updated, TimeSpan.FromMinutes(10), [entry]);
}
