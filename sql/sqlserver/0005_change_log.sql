-- Change detection that reads only what changed (Publishing/ChangeDetector). Every statement that inserts,
-- updates or deletes categories or tags (the triggers of 0004 move their versions for every article change,
-- an import's all at once before it commits) moves one number, the change mark, and logs which feeds it
-- touched under the new mark. A poll reads the mark first: unmoved, and no scheduled article come due, it
-- reads nothing else; moved, it reads the log from its last mark on and then only the feeds named there. The
-- log keeps the last 100,000 marks; a poller further behind (or just started) reads every feed once.
--
-- The mark's row is held until the writer's transaction ends, so marks commit in the order they are taken and
-- a poller that has read mark N has seen every change up to N (an IDENTITY or SEQUENCE would let N commit
-- before N-1, and the poller would skip N-1 for good). Writers take turns at that row from their first
-- category or tag change to their commit; the import moves versions only just before it commits (0004).
CREATE TABLE dbo.feed_change_mark (
    id   int    NOT NULL CONSTRAINT pk_feed_change_mark PRIMARY KEY CONSTRAINT ck_feed_change_mark_one CHECK (id = 1),
    mark bigint NOT NULL
);
GO

INSERT INTO dbo.feed_change_mark (id, mark) VALUES (1, 0);
GO

-- kind: 'c' a category (or section), 't' a tag.
CREATE TABLE dbo.feed_changes (
    mark    bigint  NOT NULL,
    kind    char(1) NOT NULL,
    feed_id int     NOT NULL,
    CONSTRAINT pk_feed_changes PRIMARY KEY (mark, kind, feed_id)
);
GO

CREATE OR ALTER TRIGGER dbo.tr_categories_logged ON dbo.categories AFTER INSERT, UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    IF NOT EXISTS (SELECT 1 FROM inserted) AND NOT EXISTS (SELECT 1 FROM deleted)
        RETURN;
    DECLARE @mark bigint;
    UPDATE dbo.feed_change_mark SET @mark = mark = mark + 1 WHERE id = 1;
    INSERT INTO dbo.feed_changes (mark, kind, feed_id)
    SELECT @mark, 'c', id FROM inserted
    UNION
    SELECT @mark, 'c', id FROM deleted;
    DELETE FROM dbo.feed_changes WHERE mark <= @mark - 100000;
END;
GO

CREATE OR ALTER TRIGGER dbo.tr_tags_logged ON dbo.tags AFTER INSERT, UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    IF NOT EXISTS (SELECT 1 FROM inserted) AND NOT EXISTS (SELECT 1 FROM deleted)
        RETURN;
    DECLARE @mark bigint;
    UPDATE dbo.feed_change_mark SET @mark = mark = mark + 1 WHERE id = 1;
    INSERT INTO dbo.feed_changes (mark, kind, feed_id)
    SELECT @mark, 't', id FROM inserted
    UNION
    SELECT @mark, 't', id FROM deleted;
    DELETE FROM dbo.feed_changes WHERE mark <= @mark - 100000;
END;
GO
