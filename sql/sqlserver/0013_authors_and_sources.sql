-- Author and source feeds (/feeds/authors/{name}, /feeds/sources/{name}). An article is filed under names of three
-- kinds: its tags ('t'), the authors its byline names ('a') and the organisation it comes from ('s'). All three are
-- rows of dbo.tags with their kind, linked through dbo.article_tags, so every trigger, index and query that keeps
-- a tag feed current keeps an author's and a source's too: a kind of named feed is a value of kind, not new tables.
-- A name is unique within its kind (a source and a tag may share one). Author and source names are up to 200
-- characters, as the import takes them.
-- kind: 't' tag, 'a' author, 's' source (Data/FiledNames); a kind the server does not know is left alone, so a
-- new kind needs no change of the table.
ALTER TABLE dbo.tags ADD kind nchar(1) NOT NULL CONSTRAINT df_tags_kind DEFAULT ('t');
ALTER TABLE dbo.tags DROP CONSTRAINT uq_tags_name;
ALTER TABLE dbo.tags ALTER COLUMN name nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL;
GO

ALTER TABLE dbo.tags ADD CONSTRAINT uq_tags_kind_name UNIQUE (kind, name);
GO

-- The articles stored so far, filed under their authors and sources as the writer files them from now on
-- (Data/Byline: a byline's names are split at 、 ， , ； ; and trimmed; positions after the tags'). A name is
-- trimmed of spaces only here (SQL Server 2016 has no TRIM of other characters).
CREATE TABLE #names_of_articles (article_id bigint NOT NULL, kind nchar(1) NOT NULL, name nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL, position int NOT NULL);

WITH bylines AS (
    SELECT a.id AS article_id,
           REPLACE(REPLACE(REPLACE(REPLACE(a.author COLLATE Latin1_General_100_BIN2,
               N'，', N'、'), N',', N'、'), N'；', N'、'), N';', N'、') AS joined
    FROM dbo.articles AS a
    WHERE a.author IS NOT NULL
), names AS (
    SELECT b.article_id, LTRIM(RTRIM(j.[value])) AS name, 1000 + CAST(j.[key] AS int) AS position
    FROM bylines AS b
    CROSS APPLY OPENJSON(N'["' + REPLACE(STRING_ESCAPE(b.joined, 'json'), N'、', N'","') + N'"]') AS j
)
INSERT INTO #names_of_articles (article_id, kind, name, position)
SELECT article_id, 'a', name, MIN(position) FROM names WHERE name <> N'' GROUP BY article_id, name;

INSERT INTO #names_of_articles (article_id, kind, name, position)
SELECT id, 's', source, 2000 FROM dbo.articles WHERE source IS NOT NULL;

INSERT INTO dbo.tags (kind, name) SELECT DISTINCT kind, name FROM #names_of_articles;

-- Filing stored articles changes no category's feed (its entries show neither link): as in 0003, the trigger that
-- moves a category's version for a new link is off for the backfill.
DISABLE TRIGGER dbo.tr_article_tags_changed ON dbo.article_tags;

INSERT INTO dbo.article_tags (article_id, tag_id, position)
SELECT n.article_id, t.id, n.position
FROM #names_of_articles AS n
JOIN dbo.tags AS t ON t.kind = n.kind AND t.name = n.name;

ENABLE TRIGGER dbo.tr_article_tags_changed ON dbo.article_tags;

DROP TABLE #names_of_articles;
GO
