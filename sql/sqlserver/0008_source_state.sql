-- The CMS followed (Source/CmsFollower): where each of its passes stands, and which instance follows it now. A
-- place moves in the same transaction as the articles it brought, so a restart resumes from it with nothing lost
-- and nothing applied twice. The lease names one instance of a fleet; another takes over once it
-- has not been renewed for Feeds:Source:LeaseSeconds. Ticks are UTC .NET ticks: compared as numbers by both databases.
CREATE TABLE dbo.source_state (
    source            nvarchar(100) NOT NULL CONSTRAINT pk_source_state PRIMARY KEY,
    change_cursor     nvarchar(400) NULL,  -- the live pass: the last change value applied
    sweep_cursor      nvarchar(400) NULL,  -- the sweep, reading again what committed late
    reconciled_after  nvarchar(200) NULL,  -- the reconciliation walk: the last of Feeds' article ids asked
    owner             nvarchar(200) NULL,
    lease_until_ticks bigint        NOT NULL CONSTRAINT df_source_state_lease DEFAULT 0
);

INSERT INTO dbo.source_state (source) VALUES (N'cms');
