-- Every entry names its category (Content/FeedBuilder: the first of its categories), so a renamed category changes
-- the tag feeds its articles are in, not only its own feed: their tags' versions move too. Before, a rename left
-- those tag feeds showing the old name until the tag changed again (found by ArticleFieldTests once it checked
-- category and tag versions apart). Renames are rare; the cost is one pass over the categories' tag links.
-- The inner UPDATE sets only tags.version: tr_tags_renamed_version sees no new name, and this trigger is on another table.
CREATE OR ALTER TRIGGER dbo.tr_categories_renamed_tags ON dbo.categories AFTER UPDATE
AS
BEGIN
    SET NOCOUNT ON;
    IF UPDATE(name)
        UPDATE t SET version = t.version + 1
        FROM dbo.tags AS t
        WHERE t.id IN (
            SELECT x.tag_id
            FROM dbo.article_tags AS x
            JOIN dbo.articles AS a ON a.id = x.article_id
            JOIN inserted AS i ON i.id = a.category_id
            JOIN deleted AS d ON d.id = i.id
            WHERE i.name COLLATE Latin1_General_100_BIN2 <> d.name COLLATE Latin1_General_100_BIN2);
END;
GO
