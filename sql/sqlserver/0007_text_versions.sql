-- Text versions (Formats/EntryCache): beside its entry version, every article has a version of its texts, the
-- fields its cleaned content is made from (title, summary, content_html, author, source, url, image_url; see
-- Content/CleanArticleCache). It moves only when one of them changes, not with its tags, dates, category or
-- publish state. An entry whose version moved but whose text version stayed (a tag added or renamed) is written
-- again from the texts kept in memory and its tags read anew: its body is not read.
--
-- Here it is the texts' own fingerprint: the first 8 bytes of a SHA-256 of the fields, each after its length so
-- that no two lists of fields run together alike (NULL leaves both empty). A persisted computed column, so every
-- writer (a CMS, Feeds' import) keeps it without a trigger, and a read costs no hashing. HASHBYTES takes input
-- over 8,000 bytes from SQL Server 2016 on, as OPENJSON needs already. Adding it writes every row once, as 0006 did.
ALTER TABLE dbo.articles ADD text_version AS CAST(SUBSTRING(HASHBYTES('SHA2_256', CONCAT(
    DATALENGTH(title), N':', title, N';',
    DATALENGTH(summary), N':', summary, N';',
    DATALENGTH(content_html), N':', content_html, N';',
    DATALENGTH(author), N':', author, N';',
    DATALENGTH(source), N':', source, N';',
    DATALENGTH(url), N':', url, N';',
    DATALENGTH(image_url), N':', image_url)), 1, 8) AS bigint) PERSISTED;
