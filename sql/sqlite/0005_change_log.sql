-- Change detection that reads only what changed (Publishing/ChangeDetector). Every insert, update or delete of
-- a category or a tag (the triggers of 0002 and 0003 move their versions for every article change) appends
-- which feed it touched to a log; the row's number (its rowid) is the change mark. A poll reads the newest
-- mark first: unmoved, and no scheduled article come due, it reads nothing else; moved, it reads the log from
-- its last mark on and then only the feeds named there. SQLite has one writer at a time, so marks are taken
-- and committed in the same order. The log keeps the last 100,000 marks (each insert drops the one that falls
-- out); a poller further behind (or just started) reads every feed once.
-- kind: 'c' a category (or section), 't' a tag.
CREATE TABLE feed_changes (
    mark    INTEGER NOT NULL PRIMARY KEY,
    kind    TEXT    NOT NULL,
    feed_id INTEGER NOT NULL
);

CREATE TRIGGER tr_categories_inserted_logged AFTER INSERT ON categories
BEGIN
    INSERT INTO feed_changes (kind, feed_id) VALUES ('c', NEW.id);
    DELETE FROM feed_changes WHERE mark <= last_insert_rowid() - 100000;
END;

CREATE TRIGGER tr_categories_updated_logged AFTER UPDATE ON categories
BEGIN
    INSERT INTO feed_changes (kind, feed_id) VALUES ('c', NEW.id);
    DELETE FROM feed_changes WHERE mark <= last_insert_rowid() - 100000;
END;

CREATE TRIGGER tr_categories_deleted_logged AFTER DELETE ON categories
BEGIN
    INSERT INTO feed_changes (kind, feed_id) VALUES ('c', OLD.id);
    DELETE FROM feed_changes WHERE mark <= last_insert_rowid() - 100000;
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
