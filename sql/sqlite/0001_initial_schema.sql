-- Feeds schema for SQLite, the embedded default.
-- Every time is a UTC instant written as fixed-width ISO 8601 text, 2026-11-28T08:05:39.0000000Z,
-- so that text order is time order.

-- A category whose parent_id is NULL is a section; a section's feed includes its categories' articles.
CREATE TABLE categories (
    id         INTEGER NOT NULL PRIMARY KEY,
    slug       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    parent_id  INTEGER NULL REFERENCES categories (id),
    updated_at TEXT    NOT NULL
);

CREATE TABLE articles (
    id           INTEGER NOT NULL PRIMARY KEY,
    external_id  TEXT    NOT NULL UNIQUE,  -- the CMS's id: the source of the feed GUID, never reused
    category_id  INTEGER NOT NULL REFERENCES categories (id),
    title        TEXT    NOT NULL,
    summary      TEXT    NULL,
    content_html TEXT    NULL,
    author       TEXT    NULL,
    source       TEXT    NULL,             -- the organisation the article comes from
    url          TEXT    NOT NULL,         -- canonical article page
    image_url    TEXT    NULL,             -- lead image
    published_at TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    is_published INTEGER NOT NULL DEFAULT 1 CHECK (is_published IN (0, 1))  -- 0: draft
);

-- Newest N of a category: one seek on (category_id, 1, published_at <= now), read in order.
CREATE INDEX ix_articles_category_newest ON articles (category_id, is_published, published_at DESC, id DESC);
-- Newest N of the whole site.
CREATE INDEX ix_articles_newest ON articles (is_published, published_at DESC, id DESC);

CREATE TABLE tags (
    id   INTEGER NOT NULL PRIMARY KEY,
    name TEXT    NOT NULL UNIQUE
);

CREATE TABLE article_tags (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tags (id),
    position   INTEGER NOT NULL,  -- the order the CMS gave the tags
    PRIMARY KEY (article_id, tag_id)
);

CREATE INDEX ix_article_tags_tag ON article_tags (tag_id, article_id);
