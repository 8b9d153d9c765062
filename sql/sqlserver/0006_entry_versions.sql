-- Entry versions (Formats/EntryCache): every article carries a version that moves whenever anything its feed
-- entry shows changes: its own fields, its tag links, the name of one of its tags. A render reads the keys and
-- versions of its entries first, and the bodies only of the entries whose version it has not written before.
-- (The name of the article's category is part of the entry too; renders read every category anyway.)
--
-- rowversion: SQL Server moves it on every insert and update of the row, from one counter for the whole
-- database, so no version is given twice. Adding it writes every row once: on millions of articles this
-- migration takes a while and holds the table (migrations run without a command timeout; see README).
ALTER TABLE dbo.articles ADD version rowversion NOT NULL;
GO

-- A link added, moved or removed changes its articles' entries: an UPDATE that sets a column to itself moves
-- the row's rowversion, and the articles' own triggers (0004) find no field changed and move nothing else.
-- Copying the publish state into a link changes no entry. Guarded like 0004's: an UPDATE that touches no row
-- still fires triggers, so without the guards this and 0004's triggers would fire one another to nesting
-- level 32 (Msg 217).
CREATE OR ALTER TRIGGER dbo.tr_article_tags_entry_versions ON dbo.article_tags AFTER INSERT, UPDATE, DELETE
AS
BEGIN
    SET NOCOUNT ON;
    IF TRIGGER_NESTLEVEL(@@PROCID) > 1
        RETURN;
    IF NOT EXISTS (SELECT 1 FROM inserted) AND NOT EXISTS (SELECT 1 FROM deleted)
        RETURN;
    IF EXISTS (SELECT 1 FROM inserted) AND EXISTS (SELECT 1 FROM deleted)
       AND NOT (UPDATE(article_id) OR UPDATE(tag_id) OR UPDATE(position))
        RETURN;
    UPDATE a SET external_id = a.external_id
    FROM dbo.articles AS a
    WHERE a.id IN (SELECT article_id FROM inserted UNION SELECT article_id FROM deleted);
END;
GO

-- A renamed tag changes every entry that lists it: rare, and one statement however many articles it has.
CREATE OR ALTER TRIGGER dbo.tr_tags_renamed_entry_versions ON dbo.tags AFTER UPDATE
AS
BEGIN
    SET NOCOUNT ON;
    IF NOT UPDATE(name)
        RETURN;
    UPDATE a SET external_id = a.external_id
    FROM dbo.articles AS a
    WHERE a.id IN (
        SELECT x.article_id FROM dbo.article_tags AS x
        WHERE x.tag_id IN (
            SELECT i.id FROM inserted AS i JOIN deleted AS d ON d.id = i.id
            WHERE i.name COLLATE Latin1_General_100_BIN2 <> d.name COLLATE Latin1_General_100_BIN2));
END;
GO
