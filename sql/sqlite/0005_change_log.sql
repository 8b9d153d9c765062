-- Change detection that reads only what changed (Publishing/ChangeDetector). Every insert, update or delete of
-- a category or a tag (the triggers of 0002 and 0003 move their versions for every article change) moves one
-- number, the change mark, and logs which feed it touched under the new mark. A poll reads the mark first:
-- unmoved, and no scheduled article come due, it reads nothing else; moved, it reads the log from its last
-- mark on and then only the feeds named there. The log keeps the last 100,000 marks; a poller further behind
-- (or just started) reads every feed once.
CREATE TABLE feed_change_mark (
    id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    mark INTEGER NOT NULL
);

INSERT INTO feed_change_mark (id, mark) VALUES (1, 0);

-- kind: 'c' a category (or section), 't' a tag.
CREATE TABLE feed_changes (
    mark    INTEGER NOT NULL,
    kind    TEXT    NOT NULL,
    feed_id INTEGER NOT NULL,
    PRIMARY KEY (mark, kind, feed_id)
) WITHOUT ROWID;

CREATE TRIGGER tr_categories_inserted_logged AFTER INSERT ON categories
BEGIN
    UPDATE feed_change_mark SET mark = mark + 1;
    INSERT INTO feed_changes (mark, kind, feed_id) SELECT mark, 'c', NEW.id FROM feed_change_mark;
    DELETE FROM feed_changes WHERE mark <= (SELECT mark - 100000 FROM feed_change_mark);
END;

CREATE TRIGGER tr_categories_updated_logged AFTER UPDATE ON categories
BEGIN
    UPDATE feed_change_mark SET mark = mark + 1;
    INSERT INTO feed_changes (mark, kind, feed_id) SELECT mark, 'c', NEW.id FROM feed_change_mark;
    DELETE FROM feed_changes WHERE mark <= (SELECT mark - 100000 FROM feed_change_mark);
END;

CREATE TRIGGER tr_categories_deleted_logged AFTER DELETE ON categories
BEGIN
    UPDATE feed_change_mark SET mark = mark + 1;
    INSERT INTO feed_changes (mark, kind, feed_id) SELECT mark, 'c', OLD.id FROM feed_change_mark;
    DELETE FROM feed_changes WHERE mark <= (SELECT mark - 100000 FROM feed_change_mark);
END;

CREATE TRIGGER tr_tags_inserted_logged AFTER INSERT ON tags
BEGIN
    UPDATE feed_change_mark SET mark = mark + 1;
    INSERT INTO feed_changes (mark, kind, feed_id) SELECT mark, 't', NEW.id FROM feed_change_mark;
    DELETE FROM feed_changes WHERE mark <= (SELECT mark - 100000 FROM feed_change_mark);
END;

CREATE TRIGGER tr_tags_updated_logged AFTER UPDATE ON tags
BEGIN
    UPDATE feed_change_mark SET mark = mark + 1;
    INSERT INTO feed_changes (mark, kind, feed_id) SELECT mark, 't', NEW.id FROM feed_change_mark;
    DELETE FROM feed_changes WHERE mark <= (SELECT mark - 100000 FROM feed_change_mark);
END;

CREATE TRIGGER tr_tags_deleted_logged AFTER DELETE ON tags
BEGIN
    UPDATE feed_change_mark SET mark = mark + 1;
    INSERT INTO feed_changes (mark, kind, feed_id) SELECT mark, 't', OLD.id FROM feed_change_mark;
    DELETE FROM feed_changes WHERE mark <= (SELECT mark - 100000 FROM feed_change_mark);
END;
