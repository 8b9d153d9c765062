-- Entry versions (Formats/EntryCache): every article has a version that moves whenever anything its feed entry
-- shows changes: its own fields, its tag links, the name of one of its tags. A render reads the keys and
-- versions of its entries first, and the bodies only of the entries whose version it has not written before.
-- (The name of the article's category is part of the entry too; renders read every category anyway.)
--
-- The versions live in a narrow table of their own: SQLite rewrites a whole row to change one column, and an
-- article's row holds its body, so a version kept in articles would rewrite the body for every tag link an
-- import adds. Versions come from one counter, so no version is given twice, not even to an id that SQLite
-- hands out again after the newest article was deleted. Articles written before this migration get 0; every
-- later write gets a number above it.
CREATE TABLE entry_version_counter (
    last INTEGER NOT NULL
);

INSERT INTO entry_version_counter (last) VALUES (0);

CREATE TABLE entry_versions (
    article_id INTEGER NOT NULL PRIMARY KEY,
    version    INTEGER NOT NULL
);

INSERT INTO entry_versions (article_id, version) SELECT id, 0 FROM articles;

CREATE TRIGGER tr_articles_inserted_entry_version AFTER INSERT ON articles
BEGIN
    UPDATE entry_version_counter SET last = last + 1;
    INSERT OR REPLACE INTO entry_versions (article_id, version) VALUES (NEW.id, (SELECT last FROM entry_version_counter));
END;

-- The same fields as tr_articles_updated (0002).
CREATE TRIGGER tr_articles_updated_entry_version AFTER UPDATE ON articles
WHEN OLD.category_id IS NOT NEW.category_id OR OLD.external_id IS NOT NEW.external_id
  OR OLD.title IS NOT NEW.title OR OLD.summary IS NOT NEW.summary OR OLD.content_html IS NOT NEW.content_html
  OR OLD.author IS NOT NEW.author OR OLD.source IS NOT NEW.source OR OLD.url IS NOT NEW.url
  OR OLD.image_url IS NOT NEW.image_url OR OLD.published_at IS NOT NEW.published_at
  OR OLD.updated_at IS NOT NEW.updated_at OR OLD.is_published IS NOT NEW.is_published
BEGIN
    UPDATE entry_version_counter SET last = last + 1;
    INSERT OR REPLACE INTO entry_versions (article_id, version) VALUES (NEW.id, (SELECT last FROM entry_version_counter));
    DELETE FROM entry_versions WHERE article_id = OLD.id AND OLD.id IS NOT NEW.id;
END;

CREATE TRIGGER tr_articles_deleted_entry_version AFTER DELETE ON articles
BEGIN
    DELETE FROM entry_versions WHERE article_id = OLD.id;
END;

-- An entry lists its tags, in order. (UPDATE, not INSERT: a link removed with its article leaves no row.)
CREATE TRIGGER tr_article_tags_inserted_entry_version AFTER INSERT ON article_tags
BEGIN
    UPDATE entry_version_counter SET last = last + 1;
    UPDATE entry_versions SET version = (SELECT last FROM entry_version_counter) WHERE article_id = NEW.article_id;
END;

-- Copying the publish state into a link (0003) changes nothing an entry shows.
CREATE TRIGGER tr_article_tags_updated_entry_version AFTER UPDATE OF article_id, tag_id, position ON article_tags
BEGIN
    UPDATE entry_version_counter SET last = last + 1;
    UPDATE entry_versions SET version = (SELECT last FROM entry_version_counter) WHERE article_id IN (OLD.article_id, NEW.article_id);
END;

CREATE TRIGGER tr_article_tags_deleted_entry_version AFTER DELETE ON article_tags
BEGIN
    UPDATE entry_version_counter SET last = last + 1;
    UPDATE entry_versions SET version = (SELECT last FROM entry_version_counter) WHERE article_id = OLD.article_id;
END;

-- A renamed tag changes every entry that lists it: rare, and one statement however many articles it has.
CREATE TRIGGER tr_tags_renamed_entry_versions AFTER UPDATE OF name ON tags
WHEN OLD.name IS NOT NEW.name
BEGIN
    UPDATE entry_version_counter SET last = last + 1;
    UPDATE entry_versions SET version = (SELECT last FROM entry_version_counter)
    WHERE article_id IN (SELECT article_id FROM article_tags WHERE tag_id = NEW.id);
END;
