package sqlite

// Every statement the store runs is declared here, so that Open prepares
// them all up front and a call never parses SQL; the query-plan test
// examines these very statements. Statements declared with prepare run in
// write transactions only; those declared with prepareRead run in read
// transactions too and are prepared for both pools.
//
// Each paginated list reads one index range: its equality filter, then a
// row-value comparison that starts after the cursor's key, in the index's
// order, limit+1 rows (the extra row tells whether there is a next page).
// The first page starts after a key below every row (see pager.args).

// statement is a SQL statement of the store.
type statement struct {
	sql  string
	read bool // used by read transactions as well
}

// statements lists every statement declared with prepare or prepareRead.
var statements []*statement

// prepare declares a statement of write transactions.
func prepare(sql string) *statement {
	st := &statement{sql: sql}
	statements = append(statements, st)
	return st
}

// prepareRead declares a statement of read and write transactions.
func prepareRead(sql string) *statement {
	st := prepare(sql)
	st.read = true
	return st
}

// channelColumns are the columns scanChannel reads, of channels AS c.
const channelColumns = `c.id, c.organisation_id, c.name, c.description, c.owner_id,
	c.user_count, c.message_count, c.archived, c.group_id, c.group_position,
	c.created_at, c.deleted_at`

// groupColumns are the columns scanGroup reads, of groups AS g.
const groupColumns = `g.id, g.organisation_id, g.name, g.description, g.archived,
	g.position, g.version, g.created_at, g.updated_at, g.deleted_at`

// channelGroupColumns are the columns scanChannelGroup reads, of
// channel_groups AS cg.
const channelGroupColumns = `cg.id, cg.workspace_id, cg.platform_id, cg.platform_group_id,
	cg.platform_group_name, cg.created_at, cg.updated_at`

// ---- Lists ----

// sqlListGroups lists an organisation's live groups (index groups_list).
// :archived is NULL for all groups, or 0 or 1.
var sqlListGroups = prepareRead(`SELECT ` + groupColumns + `
FROM groups AS g
WHERE g.organisation_id = :org AND g.deleted_at IS NULL
	AND (:archived IS NULL OR g.archived = :archived)
	AND (g.position, g.created_at, g.id) > (:pos, :time, :id)
ORDER BY g.position, g.created_at, g.id
LIMIT :limit`)

// sqlGroupsChannels loads the live, unarchived channels of several groups at
// once (index channels_group), for ListGroups and GetGroup with channels.
// :groups is a JSON array of group IDs.
var sqlGroupsChannels = prepareRead(`SELECT ` + channelColumns + `
FROM channels AS c
WHERE c.group_id IN (SELECT value FROM json_each(:groups))
	AND c.deleted_at IS NULL AND c.archived = 0
ORDER BY c.group_id, c.group_position, c.id`)

// sqlListGroupChannels lists one group's channels in group order (index
// channels_group). :archived is 1 to include archived channels.
var sqlListGroupChannels = prepareRead(`SELECT ` + channelColumns + `
FROM channels AS c
WHERE c.group_id = :group AND c.deleted_at IS NULL
	AND (:archived OR c.archived = 0)
	AND (c.group_position, c.id) > (:pos, :id)
ORDER BY c.group_position, c.id
LIMIT :limit`)

// sqlListUngroupedChannels lists an organisation's live channels in no group
// (partial index channels_ungrouped). channels_org would serve too, but
// reads the grouped channels as well, so the query names its index.
var sqlListUngroupedChannels = prepareRead(`SELECT ` + channelColumns + `
FROM channels AS c INDEXED BY channels_ungrouped
WHERE c.organisation_id = :org AND c.group_id IS NULL AND c.deleted_at IS NULL
	AND (:archived OR c.archived = 0)
	AND (c.created_at, c.id) > (:time, :id)
ORDER BY c.created_at, c.id
LIMIT :limit`)

// sqlListDiscoverableChannels lists an organisation's live channels of which
// :user is not a member (index channels_org, then one primary key probe of
// channel_members per channel).
var sqlListDiscoverableChannels = prepareRead(`SELECT ` + channelColumns + `
FROM channels AS c
WHERE c.organisation_id = :org AND c.deleted_at IS NULL
	AND (:archived OR c.archived = 0)
	AND NOT EXISTS (
		SELECT 1 FROM channel_members AS m
		WHERE m.channel_id = c.id AND m.user_id = :user)
	AND (c.created_at, c.id) > (:time, :id)
ORDER BY c.created_at, c.id
LIMIT :limit`)

// sqlListChannelGroups lists a workspace's channel groups (index
// channel_groups_list).
var sqlListChannelGroups = prepareRead(`SELECT ` + channelGroupColumns + `
FROM channel_groups AS cg
WHERE cg.workspace_id = :ws
	AND (cg.created_at, cg.id) > (:time, :id)
ORDER BY cg.created_at, cg.id
LIMIT :limit`)

// sqlListPlatformChannelGroups lists a workspace's channel groups of one
// platform (index channel_groups_platform_list).
var sqlListPlatformChannelGroups = prepareRead(`SELECT ` + channelGroupColumns + `
FROM channel_groups AS cg
WHERE cg.workspace_id = :ws AND cg.platform_id = :platform
	AND (cg.created_at, cg.id) > (:time, :id)
ORDER BY cg.created_at, cg.id
LIMIT :limit`)

// sqlChannelGroupsChannels loads the channel IDs of several channel groups
// at once, each in attach order (index channel_group_channels_order).
// :groups is a JSON array of channel group IDs.
var sqlChannelGroupsChannels = prepareRead(`SELECT l.channel_group_id, l.channel_id
FROM channel_group_channels AS l
WHERE l.workspace_id = :ws
	AND l.channel_group_id IN (SELECT value FROM json_each(:groups))
ORDER BY l.channel_group_id, l.position`)

// ---- Organisations and channels ----

var sqlUpsertOrganisation = prepare(`
INSERT INTO organisations (id, name, created_at) VALUES (?, ?, ?)
ON CONFLICT (id) DO UPDATE SET name = excluded.name
RETURNING created_at`)

var sqlOrganisationExists = prepareRead(`SELECT 1 FROM organisations WHERE id = ?`)

// sqlChannelState finds a channel in any organisation, deleted or not.
var sqlChannelState = prepare(`SELECT organisation_id, deleted_at FROM channels WHERE id = ?`)

var sqlInsertChannel = prepare(`
INSERT INTO channels (id, organisation_id, name, description, owner_id,
	archived, message_count, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)

// sqlUpdateChannel keeps created_at when given NULL.
var sqlUpdateChannel = prepare(`
UPDATE channels SET name = ?, description = ?, owner_id = ?, archived = ?,
	message_count = ?, created_at = COALESCE(?, created_at)
WHERE id = ?`)

// sqlFindChannel finds a live channel of an organisation.
var sqlFindChannel = prepareRead(`
SELECT ` + channelColumns + ` FROM channels AS c
WHERE c.id = ? AND c.organisation_id = ? AND c.deleted_at IS NULL`)

var sqlDeleteChannel = prepare(`
UPDATE channels SET deleted_at = ?, group_id = NULL, group_position = NULL
WHERE id = ? AND organisation_id = ? AND deleted_at IS NULL`)

var sqlChannelMembers = prepareRead(`SELECT user_id FROM channel_members WHERE channel_id = ? ORDER BY user_id`)

// sqlDeleteOtherMembers and sqlInsertMembers replace a channel's members
// with those of a JSON array of user IDs.
var sqlDeleteOtherMembers = prepare(`
DELETE FROM channel_members
WHERE channel_id = ? AND user_id NOT IN (SELECT value FROM json_each(?))`)

// The WHERE clause keeps the parser from reading ON CONFLICT as a join
// constraint.
var sqlInsertMembers = prepare(`
INSERT INTO channel_members (channel_id, user_id)
SELECT ?, value FROM json_each(?) WHERE true
ON CONFLICT DO NOTHING`)

var sqlAddMember = prepare(`
INSERT INTO channel_members (channel_id, user_id) VALUES (?, ?)
ON CONFLICT DO NOTHING`)

var sqlRemoveMember = prepare(`DELETE FROM channel_members WHERE channel_id = ? AND user_id = ?`)

// ---- Groups ----

// sqlNextGroupPosition takes the organisation's next group position.
var sqlNextGroupPosition = prepare(`
UPDATE organisations SET next_group_position = next_group_position + 1
WHERE id = ? RETURNING next_group_position - 1`)

var sqlSetNextGroupPosition = prepare(`UPDATE organisations SET next_group_position = ? WHERE id = ?`)

var sqlInsertGroup = prepare(`
INSERT INTO groups (id, organisation_id, name, name_key, description, archived,
	position, version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)

// sqlGroupNameTaken finds a live group with a name key, other than one
// group (index groups_name_key).
var sqlGroupNameTaken = prepare(`
SELECT 1 FROM groups
WHERE organisation_id = ? AND name_key = ? AND deleted_at IS NULL AND id <> ?`)

// sqlFindGroup finds a live group of an organisation.
var sqlFindGroup = prepareRead(`
SELECT ` + groupColumns + ` FROM groups AS g
WHERE g.id = ? AND g.organisation_id = ? AND g.deleted_at IS NULL`)

var sqlGroupName = prepare(`SELECT name FROM groups WHERE id = ?`)

var sqlUpdateGroup = prepare(`
UPDATE groups SET name = ?, name_key = ?, description = ?, archived = ?,
	version = ?, updated_at = ?
WHERE id = ?`)

var sqlDeleteGroup = prepare(`UPDATE groups SET deleted_at = ?1, updated_at = ?1 WHERE id = ?2`)

// sqlLiveGroupIDs lists an organisation's live groups (index groups_list).
var sqlLiveGroupIDs = prepare(`SELECT id FROM groups WHERE organisation_id = ? AND deleted_at IS NULL`)

var sqlSetGroupPosition = prepare(`UPDATE groups SET position = ? WHERE id = ? AND position <> ?`)

// sqlPutChannel puts channel ?2 at the end of group ?1 (index
// channels_group gives the end).
var sqlPutChannel = prepare(`
UPDATE channels SET group_id = ?1, group_position = (
	SELECT COALESCE(MAX(group_position) + 1, 0) FROM channels WHERE group_id = ?1)
WHERE id = ?2`)

var sqlRemoveChannel = prepare(`UPDATE channels SET group_id = NULL, group_position = NULL WHERE id = ?`)

// sqlUngroupChannels empties a group (index channels_group).
var sqlUngroupChannels = prepare(`UPDATE channels SET group_id = NULL, group_position = NULL WHERE group_id = ?`)

// sqlGroupChannelIDs lists every channel of a group, archived ones included
// (index channels_group).
var sqlGroupChannelIDs = prepare(`SELECT id FROM channels WHERE group_id = ?`)

var sqlSetChannelPosition = prepare(`UPDATE channels SET group_position = ? WHERE id = ? AND group_position <> ?`)

// ---- Channel groups ----

// sqlFindAccount finds the channel group of a platform account.
var sqlFindAccount = prepare(`
SELECT ` + channelGroupColumns + ` FROM channel_groups AS cg
WHERE cg.workspace_id = ? AND cg.platform_id = ? AND cg.platform_group_id = ?`)

// sqlFindChannelGroup finds a channel group of a workspace.
var sqlFindChannelGroup = prepareRead(`
SELECT ` + channelGroupColumns + ` FROM channel_groups AS cg
WHERE cg.id = ? AND cg.workspace_id = ?`)

var sqlInsertChannelGroup = prepare(`
INSERT INTO channel_groups (id, workspace_id, platform_id, platform_group_id,
	platform_group_name, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?)`)

var sqlRenameChannelGroup = prepare(`UPDATE channel_groups SET platform_group_name = ?, updated_at = ? WHERE id = ?`)

var sqlTouchChannelGroup = prepare(`UPDATE channel_groups SET updated_at = ? WHERE id = ?`)

// sqlDeleteChannelGroup deletes a channel group of a workspace and, by
// ON DELETE CASCADE, its channel links.
var sqlDeleteChannelGroup = prepare(`DELETE FROM channel_groups WHERE id = ? AND workspace_id = ?`)

// sqlAttachedTo finds the channel group a workspace's channel is in.
var sqlAttachedTo = prepare(`
SELECT channel_group_id FROM channel_group_channels
WHERE workspace_id = ? AND channel_id = ?`)

// sqlLinkChannel puts channel ?2 at the end of channel group ?3 of
// workspace ?1.
var sqlLinkChannel = prepare(`
INSERT INTO channel_group_channels (workspace_id, channel_id, channel_group_id, position)
VALUES (?1, ?2, ?3, (
	SELECT COALESCE(MAX(position) + 1, 0) FROM channel_group_channels
	WHERE workspace_id = ?1 AND channel_group_id = ?3))`)

var sqlUnlinkChannel = prepare(`DELETE FROM channel_group_channels WHERE workspace_id = ? AND channel_id = ?`)

// sqlDetachChannel is sqlUnlinkChannel, returning the channel group.
var sqlDetachChannel = prepare(`
DELETE FROM channel_group_channels WHERE workspace_id = ? AND channel_id = ?
RETURNING channel_group_id`)
