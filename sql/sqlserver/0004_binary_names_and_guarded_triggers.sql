-- SQL Server as it really runs. Every name that is an identity is compared byte for byte, as SQLite and the
-- import compare it; every trigger compares what it writes in a binary collation, guards against recursion,
-- and (during an import) leaves its version moves to the end of the import's transaction.

-- Tag names are identities (a tag feed's slug, the import's ordinal comparison): 'Foo' and 'foo', 'ＡＩ' and
-- 'AI', '港口🚢' and '港口' are different tags. The database default collation (usually
-- SQL_Latin1_General_CP1_CI_AS) would merge them. Uniqueness only gets weaker, so existing rows fit.
ALTER TABLE dbo.tags DROP CONSTRAINT uq_tags_name;
ALTER TABLE dbo.tags ALTER COLUMN name nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL;
ALTER TABLE dbo.tags ADD CONSTRAINT uq_tags_name UNIQUE (name);
GO

-- Every trigger below compares text in Latin1_General_100_BIN2: in the column's own collation an edit of
-- case, width or kana only, or of a supplementary character (an emoji, CJK Extension B), would be "no
-- change" and the feed would stay stale.
--
-- Version moves of categories and tags: an import creates #feeds_pending_versions in its session (Data/
-- ArticleWriter) and moves every version collected there in one statement just before it commits, so that
-- it holds the categories' and tags' rows for milliseconds instead of its whole transaction. Every other
-- writer (the CMS, a hand-typed UPDATE) moves them at once, as before.
CREATE OR ALTER TRIGGER dbo.tr_articles_changed ON dbo.articles AFTER INSERT, UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    DECLARE @changed TABLE (category_id int NOT NULL PRIMARY KEY);
    INSERT INTO @changed (category_id)
    SELECT category_id FROM (
        SELECT id, category_id, external_id COLLATE Latin1_General_100_BIN2 AS external_id, title COLLATE Latin1_General_100_BIN2 AS title,
               summary COLLATE Latin1_General_100_BIN2 AS summary, content_html COLLATE Latin1_General_100_BIN2 AS content_html,
               author COLLATE Latin1_General_100_BIN2 AS author, source COLLATE Latin1_General_100_BIN2 AS source,
               url COLLATE Latin1_General_100_BIN2 AS url, image_url COLLATE Latin1_General_100_BIN2 AS image_url, published_at, updated_at, is_published
        FROM inserted
        EXCEPT
        SELECT id, category_id, external_id COLLATE Latin1_General_100_BIN2, title COLLATE Latin1_General_100_BIN2,
               summary COLLATE Latin1_General_100_BIN2, content_html COLLATE Latin1_General_100_BIN2,
               author COLLATE Latin1_General_100_BIN2, source COLLATE Latin1_General_100_BIN2,
               url COLLATE Latin1_General_100_BIN2, image_url COLLATE Latin1_General_100_BIN2, published_at, updated_at, is_published
        FROM deleted) AS new_rows
    UNION
    SELECT category_id FROM (
        SELECT id, category_id, external_id COLLATE Latin1_General_100_BIN2 AS external_id, title COLLATE Latin1_General_100_BIN2 AS title,
               summary COLLATE Latin1_General_100_BIN2 AS summary, content_html COLLATE Latin1_General_100_BIN2 AS content_html,
               author COLLATE Latin1_General_100_BIN2 AS author, source COLLATE Latin1_General_100_BIN2 AS source,
               url COLLATE Latin1_General_100_BIN2 AS url, image_url COLLATE Latin1_General_100_BIN2 AS image_url, published_at, updated_at, is_published
        FROM deleted
        EXCEPT
        SELECT id, category_id, external_id COLLATE Latin1_General_100_BIN2, title COLLATE Latin1_General_100_BIN2,
               summary COLLATE Latin1_General_100_BIN2, content_html COLLATE Latin1_General_100_BIN2,
               author COLLATE Latin1_General_100_BIN2, source COLLATE Latin1_General_100_BIN2,
               url COLLATE Latin1_General_100_BIN2, image_url COLLATE Latin1_General_100_BIN2, published_at, updated_at, is_published
        FROM inserted) AS old_rows;

    IF OBJECT_ID(N'tempdb..#feeds_pending_versions') IS NOT NULL
        INSERT INTO #feeds_pending_versions (category_id) SELECT category_id FROM @changed;
    ELSE
        UPDATE c SET version = c.version + 1
        FROM dbo.categories AS c
        WHERE c.id IN (SELECT category_id FROM @changed);
END;
GO

-- Tags are shown as item categories. Only a link added, moved or removed changes what a category's feeds
-- show; copying an article's publish state into its links (the triggers below) does not, and would fire this
-- one a second time for every link (the SQLite twin fires on UPDATE OF article_id, tag_id, position alone).
CREATE OR ALTER TRIGGER dbo.tr_article_tags_changed ON dbo.article_tags AFTER INSERT, UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    IF EXISTS (SELECT 1 FROM inserted) AND EXISTS (SELECT 1 FROM deleted)
       AND NOT (UPDATE(article_id) OR UPDATE(tag_id) OR UPDATE(position))
        RETURN;
    DECLARE @changed TABLE (category_id int NOT NULL PRIMARY KEY);
    INSERT INTO @changed (category_id)
    SELECT DISTINCT a.category_id FROM dbo.articles AS a
    WHERE a.id IN (SELECT article_id FROM inserted UNION SELECT article_id FROM deleted);

    IF OBJECT_ID(N'tempdb..#feeds_pending_versions') IS NOT NULL
        INSERT INTO #feeds_pending_versions (category_id) SELECT category_id FROM @changed;
    ELSE
        UPDATE c SET version = c.version + 1
        FROM dbo.categories AS c
        WHERE c.id IN (SELECT category_id FROM @changed);
END;
GO

CREATE OR ALTER TRIGGER dbo.tr_tags_renamed ON dbo.tags AFTER UPDATE
AS
BEGIN
    SET NOCOUNT ON;
    IF NOT UPDATE(name)
        RETURN;
    DECLARE @changed TABLE (category_id int NOT NULL PRIMARY KEY);
    INSERT INTO @changed (category_id)
    SELECT DISTINCT a.category_id
    FROM dbo.article_tags AS x
    JOIN dbo.articles AS a ON a.id = x.article_id
    WHERE x.tag_id IN (
        SELECT i.id FROM inserted AS i JOIN deleted AS d ON d.id = i.id
        WHERE i.name COLLATE Latin1_General_100_BIN2 <> d.name COLLATE Latin1_General_100_BIN2);

    IF OBJECT_ID(N'tempdb..#feeds_pending_versions') IS NOT NULL
        INSERT INTO #feeds_pending_versions (category_id) SELECT category_id FROM @changed;
    ELSE
        UPDATE c SET version = c.version + 1
        FROM dbo.categories AS c
        WHERE c.id IN (SELECT category_id FROM @changed);
END;
GO

-- A renamed or moved category: its own version moves. The inner UPDATE sets only version, so UPDATE(...)
-- stops a second round even with RECURSIVE_TRIGGERS ON. Its own row: nothing to defer.
CREATE OR ALTER TRIGGER dbo.tr_categories_changed ON dbo.categories AFTER UPDATE
AS
BEGIN
    SET NOCOUNT ON;
    IF UPDATE(slug) OR UPDATE(name) OR UPDATE(parent_id)
        UPDATE c SET version = c.version + 1
        FROM dbo.categories AS c
        JOIN inserted AS i ON i.id = c.id
        JOIN deleted AS d ON d.id = i.id
        WHERE i.slug COLLATE Latin1_General_100_BIN2 <> d.slug COLLATE Latin1_General_100_BIN2
           OR i.name COLLATE Latin1_General_100_BIN2 <> d.name COLLATE Latin1_General_100_BIN2
           OR ISNULL(i.parent_id, -1) <> ISNULL(d.parent_id, -1);
END;
GO

-- New links copy their article's publish state; every link added, moved or removed (also by ON DELETE
-- CASCADE) moves its tags' versions. It updates its own table: with RECURSIVE_TRIGGERS ON it would fire
-- itself again up to nesting level 32 (Msg 217), so it runs at its first level only. A copy of the publish
-- state made by tr_articles_tag_versions moves nothing here: that trigger moves the tags itself.
CREATE OR ALTER TRIGGER dbo.tr_article_tags_tag_versions ON dbo.article_tags AFTER INSERT, UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    IF TRIGGER_NESTLEVEL(@@PROCID) > 1
        RETURN;
    IF EXISTS (SELECT 1 FROM inserted) AND EXISTS (SELECT 1 FROM deleted)
       AND NOT (UPDATE(article_id) OR UPDATE(tag_id) OR UPDATE(position))
        RETURN;

    UPDATE x SET published_at = a.published_at, is_published = a.is_published
    FROM dbo.article_tags AS x
    JOIN inserted AS i ON i.article_id = x.article_id AND i.tag_id = x.tag_id
    JOIN dbo.articles AS a ON a.id = x.article_id
    WHERE x.published_at IS NULL OR x.published_at <> a.published_at OR x.is_published <> a.is_published;

    DECLARE @changed TABLE (tag_id int NOT NULL PRIMARY KEY);
    INSERT INTO @changed (tag_id) SELECT tag_id FROM inserted UNION SELECT tag_id FROM deleted;

    IF OBJECT_ID(N'tempdb..#feeds_pending_versions') IS NOT NULL
        INSERT INTO #feeds_pending_versions (tag_id) SELECT tag_id FROM @changed;
    ELSE
        UPDATE t SET version = t.version + 1
        FROM dbo.tags AS t
        WHERE t.id IN (SELECT tag_id FROM @changed);
END;
GO

-- The same visible changes that move a category's version move its tags' versions.
CREATE OR ALTER TRIGGER dbo.tr_articles_tag_versions ON dbo.articles AFTER UPDATE
AS
BEGIN
    SET NOCOUNT ON;
    UPDATE x SET published_at = i.published_at, is_published = i.is_published
    FROM dbo.article_tags AS x
    JOIN inserted AS i ON i.id = x.article_id
    WHERE x.published_at IS NULL OR x.published_at <> i.published_at OR x.is_published <> i.is_published;

    DECLARE @changed TABLE (tag_id int NOT NULL PRIMARY KEY);
    INSERT INTO @changed (tag_id)
    SELECT DISTINCT x.tag_id FROM dbo.article_tags AS x
    WHERE x.article_id IN (
        SELECT id FROM (
            SELECT id, category_id, external_id COLLATE Latin1_General_100_BIN2 AS external_id, title COLLATE Latin1_General_100_BIN2 AS title,
                   summary COLLATE Latin1_General_100_BIN2 AS summary, content_html COLLATE Latin1_General_100_BIN2 AS content_html,
                   author COLLATE Latin1_General_100_BIN2 AS author, source COLLATE Latin1_General_100_BIN2 AS source,
                   url COLLATE Latin1_General_100_BIN2 AS url, image_url COLLATE Latin1_General_100_BIN2 AS image_url, published_at, updated_at, is_published
            FROM inserted
            EXCEPT
            SELECT id, category_id, external_id COLLATE Latin1_General_100_BIN2, title COLLATE Latin1_General_100_BIN2,
                   summary COLLATE Latin1_General_100_BIN2, content_html COLLATE Latin1_General_100_BIN2,
                   author COLLATE Latin1_General_100_BIN2, source COLLATE Latin1_General_100_BIN2,
                   url COLLATE Latin1_General_100_BIN2, image_url COLLATE Latin1_General_100_BIN2, published_at, updated_at, is_published
            FROM deleted) AS new_rows);

    IF OBJECT_ID(N'tempdb..#feeds_pending_versions') IS NOT NULL
        INSERT INTO #feeds_pending_versions (tag_id) SELECT tag_id FROM @changed;
    ELSE
        UPDATE t SET version = t.version + 1
        FROM dbo.tags AS t
        WHERE t.id IN (SELECT tag_id FROM @changed);
END;
GO

-- A renamed tag changes its feed's title (and its slug). Its own row: nothing to defer.
CREATE OR ALTER TRIGGER dbo.tr_tags_renamed_version ON dbo.tags AFTER UPDATE
AS
BEGIN
    SET NOCOUNT ON;
    IF UPDATE(name)
        UPDATE t SET version = t.version + 1
        FROM dbo.tags AS t
        JOIN inserted AS i ON i.id = t.id
        JOIN deleted AS d ON d.id = i.id
        WHERE i.name COLLATE Latin1_General_100_BIN2 <> d.name COLLATE Latin1_General_100_BIN2;
END;
GO
