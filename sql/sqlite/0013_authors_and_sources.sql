-- Author and source feeds (/feeds/authors/{name}, /feeds/sources/{name}). An article is filed under names of three
-- kinds: its tags ('t'), the authors its byline names ('a') and the organisation it comes from ('s'). All three are
-- rows of `tags` with their kind, linked through article_tags, so every trigger, index and query that keeps a tag
-- feed current keeps an author's and a source's too: a kind of named feed is a value of `kind`, not new tables.
-- A name is unique within its kind (a source and a tag may share one), so the table is made anew: SQLite cannot
-- drop a UNIQUE constraint. Its ids stay, so links, the change log and the shared renderings' keys stay valid.

-- The links point at the old rows until the new ones exist: foreign keys are checked at the commit.
PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE tags_before AS SELECT id, name, version FROM tags;
-- Drops the table's own triggers with it; they are made again below, unchanged.
DROP TABLE tags;

CREATE TABLE tags (
    id      INTEGER NOT NULL PRIMARY KEY,
    kind    TEXT    NOT NULL DEFAULT 't',  -- 't' tag, 'a' author, 's' source (Data/FiledNames); a kind the server does not know is left alone
    name    TEXT    NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind, name)
);

INSERT INTO tags (id, kind, name, version) SELECT id, 't', name, version FROM tags_before;
DROP TABLE tags_before;

-- The triggers of 0002, 0003, 0005 and 0006 on tags, as they were.
CREATE TRIGGER tr_tags_renamed AFTER UPDATE OF name ON tags
WHEN OLD.name IS NOT NEW.name
BEGIN
    UPDATE categories SET version = version + 1
    WHERE id IN (SELECT a.category_id FROM article_tags x JOIN articles a ON a.id = x.article_id WHERE x.tag_id = NEW.id);
END;

CREATE TRIGGER tr_tags_renamed_version AFTER UPDATE OF name ON tags
WHEN OLD.name IS NOT NEW.name
BEGIN
    UPDATE tags SET version = version + 1 WHERE id = NEW.id;
END;

CREATE TRIGGER tr_tags_inserted_logged AFTER INSERT ON tags
BEGIN
    INSERT INTO feed_changes (kind, feed_id) VALUES ('t', NEW.id);
    DELETE FROM feed_changes WHERE mark <= last_insert_rowid() - 100000;
END;

CREATE TRIGGER tr_tags_updated_logged AFTER UPDATE ON tags
BEGIN
    INSERT INTO feed_changes (kind, feed_id) VALUES ('t', NEW.id);
    DELETE FROM feed_changes WHERE mark <= last_insert_rowid() - 100000;
END;

CREATE TRIGGER tr_tags_deleted_logged AFTER DELETE ON tags
BEGIN
    INSERT INTO feed_changes (kind, feed_id) VALUES ('t', OLD.id);
    DELETE FROM feed_changes WHERE mark <= last_insert_rowid() - 100000;
END;

CREATE TRIGGER tr_tags_renamed_entry_versions AFTER UPDATE OF name ON tags
WHEN OLD.name IS NOT NEW.name
BEGIN
    UPDATE entry_version_counter SET last = last + 1;
    UPDATE entry_versions SET version = (SELECT last FROM entry_version_counter)
    WHERE article_id IN (SELECT article_id FROM article_tags WHERE tag_id = NEW.id);
END;

-- The articles stored so far, filed under their authors and sources as the writer files them from now on
-- (Data/Byline: a byline's names are split at 、 ， , ； ; and trimmed; positions after the tags').
CREATE TEMP TABLE names_of_articles (article_id INTEGER NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, position INTEGER NOT NULL);

WITH RECURSIVE bylines (article_id, rest, name, position) AS (
    SELECT id, replace(replace(replace(replace(author, '，', '、'), ',', '、'), '；', '、'), ';', '、') || '、', NULL, 999
    FROM articles WHERE author IS NOT NULL
    UNION ALL
    SELECT article_id, substr(rest, instr(rest, '、') + 1),
           trim(substr(rest, 1, instr(rest, '、') - 1), ' ' || char(9, 10, 13, 160, 12288)), position + 1
    FROM bylines WHERE rest <> ''
)
INSERT INTO names_of_articles (article_id, kind, name, position)
SELECT article_id, 'a', name, MIN(position) FROM bylines WHERE name <> '' GROUP BY article_id, name;

INSERT INTO names_of_articles (article_id, kind, name, position)
SELECT id, 's', source, 2000 FROM articles WHERE source IS NOT NULL;

INSERT INTO tags (kind, name) SELECT DISTINCT kind, name FROM names_of_articles;

-- Filing stored articles changes no category's feed (its entries show neither link), so 0002's trigger that moves
-- a category's version for a new link is left out of the backfill, as 0003 left out its copy: dropped and made again.
DROP TRIGGER tr_article_tags_inserted;

INSERT INTO article_tags (article_id, tag_id, position)
SELECT n.article_id, t.id, n.position
FROM names_of_articles n JOIN tags t ON t.kind = n.kind AND t.name = n.name;

DROP TABLE names_of_articles;

CREATE TRIGGER tr_article_tags_inserted AFTER INSERT ON article_tags
BEGIN
    UPDATE categories SET version = version + 1
    WHERE id = (SELECT category_id FROM articles WHERE id = NEW.article_id);
END;
