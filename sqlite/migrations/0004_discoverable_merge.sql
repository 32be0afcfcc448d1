-- Schema version 4: the discoverable channels list skips the user's
-- channels and the archived ones by merging index ranges in the order of
-- the list, (created_at, id), instead of probing the user's membership of
-- each channel.
--
-- A membership now carries its channel's organisation, creation time and
-- whether it is deleted, so that an index orders a user's memberships of
-- an organisation as the list orders its channels. The statements that add
-- members copy them from the channel; the trigger channels_member_keys
-- copies them again whenever one of them changes. The table is rebuilt so
-- that the copies are NOT NULL without a default: an insert that does not
-- give them fails instead of storing a wrong key.
DROP TRIGGER channel_members_count_insert;
DROP TRIGGER channel_members_count_delete;
ALTER TABLE channel_members RENAME TO channel_members_v3;

-- Mirror of the host's channel membership. organisation_id,
-- channel_created_at and channel_deleted are those of the channel
-- (channel_deleted: 1 when its deleted_at is set).
CREATE TABLE channel_members (
	channel_id         TEXT    NOT NULL REFERENCES channels (id),
	user_id            TEXT    NOT NULL,
	organisation_id    TEXT    NOT NULL,
	channel_created_at INTEGER NOT NULL,
	channel_deleted    INTEGER NOT NULL CHECK (channel_deleted IN (0, 1)),
	PRIMARY KEY (channel_id, user_id)
) STRICT, WITHOUT ROWID;

-- Every membership references its channel (foreign key), so the join
-- finds every one of them.
INSERT INTO channel_members (channel_id, user_id, organisation_id, channel_created_at, channel_deleted)
SELECT m.channel_id, m.user_id, c.organisation_id, c.created_at, c.deleted_at IS NOT NULL
FROM channel_members_v3 AS m JOIN channels AS c ON c.id = m.channel_id
ORDER BY m.channel_id, m.user_id;

DROP TABLE channel_members_v3;

CREATE TRIGGER channel_members_count_insert AFTER INSERT ON channel_members
BEGIN
	UPDATE channels SET user_count = user_count + 1 WHERE id = NEW.channel_id;
END;

CREATE TRIGGER channel_members_count_delete AFTER DELETE ON channel_members
BEGIN
	UPDATE channels SET user_count = user_count - 1 WHERE id = OLD.channel_id;
END;

-- ListDiscoverableChannels: a user's memberships of the live channels of
-- an organisation, in the order of the list.
CREATE INDEX channel_members_user ON channel_members (user_id, organisation_id, channel_created_at, channel_id)
	WHERE channel_deleted = 0;

-- Keeps the copies in channel_members equal to the channel's values. The
-- UPDATE statements that leave these columns out do not fire it, and the
-- WHEN clause spares the memberships a rewrite when an update sets them to
-- the values they had.
CREATE TRIGGER channels_member_keys AFTER UPDATE OF organisation_id, created_at, deleted_at ON channels
WHEN NEW.organisation_id IS NOT OLD.organisation_id OR NEW.created_at IS NOT OLD.created_at
	OR (NEW.deleted_at IS NULL) <> (OLD.deleted_at IS NULL)
BEGIN
	UPDATE channel_members SET organisation_id = NEW.organisation_id,
		channel_created_at = NEW.created_at, channel_deleted = NEW.deleted_at IS NOT NULL
	WHERE channel_id = NEW.id;
END;

-- ListDiscoverableChannels without archived channels: an organisation's
-- live archived channels in the order of the list, which it skips as it
-- skips the user's. Partial, so that only archived channels pay for it.
CREATE INDEX channels_archived ON channels (organisation_id, created_at, id)
	WHERE archived = 1 AND deleted_at IS NULL;
