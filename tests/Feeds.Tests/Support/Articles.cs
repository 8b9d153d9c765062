namespace Feeds.Tests.Support;

/// <summary>Articles for tests, written as a CMS would: straight into the tables, with no import-time cleaning.</summary>
public static class Articles
{
    public static ArticleInput Sample(
        string id,
        string category = "logistics",
        string? section = "news",
        DateTime? publishedAt = null,
        string? title = null) => new(
        ExternalId: id,
        CategorySlug: category,
        CategoryName: category switch { "logistics" => "綜合物流", "express" => "快遞動態", "markets" => "市場行情", _ => category },
        SectionSlug: section,
        SectionName: section switch { "news" => "資訊中心", "industry" => "產業觀察", null => null, _ => section },
        Title: title ?? $"測試文章 {id}",
        Summary: $"摘要 {id}",
        ContentHtml: $"<p>內文 {id}</p>",
        Author: "林雅婷",
        Source: "示範物流協會",
        Url: $"https://news.example.com/articles/{id}.html",
        ImageUrl: null,
        PublishedAt: publishedAt ?? TestClock.Start.UtcDateTime.AddHours(-1),
        UpdatedAt: null,
        IsPublished: true,
        Tags: ["供應鏈"]);

    public static async Task WriteAsync(Database database, params ArticleInput[] articles)
    {
        await using var writer = await ArticleWriter.BeginAsync(database, new TestClock(), TestContext.Current.CancellationToken);
        foreach (var article in articles)
        {
            await writer.UpsertAsync(article, TestContext.Current.CancellationToken);
        }
        await writer.CommitAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// Writes articles with the columns of the first schema only (0001: no section, no kinds of names), as a
    /// database written by an older Feeds holds them: for the tests of a migration's backfill, which the current
    /// writer cannot write before.
    /// </summary>
    public static async Task WriteAsFirstSchemaAsync(Database database, params ArticleInput[] articles)
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var connection = await database.OpenAsync(cancel);
        var now = TestClock.Start.UtcDateTime;
        foreach (var article in articles)
        {
            var categoryId = await connection.ExecuteScalarAsync<long?>("SELECT id FROM categories WHERE slug = @slug", new { slug = article.CategorySlug })
                ?? await connection.ExecuteScalarAsync<long>(
                    "INSERT INTO categories (slug, name, updated_at) VALUES (@slug, @name, @now); SELECT id FROM categories WHERE slug = @slug;",
                    new { slug = article.CategorySlug, name = article.CategoryName, now });
            var articleId = await connection.ExecuteScalarAsync<long>("""
                INSERT INTO articles (external_id, category_id, title, summary, content_html, author, source, url, image_url, published_at, updated_at, is_published)
                VALUES (@ExternalId, @categoryId, @Title, @Summary, @ContentHtml, @Author, @Source, @Url, @ImageUrl, @PublishedAt, @updatedAt, @IsPublished);
                SELECT id FROM articles WHERE external_id = @ExternalId;
                """, new { article.ExternalId, categoryId, article.Title, article.Summary, article.ContentHtml, article.Author, article.Source, article.Url,
                    article.ImageUrl, article.PublishedAt, updatedAt = article.UpdatedAt ?? article.PublishedAt, article.IsPublished });
            var position = 0;
            foreach (var tag in article.Tags)
            {
                var tagId = await connection.ExecuteScalarAsync<long?>("SELECT id FROM tags WHERE name = @tag", new { tag })
                    ?? await connection.ExecuteScalarAsync<long>("INSERT INTO tags (name) VALUES (@tag); SELECT id FROM tags WHERE name = @tag;", new { tag });
                await connection.ExecuteAsync("INSERT INTO article_tags (article_id, tag_id, position) VALUES (@articleId, @tagId, @position)",
                    new { articleId, tagId, position = position++ });
            }
        }
    }
}

/// <summary>Reads of stored articles for assertions, through the store's own feed read.</summary>
public static class StoredArticles
{
    /// <summary>The visible articles of these ids with their tags in order, as a render reads them.</summary>
    public static async Task<(IReadOnlyDictionary<long, ArticleRow> Articles, ILookup<long, string> Tags)> GetArticlesAsync(
        this ArticleStore store, IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        var read = await store.ReadFeedAsync(FeedScope.Site, DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc), 1000, cancellationToken);
        var articles = read.Articles.Where(article => ids.Contains(article.Key)).ToDictionary();
        return (articles, read.Tags.Where(group => ids.Contains(group.Key)).SelectMany(group => group.Select(name => (group.Key, name))).ToLookup(tag => tag.Key, tag => tag.name));
    }
}
