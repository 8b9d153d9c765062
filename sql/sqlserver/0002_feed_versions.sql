-- Change detection that sees every writer (the import, the CMS writing the tables, a hand-typed UPDATE):
-- each category carries a version that triggers move whenever anything its feeds show changes. The server
-- polls versions, not articles. A section's and the site's versions derive from their categories'.
-- An UPDATE that changes nothing a feed shows moves nothing (EXCEPT compares NULLs as equal), so
-- re-saving an article keeps its feeds' ETags. RECURSIVE_TRIGGERS stays OFF (the default).

ALTER TABLE dbo.categories ADD version bigint NOT NULL CONSTRAINT df_categories_version DEFAULT (0);
GO

CREATE TRIGGER dbo.tr_articles_changed ON dbo.articles AFTER INSERT, UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    WITH changed AS (
        SELECT category_id FROM (
            SELECT id, category_id, external_id, title, summary, content_html, author, source, url, image_url, published_at, updated_at, is_published FROM inserted
            EXCEPT
            SELECT id, category_id, external_id, title, summary, content_html, author, source, url, image_url, published_at, updated_at, is_published FROM deleted) AS new_rows
        UNION
        SELECT category_id FROM (
            SELECT id, category_id, external_id, title, summary, content_html, author, source, url, image_url, published_at, updated_at, is_published FROM deleted
            EXCEPT
            SELECT id, category_id, external_id, title, summary, content_html, author, source, url, image_url, published_at, updated_at, is_published FROM inserted) AS old_rows
    )
    UPDATE c SET version = c.version + 1
    FROM dbo.categories AS c
    WHERE c.id IN (SELECT category_id FROM changed);
END;
GO

-- Tags are shown as item categories.
CREATE TRIGGER dbo.tr_article_tags_changed ON dbo.article_tags AFTER INSERT, UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    UPDATE c SET version = c.version + 1
    FROM dbo.categories AS c
    WHERE c.id IN (
        SELECT a.category_id FROM dbo.articles AS a
        WHERE a.id IN (SELECT article_id FROM inserted UNION SELECT article_id FROM deleted));
END;
GO

CREATE TRIGGER dbo.tr_tags_renamed ON dbo.tags AFTER UPDATE
AS
BEGIN
    SET NOCOUNT ON;
    IF UPDATE(name)
        UPDATE c SET version = c.version + 1
        FROM dbo.categories AS c
        WHERE c.id IN (
            SELECT a.category_id
            FROM dbo.article_tags AS x
            JOIN dbo.articles AS a ON a.id = x.article_id
            WHERE x.tag_id IN (SELECT i.id FROM inserted AS i JOIN deleted AS d ON d.id = i.id WHERE i.name <> d.name));
END;
GO

-- A renamed or moved category: its own version moves (the sections it leaves and joins see their
-- membership change). The inner UPDATE sets only version, so IF UPDATE(...) stops a second round.
CREATE TRIGGER dbo.tr_categories_changed ON dbo.categories AFTER UPDATE
AS
BEGIN
    SET NOCOUNT ON;
    IF UPDATE(slug) OR UPDATE(name) OR UPDATE(parent_id)
        UPDATE c SET version = c.version + 1
        FROM dbo.categories AS c
        JOIN inserted AS i ON i.id = c.id
        JOIN deleted AS d ON d.id = i.id
        WHERE i.slug <> d.slug OR i.name <> d.name
           OR ISNULL(i.parent_id, -1) <> ISNULL(d.parent_id, -1);
END;
GO
