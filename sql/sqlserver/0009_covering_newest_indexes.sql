-- The newest-N reads return each key's entry version and text version (0006, 0007) beside what the indexes
-- already carried, so each key cost a lookup into the table: N lookups a feed, categories x N for a section.
-- Carried in the indexes now, a newest-N read, and a 304's, is one ordered range read. Rebuilding writes each
-- index once, as 0006 and 0007 wrote every row (README, "Migrations").
CREATE INDEX ix_articles_category_newest
    ON dbo.articles (category_id, is_published, published_at DESC, id DESC)
    INCLUDE (external_id, updated_at, version, text_version)
    WITH (DROP_EXISTING = ON);
GO

CREATE INDEX ix_articles_newest
    ON dbo.articles (is_published, published_at DESC, id DESC)
    INCLUDE (external_id, category_id, updated_at, version, text_version)
    WITH (DROP_EXISTING = ON);
GO
