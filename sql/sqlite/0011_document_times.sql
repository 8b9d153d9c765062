-- Each document's Last-Modified (Data/DocumentTimes), one row per document shared by every instance, so that a
-- fleet gives one time per version of a document with Redis or without it, and after any fault. The time moves
-- only when the document's bytes do (its ETag), and always to a later second than the one given before.
-- document: a hash of the document's address (format, length, feed, archive page), or a page's name.
-- mark: the database's change mark (feed_changes) the bytes were read at; a render that read below it is older.
CREATE TABLE document_times (
    document    TEXT    NOT NULL PRIMARY KEY,
    etag        TEXT    NOT NULL,
    mark        INTEGER NOT NULL,
    modified_at TEXT    NOT NULL
);
