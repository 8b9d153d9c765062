-- Change detection that sees every writer (the import, the CMS writing the tables, a hand-typed UPDATE):
-- each category carries a version that triggers move whenever anything its feeds show changes. The server
-- polls versions, not articles. A section's and the site's versions derive from their categories'.
-- An UPDATE that changes nothing a feed shows moves nothing, so re-saving an article keeps its feeds' ETags.

ALTER TABLE categories ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER tr_articles_inserted AFTER INSERT ON articles
BEGIN
    UPDATE categories SET version = version + 1 WHERE id = NEW.category_id;
END;

CREATE TRIGGER tr_articles_updated AFTER UPDATE ON articles
WHEN OLD.category_id IS NOT NEW.category_id OR OLD.external_id IS NOT NEW.external_id
  OR OLD.title IS NOT NEW.title OR OLD.summary IS NOT NEW.summary OR OLD.content_html IS NOT NEW.content_html
  OR OLD.author IS NOT NEW.author OR OLD.source IS NOT NEW.source OR OLD.url IS NOT NEW.url
  OR OLD.image_url IS NOT NEW.image_url OR OLD.published_at IS NOT NEW.published_at
  OR OLD.updated_at IS NOT NEW.updated_at OR OLD.is_published IS NOT NEW.is_published
BEGIN
    UPDATE categories SET version = version + 1 WHERE id IN (OLD.category_id, NEW.category_id);
END;

CREATE TRIGGER tr_articles_deleted AFTER DELETE ON articles
BEGIN
    UPDATE categories SET version = version + 1 WHERE id = OLD.category_id;
END;

-- Tags are shown as item categories.
CREATE TRIGGER tr_article_tags_inserted AFTER INSERT ON article_tags
BEGIN
    UPDATE categories SET version = version + 1
    WHERE id = (SELECT category_id FROM articles WHERE id = NEW.article_id);
END;

CREATE TRIGGER tr_article_tags_updated AFTER UPDATE ON article_tags
BEGIN
    UPDATE categories SET version = version + 1
    WHERE id IN (SELECT category_id FROM articles WHERE id IN (OLD.article_id, NEW.article_id));
END;

CREATE TRIGGER tr_article_tags_deleted AFTER DELETE ON article_tags
BEGIN
    UPDATE categories SET version = version + 1
    WHERE id = (SELECT category_id FROM articles WHERE id = OLD.article_id);
END;

CREATE TRIGGER tr_tags_renamed AFTER UPDATE OF name ON tags
WHEN OLD.name IS NOT NEW.name
BEGIN
    UPDATE categories SET version = version + 1
    WHERE id IN (SELECT a.category_id FROM article_tags x JOIN articles a ON a.id = x.article_id WHERE x.tag_id = NEW.id);
END;

-- A renamed or moved category: its own version moves (the sections it leaves and joins see their
-- membership change). The inner UPDATE touches only version, so it does not fire this trigger again.
CREATE TRIGGER tr_categories_changed AFTER UPDATE OF slug, name, parent_id ON categories
WHEN OLD.slug IS NOT NEW.slug OR OLD.name IS NOT NEW.name OR OLD.parent_id IS NOT NEW.parent_id
BEGIN
    UPDATE categories SET version = version + 1 WHERE id = NEW.id;
END;
