-- Tag feeds (/feeds/tags/{tag}.rss): each tag carries its own version, moved by the same kinds of change
-- as a category's, and article_tags carries a copy of its article's publish state so that "the newest
-- visible articles of a tag" and "the newest due of a tag" are one index seek each, like a category's.
-- Triggers keep the copy, so every writer (the import, the CMS, a hand-typed UPDATE) keeps it right.
-- RECURSIVE_TRIGGERS stays OFF (the default): a trigger's own UPDATE does not fire it again.

ALTER TABLE dbo.tags ADD version bigint NOT NULL CONSTRAINT df_tags_version DEFAULT (0);
ALTER TABLE dbo.article_tags ADD
    published_at datetime2(7) NULL,
    is_published bit NOT NULL CONSTRAINT df_article_tags_is_published DEFAULT (0);
GO

-- Copying the publish state changes nothing a category's feeds show: 0002's trigger on article_tags is off
-- while the copy is filled, or it would move a category version for every row of a large database (the
-- SQLite twin drops and narrows it; 0004 narrows this one).
DISABLE TRIGGER dbo.tr_article_tags_changed ON dbo.article_tags;

UPDATE x SET published_at = a.published_at, is_published = a.is_published
FROM dbo.article_tags AS x
JOIN dbo.articles AS a ON a.id = x.article_id;

ENABLE TRIGGER dbo.tr_article_tags_changed ON dbo.article_tags;

CREATE INDEX ix_article_tags_newest
    ON dbo.article_tags (tag_id, is_published, published_at DESC, article_id DESC);
GO

-- New links copy their article's publish state; every link added, moved or removed (also by
-- ON DELETE CASCADE) moves its tags' versions.
CREATE TRIGGER dbo.tr_article_tags_tag_versions ON dbo.article_tags AFTER INSERT, UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    UPDATE x SET published_at = a.published_at, is_published = a.is_published
    FROM dbo.article_tags AS x
    JOIN inserted AS i ON i.article_id = x.article_id AND i.tag_id = x.tag_id
    JOIN dbo.articles AS a ON a.id = x.article_id
    WHERE x.published_at IS NULL OR x.published_at <> a.published_at OR x.is_published <> a.is_published;

    UPDATE t SET version = t.version + 1
    FROM dbo.tags AS t
    WHERE t.id IN (SELECT tag_id FROM inserted UNION SELECT tag_id FROM deleted);
END;
GO

-- The same visible changes that move a category's version move its tags' versions.
CREATE TRIGGER dbo.tr_articles_tag_versions ON dbo.articles AFTER UPDATE
AS
BEGIN
    SET NOCOUNT ON;
    UPDATE x SET published_at = i.published_at, is_published = i.is_published
    FROM dbo.article_tags AS x
    JOIN inserted AS i ON i.id = x.article_id
    WHERE x.published_at IS NULL OR x.published_at <> i.published_at OR x.is_published <> i.is_published;

    WITH changed AS (
        SELECT id FROM (
            SELECT id, category_id, external_id, title, summary, content_html, author, source, url, image_url, published_at, updated_at, is_published FROM inserted
            EXCEPT
            SELECT id, category_id, external_id, title, summary, content_html, author, source, url, image_url, published_at, updated_at, is_published FROM deleted) AS new_rows
    )
    UPDATE t SET version = t.version + 1
    FROM dbo.tags AS t
    WHERE t.id IN (SELECT x.tag_id FROM dbo.article_tags AS x WHERE x.article_id IN (SELECT id FROM changed));
END;
GO

-- A renamed tag changes its feed's title (and its slug).
CREATE TRIGGER dbo.tr_tags_renamed_version ON dbo.tags AFTER UPDATE
AS
BEGIN
    SET NOCOUNT ON;
    IF UPDATE(name)
        UPDATE t SET version = t.version + 1
        FROM dbo.tags AS t
        JOIN inserted AS i ON i.id = t.id
        JOIN deleted AS d ON d.id = i.id
        WHERE i.name <> d.name;
END;
GO
