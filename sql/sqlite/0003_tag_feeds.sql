-- Tag feeds (/feeds/tags/{tag}.rss): each tag carries its own version, moved by the same kinds of change
-- as a category's, and article_tags carries a copy of its article's publish state so that "the newest
-- visible articles of a tag" and "the newest due of a tag" are one index seek each, like a category's.
-- Triggers keep the copy, so every writer (the import, the CMS, a hand-typed UPDATE) keeps it right.

ALTER TABLE tags ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE article_tags ADD COLUMN published_at TEXT NULL;
ALTER TABLE article_tags ADD COLUMN is_published INTEGER NOT NULL DEFAULT 0;

-- 0002's trigger fired on any UPDATE of article_tags; the copies below update article_tags too, and
-- copying the publish state is no change of what a category's feeds show by itself. Dropped first, so that
-- filling the copy below does not move a category version for every row of a large database.
DROP TRIGGER tr_article_tags_updated;

-- One pass joining articles (UPDATE ... FROM), then the index: about a second per 100,000 links.
UPDATE article_tags
SET published_at = a.published_at, is_published = a.is_published
FROM articles a
WHERE a.id = article_tags.article_id;

CREATE INDEX ix_article_tags_newest ON article_tags (tag_id, is_published, published_at DESC, article_id DESC);

CREATE TRIGGER tr_article_tags_updated AFTER UPDATE OF article_id, tag_id, position ON article_tags
BEGIN
    UPDATE categories SET version = version + 1
    WHERE id IN (SELECT category_id FROM articles WHERE id IN (OLD.article_id, NEW.article_id));
    UPDATE tags SET version = version + 1 WHERE id IN (OLD.tag_id, NEW.tag_id);
END;

CREATE TRIGGER tr_article_tags_inserted_copy AFTER INSERT ON article_tags
BEGIN
    UPDATE article_tags
    SET published_at = (SELECT published_at FROM articles WHERE id = NEW.article_id),
        is_published = COALESCE((SELECT is_published FROM articles WHERE id = NEW.article_id), 0)
    WHERE article_id = NEW.article_id AND tag_id = NEW.tag_id;
    UPDATE tags SET version = version + 1 WHERE id = NEW.tag_id;
END;

-- Also runs for the rows ON DELETE CASCADE removes with their article.
CREATE TRIGGER tr_article_tags_deleted_tag AFTER DELETE ON article_tags
BEGIN
    UPDATE tags SET version = version + 1 WHERE id = OLD.tag_id;
END;

-- The same visible changes that move a category's version move its tags' versions.
CREATE TRIGGER tr_articles_updated_tags AFTER UPDATE ON articles
WHEN OLD.category_id IS NOT NEW.category_id OR OLD.external_id IS NOT NEW.external_id
  OR OLD.title IS NOT NEW.title OR OLD.summary IS NOT NEW.summary OR OLD.content_html IS NOT NEW.content_html
  OR OLD.author IS NOT NEW.author OR OLD.source IS NOT NEW.source OR OLD.url IS NOT NEW.url
  OR OLD.image_url IS NOT NEW.image_url OR OLD.published_at IS NOT NEW.published_at
  OR OLD.updated_at IS NOT NEW.updated_at OR OLD.is_published IS NOT NEW.is_published
BEGIN
    UPDATE article_tags SET published_at = NEW.published_at, is_published = NEW.is_published
    WHERE article_id = NEW.id AND (published_at IS NOT NEW.published_at OR is_published IS NOT NEW.is_published);
    UPDATE tags SET version = version + 1 WHERE id IN (SELECT tag_id FROM article_tags WHERE article_id = NEW.id);
END;

-- Before: with foreign keys off (a CMS connection may not enable them) no cascade would tell the tags.
CREATE TRIGGER tr_articles_deleted_tags BEFORE DELETE ON articles
BEGIN
    UPDATE tags SET version = version + 1 WHERE id IN (SELECT tag_id FROM article_tags WHERE article_id = OLD.id);
END;

-- A renamed tag changes its feed's title (and its slug). The inner UPDATE touches only version.
CREATE TRIGGER tr_tags_renamed_version AFTER UPDATE OF name ON tags
WHEN OLD.name IS NOT NEW.name
BEGIN
    UPDATE tags SET version = version + 1 WHERE id = NEW.id;
END;
