-- The CMS followed (Source/CmsFollower): where each of its passes stands, and which instance follows it now. A
-- place moves in the same transaction as the articles it brought, so a restart resumes from it with nothing lost
-- and nothing applied twice. The lease names one instance of a fleet; another takes over once it
-- has not been renewed for Feeds:Source:LeaseSeconds. Ticks are UTC .NET ticks: compared as numbers by both databases.
CREATE TABLE source_state (
    source            TEXT    NOT NULL PRIMARY KEY,
    change_cursor     TEXT    NULL,     -- the live pass: the last change value applied
    sweep_cursor      TEXT    NULL,     -- the sweep, reading again what committed late
    reconciled_after  TEXT    NULL,     -- the reconciliation walk: the last of Feeds' article ids asked
    owner             TEXT    NULL,
    lease_until_ticks INTEGER NOT NULL DEFAULT 0
);

INSERT INTO source_state (source) VALUES ('cms');
