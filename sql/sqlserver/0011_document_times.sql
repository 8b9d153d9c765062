-- Each document's Last-Modified (Data/DocumentTimes), one row per document shared by every instance, so that a
-- fleet gives one time per version of a document with Redis or without it, and after any fault. The time moves
-- only when the document's bytes do (its ETag), and always to a later second than the one given before.
-- document: a hash of the document's address (format, length, feed, archive page), or a page's name.
-- mark: the database's change mark (feed_change_mark) the bytes were read at; a render that read below it is older.
CREATE TABLE dbo.document_times (
    document    nvarchar(64)  NOT NULL CONSTRAINT pk_document_times PRIMARY KEY,
    etag        nvarchar(100) NOT NULL,
    mark        bigint        NOT NULL,
    modified_at datetime2(7)  NOT NULL
);
