-- Text versions (Formats/EntryCache): beside its entry version, every article has a version of its texts, the
-- fields its cleaned content is made from (title, summary, content_html, author, source, url, image_url; see
-- Content/CleanArticleCache). It moves only when one of them changes, not with its tags, dates, category or
-- publish state. An entry whose version moved but whose text version stayed (a tag added or renamed) is written
-- again from the texts kept in memory and its tags read anew: its body is not read.
--
-- From the same counter as the entry versions, so no text version is given twice either, not even to an id that
-- SQLite hands out again. Articles written before this migration start at their entry version.
ALTER TABLE entry_versions ADD COLUMN text_version INTEGER;

UPDATE entry_versions SET text_version = version;

DROP TRIGGER tr_articles_inserted_entry_version;

CREATE TRIGGER tr_articles_inserted_entry_version AFTER INSERT ON articles
BEGIN
    UPDATE entry_version_counter SET last = last + 1;
    INSERT OR REPLACE INTO entry_versions (article_id, version, text_version)
    VALUES (NEW.id, (SELECT last FROM entry_version_counter), (SELECT last FROM entry_version_counter));
END;

-- The condition is 0006's; the text version moves with the texts alone, or with the id.
DROP TRIGGER tr_articles_updated_entry_version;

CREATE TRIGGER tr_articles_updated_entry_version AFTER UPDATE ON articles
WHEN OLD.category_id IS NOT NEW.category_id OR OLD.external_id IS NOT NEW.external_id
  OR OLD.title IS NOT NEW.title OR OLD.summary IS NOT NEW.summary OR OLD.content_html IS NOT NEW.content_html
  OR OLD.author IS NOT NEW.author OR OLD.source IS NOT NEW.source OR OLD.url IS NOT NEW.url
  OR OLD.image_url IS NOT NEW.image_url OR OLD.published_at IS NOT NEW.published_at
  OR OLD.updated_at IS NOT NEW.updated_at OR OLD.is_published IS NOT NEW.is_published
BEGIN
    UPDATE entry_version_counter SET last = last + 1;
    INSERT OR REPLACE INTO entry_versions (article_id, version, text_version)
    VALUES (NEW.id, (SELECT last FROM entry_version_counter),
        CASE WHEN OLD.id IS NOT NEW.id
               OR OLD.title IS NOT NEW.title OR OLD.summary IS NOT NEW.summary OR OLD.content_html IS NOT NEW.content_html
               OR OLD.author IS NOT NEW.author OR OLD.source IS NOT NEW.source OR OLD.url IS NOT NEW.url
               OR OLD.image_url IS NOT NEW.image_url
             THEN (SELECT last FROM entry_version_counter)
             ELSE (SELECT text_version FROM entry_versions WHERE article_id = OLD.id)
        END);
    DELETE FROM entry_versions WHERE article_id = OLD.id AND OLD.id IS NOT NEW.id;
END;
