-- Schema version 1, the same version as the SQLite store's first.
--
-- {{schema}} stands for the store's schema, quoted; the store replaces it
-- before running the file. Times are timestamptz with millisecond values.
-- Every list the store serves has an index whose leading columns are the
-- list's equality filter and whose remaining columns are its sort order, so
-- a page is read with one index range scan and no sort.
--
-- Concurrency: every write transaction first locks the row of its tenant
-- (organisations.id or workspaces.id), so that the writes of one tenant
-- run one after another. The constraints below are the last word whatever
-- a transaction does.

-- Mirror of the host's organisations; each row is also the lock of the
-- organisation's writes.
CREATE TABLE {{schema}}.organisations (
	id         uuid        NOT NULL PRIMARY KEY,
	name       text        NOT NULL,
	created_at timestamptz NOT NULL
);

-- Groups of an organisation. name_key is the folded name (grouping.FoldName)
-- under which names are unique among the groups that are not deleted.
CREATE TABLE {{schema}}.groups (
	id              uuid        NOT NULL PRIMARY KEY,
	organisation_id uuid        NOT NULL REFERENCES {{schema}}.organisations (id),
	name            text        NOT NULL,
	name_key        text        NOT NULL,
	description     text        NOT NULL,
	archived        boolean     NOT NULL,
	position        bigint      NOT NULL,
	version         bigint      NOT NULL CHECK (version >= 1),
	created_at      timestamptz NOT NULL,
	updated_at      timestamptz NOT NULL,
	deleted_at      timestamptz,
	-- Target of channels' (organisation_id, group_id) foreign key, which keeps
	-- every channel inside a group of its own organisation.
	CONSTRAINT groups_organisation_id UNIQUE (organisation_id, id)
);

-- Names are unique per organisation among live groups.
CREATE UNIQUE INDEX groups_name_key ON {{schema}}.groups (organisation_id, name_key)
	WHERE deleted_at IS NULL;

-- ListGroups, and the end of an organisation's group order.
CREATE INDEX groups_list ON {{schema}}.groups (organisation_id, position, created_at, id)
	WHERE deleted_at IS NULL;

-- ListGroups filtered by archived state.
CREATE INDEX groups_archived_list ON {{schema}}.groups (organisation_id, archived, position, created_at, id)
	WHERE deleted_at IS NULL;

-- Mirror of the host's channels. group_id and group_position are both set
-- while the channel is in a group and both NULL otherwise; a deleted channel
-- is in no group. owner_id is the nil UUID when the owner is unknown.
CREATE TABLE {{schema}}.channels (
	id              uuid        NOT NULL PRIMARY KEY,
	organisation_id uuid        NOT NULL REFERENCES {{schema}}.organisations (id),
	name            text        NOT NULL,
	description     text        NOT NULL,
	owner_id        uuid        NOT NULL,
	archived        boolean     NOT NULL,
	message_count   bigint      NOT NULL CONSTRAINT channels_message_count CHECK (message_count >= 0),
	-- Number of rows in channel_members, kept by the trigger below.
	user_count      bigint      NOT NULL DEFAULT 0 CONSTRAINT channels_user_count CHECK (user_count >= 0),
	created_at      timestamptz NOT NULL,
	deleted_at      timestamptz,
	group_id        uuid,
	group_position  bigint,
	CONSTRAINT channels_group_same_organisation FOREIGN KEY (organisation_id, group_id)
		REFERENCES {{schema}}.groups (organisation_id, id),
	CONSTRAINT channels_group_and_position CHECK ((group_id IS NULL) = (group_position IS NULL)),
	CONSTRAINT channels_deleted_ungrouped CHECK (deleted_at IS NULL OR group_id IS NULL)
);

-- ListGroupChannels, the channels of ListGroups and GetGroup, and the end of
-- a group's channel order.
CREATE INDEX channels_group ON {{schema}}.channels (group_id, group_position, id)
	WHERE group_id IS NOT NULL;

-- ListUngroupedChannels.
CREATE INDEX channels_ungrouped ON {{schema}}.channels (organisation_id, created_at, id)
	WHERE group_id IS NULL AND deleted_at IS NULL;

-- ListDiscoverableChannels: the live channels of an organisation in order.
-- Also serves the foreign key to organisations.
CREATE INDEX channels_live ON {{schema}}.channels (organisation_id, created_at, id)
	WHERE deleted_at IS NULL;

-- Mirror of the host's channel membership.
CREATE TABLE {{schema}}.channel_members (
	channel_id uuid NOT NULL REFERENCES {{schema}}.channels (id),
	user_id    uuid NOT NULL,
	PRIMARY KEY (channel_id, user_id)
);

-- The channels a user is a member of: ListDiscoverableChannels leaves them
-- out.
CREATE INDEX channel_members_user ON {{schema}}.channel_members (user_id, channel_id);

-- channels.user_count follows channel_members whoever writes them. A row
-- trigger rather than a statement trigger with transition tables: more
-- servers run it.
CREATE FUNCTION {{schema}}.channel_members_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		UPDATE {{schema}}.channels SET user_count = user_count + 1 WHERE id = NEW.channel_id;
		RETURN NEW;
	END IF;
	UPDATE {{schema}}.channels SET user_count = user_count - 1 WHERE id = OLD.channel_id;
	RETURN OLD;
END
$$;

CREATE TRIGGER channel_members_count AFTER INSERT OR DELETE ON {{schema}}.channel_members
	FOR EACH ROW EXECUTE FUNCTION {{schema}}.channel_members_count();

-- Workspaces that have had a channel group. There is no workspace registry:
-- a row is made on the first attach, and is the lock of the workspace's
-- writes.
CREATE TABLE {{schema}}.workspaces (
	id uuid NOT NULL PRIMARY KEY
);

-- Channel groups of a workspace, one per platform account.
CREATE TABLE {{schema}}.channel_groups (
	id                  uuid        NOT NULL PRIMARY KEY,
	workspace_id        uuid        NOT NULL REFERENCES {{schema}}.workspaces (id),
	platform_id         text        NOT NULL,
	platform_group_id   text        NOT NULL,
	platform_group_name text        NOT NULL,
	created_at          timestamptz NOT NULL,
	updated_at          timestamptz NOT NULL,
	CONSTRAINT channel_groups_account UNIQUE (workspace_id, platform_id, platform_group_id),
	-- Target of channel_group_channels' foreign key, which keeps every link
	-- inside its workspace.
	CONSTRAINT channel_groups_workspace_id UNIQUE (workspace_id, id)
);

-- ListChannelGroups without and with a platform filter.
CREATE INDEX channel_groups_list ON {{schema}}.channel_groups (workspace_id, created_at, id);
CREATE INDEX channel_groups_platform_list ON {{schema}}.channel_groups (workspace_id, platform_id, created_at, id);

-- A channel's place in a channel group. The primary key makes a channel a
-- member of at most one channel group per workspace. Channel IDs here are
-- opaque: they need not be mirrored channels.
CREATE TABLE {{schema}}.channel_group_channels (
	workspace_id     uuid   NOT NULL,
	channel_id       uuid   NOT NULL,
	channel_group_id uuid   NOT NULL,
	position         bigint NOT NULL,
	PRIMARY KEY (workspace_id, channel_id),
	CONSTRAINT channel_group_channels_same_workspace FOREIGN KEY (workspace_id, channel_group_id)
		REFERENCES {{schema}}.channel_groups (workspace_id, id) ON DELETE CASCADE
);

-- A channel group's channels in attach order; also serves the foreign key
-- when a channel group is deleted.
CREATE INDEX channel_group_channels_order ON {{schema}}.channel_group_channels (workspace_id, channel_group_id, position);
