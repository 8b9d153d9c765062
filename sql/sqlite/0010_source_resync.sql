-- Following a CMS through SQL Server Change Tracking (Source/CmsFollower): where a full read of the CMS stands,
-- which a first follow and a cursor older than CHANGE_TRACKING_MIN_VALID_VERSION start. NULL: none running;
-- '' : started, no page applied yet; else the last key (ResyncQuery's change column) applied. It moves in the
-- same transaction as the articles of its page, like the other places of source_state.
ALTER TABLE source_state ADD COLUMN resync_after TEXT NULL;
