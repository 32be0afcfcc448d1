package sqlite

import (
	"fmt"
	"strings"
)

// Every statement the driver runs is declared here, so that Open prepares
// them all up front and a call never parses SQL; the query-plan tests
// examine these very statements. Statements declared with prepare run in
// write transactions only; those declared with prepareRead run on the read
// pool too.
//
// Each paginated list reads one index range (the discoverable channels,
// three merged): its equality filter, then a row-value comparison that
// starts after the key of the page before, in the index's order, limit+1
// rows (the extra row tells whether more follow). The first page starts
// after a key below every row (see pageArgs).

// statement is a SQL statement of the driver.
type statement struct {
	sql  string
	read bool // run on the read pool as well
}

// statements lists every statement declared with prepare or prepareRead.
var statements []*statement

// prepare declares a statement of write transactions.
func prepare(sql string) *statement {
	st := &statement{sql: sql}
	statements = append(statements, st)
	return st
}

// prepareRead declares a statement of reads and write transactions.
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
// channel_groups AS cg: the last is its channel IDs in link order, joined
// by commas, read from index channel_group_channels_order, where the links
// of the channel groups of a list page are neighbours (see migration 0005).
const channelGroupColumns = `cg.id, cg.workspace_id, cg.platform_id, cg.platform_group_id,
	cg.platform_group_name, cg.created_at, cg.updated_at,
	(SELECT group_concat(l.channel_id, ',' ORDER BY l.position) FROM channel_group_channels AS l
		WHERE l.workspace_id = cg.workspace_id AND l.cg_created_at = cg.created_at AND l.channel_group_id = cg.id)`

// unnamed returns a list of result columns (separated by commas outside
// parentheses and quotes) as the same values without a name or a declared
// type: each column becomes +(column) AS "". For every query, the driver
// copies out of SQLite the name of each result column, and the declared
// type of each that is a plain table column, as strings that nothing here
// reads; the fact statements, which every write runs, leave them empty.
// Unary + leaves a value as it is.
func unnamed(columns string) string {
	var (
		out          strings.Builder
		depth, start int
		quoted       bool
	)
	add := func(col string) {
		if out.Len() > 0 {
			out.WriteString(", ")
		}
		out.WriteString(`+(` + strings.TrimSpace(col) + `) AS ""`)
	}
	for i, r := range columns {
		switch {
		case r == '\'':
			quoted = !quoted
		case quoted:
		case r == '(':
			depth++
		case r == ')':
			depth--
		case r == ',' && depth == 0:
			add(columns[start:i])
			start = i + 1
		}
	}
	add(columns[start:])
	return out.String()
}

// orgExists is 1 when the organisation :org exists, else 0.
const orgExists = `EXISTS (SELECT 1 FROM organisations WHERE id = :org)`

// ---- Point reads ----

var sqlOrganisationExists = prepareRead(`SELECT ` + orgExists)

// sqlFindChannel finds a live channel (first argument) of an organisation
// with its members, joined by commas in the order of their IDs.
// Like the fact statements, the point reads, which writes run too, return
// unnamed columns (see unnamed) and take their arguments in order.
var sqlFindChannel = prepareRead(`SELECT ` + unnamed(channelColumns+`,
	(SELECT group_concat(m.user_id, ',' ORDER BY m.user_id) FROM channel_members AS m WHERE m.channel_id = c.id)`) + `
FROM channels AS c
WHERE c.id = ? AND c.organisation_id = ? AND c.deleted_at IS NULL`)

// sqlFindGroup finds a live group (first argument) of an organisation.
var sqlFindGroup = prepareRead(`SELECT ` + unnamed(groupColumns) + ` FROM groups AS g
WHERE g.id = ? AND g.organisation_id = ? AND g.deleted_at IS NULL`)

// sqlFindChannelGroup finds a channel group (first argument) of a
// workspace.
var sqlFindChannelGroup = prepareRead(`SELECT ` + unnamed(channelGroupColumns) + ` FROM channel_groups AS cg
WHERE cg.id = ? AND cg.workspace_id = ?`)

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
// once (index channels_group). :groups is a JSON array of group IDs.
var sqlGroupsChannels = prepareRead(`SELECT ` + channelColumns + `
FROM channels AS c
WHERE c.group_id IN (SELECT value FROM json_each(:groups))
	AND c.deleted_at IS NULL AND c.archived = 0
ORDER BY c.group_id, c.group_position, c.id`)

// sqlListGroupChannels lists one group's channels in group order (index
// channels_group). :archived is 1 to include archived channels.
var sqlListGroupChannels = prepareRead(`SELECT ` + channelColumns + `
FROM channels AS c
WHERE c.group_id = :group AND c.organisation_id = :org AND c.deleted_at IS NULL
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
// :user is not a member, and not archived unless :archived. SQLite merges
// (EXCEPT) three index ranges that start after the cursor, each in the
// list's order, (created_at, id): the organisation's live channels
// (channels_org), less the user's memberships of them (channel_members_user:
// each membership carries its channel's key), less, when archived channels
// are left out, its live archived channels (partial index
// channels_archived). A channel passed over costs a step along these
// indexes: no search of a B-tree keyed by random IDs, no table row. The
// keys of the page are then looked up in channels_org, whose pages the merge
// has just read, for their rows. The merge runs as a co-routine whose ORDER
// BY gives the page its order, without a sort.
var sqlListDiscoverableChannels = prepareRead(`SELECT ` + channelColumns + `
FROM (
	SELECT created_at, id FROM channels INDEXED BY channels_org
	WHERE organisation_id = :org AND deleted_at IS NULL
		AND (created_at, id) > (:time, :id)
	EXCEPT
	SELECT channel_created_at, channel_id FROM channel_members INDEXED BY channel_members_user
	WHERE user_id = :user AND organisation_id = :org AND channel_deleted = 0
		AND (channel_created_at, channel_id) > (:time, :id)
	EXCEPT
	SELECT created_at, id FROM channels INDEXED BY channels_archived
	WHERE NOT :archived AND organisation_id = :org AND archived = 1 AND deleted_at IS NULL
		AND (created_at, id) > (:time, :id)
	ORDER BY created_at, id
	LIMIT :limit) AS k
CROSS JOIN channels AS c INDEXED BY channels_org
	ON c.organisation_id = :org AND c.deleted_at IS NULL AND c.created_at = k.created_at AND c.id = k.id
ORDER BY k.created_at, k.id`)

// sqlListChannelGroups lists a workspace's channel groups: a range of the
// table, whose key is the list's order.
var sqlListChannelGroups = prepareRead(`SELECT ` + channelGroupColumns + `
FROM channel_groups AS cg
WHERE cg.workspace_id = :ws
	AND (cg.created_at, cg.id) > (:time, :id)
ORDER BY cg.created_at, cg.id
LIMIT :limit`)

// sqlListPlatformChannelGroups lists a workspace's channel groups of one
// platform: a range of index channel_groups_platform_list, whose keys find
// the rows in the table, one after the other in its order. The query names
// the index: the table's own range would serve too, filtering out the
// other platforms' rows.
var sqlListPlatformChannelGroups = prepareRead(`SELECT ` + channelGroupColumns + `
FROM channel_groups AS cg INDEXED BY channel_groups_platform_list
WHERE cg.workspace_id = :ws AND cg.platform_id = :platform
	AND (cg.created_at, cg.id) > (:time, :id)
ORDER BY cg.created_at, cg.id
LIMIT :limit`)

// ---- Facts: one statement each ----

// sqlChannelState reads whether :org exists and the channel :channel in any
// organisation, with the name of its group.
var sqlChannelState = prepare(`SELECT ` + unnamed(`EXISTS (SELECT 1 FROM organisations WHERE id = p.org), c.id IS NOT NULL,
	COALESCE(c.organisation_id, ''), c.deleted_at IS NOT NULL, COALESCE(c.archived, 0),
	COALESCE(c.group_id, ''), COALESCE(g.name, '')`) + `
FROM (SELECT ? AS org, ? AS channel) AS p LEFT JOIN channels AS c ON c.id = p.channel
	LEFT JOIN groups AS g ON g.id = c.group_id`)

// sqlGroupState reads whether the organisation exists, its live group, the
// live group holding a name key, and the largest live group position
// (indexes groups_name_key and groups_list).
var sqlGroupState = prepare(`SELECT ` + unnamed(`EXISTS (SELECT 1 FROM organisations WHERE id = p.org), g.id IS NOT NULL, `+groupColumns+`,
	(SELECT h.id FROM groups AS h WHERE h.organisation_id = p.org AND h.name_key = p.name_key AND h.deleted_at IS NULL),
	(SELECT COALESCE(MAX(x.position), -1) FROM groups AS x WHERE x.organisation_id = p.org AND x.deleted_at IS NULL)`) + `
FROM (SELECT ? AS org, ? AS grp, ? AS name_key) AS p LEFT JOIN groups AS g
	ON g.id = p.grp AND g.organisation_id = p.org AND g.deleted_at IS NULL`)

// sqlPlacement reads the live group and the live channel of an
// organisation (with the name of the channel's group); the organisation is
// looked up only when one of them is missing.
var sqlPlacement = prepare(`SELECT ` + unnamed(`
	CASE WHEN g.id IS NULL OR c.id IS NULL THEN EXISTS (SELECT 1 FROM organisations WHERE id = p.org) ELSE 1 END,
	g.id IS NOT NULL, COALESCE(g.name, ''), COALESCE(g.archived, 0),
	(SELECT COALESCE(MAX(x.group_position), -1) FROM channels AS x WHERE x.group_id = g.id),
	c.id IS NOT NULL, COALESCE(c.archived, 0), COALESCE(c.group_id, ''), COALESCE(cg.name, '')`) + `
FROM (SELECT ? AS org, ? AS grp, ? AS channel) AS p
	LEFT JOIN groups AS g ON g.id = p.grp AND g.organisation_id = p.org AND g.deleted_at IS NULL
	LEFT JOIN channels AS c ON c.id = p.channel AND c.organisation_id = p.org AND c.deleted_at IS NULL
	LEFT JOIN groups AS cg ON cg.id = c.group_id`)

// sqlGroupIDs lists an organisation's live groups in list order (index
// groups_list): no row when the organisation does not exist, one row with a
// NULL ID when it has none.
var sqlGroupIDs = prepare(`SELECT +g.id AS "" FROM organisations AS o
	LEFT JOIN groups AS g ON g.organisation_id = o.id AND g.deleted_at IS NULL
WHERE o.id = ?
ORDER BY g.position, g.created_at, g.id`)

// sqlGroupChannelIDs lists every channel of a live group (first argument)
// of an organisation (second) in group order: no row when the organisation
// does not exist, one row with a NULL channel when the group is missing or
// empty. The organisation and the group are found by unique keys, one row
// each, so the planner reads the channels in the order of index
// channels_group instead of sorting them.
var sqlGroupChannelIDs = prepare(`SELECT +(g.id IS NOT NULL) AS "", +c.id AS "" FROM organisations AS o
	LEFT JOIN groups AS g ON g.id = ? AND g.organisation_id = o.id AND g.deleted_at IS NULL
	LEFT JOIN channels AS c ON c.group_id = g.id
WHERE o.id = ?
ORDER BY c.group_position, c.id`)

// sqlAttachment reads the channel group of a platform account with its
// channels, its largest link position, and the channel group the channel is
// in. It names the account's unique index (see migration 0005).
var sqlAttachment = prepare(`SELECT ` + unnamed(`cg.id IS NOT NULL, `+channelGroupColumns+`,
	(SELECT COALESCE(MAX(l.position), -1) FROM channel_group_channels AS l
		WHERE l.workspace_id = p.ws AND l.cg_created_at = cg.created_at AND l.channel_group_id = cg.id),
	(SELECT a.channel_group_id FROM channel_group_channels AS a WHERE a.workspace_id = p.ws AND a.channel_id = p.channel)`) + `
FROM (SELECT ? AS ws, ? AS channel, ? AS platform, ? AS account) AS p
	LEFT JOIN channel_groups AS cg INDEXED BY channel_groups_account
	ON cg.workspace_id = p.ws AND cg.platform_id = p.platform AND cg.platform_group_id = p.account`)

// ---- Writes ----

// An upsert of an organisation reads it first (SQLite's RETURNING sees only
// the new row, and the engine needs the old name), then inserts it, renames
// it, or leaves it alone when the name is the same.
var sqlFindOrganisation = prepare(`SELECT name, created_at FROM organisations WHERE id = ?`)

var sqlInsertOrganisation = prepare(`INSERT INTO organisations (id, name, created_at) VALUES (?, ?, ?)`)

var sqlRenameOrganisation = prepare(`UPDATE organisations SET name = ? WHERE id = ?`)

var sqlInsertChannel = prepare(`
INSERT INTO channels (id, organisation_id, name, description, owner_id,
	archived, message_count, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)

// sqlUpdateChannel and sqlUpdateChannelCreated overwrite a channel's host
// fields; only the second sets created_at, so that an update that keeps it
// does not rewrite the indexes that hold it.
var sqlUpdateChannel = prepare(`
UPDATE channels SET name = ?, description = ?, owner_id = ?, archived = ?,
	message_count = ?
WHERE id = ?`)

var sqlUpdateChannelCreated = prepare(`
UPDATE channels SET name = ?, description = ?, owner_id = ?, archived = ?,
	message_count = ?, created_at = ?
WHERE id = ?`)

var sqlMarkChannelDeleted = prepare(`UPDATE channels SET deleted_at = ? WHERE id = ?`)

// sqlDeleteOtherMembers and sqlInsertMembers replace a channel's members
// with those of a JSON array of user IDs.
var sqlDeleteOtherMembers = prepare(`
DELETE FROM channel_members
WHERE channel_id = ? AND user_id NOT IN (SELECT value FROM json_each(?))`)

// A membership carries its channel's organisation, creation time and
// deletion (see migration 0004), which sqlInsertMembers and sqlAddMember
// read from the channel. The LEFT JOIN makes them NULL for a missing
// channel, which the NOT NULL constraints refuse. The WHERE clause keeps
// the parser from reading ON CONFLICT as a join constraint.
var sqlInsertMembers = prepare(`
INSERT INTO channel_members (channel_id, user_id, organisation_id, channel_created_at, channel_deleted)
SELECT ?1, json_each.value, c.organisation_id, c.created_at, c.deleted_at IS NOT NULL
FROM json_each(?2) LEFT JOIN channels AS c ON c.id = ?1
WHERE true
ON CONFLICT DO NOTHING`)

var sqlAddMember = prepare(`
INSERT INTO channel_members (channel_id, user_id, organisation_id, channel_created_at, channel_deleted)
SELECT ?1, ?2, c.organisation_id, c.created_at, c.deleted_at IS NOT NULL
FROM (SELECT 1) LEFT JOIN channels AS c ON c.id = ?1
WHERE true
ON CONFLICT DO NOTHING`)

var sqlRemoveMember = prepare(`DELETE FROM channel_members WHERE channel_id = ? AND user_id = ?`)

// sqlAddLiveMember and sqlRemoveLiveMember are sqlAddMember and
// sqlRemoveMember for a channel (first argument) that must be a live
// channel of the organisation (third argument): the insert reads the
// channel by key with those conditions, and the deletion trusts the copies
// of the channel's organisation and deletion that every membership
// carries (trigger channels_member_keys keeps them).
var sqlAddLiveMember = prepare(`
INSERT INTO channel_members (channel_id, user_id, organisation_id, channel_created_at, channel_deleted)
SELECT ?1, ?2, c.organisation_id, c.created_at, 0
FROM channels AS c
WHERE c.id = ?1 AND c.organisation_id = ?3 AND c.deleted_at IS NULL
ON CONFLICT DO NOTHING`)

var sqlRemoveLiveMember = prepare(`DELETE FROM channel_members
WHERE channel_id = ?1 AND user_id = ?2 AND organisation_id = ?3 AND channel_deleted = 0`)

var sqlInsertGroup = prepare(`
INSERT INTO groups (id, organisation_id, name, name_key, description, archived,
	position, version, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)

// sqlRenameGroup and sqlUpdateGroup overwrite a group's fields; only the
// first sets the name key, so that an update that keeps it does not rewrite
// the unique index on the key.
var sqlRenameGroup = prepare(`
UPDATE groups SET name = ?, name_key = ?, description = ?, archived = ?,
	version = ?, updated_at = ?
WHERE id = ?`)

var sqlUpdateGroup = prepare(`
UPDATE groups SET name = ?, description = ?, archived = ?, version = ?, updated_at = ?
WHERE id = ?`)

var sqlMarkGroupDeleted = prepare(`UPDATE groups SET deleted_at = ?1, updated_at = ?1 WHERE id = ?2`)

var sqlSetGroupPosition = prepare(`UPDATE groups SET position = ? WHERE id = ? AND position <> ?`)

var sqlPlaceChannel = prepare(`UPDATE channels SET group_id = ?, group_position = ? WHERE id = ?`)

var sqlUnplaceChannel = prepare(`UPDATE channels SET group_id = NULL, group_position = NULL WHERE id = ?`)

// sqlUngroupChannels empties a group (index channels_group).
var sqlUngroupChannels = prepare(`UPDATE channels SET group_id = NULL, group_position = NULL WHERE group_id = ?`)

var sqlSetChannelPosition = prepare(`UPDATE channels SET group_position = ? WHERE id = ? AND group_id = ? AND group_position <> ?`)

var sqlInsertChannelGroup = prepare(`
INSERT INTO channel_groups (id, workspace_id, platform_id, platform_group_id,
	platform_group_name, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?)`)

var sqlRenameChannelGroup = prepare(`UPDATE channel_groups SET platform_group_name = ?, updated_at = ? WHERE id = ?`)

var sqlTouchChannelGroup = prepare(`UPDATE channel_groups SET updated_at = ? WHERE id = ?`)

// sqlDeleteChannelGroup deletes a channel group of a workspace and, by
// ON DELETE CASCADE, its channel links.
var sqlDeleteChannelGroup = prepare(`DELETE FROM channel_groups WHERE id = ? AND workspace_id = ?`)

// sqlLinkChannel copies the channel group's creation time into the link
// (see migration 0005) from the index on its ID. The LEFT JOIN makes it
// NULL for a missing channel group, which the NOT NULL constraint refuses;
// the foreign key refuses a channel group of another workspace.
var sqlLinkChannel = prepare(`
INSERT INTO channel_group_channels (workspace_id, channel_id, channel_group_id, cg_created_at, position)
SELECT p.ws, p.channel, p.cg, cg.created_at, p.position
FROM (SELECT ? AS ws, ? AS channel, ? AS cg, ? AS position) AS p LEFT JOIN channel_groups AS cg ON cg.id = p.cg`)

// sqlUnlinkChannel takes a channel out of its channel group, returning the
// group.
var sqlUnlinkChannel = prepare(`
DELETE FROM channel_group_channels WHERE workspace_id = ? AND channel_id = ?
RETURNING channel_group_id`)

// ---- Bulk calls ----

// sqlBulkChannels reads the live channels of :org among a JSON array of
// IDs: one primary key probe per ID. CROSS JOIN keeps json_each the outer
// loop, and the unary + keeps the planner from reading the organisation's
// channels through channels_org instead.
var sqlBulkChannels = prepare(`SELECT c.id, c.archived, c.group_id, c.rowid
FROM json_each(:ids)
	CROSS JOIN channels AS c ON c.id = json_each.value AND +c.organisation_id = :org AND c.deleted_at IS NULL`)

// sqlGroupNames reads the names of the groups of a JSON array of IDs.
var sqlGroupNames = prepare(`SELECT g.id, g.name FROM json_each(:ids)
	CROSS JOIN groups AS g ON g.id = json_each.value`)

// sqlPlaceChannels puts the channels of a JSON array of IDs in group
// :group, the channel at index i at position :first + i.
var sqlPlaceChannels = prepare(`UPDATE channels SET group_id = :group, group_position = :first + json_each.key
FROM json_each(:ids)
WHERE channels.id = json_each.value`)

// sqlPlaceChannelRows is sqlPlaceChannels for a JSON array of the
// channels' rowids, as sqlBulkChannels read them in the same transaction:
// one probe of the table per channel instead of one of the index on id and
// one of the table.
var sqlPlaceChannelRows = prepare(`UPDATE channels SET group_id = :group, group_position = :first + json_each.key
FROM json_each(:rows)
WHERE channels.rowid = json_each.value`)

// sqlUnplaceChannelRows is sqlUnplaceChannels for a JSON array of rowids.
var sqlUnplaceChannelRows = prepare(`UPDATE channels SET group_id = NULL, group_position = NULL
WHERE rowid IN (SELECT value FROM json_each(?))`)

// sqlAssignUngrouped puts the channels of the JSON array :ids in group
// :group, the channel at index i at the group's last position + 1 + i, when
// the group is a live, unarchived group of :org and all :n channels are
// live channels of :org in no group; otherwise it changes nothing. The
// count runs once, before any row changes, as does the group's last
// position. The unary + keeps the planner on the channels' IDs.
var sqlAssignUngrouped = prepare(`UPDATE channels SET group_id = :group, group_position = (
		SELECT COALESCE(MAX(group_position), -1) + 1 FROM channels WHERE group_id = :group) + json_each.key
FROM json_each(:ids)
WHERE channels.id = json_each.value AND +channels.organisation_id = :org AND +channels.deleted_at IS NULL
	AND channels.group_id IS NULL
	AND EXISTS (SELECT 1 FROM groups WHERE id = :group AND organisation_id = :org AND deleted_at IS NULL AND archived = 0)
	AND (SELECT COUNT(*) FROM json_each(:ids) CROSS JOIN channels AS c ON c.id = json_each.value
		AND +c.organisation_id = :org AND +c.deleted_at IS NULL AND c.group_id IS NULL) = :n
RETURNING group_position`)

// sqlRemoveGrouped takes the channels of the JSON array :ids out of group
// :group when all :n of them are live channels of :org in it; otherwise it
// changes nothing.
var sqlRemoveGrouped = prepare(`UPDATE channels SET group_id = NULL, group_position = NULL
WHERE id IN (SELECT value FROM json_each(:ids)) AND +organisation_id = :org AND +group_id = :group AND +deleted_at IS NULL
	AND (SELECT COUNT(*) FROM json_each(:ids) CROSS JOIN channels AS c ON c.id = json_each.value
		AND +c.organisation_id = :org AND +c.group_id = :group AND +c.deleted_at IS NULL) = :n`)

// sqlUnplaceChannels takes the channels of a JSON array of IDs out of their
// groups.
var sqlUnplaceChannels = prepare(`UPDATE channels SET group_id = NULL, group_position = NULL
WHERE id IN (SELECT value FROM json_each(?))`)

// ---- Events ----
//
// A tenant's events are found through its number in event_tenants (unique
// index on the tenant) and the index events_tenant on (tenant_num, seq);
// its consumers through their primary key. Hot statements take positional
// parameters, which bind without a name lookup.

// sqlEvents reads a page of a tenant's events after a sequence.
var sqlEvents = prepareRead(`SELECT e.seq, e.id, e.type, e.created_at, e.data
FROM event_tenants AS t JOIN events AS e ON e.tenant_num = t.num
WHERE t.tenant_kind = ? AND t.tenant_id = ? AND e.seq > ?
ORDER BY e.seq
LIMIT ?`)

// sqlEventConsumer reads a consumer of a tenant's events.
var sqlEventConsumer = prepareRead(`SELECT position, active, updated_at FROM event_consumers
WHERE tenant_kind = ? AND tenant_id = ? AND name = ?`)

// sqlLastSequence reads a tenant's number and the last sequence number it
// used: its newest event's (the end of its range of events_tenant) or, when
// it has none, the number up to which its events were pruned. A tenant's
// events are never pruned past its newest, so the first found is the
// larger. No row: the tenant never had events. Reading the counter, rather
// than keeping one in a row of its own, spares each append a write.
var sqlLastSequence = prepare(`SELECT t.num, COALESCE(
	(SELECT e.seq FROM events AS e WHERE e.tenant_num = t.num ORDER BY e.seq DESC LIMIT 1),
	t.pruned_seq)
FROM event_tenants AS t WHERE t.tenant_kind = ? AND t.tenant_id = ?`)

// sqlAddEventTenant numbers a tenant at its first event.
var sqlAddEventTenant = prepare(`INSERT INTO event_tenants (tenant_kind, tenant_id) VALUES (?, ?)`)

// sqlInsertEvent writes one event. The data arrives as a blob (the JSON's
// bytes, not copied into a Go string) and is kept as text, byte for byte.
var sqlInsertEvent = prepare(`
INSERT INTO events (tenant_num, seq, id, type, created_at, data)
VALUES (?, ?, ?, ?, ?, CAST(? AS TEXT))`)

// sqlInsertNextEvent writes one event with sequence ?2 when that is the
// tenant's next number, which it checks as sqlLastSequence reads it: in one
// statement where sqlLastSequence and sqlInsertEvent take two. When ?2 is
// not the next number, the sequence is NULL and the statement fails on the
// NOT NULL constraint, changing nothing.
var sqlInsertNextEvent = prepare(`
INSERT INTO events (tenant_num, seq, id, type, created_at, data)
VALUES (?1, CASE WHEN ?2 - 1 = COALESCE(
		(SELECT e.seq FROM events AS e WHERE e.tenant_num = ?1 ORDER BY e.seq DESC LIMIT 1),
		(SELECT t.pruned_seq FROM event_tenants AS t WHERE t.num = ?1))
	THEN ?2 END,
	?3, ?4, ?5, CAST(?6 AS TEXT))`)

// sqlInsertEvents writes ?5 events of a tenant in one statement. ?3 is a
// blob of fixed-width records, one per event (see eventRows): its ID, its
// type padded with spaces, its creation time, and the offset (1-based) and
// length of its data in ?4, the events' data laid end to end. substr on a
// blob counts bytes, so each field is cut at a known offset without parsing
// anything. The event at index i gets the sequence ?2 + i.
var sqlInsertEvents = prepare(`
WITH RECURSIVE event_rows(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM event_rows WHERE i + 1 < ?5)
INSERT INTO events (tenant_num, seq, id, type, created_at, data)
SELECT ?1, ?2 + i,
	CAST(substr(?3, i * 104 + 1, 36) AS TEXT),
	rtrim(CAST(substr(?3, i * 104 + 37, 32) AS TEXT)),
	CAST(CAST(substr(?3, i * 104 + 69, 16) AS TEXT) AS INTEGER),
	CAST(substr(?4, CAST(CAST(substr(?3, i * 104 + 85, 10) AS TEXT) AS INTEGER),
		CAST(CAST(substr(?3, i * 104 + 95, 10) AS TEXT) AS INTEGER)) AS TEXT)
FROM event_rows`)

var sqlPutEventConsumer = prepare(`
INSERT INTO event_consumers (tenant_kind, tenant_id, name, position, active, updated_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (tenant_kind, tenant_id, name) DO UPDATE SET
	position = excluded.position, active = excluded.active, updated_at = excluded.updated_at`)

var sqlDeleteEventConsumer = prepare(`DELETE FROM event_consumers WHERE tenant_kind = ? AND tenant_id = ? AND name = ?`)

// pruneCandidatesSQL lists, in the order of their numbers, the tenants
// whose oldest event may be pruned: it is older than ?2 (NULL for no age
// limit) or the tenant has more than ?3 events (?3 = 0 for no count limit),
// and no active consumer holds it back. Each row is the tenant's number,
// its oldest and newest sequence, and the position its active consumers
// hold (NULL for none). Per tenant: probes of both ends of its events and a
// range of its consumers. %s compares the tenant's number with ?1, the
// resume point: from it on, or before it.
const pruneCandidatesSQL = `SELECT num, first, last, hold FROM (
	SELECT t.num AS num, f.seq AS first, f.created_at AS created,
		(SELECT l.seq FROM events AS l WHERE l.tenant_num = t.num ORDER BY l.seq DESC LIMIT 1) AS last,
		(SELECT MIN(h.position) FROM event_consumers AS h
			WHERE h.tenant_kind = t.tenant_kind AND h.tenant_id = t.tenant_id AND h.active = 1) AS hold
	FROM event_tenants AS t
		JOIN events AS f ON f.tenant_num = t.num
			AND f.seq = (SELECT o.seq FROM events AS o WHERE o.tenant_num = t.num ORDER BY o.seq LIMIT 1)
	WHERE t.num %s ?1
	ORDER BY t.num)
WHERE (created < ?2 OR (?3 > 0 AND last - first >= ?3)) AND (hold IS NULL OR first <= hold)
LIMIT ?4`

// sqlPruneCandidatesFrom and sqlPruneCandidatesBefore list the candidates
// from the resume point on, and before it.
var (
	sqlPruneCandidatesFrom   = prepare(fmt.Sprintf(pruneCandidatesSQL, ">="))
	sqlPruneCandidatesBefore = prepare(fmt.Sprintf(pruneCandidatesSQL, "<"))
)

// sqlFirstRecentEvent finds the first of a tenant's events in a sequence
// range that is not older than ?4.
var sqlFirstRecentEvent = prepare(`SELECT seq FROM events
WHERE tenant_num = ?1 AND seq BETWEEN ?2 AND ?3 AND created_at >= ?4
ORDER BY seq
LIMIT 1`)

// sqlSetPrunedSequence records how far a tenant's events are pruned, and
// sqlPruneEvents prunes them.
var (
	sqlSetPrunedSequence = prepare(`UPDATE event_tenants SET pruned_seq = max(pruned_seq, ?2) WHERE num = ?1`)
	sqlPruneEvents       = prepare(`DELETE FROM events WHERE tenant_num = ? AND seq <= ?`)
)
