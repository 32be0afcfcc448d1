-- Schema version 1.
--
-- IDs are canonical lower-case UUID text; times are Unix milliseconds (UTC).
-- Every list the store serves has an index whose leading columns are the
-- list's equality filter and whose remaining columns are its sort order, so
-- a page is read with one index range scan and no sort.

-- Mirror of the host's organisations. next_group_position is the position
-- of the next group created: one past the last group created, or past the
-- last position of the latest reorder.
CREATE TABLE organisations (
	id                  TEXT    NOT NULL PRIMARY KEY,
	name                TEXT    NOT NULL,
	created_at          INTEGER NOT NULL,
	next_group_position INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

-- Groups of an organisation. name_key is the folded name (grouping.FoldName)
-- under which names are unique among the groups that are not deleted.
CREATE TABLE groups (
	id              TEXT    NOT NULL PRIMARY KEY,
	organisation_id TEXT    NOT NULL REFERENCES organisations (id),
	name            TEXT    NOT NULL,
	name_key        TEXT    NOT NULL,
	description     TEXT    NOT NULL,
	archived        INTEGER NOT NULL CHECK (archived IN (0, 1)),
	position        INTEGER NOT NULL,
	version         INTEGER NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	deleted_at      INTEGER,
	-- Target of channels' (organisation_id, group_id) foreign key, which keeps
	-- every channel inside a group of its own organisation.
	UNIQUE (organisation_id, id)
) STRICT;

CREATE UNIQUE INDEX groups_name_key ON groups (organisation_id, name_key)
	WHERE deleted_at IS NULL;

-- ListGroups.
CREATE INDEX groups_list ON groups (organisation_id, position, created_at, id)
	WHERE deleted_at IS NULL;

-- Mirror of the host's channels. group_id and group_position are both set
-- while the channel is in a group and both NULL otherwise; a deleted channel
-- is in no group.
CREATE TABLE channels (
	id              TEXT    NOT NULL PRIMARY KEY,
	organisation_id TEXT    NOT NULL REFERENCES organisations (id),
	name            TEXT    NOT NULL,
	description     TEXT    NOT NULL,
	owner_id        TEXT    NOT NULL,
	archived        INTEGER NOT NULL CHECK (archived IN (0, 1)),
	message_count   INTEGER NOT NULL CHECK (message_count >= 0),
	-- Number of rows in channel_members, kept by the triggers below.
	user_count      INTEGER NOT NULL DEFAULT 0 CHECK (user_count >= 0),
	created_at      INTEGER NOT NULL,
	deleted_at      INTEGER,
	group_id        TEXT,
	group_position  INTEGER,
	FOREIGN KEY (organisation_id, group_id) REFERENCES groups (organisation_id, id),
	CHECK ((group_id IS NULL) = (group_position IS NULL)),
	CHECK (deleted_at IS NULL OR group_id IS NULL)
) STRICT;

-- ListGroupChannels, the channels of ListGroups and GetGroup, and the end of
-- a group's channel order.
CREATE INDEX channels_group ON channels (group_id, group_position, id)
	WHERE group_id IS NOT NULL;

-- ListUngroupedChannels.
CREATE INDEX channels_ungrouped ON channels (organisation_id, created_at, id)
	WHERE group_id IS NULL AND deleted_at IS NULL;

-- ListDiscoverableChannels, which reads the live channels (deleted_at IS
-- NULL) in order. Not partial, so that it also serves the foreign key to
-- organisations.
CREATE INDEX channels_org ON channels (organisation_id, deleted_at, created_at, id);

-- Mirror of the host's channel membership.
CREATE TABLE channel_members (
	channel_id TEXT NOT NULL REFERENCES channels (id),
	user_id    TEXT NOT NULL,
	PRIMARY KEY (channel_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER channel_members_count_insert AFTER INSERT ON channel_members
BEGIN
	UPDATE channels SET user_count = user_count + 1 WHERE id = NEW.channel_id;
END;

CREATE TRIGGER channel_members_count_delete AFTER DELETE ON channel_members
BEGIN
	UPDATE channels SET user_count = user_count - 1 WHERE id = OLD.channel_id;
END;

-- Channel groups of a workspace, one per platform account.
CREATE TABLE channel_groups (
	id                  TEXT    NOT NULL PRIMARY KEY,
	workspace_id        TEXT    NOT NULL,
	platform_id         TEXT    NOT NULL,
	platform_group_id   TEXT    NOT NULL,
	platform_group_name TEXT    NOT NULL,
	created_at          INTEGER NOT NULL,
	updated_at          INTEGER NOT NULL,
	UNIQUE (workspace_id, platform_id, platform_group_id),
	-- Target of channel_group_channels' foreign key, which keeps every link
	-- inside its workspace.
	UNIQUE (workspace_id, id)
) STRICT;

-- ListChannelGroups without and with a platform filter.
CREATE INDEX channel_groups_list ON channel_groups (workspace_id, created_at, id);
CREATE INDEX channel_groups_platform_list ON channel_groups (workspace_id, platform_id, created_at, id);

-- A channel's place in a channel group. The primary key makes a channel a
-- member of at most one channel group per workspace. Channel IDs here are
-- opaque: they need not be mirrored channels.
CREATE TABLE channel_group_channels (
	workspace_id     TEXT    NOT NULL,
	channel_id       TEXT    NOT NULL,
	channel_group_id TEXT    NOT NULL,
	position         INTEGER NOT NULL,
	PRIMARY KEY (workspace_id, channel_id),
	FOREIGN KEY (workspace_id, channel_group_id) REFERENCES channel_groups (workspace_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- A channel group's channels in attach order; also serves the foreign key
-- when a channel group is deleted.
CREATE INDEX channel_group_channels_order ON channel_group_channels (workspace_id, channel_group_id, position);
