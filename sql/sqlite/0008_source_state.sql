-- The CMS followed (Source/CmsFollower): where its changes have been applied up to, and which instance follows
-- it now. The cursor moves in the same transaction as the articles it brought, so a restart resumes from it with
-- nothing lost and nothing applied twice. The lease names one instance of a fleet; another takes over once it
-- has not been renewed for Feeds:Source:LeaseSeconds. Ticks are UTC .NET ticks: compared as numbers by both databases.
CREATE TABLE source_state (
    source            TEXT    NOT NULL PRIMARY KEY,
    change_cursor     TEXT    NULL,
    owner             TEXT    NULL,
    lease_until_ticks INTEGER NOT NULL DEFAULT 0
);

INSERT INTO source_state (source) VALUES ('cms');
