package postgres

// Every statement the driver runs is declared here, with {{schema}} where
// its schema goes; Open renders them for the store's schema once, and pgx
// prepares each on a connection the first time it runs there. The
// query-plan tests examine these very statements.
//
// Each paginated list reads one index range: its equality filter, then a
// row-value comparison that starts after the key of the page before, in the
// index's order, limit+1 rows (the extra row tells whether more follow). The
// first page starts after a key below every row (see pageArgs).

// statement is a SQL statement of the driver; index numbers it in
// statements.
type statement struct {
	sql   string
	index int
}

// statements lists every statement declared with declare.
var statements []*statement

func declare(sql string) *statement {
	st := &statement{sql: sql, index: len(statements)}
	statements = append(statements, st)
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
// channel_groups AS cg: the last is its channel IDs in link order (index
// channel_group_channels_order).
const channelGroupColumns = `cg.id, cg.workspace_id, cg.platform_id, cg.platform_group_id,
	cg.platform_group_name, cg.created_at, cg.updated_at,
	ARRAY(SELECT l.channel_id FROM {{schema}}.channel_group_channels AS l
		WHERE l.workspace_id = cg.workspace_id AND l.channel_group_id = cg.id ORDER BY l.position)`

// orgExists is true when the organisation $1 exists.
const orgExists = `EXISTS (SELECT 1 FROM {{schema}}.organisations WHERE id = $1)`

// ---- Tenant locks ----
//
// The first statement of every write transaction locks the row of its
// tenant, and stays locked until the transaction ends (see the package
// documentation). The transaction's reads run in later statements, so that
// under read committed they see everything the previous holder committed.

// sqlLockOrganisation locks an organisation's row, if there is one.
var sqlLockOrganisation = declare(`SELECT id FROM {{schema}}.organisations WHERE id = $1 FOR NO KEY UPDATE`)

// sqlLockNewWorkspace makes the workspace's row if needed and locks it:
// ON CONFLICT DO UPDATE locks the row it finds even when its WHERE clause
// leaves it unchanged.
var sqlLockNewWorkspace = declare(`INSERT INTO {{schema}}.workspaces (id) VALUES ($1)
ON CONFLICT (id) DO UPDATE SET id = excluded.id WHERE false`)

// sqlLockWorkspace locks the workspace's row, if there is one: a workspace
// without one has no channel groups.
var sqlLockWorkspace = declare(`SELECT id FROM {{schema}}.workspaces WHERE id = $1 FOR UPDATE`)

// ---- Point reads ----

var sqlOrganisationExists = declare(`SELECT ` + orgExists)

// sqlFindChannel finds a live channel of an organisation with its members.
var sqlFindChannel = declare(`SELECT ` + channelColumns + `,
	ARRAY(SELECT m.user_id FROM {{schema}}.channel_members AS m WHERE m.channel_id = c.id ORDER BY m.user_id)
FROM {{schema}}.channels AS c
WHERE c.id = $2 AND c.organisation_id = $1 AND c.deleted_at IS NULL`)

// sqlFindGroup finds a live group of an organisation.
var sqlFindGroup = declare(`SELECT ` + groupColumns + ` FROM {{schema}}.groups AS g
WHERE g.id = $2 AND g.organisation_id = $1 AND g.deleted_at IS NULL`)

// sqlFindChannelGroup finds a channel group of a workspace.
var sqlFindChannelGroup = declare(`SELECT ` + channelGroupColumns + ` FROM {{schema}}.channel_groups AS cg
WHERE cg.id = $2 AND cg.workspace_id = $1`)

// ---- Lists ----

// sqlListGroups lists an organisation's live groups (index groups_list).
var sqlListGroups = declare(`SELECT ` + groupColumns + `
FROM {{schema}}.groups AS g
WHERE g.organisation_id = $1 AND g.deleted_at IS NULL
	AND (g.position, g.created_at, g.id) > ($2, $3, $4)
ORDER BY g.position, g.created_at, g.id
LIMIT $5`)

// sqlListGroupsArchived lists an organisation's live groups whose archived
// state is $2 (index groups_archived_list).
var sqlListGroupsArchived = declare(`SELECT ` + groupColumns + `
FROM {{schema}}.groups AS g
WHERE g.organisation_id = $1 AND g.archived = $2 AND g.deleted_at IS NULL
	AND (g.position, g.created_at, g.id) > ($3, $4, $5)
ORDER BY g.position, g.created_at, g.id
LIMIT $6`)

// sqlGroupsChannels loads the live, unarchived channels of several groups
// at once (index channels_group). A channel in a group is live (check
// channels_deleted_ungrouped); saying so again here would lead the planner
// to combine indexes and sort.
var sqlGroupsChannels = declare(`SELECT ` + channelColumns + `
FROM {{schema}}.channels AS c
WHERE c.group_id = ANY($1::uuid[]) AND NOT c.archived
ORDER BY c.group_id, c.group_position, c.id`)

// sqlListGroupChannels lists one group's channels in group order (index
// channels_group); they are live, as above. $3 is true to include archived
// channels.
var sqlListGroupChannels = declare(`SELECT ` + channelColumns + `
FROM {{schema}}.channels AS c
WHERE c.group_id = $2 AND c.organisation_id = $1
	AND ($3::boolean OR NOT c.archived)
	AND (c.group_position, c.id) > ($4, $5)
ORDER BY c.group_position, c.id
LIMIT $6`)

// sqlListUngroupedChannels lists an organisation's live channels in no
// group (partial index channels_ungrouped).
var sqlListUngroupedChannels = declare(`SELECT ` + channelColumns + `
FROM {{schema}}.channels AS c
WHERE c.organisation_id = $1 AND c.group_id IS NULL AND c.deleted_at IS NULL
	AND ($2::boolean OR NOT c.archived)
	AND (c.created_at, c.id) > ($3, $4)
ORDER BY c.created_at, c.id
LIMIT $5`)

// sqlListDiscoverableChannels lists an organisation's live channels of
// which $3 is not a member (partial index channels_live, then one primary
// key probe of channel_members per channel).
var sqlListDiscoverableChannels = declare(`SELECT ` + channelColumns + `
FROM {{schema}}.channels AS c
WHERE c.organisation_id = $1 AND c.deleted_at IS NULL
	AND ($2::boolean OR NOT c.archived)
	AND NOT EXISTS (
		SELECT 1 FROM {{schema}}.channel_members AS m
		WHERE m.channel_id = c.id AND m.user_id = $3)
	AND (c.created_at, c.id) > ($4, $5)
ORDER BY c.created_at, c.id
LIMIT $6`)

// sqlListChannelGroups lists a workspace's channel groups (index
// channel_groups_list).
var sqlListChannelGroups = declare(`SELECT ` + channelGroupColumns + `
FROM {{schema}}.channel_groups AS cg
WHERE cg.workspace_id = $1
	AND (cg.created_at, cg.id) > ($2, $3)
ORDER BY cg.created_at, cg.id
LIMIT $4`)

// sqlListPlatformChannelGroups lists a workspace's channel groups of one
// platform (index channel_groups_platform_list).
var sqlListPlatformChannelGroups = declare(`SELECT ` + channelGroupColumns + `
FROM {{schema}}.channel_groups AS cg
WHERE cg.workspace_id = $1 AND cg.platform_id = $2
	AND (cg.created_at, cg.id) > ($3, $4)
ORDER BY cg.created_at, cg.id
LIMIT $5`)

// ---- Facts: one statement each ----

// sqlChannelState reads whether $1 exists and the channel $2 in any
// organisation, with the name of its group.
var sqlChannelState = declare(`SELECT ` + orgExists + `,
	c.organisation_id, c.deleted_at IS NOT NULL, c.archived, c.group_id, g.name
FROM (SELECT 1) AS one
	LEFT JOIN {{schema}}.channels AS c ON c.id = $2
	LEFT JOIN {{schema}}.groups AS g ON g.id = c.group_id`)

// sqlGroupState reads whether $1 exists, its live group $2, the live group
// holding the name key $3, and the largest live group position (indexes
// groups_name_key and groups_list).
var sqlGroupState = declare(`SELECT ` + orgExists + `, g.id IS NOT NULL, ` + groupColumns + `,
	(SELECT h.id FROM {{schema}}.groups AS h
		WHERE h.organisation_id = $1 AND h.name_key = $3 AND h.deleted_at IS NULL),
	(SELECT COALESCE(MAX(p.position), -1) FROM {{schema}}.groups AS p
		WHERE p.organisation_id = $1 AND p.deleted_at IS NULL)
FROM (SELECT 1) AS one
	LEFT JOIN {{schema}}.groups AS g ON g.id = $2 AND g.organisation_id = $1 AND g.deleted_at IS NULL`)

// sqlPlacement reads the live group $2 and the live channel $3 of $1 (with
// the name of the channel's group) and whether $1 exists.
var sqlPlacement = declare(`SELECT ` + orgExists + `,
	g.id IS NOT NULL, g.name, g.archived,
	(SELECT COALESCE(MAX(x.group_position), -1) FROM {{schema}}.channels AS x WHERE x.group_id = g.id),
	c.id IS NOT NULL, c.archived, c.group_id, cg.name
FROM (SELECT 1) AS one
	LEFT JOIN {{schema}}.groups AS g ON g.id = $2 AND g.organisation_id = $1 AND g.deleted_at IS NULL
	LEFT JOIN {{schema}}.channels AS c ON c.id = $3 AND c.organisation_id = $1 AND c.deleted_at IS NULL
	LEFT JOIN {{schema}}.groups AS cg ON cg.id = c.group_id`)

// sqlBulkPlacement reads the live group $2 of $1 (and whether $1 exists)
// once, and the live channels of $1 among the IDs $3, with the name of each
// one's group: a row for each channel found, or one row with no channel
// when none is.
var sqlBulkPlacement = declare(`SELECT p.org_found, p.group_found, p.name, p.archived, p.max_pos,
	c.id, c.archived, c.group_id, cg.name
FROM (SELECT ` + orgExists + ` AS org_found, g.id IS NOT NULL AS group_found, g.name, g.archived,
		(SELECT COALESCE(MAX(x.group_position), -1) FROM {{schema}}.channels AS x WHERE x.group_id = g.id) AS max_pos
	FROM (SELECT 1) AS one
		LEFT JOIN {{schema}}.groups AS g ON g.id = $2 AND g.organisation_id = $1 AND g.deleted_at IS NULL) AS p
	LEFT JOIN {{schema}}.channels AS c ON c.id = ANY($3::uuid[]) AND c.organisation_id = $1 AND c.deleted_at IS NULL
	LEFT JOIN {{schema}}.groups AS cg ON cg.id = c.group_id`)

// sqlGroupIDs lists an organisation's live groups in list order (index
// groups_list): no row when the organisation does not exist, one row with a
// NULL ID when it has none.
var sqlGroupIDs = declare(`SELECT g.id FROM {{schema}}.organisations AS o
	LEFT JOIN {{schema}}.groups AS g ON g.organisation_id = o.id AND g.deleted_at IS NULL
WHERE o.id = $1
ORDER BY g.position, g.created_at, g.id`)

// sqlGroupChannelIDs lists every channel of a live group of $1 in group
// order (index channels_group), one row with a NULL channel when it has
// none.
var sqlGroupChannelIDs = declare(`SELECT ` + orgExists + `, g.id IS NOT NULL, c.id
FROM (SELECT 1) AS one
	LEFT JOIN {{schema}}.groups AS g ON g.id = $2 AND g.organisation_id = $1 AND g.deleted_at IS NULL
	LEFT JOIN {{schema}}.channels AS c ON c.group_id = g.id
ORDER BY c.group_position, c.id`)

// sqlAttachment reads the channel group of a platform account, its largest
// link position, and the channel group $2 is in.
var sqlAttachment = declare(`SELECT cg.id IS NOT NULL, ` + channelGroupColumns + `,
	(SELECT COALESCE(MAX(l.position), -1) FROM {{schema}}.channel_group_channels AS l
		WHERE l.workspace_id = $1 AND l.channel_group_id = cg.id),
	(SELECT a.channel_group_id FROM {{schema}}.channel_group_channels AS a
		WHERE a.workspace_id = $1 AND a.channel_id = $2)
FROM (SELECT 1) AS one
	LEFT JOIN {{schema}}.channel_groups AS cg
	ON cg.workspace_id = $1 AND cg.platform_id = $3 AND cg.platform_group_id = $4`)

// ---- Writes ----

// sqlInsertOrganisation and sqlRenameOrganisation upsert an organisation,
// in that order and in one round trip. The insert returns a row when the
// organisation is new; otherwise, having waited for a concurrent insert of
// the same ID to commit, it does nothing, and the rename, whose snapshot
// is taken after that, locks the row and returns the name and creation
// time it had before.
var sqlInsertOrganisation = declare(`
INSERT INTO {{schema}}.organisations (id, name, created_at) VALUES ($1, $2, $3)
ON CONFLICT (id) DO NOTHING
RETURNING created_at`)

var sqlRenameOrganisation = declare(`
UPDATE {{schema}}.organisations AS o SET name = $2
FROM (SELECT p.id, p.name, p.created_at FROM {{schema}}.organisations AS p
	WHERE p.id = $1 FOR NO KEY UPDATE) AS prev
WHERE o.id = prev.id
RETURNING prev.name, prev.created_at`)

// sqlRenameKnownOrganisation renames an organisation the store knows ($3
// and $4 are the name and creation time it last wrote): it locks the row
// as sqlRenameOrganisation does, and renames it only when the row is as
// known and the name changes, so that an upsert that changes nothing
// writes no row version. When the row is not as known, or is missing,
// expect_unchanged fails the statement (SQLSTATE GR001), and with it the
// transaction, whose events were made from what the store knew. The row
// locked, prev has its latest version, which both the check and the
// update read; the update, which starts from the statement's snapshot,
// checks prev again on that version when another transaction changed the
// row.
var sqlRenameKnownOrganisation = declare(`
WITH prev AS (
	SELECT p.name, p.created_at FROM {{schema}}.organisations AS p
	WHERE p.id = $1 FOR NO KEY UPDATE
), renamed AS (
	UPDATE {{schema}}.organisations AS o SET name = $2 FROM prev
	WHERE o.id = $1 AND prev.name = $3 AND prev.created_at = $4 AND $2 <> $3
)
SELECT {{schema}}.expect_unchanged(EXISTS (SELECT FROM prev WHERE prev.name = $3 AND prev.created_at = $4))`)

var sqlInsertChannel = declare(`
INSERT INTO {{schema}}.channels (id, organisation_id, name, description, owner_id,
	archived, message_count, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`)

// sqlUpdateChannel keeps created_at when given NULL.
var sqlUpdateChannel = declare(`
UPDATE {{schema}}.channels SET name = $2, description = $3, owner_id = $4, archived = $5,
	message_count = $6, created_at = COALESCE($7, created_at)
WHERE id = $1`)

var sqlMarkChannelDeleted = declare(`UPDATE {{schema}}.channels SET deleted_at = $2 WHERE id = $1`)

// sqlDeleteOtherMembers and sqlInsertMembers replace a channel's members
// with those of an array of user IDs.
var sqlDeleteOtherMembers = declare(`
DELETE FROM {{schema}}.channel_members
WHERE channel_id = $1 AND NOT (user_id = ANY($2::uuid[]))`)

var sqlInsertMembers = declare(`
INSERT INTO {{schema}}.channel_members (channel_id, user_id)
SELECT $1::uuid, u FROM unnest($2::uuid[]) AS u
ON CONFLICT DO NOTHING`)

var sqlAddMember = declare(`
INSERT INTO {{schema}}.channel_members (channel_id, user_id) VALUES ($1, $2)
ON CONFLICT DO NOTHING`)

var sqlRemoveMember = declare(`DELETE FROM {{schema}}.channel_members WHERE channel_id = $1 AND user_id = $2`)

// sqlAddLiveMember and sqlRemoveLiveMember are sqlAddMember and
// sqlRemoveMember for a channel ($1) that must be a live channel of the
// organisation ($3). Each returns a row when it changed the membership.
// They run under the organisation's lock (see driver.MemberTx), which
// every write that deletes a channel holds too.
var sqlAddLiveMember = declare(`
INSERT INTO {{schema}}.channel_members (channel_id, user_id)
SELECT c.id, $2 FROM {{schema}}.channels AS c
WHERE c.id = $1 AND c.organisation_id = $3 AND c.deleted_at IS NULL
ON CONFLICT DO NOTHING
RETURNING true`)

var sqlRemoveLiveMember = declare(`
DELETE FROM {{schema}}.channel_members AS m
USING {{schema}}.channels AS c
WHERE m.channel_id = $1 AND m.user_id = $2
	AND c.id = m.channel_id AND c.organisation_id = $3 AND c.deleted_at IS NULL
RETURNING true`)

var sqlInsertGroup = declare(`
INSERT INTO {{schema}}.groups (id, organisation_id, name, name_key, description, archived,
	position, version, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`)

var sqlUpdateGroup = declare(`
UPDATE {{schema}}.groups SET name = $2, name_key = COALESCE(NULLIF($3, ''), name_key), description = $4, archived = $5,
	version = $6, updated_at = $7
WHERE id = $1`)

var sqlMarkGroupDeleted = declare(`UPDATE {{schema}}.groups SET deleted_at = $2, updated_at = $2 WHERE id = $1`)

// sqlSetGroupPositions gives $1[i] the position i-1 (ordinals count from 1),
// writing only the groups not already there.
var sqlSetGroupPositions = declare(`
UPDATE {{schema}}.groups AS g SET position = v.ord - 1
FROM unnest($1::uuid[]) WITH ORDINALITY AS v (id, ord)
WHERE g.id = v.id AND g.position <> v.ord - 1`)

var sqlPlaceChannel = declare(`UPDATE {{schema}}.channels SET group_id = $2, group_position = $3 WHERE id = $1`)

var sqlUnplaceChannel = declare(`UPDATE {{schema}}.channels SET group_id = NULL, group_position = NULL WHERE id = $1`)

// sqlPlaceChannels puts the channels $2 in the group $1, $2[i] at position
// $3 + i - 1.
var sqlPlaceChannels = declare(`UPDATE {{schema}}.channels AS c SET group_id = $1, group_position = $3 + v.ord - 1
FROM unnest($2::uuid[]) WITH ORDINALITY AS v (id, ord) WHERE c.id = v.id`)

// sqlUnplaceChannels takes the channels $1 out of their groups.
var sqlUnplaceChannels = declare(`UPDATE {{schema}}.channels SET group_id = NULL, group_position = NULL WHERE id = ANY($1::uuid[])`)

// sqlUngroupChannels empties a group (index channels_group).
var sqlUngroupChannels = declare(`UPDATE {{schema}}.channels SET group_id = NULL, group_position = NULL WHERE group_id = $1`)

// sqlSetChannelPositions gives $2[i], channels of the group $1, the position
// i-1, writing only the channels not already there.
var sqlSetChannelPositions = declare(`
UPDATE {{schema}}.channels AS c SET group_position = v.ord - 1
FROM unnest($2::uuid[]) WITH ORDINALITY AS v (id, ord)
WHERE c.id = v.id AND c.group_id = $1 AND c.group_position <> v.ord - 1`)

var sqlInsertChannelGroup = declare(`
INSERT INTO {{schema}}.channel_groups (id, workspace_id, platform_id, platform_group_id,
	platform_group_name, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)`)

var sqlRenameChannelGroup = declare(`UPDATE {{schema}}.channel_groups SET platform_group_name = $2, updated_at = $3 WHERE id = $1`)

var sqlTouchChannelGroup = declare(`UPDATE {{schema}}.channel_groups SET updated_at = $2 WHERE id = $1`)

// sqlDeleteChannelGroup deletes a channel group of a workspace and, by
// ON DELETE CASCADE, its channel links.
var sqlDeleteChannelGroup = declare(`DELETE FROM {{schema}}.channel_groups WHERE workspace_id = $1 AND id = $2 RETURNING id`)

var sqlLinkChannel = declare(`
INSERT INTO {{schema}}.channel_group_channels (workspace_id, channel_id, channel_group_id, position)
VALUES ($1, $2, $3, $4)`)

// sqlUnlinkChannel takes a channel out of its channel group, returning the
// group.
var sqlUnlinkChannel = declare(`
DELETE FROM {{schema}}.channel_group_channels WHERE workspace_id = $1 AND channel_id = $2
RETURNING channel_group_id`)

// ---- Events ----
//
// Tenants are (tenant_kind, tenant_id): grouping.TenantKind and the ID.

// sqlEvents reads a tenant's events after a sequence number (primary key).
var sqlEvents = declare(`SELECT e.seq, e.id, e.type, e.time, e.data
FROM {{schema}}.events AS e
WHERE e.tenant_kind = $1 AND e.tenant_id = $2 AND e.seq > $3
ORDER BY e.seq
LIMIT $4`)

// sqlEventConsumer reads one consumer (primary key).
var sqlEventConsumer = declare(`SELECT k.position, k.active, k.updated_at
FROM {{schema}}.event_consumers AS k
WHERE k.tenant_kind = $1 AND k.tenant_id = $2 AND k.name = $3`)

// sqlAppendEvents advances the tenant's counter by the number of events,
// locking its row until the transaction ends, and inserts the events
// ($3 to $6, one array per column) with the numbers that follow the
// counter's previous value. It returns the new value of the counter, the
// last event's number: one statement, one round trip, or none when it is
// sent with the next one (see pgTx.AppendEvents).
var sqlAppendEvents = declare(`WITH c AS (
	INSERT INTO {{schema}}.event_counters AS n (tenant_kind, tenant_id, last_seq)
	VALUES ($1, $2, cardinality($3::uuid[]))
	ON CONFLICT (tenant_kind, tenant_id) DO UPDATE SET last_seq = n.last_seq + excluded.last_seq
	RETURNING n.last_seq
), e AS (
	INSERT INTO {{schema}}.events (tenant_kind, tenant_id, seq, id, type, time, data)
	SELECT $1, $2, c.last_seq - cardinality($3::uuid[]) + v.ord, v.id, v.type, v.time, v.data
	FROM c, unnest($3::uuid[], $4::text[], $5::timestamptz[], $6::bytea[])
		WITH ORDINALITY AS v (id, type, time, data, ord)
)
SELECT c.last_seq FROM c`)

// sqlAppendEvent is sqlAppendEvents for one event, given as plain
// parameters ($3 to $6) rather than arrays, which the server would decode
// and unnest: most writes append one event.
var sqlAppendEvent = declare(`WITH c AS (
	INSERT INTO {{schema}}.event_counters AS n (tenant_kind, tenant_id, last_seq)
	VALUES ($1, $2, 1)
	ON CONFLICT (tenant_kind, tenant_id) DO UPDATE SET last_seq = n.last_seq + 1
	RETURNING n.last_seq
), e AS (
	INSERT INTO {{schema}}.events (tenant_kind, tenant_id, seq, id, type, time, data)
	SELECT $1, $2, c.last_seq, $3, $4, $5, $6 FROM c
)
SELECT c.last_seq FROM c`)

// sqlNotify notifies the channel $1 once with each payload of $2 (the
// tenants whose events were appended), outside the writes' transactions
// (see notifier).
var sqlNotify = declare(`SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p`)

var sqlPutEventConsumer = declare(`
INSERT INTO {{schema}}.event_consumers (tenant_kind, tenant_id, name, position, active, updated_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (tenant_kind, tenant_id, name) DO UPDATE
SET position = excluded.position, active = excluded.active, updated_at = excluded.updated_at`)

var sqlDeleteEventConsumer = declare(`
DELETE FROM {{schema}}.event_consumers
WHERE tenant_kind = $1 AND tenant_id = $2 AND name = $3`)

// sqlPruneEvents removes at most $3 events, each tenant's oldest first, and
// returns the tenant of each. $1 is the time before which events are old
// (NULL: none is), $2 how many of each tenant's newest events to keep (0:
// no limit by number). ($4, $5) is the tenant to start from: the tenants
// from it on come first, then those before it, each read in primary key
// order and only until $3 events are found, so that successive calls go
// round the tenants rather than reading the first ones again.
//
// Per tenant, from its first event f (the events from f to its counter are
// gapless, since pruning only ever removes a tenant's oldest), the events
// removed are those up to the cut, the least of:
//   - the position of its least advanced active consumer, read after the
//     consumers' rows are locked (FOR SHARE): a consumer being saved is
//     waited for, and saving one waits for the pruning to commit;
//   - f + $3 - 1, so that no more than $3 events of it are read;
//   - the end of the prefix of events that are old or beyond the $2 newest:
//     every event up to the counter minus $2 is, and after that the events
//     before the first one that is not old.
var sqlPruneEvents = declare(`
DELETE FROM {{schema}}.events AS e
USING (
	SELECT c.tenant_kind, c.tenant_id, v.seq
	FROM (
		(SELECT a.tenant_kind, a.tenant_id, a.last_seq FROM {{schema}}.event_counters AS a
			WHERE (a.tenant_kind, a.tenant_id) >= ($4::smallint, $5::uuid)
			ORDER BY a.tenant_kind, a.tenant_id)
		UNION ALL
		(SELECT b.tenant_kind, b.tenant_id, b.last_seq FROM {{schema}}.event_counters AS b
			WHERE (b.tenant_kind, b.tenant_id) < ($4::smallint, $5::uuid)
			ORDER BY b.tenant_kind, b.tenant_id)
	) AS c
	CROSS JOIN LATERAL (
		SELECT f.seq AS first FROM {{schema}}.events AS f
		WHERE f.tenant_kind = c.tenant_kind AND f.tenant_id = c.tenant_id
		ORDER BY f.seq LIMIT 1
	) AS f
	CROSS JOIN LATERAL (
		SELECT min(k.position) FILTER (WHERE k.active) AS held
		FROM (SELECT k.position, k.active FROM {{schema}}.event_consumers AS k
			WHERE k.tenant_kind = c.tenant_kind AND k.tenant_id = c.tenant_id
			FOR SHARE) AS k
	) AS h
	CROSS JOIN LATERAL (
		SELECT CASE WHEN $2::integer > 0 THEN c.last_seq - $2::integer ELSE 0 END AS many
	) AS m
	CROSS JOIN LATERAL (
		SELECT LEAST(COALESCE(h.held, c.last_seq), f.first + $3::integer - 1,
			CASE WHEN $1::timestamptz IS NULL THEN m.many
			ELSE COALESCE((SELECT o.seq - 1 FROM {{schema}}.events AS o
				WHERE o.tenant_kind = c.tenant_kind AND o.tenant_id = c.tenant_id
					AND o.seq > m.many AND o.seq < f.first + $3::integer AND o.time >= $1::timestamptz
				ORDER BY o.seq LIMIT 1), f.first + $3::integer - 1)
			END) AS cut
	) AS x
	CROSS JOIN LATERAL (
		SELECT v.seq FROM {{schema}}.events AS v
		WHERE v.tenant_kind = c.tenant_kind AND v.tenant_id = c.tenant_id AND v.seq <= x.cut
		ORDER BY v.seq
	) AS v
	LIMIT $3::integer
) AS d
WHERE e.tenant_kind = d.tenant_kind AND e.tenant_id = d.tenant_id AND e.seq = d.seq
RETURNING e.tenant_kind, e.tenant_id`)
