-- Every entry names its category (Content/FeedBuilder: the first of its categories), so a renamed category changes
-- the tag feeds its articles are in, not only its own feed: their tags' versions move too. Before, a rename left
-- those tag feeds showing the old name until the tag changed again (found by ArticleFieldTests once it checked
-- category and tag versions apart). Renames are rare; the cost is one pass over the category's tag links.
CREATE TRIGGER tr_categories_renamed_tags AFTER UPDATE OF name ON categories
WHEN OLD.name IS NOT NEW.name
BEGIN
    UPDATE tags SET version = version + 1
    WHERE id IN (SELECT x.tag_id FROM article_tags x JOIN articles a ON a.id = x.article_id WHERE a.category_id = NEW.id);
END;
