-- Schema version 5: a page of a workspace's channel groups reads its rows
-- and their channel links as ranges in the order of the list, (created_at,
-- id), instead of probing a table and an index keyed by random IDs once per
-- channel group.
--
-- channel_groups is keyed by (workspace_id, created_at, id) and has no
-- rowid: the list reads the table itself, in order. UNIQUE (id) finds a
-- channel group by its ID (and keeps IDs unique, as the primary key did).
-- The unique index on the platform account, which UNIQUE made, now has a
-- name, channel_groups_account, so that the statement that finds an
-- account can name it: on a workspace of few channel groups, statistics
-- can make the planner prefer a range of the table.
--
-- A channel link carries its channel group's creation time,
-- cg_created_at, so that the index channel_group_channels_order holds the
-- links of a workspace in the order of the list: the channels of a page's
-- channel groups are neighbours in it. The foreign key of a link now names
-- the channel group's whole primary key, copy included: a link whose copy
-- differs from its channel group's creation time cannot be written, and
-- ON UPDATE CASCADE carries a change of the creation time to the links.
-- The tables are rebuilt, as a primary key and a foreign key cannot be
-- changed in place.
DROP INDEX channel_group_channels_order;
DROP INDEX channel_groups_list;
DROP INDEX channel_groups_platform_list;
ALTER TABLE channel_group_channels RENAME TO channel_group_channels_v4;
ALTER TABLE channel_groups RENAME TO channel_groups_v4;

-- Channel groups of a workspace, one per platform account.
CREATE TABLE channel_groups (
	id                  TEXT    NOT NULL UNIQUE,
	workspace_id        TEXT    NOT NULL,
	platform_id         TEXT    NOT NULL,
	platform_group_id   TEXT    NOT NULL,
	platform_group_name TEXT    NOT NULL,
	created_at          INTEGER NOT NULL,
	updated_at          INTEGER NOT NULL,
	-- ListChannelGroups; the target of channel_group_channels' foreign key,
	-- which keeps every link inside its workspace.
	PRIMARY KEY (workspace_id, created_at, id)
) STRICT, WITHOUT ROWID;

CREATE UNIQUE INDEX channel_groups_account ON channel_groups (workspace_id, platform_id, platform_group_id);

INSERT INTO channel_groups (id, workspace_id, platform_id, platform_group_id, platform_group_name, created_at, updated_at)
SELECT id, workspace_id, platform_id, platform_group_id, platform_group_name, created_at, updated_at
FROM channel_groups_v4
ORDER BY workspace_id, created_at, id;

-- A channel's place in a channel group. The primary key makes a channel a
-- member of at most one channel group per workspace. Channel IDs here are
-- opaque: they need not be mirrored channels. cg_created_at is the
-- channel group's created_at.
CREATE TABLE channel_group_channels (
	workspace_id     TEXT    NOT NULL,
	channel_id       TEXT    NOT NULL,
	channel_group_id TEXT    NOT NULL,
	cg_created_at    INTEGER NOT NULL,
	position         INTEGER NOT NULL,
	PRIMARY KEY (workspace_id, channel_id),
	FOREIGN KEY (workspace_id, cg_created_at, channel_group_id)
		REFERENCES channel_groups (workspace_id, created_at, id) ON DELETE CASCADE ON UPDATE CASCADE
) STRICT, WITHOUT ROWID;

-- Every link references its channel group (foreign key), so the join finds
-- every one of them.
INSERT INTO channel_group_channels (workspace_id, channel_id, channel_group_id, cg_created_at, position)
SELECT l.workspace_id, l.channel_id, l.channel_group_id, cg.created_at, l.position
FROM channel_group_channels_v4 AS l
	JOIN channel_groups_v4 AS cg ON cg.workspace_id = l.workspace_id AND cg.id = l.channel_group_id
ORDER BY l.workspace_id, l.channel_id;

DROP TABLE channel_group_channels_v4;
DROP TABLE channel_groups_v4;

-- ListChannelGroups with a platform filter: the keys of the platform's
-- channel groups in the order of the list, whose rows are then read from
-- the table in that same order.
CREATE INDEX channel_groups_platform_list ON channel_groups (workspace_id, platform_id, created_at, id);

-- A channel group's channels in attach order, the channel groups of a
-- workspace in the order of the list (the index holds channel_id too, the
-- rest of the table's key); also serves the foreign key when a channel
-- group is deleted.
CREATE INDEX channel_group_channels_order ON channel_group_channels (workspace_id, cg_created_at, channel_group_id, position);
