-- Feeds schema for SQL Server (2016 or later; Azure SQL).
-- Every time is a UTC instant in datetime2(7). Sites whose CMS stores naive local times convert them
-- on the way in (see README, "Times").

-- A category whose parent_id is NULL is a section; a section's feed includes its categories' articles.
CREATE TABLE dbo.categories (
    id         int           IDENTITY(1, 1) NOT NULL CONSTRAINT pk_categories PRIMARY KEY,
    slug       nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL CONSTRAINT uq_categories_slug UNIQUE,
    name       nvarchar(200) NOT NULL,
    parent_id  int           NULL CONSTRAINT fk_categories_parent REFERENCES dbo.categories (id),
    updated_at datetime2(7)  NOT NULL
);
GO

CREATE TABLE dbo.articles (
    id           bigint         IDENTITY(1, 1) NOT NULL CONSTRAINT pk_articles PRIMARY KEY,
    -- the CMS's id: the source of the feed GUID, never reused; compared byte for byte as in SQLite
    external_id  nvarchar(200)  COLLATE Latin1_General_100_BIN2 NOT NULL CONSTRAINT uq_articles_external_id UNIQUE,
    category_id  int            NOT NULL CONSTRAINT fk_articles_category REFERENCES dbo.categories (id),
    title        nvarchar(1000) NOT NULL,
    summary      nvarchar(max)  NULL,
    content_html nvarchar(max)  NULL,
    author       nvarchar(200)  NULL,
    source       nvarchar(200)  NULL,  -- the organisation the article comes from
    url          nvarchar(2000) NOT NULL,  -- canonical article page
    image_url    nvarchar(2000) NULL,  -- lead image
    published_at datetime2(7)   NOT NULL,
    updated_at   datetime2(7)   NOT NULL,
    is_published bit            NOT NULL CONSTRAINT df_articles_is_published DEFAULT (1)  -- 0: draft
);
GO

-- Newest N of a category: one seek on (category_id, 1, published_at <= now), read in order; the keys
-- a conditional GET needs are in the index, so a 304 reads no article row.
CREATE INDEX ix_articles_category_newest
    ON dbo.articles (category_id, is_published, published_at DESC, id DESC)
    INCLUDE (external_id, updated_at);
GO

-- Newest N of the whole site.
CREATE INDEX ix_articles_newest
    ON dbo.articles (is_published, published_at DESC, id DESC)
    INCLUDE (external_id, category_id, updated_at);
GO

CREATE TABLE dbo.tags (
    id   int           IDENTITY(1, 1) NOT NULL CONSTRAINT pk_tags PRIMARY KEY,
    name nvarchar(100) NOT NULL CONSTRAINT uq_tags_name UNIQUE
);
GO

CREATE TABLE dbo.article_tags (
    article_id bigint NOT NULL CONSTRAINT fk_article_tags_article REFERENCES dbo.articles (id) ON DELETE CASCADE,
    tag_id     int    NOT NULL CONSTRAINT fk_article_tags_tag REFERENCES dbo.tags (id),
    position   int    NOT NULL,  -- the order the CMS gave the tags
    CONSTRAINT pk_article_tags PRIMARY KEY (article_id, tag_id)
);
GO

CREATE INDEX ix_article_tags_tag ON dbo.article_tags (tag_id, article_id);
GO
