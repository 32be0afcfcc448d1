package sqlite

// The floor: every Store operation written again by hand, with database/sql
// prepared statements on the same file, DSN, pool settings and schema, in
// the fewest statements the operation's rules allow on its success path.
// BenchmarkFloor runs each operation through the library (impl=library)
// and through the floor (impl=floor), on the same data, so that benchstat
// gives the cost of the library over the floor:
//
//	go test -run '^$' -bench Floor -count 10 ./sqlite | tee floor.txt
//	benchstat -col /impl floor.txt
//
// TestFloorMatchesLibrary checks that each floor does the same work: the
// same result, or the same state afterwards. Each floor write appends the
// events the library's appends, with one INSERT an event that numbers it
// after the tenant's newest (the tenant known from the fixture), and the
// data of grouping's event types.
//
// Writes that cannot repeat on their own run in pairs that bring the data
// back (Assign+Remove, Create+Delete, …); a pair is one benchmark iteration.

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/internal/benchkit"
	"github.com/google/uuid"
	"github.com/matryer/is"
	sqlite3 "modernc.org/sqlite/lib"
)

// floorDB is the hand-written floor: its own pools on the store's file.
type floorDB struct {
	w, r *sql.DB
	// wc is the writer's one connection, held: write transactions run on
	// it between BEGIN IMMEDIATE and COMMIT, with the statements prepared
	// on it, as the store's do.
	wc                      *sql.Conn
	begin, commit, rollback *sql.Stmt
	stmts                   map[string]*sql.Stmt
	// ckpt is the store's background checkpointer, which the floor's
	// commits wake as the library's do: both write with the same
	// checkpointing, the work of the operations apart.
	ckpt *checkpointer
}

// floorSQL are the floor's statements by name; names starting with "r:"
// run on the read pool.
var floorSQL = map[string]string{
	"r:channel": `SELECT id, organisation_id, name, description, owner_id, user_count, message_count, archived,
		group_id, created_at, deleted_at,
		(SELECT group_concat(user_id, ',' ORDER BY user_id) FROM channel_members WHERE channel_id = channels.id)
		FROM channels WHERE id = ? AND organisation_id = ? AND deleted_at IS NULL`,
	"r:group": `SELECT id, organisation_id, name, description, archived, position, version, created_at, updated_at
		FROM groups WHERE id = ? AND organisation_id = ? AND deleted_at IS NULL`,
	"r:groups": `SELECT id, organisation_id, name, description, archived, position, version, created_at, updated_at
		FROM groups WHERE organisation_id = ? AND deleted_at IS NULL ORDER BY position, created_at, id LIMIT ?`,
	"r:groupChannels": `SELECT id, organisation_id, name, description, owner_id, user_count, message_count, archived,
		group_id, group_position, created_at FROM channels
		WHERE group_id = ? AND organisation_id = ? AND deleted_at IS NULL AND archived = 0
		ORDER BY group_position, id LIMIT ?`,
	"r:ungrouped": `SELECT id, organisation_id, name, description, owner_id, user_count, message_count, archived,
		group_id, group_position, created_at FROM channels INDEXED BY channels_ungrouped
		WHERE organisation_id = ? AND group_id IS NULL AND deleted_at IS NULL AND archived = 0
		ORDER BY created_at, id LIMIT ?`,
	// discoverable: the organisation's live channels, less the user's and
	// the archived ones, merged in index order (as the library does).
	"r:discoverable": `SELECT c.id, c.organisation_id, c.name, c.description, c.owner_id, c.user_count, c.message_count,
		c.archived, c.group_id, c.group_position, c.created_at FROM (
			SELECT created_at, id FROM channels INDEXED BY channels_org WHERE organisation_id = ?1 AND deleted_at IS NULL
			EXCEPT
			SELECT channel_created_at, channel_id FROM channel_members INDEXED BY channel_members_user
			WHERE user_id = ?2 AND organisation_id = ?1 AND channel_deleted = 0
			EXCEPT
			SELECT created_at, id FROM channels INDEXED BY channels_archived
			WHERE organisation_id = ?1 AND archived = 1 AND deleted_at IS NULL
			ORDER BY created_at, id LIMIT ?3) AS k
		CROSS JOIN channels AS c INDEXED BY channels_org
			ON c.organisation_id = ?1 AND c.deleted_at IS NULL AND c.created_at = k.created_at AND c.id = k.id
		ORDER BY k.created_at, k.id`,
	"r:channelGroup": `SELECT id, platform_id, platform_group_id, platform_group_name, created_at, updated_at,
		(SELECT group_concat(channel_id, ',' ORDER BY position) FROM channel_group_channels AS l
			WHERE l.workspace_id = cg.workspace_id AND l.cg_created_at = cg.created_at AND l.channel_group_id = cg.id)
		FROM channel_groups AS cg WHERE id = ? AND workspace_id = ?`,
	"r:channelGroups": `SELECT id, platform_id, platform_group_id, platform_group_name, created_at, updated_at,
		(SELECT group_concat(channel_id, ',' ORDER BY position) FROM channel_group_channels AS l
			WHERE l.workspace_id = cg.workspace_id AND l.cg_created_at = cg.created_at AND l.channel_group_id = cg.id)
		FROM channel_groups AS cg WHERE workspace_id = ? ORDER BY created_at, id LIMIT ?`,

	"upsertOrg": `INSERT INTO organisations (id, name, created_at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name RETURNING created_at`,
	"updateChannel": `UPDATE channels SET name = ?, description = ?, owner_id = ?, archived = ?, message_count = ?
		WHERE id = ? AND organisation_id = ? AND deleted_at IS NULL`,
	// updateChannelCreated also sets the creation time, which the trigger
	// channels_member_keys copies to the channel's memberships.
	"updateChannelCreated": `UPDATE channels SET name = ?, description = ?, owner_id = ?, archived = ?, message_count = ?,
		created_at = ? WHERE id = ? AND organisation_id = ? AND deleted_at IS NULL`,
	"channelTx": `SELECT id, organisation_id, name, description, owner_id, user_count, message_count, archived,
		group_id, created_at, deleted_at,
		(SELECT group_concat(user_id, ',' ORDER BY user_id) FROM channel_members WHERE channel_id = channels.id)
		FROM channels WHERE id = ? AND organisation_id = ? AND deleted_at IS NULL`,
	"insertChannel": `INSERT INTO channels (id, organisation_id, name, description, owner_id, archived, message_count, created_at)
		SELECT ?1, ?2, ?3, ?4, ?5, 0, 0, ?6 WHERE EXISTS (SELECT 1 FROM organisations WHERE id = ?2)`,
	"deleteChannel": `UPDATE channels SET deleted_at = ?, group_id = NULL, group_position = NULL
		WHERE id = ? AND organisation_id = ? AND deleted_at IS NULL`,
	// addMember copies the channel's key into the membership, as the
	// library's statements do (see migration 0004).
	"addMember": `INSERT INTO channel_members (channel_id, user_id, organisation_id, channel_created_at, channel_deleted)
		SELECT id, ?2, organisation_id, created_at, 0 FROM channels WHERE id = ?1 AND organisation_id = ?3 AND deleted_at IS NULL
		ON CONFLICT DO NOTHING`,
	"removeMember": `DELETE FROM channel_members WHERE channel_id = ?1 AND user_id = ?2
		AND EXISTS (SELECT 1 FROM channels WHERE id = ?1 AND organisation_id = ?3 AND deleted_at IS NULL)`,
	"createGroup": `INSERT INTO groups (id, organisation_id, name, name_key, description, archived, position, version, created_at, updated_at)
		SELECT ?1, ?2, ?3, ?4, '', 0,
			(SELECT COALESCE(MAX(position), -1) + 1 FROM groups WHERE organisation_id = ?2 AND deleted_at IS NULL), 1, ?5, ?5
		WHERE EXISTS (SELECT 1 FROM organisations WHERE id = ?2)
			AND NOT EXISTS (SELECT 1 FROM groups WHERE organisation_id = ?2 AND name_key = ?4 AND deleted_at IS NULL)
		RETURNING position`,
	"ungroup":     `UPDATE channels SET group_id = NULL, group_position = NULL WHERE group_id = ?`,
	"deleteGroup": `UPDATE groups SET deleted_at = ?1, updated_at = ?1 WHERE id = ?2 AND organisation_id = ?3 AND deleted_at IS NULL`,
	"updateGroup": `UPDATE groups SET description = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND organisation_id = ? AND deleted_at IS NULL
		RETURNING id, organisation_id, name, description, archived, position, version, created_at, updated_at`,
	"groupIDs":    `SELECT id FROM groups WHERE organisation_id = ? AND deleted_at IS NULL`,
	"setGroupPos": `UPDATE groups SET position = ? WHERE id = ? AND position <> ?`,
	// assign: the channel is live, in the organisation and in no group; the
	// group is live, in the organisation and not archived.
	"assign": `UPDATE channels SET group_id = ?1, group_position = (
			SELECT COALESCE(MAX(group_position), -1) + 1 FROM channels WHERE group_id = ?1)
		WHERE id = ?2 AND organisation_id = ?3 AND deleted_at IS NULL AND group_id IS NULL
			AND EXISTS (SELECT 1 FROM groups WHERE id = ?1 AND organisation_id = ?3 AND deleted_at IS NULL AND archived = 0)`,
	"move": `UPDATE channels SET group_id = ?1, group_position = (
			SELECT COALESCE(MAX(group_position), -1) + 1 FROM channels WHERE group_id = ?1)
		WHERE id = ?2 AND organisation_id = ?3 AND deleted_at IS NULL AND group_id IS NOT ?1
			AND EXISTS (SELECT 1 FROM groups WHERE id = ?1 AND organisation_id = ?3 AND deleted_at IS NULL AND archived = 0)`,
	// remove: a channel in a group proves the group live.
	"remove": `UPDATE channels SET group_id = NULL, group_position = NULL
		WHERE id = ? AND organisation_id = ? AND group_id = ? AND deleted_at IS NULL`,
	// The bulk statements take the channels as a JSON array of IDs; a
	// channel's index in it orders its position. The unary + keeps the
	// planner on the channels' IDs rather than the organisation's index.
	"bulkAssign": `UPDATE channels SET group_id = ?1, group_position = (
			SELECT COALESCE(MAX(group_position), -1) + 1 FROM channels WHERE group_id = ?1) + e.key
		FROM json_each(?2) AS e
		WHERE channels.id = e.value AND +channels.organisation_id = ?3 AND +channels.deleted_at IS NULL
			AND channels.group_id IS NULL
			AND EXISTS (SELECT 1 FROM groups WHERE id = ?1 AND organisation_id = ?3 AND deleted_at IS NULL AND archived = 0)
		RETURNING id, group_position`,
	"bulkRemove": `UPDATE channels SET group_id = NULL, group_position = NULL
		WHERE id IN (SELECT value FROM json_each(?1)) AND +organisation_id = ?2 AND +group_id = ?3 AND +deleted_at IS NULL`,
	// bulkFrom reads the groups that bulkMove's channels leave, which its
	// events name and its RETURNING cannot give.
	"bulkFrom": `SELECT c.id, c.group_id FROM json_each(?1) AS e
		CROSS JOIN channels AS c ON c.id = e.value AND +c.organisation_id = ?2 AND +c.deleted_at IS NULL`,
	"bulkMove": `UPDATE channels SET group_id = ?1, group_position = (
			SELECT COALESCE(MAX(group_position), -1) + 1 FROM channels WHERE group_id = ?1) + e.key
		FROM json_each(?2) AS e
		WHERE channels.id = e.value AND +channels.organisation_id = ?3 AND +channels.deleted_at IS NULL
			AND channels.group_id IS NOT ?1
			AND EXISTS (SELECT 1 FROM groups WHERE id = ?1 AND organisation_id = ?3 AND deleted_at IS NULL AND archived = 0)
		RETURNING id, group_position`,
	"groupChannelIDs": `SELECT id FROM channels WHERE group_id = ?`,
	"setChannelPos":   `UPDATE channels SET group_position = ? WHERE id = ? AND group_id = ? AND group_position <> ?`,
	"account": `SELECT cg.id, cg.platform_id, cg.platform_group_id, cg.platform_group_name, cg.created_at, cg.updated_at,
			(SELECT group_concat(channel_id, ',' ORDER BY position) FROM channel_group_channels AS l
				WHERE l.workspace_id = cg.workspace_id AND l.cg_created_at = cg.created_at AND l.channel_group_id = cg.id),
			(SELECT COALESCE(MAX(position), -1) FROM channel_group_channels
				WHERE workspace_id = ?1 AND cg_created_at = cg.created_at AND channel_group_id = cg.id),
			(SELECT channel_group_id FROM channel_group_channels WHERE workspace_id = ?1 AND channel_id = ?2)
		FROM channel_groups AS cg WHERE workspace_id = ?1 AND platform_id = ?3 AND platform_group_id = ?4`,
	"unlink": `DELETE FROM channel_group_channels WHERE workspace_id = ? AND channel_id = ? RETURNING channel_group_id`,
	"touch":  `UPDATE channel_groups SET updated_at = ? WHERE id = ?`,
	// link copies the channel group's creation time into the link, as
	// the library does (see migration 0005), from the account just read.
	"link":   `INSERT INTO channel_group_channels (workspace_id, channel_id, channel_group_id, cg_created_at, position) VALUES (?, ?, ?, ?, ?)`,
	"rename": `UPDATE channel_groups SET platform_group_name = ?, updated_at = ? WHERE id = ?`,
	"insertChannelGroup": `INSERT INTO channel_groups (id, workspace_id, platform_id, platform_group_id, platform_group_name, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
	"deleteChannelGroup": `DELETE FROM channel_groups WHERE id = ? AND workspace_id = ?`,
	// events appends ?5, a JSON array of [ID, data] pairs, as events of one
	// type and time, numbered in the array's order, in one statement.
	"events": `INSERT INTO events (tenant_num, seq, id, type, created_at, data)
		SELECT t.num, max(t.pruned_seq, COALESCE((SELECT MAX(seq) FROM events WHERE tenant_num = t.num), 0)) + 1 + e.key,
			e.value ->> 0, ?3, ?4, e.value ->> 1
		FROM event_tenants AS t CROSS JOIN json_each(?5) AS e WHERE t.tenant_kind = ?1 AND t.tenant_id = ?2`,
	"event": `INSERT INTO events (tenant_num, seq, id, type, created_at, data)
		SELECT t.num, max(t.pruned_seq, COALESCE((SELECT MAX(seq) FROM events WHERE tenant_num = t.num), 0)) + 1, ?3, ?4, ?5, ?6
		FROM event_tenants AS t WHERE t.tenant_kind = ?1 AND t.tenant_id = ?2`,
}

// openFloor opens the floor on the store's file with the store's DSN and
// pool settings, and prepares its statements.
func openFloor(tb testing.TB, s *Store) *floorDB {
	tb.Helper()
	f := &floorDB{stmts: make(map[string]*sql.Stmt), ckpt: s.d.ckpt}
	var err error
	if f.w, err = sql.Open("sqlite", dsn(s.Path(), false, "NORMAL", 0)); err != nil {
		tb.Fatal(err)
	}
	f.w.SetMaxOpenConns(1)
	f.w.SetMaxIdleConns(1)
	if f.r, err = sql.Open("sqlite", dsn(s.Path(), true, "NORMAL", DefaultBusyTimeout.Milliseconds())); err != nil {
		tb.Fatal(err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	f.r.SetMaxOpenConns(n)
	f.r.SetMaxIdleConns(n)
	if f.wc, err = f.w.Conn(context.Background()); err != nil {
		tb.Fatal(err)
	}
	type preparer interface {
		PrepareContext(context.Context, string) (*sql.Stmt, error)
	}
	for name, q := range floorSQL {
		var db preparer = f.wc
		if strings.HasPrefix(name, "r:") {
			db = f.r
		}
		if f.stmts[name], err = db.PrepareContext(context.Background(), q); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
	}
	for _, p := range []struct {
		st **sql.Stmt
		q  string
	}{{&f.begin, "BEGIN IMMEDIATE"}, {&f.commit, "COMMIT"}, {&f.rollback, "ROLLBACK"}} {
		if *p.st, err = f.wc.PrepareContext(context.Background(), p.q); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Cleanup(func() {
		for _, st := range f.stmts {
			st.Close()
		}
		f.begin.Close()
		f.commit.Close()
		f.rollback.Close()
		f.wc.Close()
		f.w.Close()
		f.r.Close()
	})
	return f
}

// tx runs fn in a write transaction of the floor.
func (f *floorDB) tx(ctx context.Context, fn func(tx *sql.Conn, st func(string) *sql.Stmt) error) error {
	if _, err := f.begin.ExecContext(ctx); err != nil {
		return err
	}
	if err := fn(f.wc, func(name string) *sql.Stmt { return f.stmts[name] }); err != nil {
		f.rollback.ExecContext(context.Background())
		return err
	}
	if _, err := f.commit.ExecContext(context.Background()); err != nil {
		f.rollback.ExecContext(context.Background())
		return err
	}
	f.ckpt.kick()
	return nil
}

// settle copies the whole log into the database and restarts it, on the
// floor's writer, before a case is timed: the background checkpoint of the
// writes before it (the warm-up's, or the case timed before) would
// otherwise run while it is timed, and the first case would pay for the
// warm-up of all. Each side still pays, in its time and the processor time
// of the process, for the checkpoints of its own commits, which wake the
// checkpointer on both sides. The background checkpointer may be running
// when settle starts; the writer's busy timeout is zero, so settle tries
// again until the log is settled.
func (f *floorDB) settle(tb testing.TB) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var busy, logPages, copied int
		err := f.wc.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(RESTART)").Scan(&busy, &logPages, &copied)
		switch {
		case err != nil && resultCode(err)&0xff != sqlite3.SQLITE_BUSY:
			tb.Fatalf("settle the log: %v", err)
		case err == nil && busy == 0 && logPages == copied:
			return
		case time.Now().After(deadline):
			tb.Fatalf("the log did not settle in 10 s: busy %d, %d of %d pages copied, %v", busy, copied, logPages, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// floorEvent appends an event of the tenant with data's JSON.
func floorEvent(ctx context.Context, st func(string) *sql.Stmt, tenant grouping.Tenant, typ grouping.EventType, data json.Marshaler) error {
	b, err := data.MarshalJSON()
	if err != nil {
		return err
	}
	return oneRowChanged(st("event").ExecContext(ctx, int64(tenant.Kind), tenant.ID, uuid.New(), string(typ), nowMillis(), string(b)))
}

// floorEvents appends n events of one type, the data of the i-th from
// data(i), in one statement. It writes the JSON array of [ID, data] pairs
// itself, the data as the domain's types write it, and gives the events
// IDs from the runtime's generator, as the engine does: an event ID must be
// unique, not secret.
func floorEvents(ctx context.Context, st func(string) *sql.Stmt, tenant grouping.Tenant, typ grouping.EventType, n int, data func(i int) json.Marshaler) error {
	all := make([]byte, 0, 160*n)
	all = append(all, '[')
	for i := range n {
		b, err := data(i).MarshalJSON()
		if err != nil {
			return err
		}
		if i > 0 {
			all = append(all, ',')
		}
		all = append(all, `["`...)
		all = appendUUID(all, benchkit.EventID())
		all = append(all, `",`...)
		all = append(all, b...)
		all = append(all, ']')
	}
	all = append(all, ']')
	return rowsChanged(n)(st("events").ExecContext(ctx, int64(tenant.Kind), tenant.ID, string(typ), nowMillis(), string(all)))
}

// floorFrom runs st, which reads the group of each of n channels, and
// returns them by channel.
func floorFrom(ctx context.Context, st *sql.Stmt, n int, args ...any) (map[uuid.UUID]uuid.UUID, error) {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	from := make(map[uuid.UUID]uuid.UUID, n)
	var id, group uuid.UUID
	for rows.Next() {
		if err := rows.Scan(&id, &group); err != nil {
			return nil, err
		}
		from[id] = group
	}
	return from, rows.Err()
}

// floorIDs returns ids as a JSON array, as the bulk statements take them.
func floorIDs(ids []uuid.UUID) string {
	b, _ := json.Marshal(ids) // IDs always marshal
	return string(b)
}

// placedChannel is a channel that a bulk statement placed.
type placedChannel struct {
	id  uuid.UUID
	pos int64
}

// floorPlaced runs st, a bulk placement that returns each channel it
// placed and its position, and returns them in the order of their
// positions, which is the order given: all n of them, at consecutive
// positions, or an error.
func floorPlaced(ctx context.Context, st *sql.Stmt, n int, args ...any) ([]placedChannel, error) {
	placed, err := floorQuery(ctx, st, func(sc interface{ Scan(...any) error }) (p placedChannel, err error) {
		return p, sc.Scan(&p.id, &p.pos)
	}, args...)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(placed, func(a, b placedChannel) int { return cmp.Compare(a.pos, b.pos) })
	if len(placed) != n {
		return nil, errFloorNoRow
	}
	for i, p := range placed {
		if p.pos != placed[0].pos+int64(i) {
			return nil, fmt.Errorf("floor: channels placed at positions %d and %d", placed[0].pos, p.pos)
		}
	}
	return placed, nil
}

// errFloorNoRow is the floor's answer when a conditional write matched no
// row; on the benchmarks' success paths it never happens.
var errFloorNoRow = errors.New("floor: no row matched")

func oneRowChanged(res sql.Result, err error) error { return rowsChanged(1)(res, err) }

// rowsChanged returns a check that a write changed exactly n rows.
func rowsChanged(n int) func(sql.Result, error) error {
	return func(res sql.Result, err error) error {
		if err != nil {
			return err
		}
		if got, err := res.RowsAffected(); err != nil || got != int64(n) {
			return errors.Join(err, errFloorNoRow)
		}
		return nil
	}
}

func nowMillis() int64 { return time.Now().UnixMilli() }

// scanFloorChannel reads a channel row of the floor: the common columns,
// then either the group position or the deleted time and members.
func scanFloorChannel(sc interface{ Scan(...any) error }, withUsers bool) (grouping.Channel, error) {
	var (
		ch      grouping.Channel
		group   uuid.NullUUID
		pos     sql.NullInt64
		created int64
		deleted sql.NullInt64
		users   sql.NullString
		err     error
	)
	if withUsers {
		err = sc.Scan(&ch.ID, &ch.OrganisationID, &ch.Name, &ch.Description, &ch.OwnerID, &ch.UserCount,
			&ch.MessageCount, &ch.Archived, &group, &created, &deleted, &users)
	} else {
		err = sc.Scan(&ch.ID, &ch.OrganisationID, &ch.Name, &ch.Description, &ch.OwnerID, &ch.UserCount,
			&ch.MessageCount, &ch.Archived, &group, &pos, &created)
	}
	if err != nil {
		return ch, err
	}
	if group.Valid {
		ch.GroupID = &group.UUID
	}
	ch.CreatedAt = time.UnixMilli(created).UTC()
	if withUsers {
		ch.Users = []uuid.UUID{}
		if users.String != "" {
			for u := range strings.SplitSeq(users.String, ",") {
				ch.Users = append(ch.Users, uuid.MustParse(u))
			}
		}
	}
	return ch, nil
}

func scanFloorGroup(sc interface{ Scan(...any) error }) (grouping.Group, error) {
	var (
		g                grouping.Group
		created, updated int64
	)
	err := sc.Scan(&g.ID, &g.OrganisationID, &g.Name, &g.Description, &g.Archived, &g.Position, &g.Version, &created, &updated)
	g.CreatedAt, g.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return g, err
}

func scanFloorChannelGroup(sc interface{ Scan(...any) error }, ws uuid.UUID) (grouping.ChannelGroup, error) {
	var (
		cg               grouping.ChannelGroup
		created, updated int64
		ids              sql.NullString
	)
	err := sc.Scan(&cg.ID, &cg.PlatformID, &cg.PlatformGroupID, &cg.PlatformGroupName, &created, &updated, &ids)
	cg.WorkspaceID = ws
	cg.CreatedAt, cg.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	cg.ChannelIDs = []uuid.UUID{}
	if ids.String != "" {
		for _, id := range strings.Split(ids.String, ",") {
			cg.ChannelIDs = append(cg.ChannelIDs, uuid.MustParse(id))
		}
	}
	return cg, err
}

// floorQuery runs a read statement of the floor and scans its rows.
func floorQuery[T any](ctx context.Context, st *sql.Stmt, scan func(interface{ Scan(...any) error }) (T, error), args ...any) ([]T, error) {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]T, 0, 64)
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// fixture is the data every floor benchmark runs on: an organisation with
// groups and channels (a third of them grouped, members on each, the user
// a member of every tenth), and a workspace with channel groups.
type fixture struct {
	s                  *Store
	f                  *floorDB
	org, user, ws      uuid.UUID
	groups             []grouping.Group // groups[0] holds 60 channels
	channels           []grouping.Channel
	free               []grouping.Channel // channels in no group
	accounts           []grouping.ChannelGroupAttach
	channelGroups      []grouping.ChannelGroup
	attached, detached uuid.UUID // a channel in accounts[0], and one in accounts[1]
	// bulkFree are ten channels in no group, bulkPlaced ten of groups[0]:
	// the bulk cases assign and move them.
	bulkFree, bulkPlaced []uuid.UUID
	flipped              bool
	page                 int // the page size of the lists
}

// newFixture builds the fixture with n channels and lists read in pages
// of page items: page+10 groups (the first holding page+10 channels) and
// page+10 channel groups of 5 channels. n ≥ 2*(page+10).
func newFixture(tb testing.TB, n, page int) *fixture {
	tb.Helper()
	ctx := context.Background()
	// Two fixtures are built alike: the same IDs from a seeded source, and
	// a clock that steps one millisecond per reading from the same start.
	src := rand.New(rand.NewPCG(1, 2))
	newID := func() uuid.UUID {
		return benchkit.UUIDFrom(src.Uint64(), src.Uint64())
	}
	var tick atomic.Int64
	clock := func() time.Time { return time.UnixMilli(1_735_689_600_000 + tick.Add(1)) }
	s, err := Open(ctx, filepath.Join(tb.TempDir(), "floor.db"), WithClock(clock))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	fx := &fixture{s: s, org: newID(), user: newID(), ws: newID(), page: page}
	size := page + 10
	must := func(err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	_, err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: fx.org, Name: "Floor"})
	must(err)
	for i := range size {
		g, err := s.CreateGroup(ctx, fx.org, grouping.NewGroup{Name: fmt.Sprint("group ", i)})
		must(err)
		fx.groups = append(fx.groups, g)
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		users := []uuid.UUID{newID(), newID(), newID()}
		if i%10 == 0 {
			users = append(users, fx.user)
		}
		ch, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{
			ID: newID(), OrganisationID: fx.org, Name: fmt.Sprint("channel ", i), Description: "A channel",
			OwnerID: users[0], MessageCount: int64(i), Users: users, CreatedAt: base.Add(time.Duration(i) * time.Second),
		})
		must(err)
		switch {
		case i < size:
			must(s.AssignChannel(ctx, fx.org, fx.groups[0].ID, ch.ID))
		case i%3 == 0:
			must(s.AssignChannel(ctx, fx.org, fx.groups[1+i%(size-1)].ID, ch.ID))
		default:
			fx.free = append(fx.free, ch)
		}
		fx.channels = append(fx.channels, ch)
	}
	for i := range size {
		a := grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: fmt.Sprint(1000 + i), PlatformGroupName: fmt.Sprint("Account ", i)}
		fx.accounts = append(fx.accounts, a)
		var cg grouping.ChannelGroup
		for range 5 {
			cg, err = s.AttachChannel(ctx, fx.ws, newID(), a)
			must(err)
		}
		fx.channelGroups = append(fx.channelGroups, cg)
	}
	for _, c := range fx.free[4:14] {
		fx.bulkFree = append(fx.bulkFree, c.ID)
	}
	for _, c := range fx.channels[1:11] {
		fx.bulkPlaced = append(fx.bulkPlaced, c.ID)
	}
	fx.attached, fx.detached = newID(), newID()
	_, err = s.AttachChannel(ctx, fx.ws, fx.attached, fx.accounts[0])
	must(err)
	_, err = s.AttachChannel(ctx, fx.ws, fx.detached, fx.accounts[1])
	must(err)
	fx.f = openFloor(tb, s)
	return fx
}

// floorCase is one operation (or pair) of the floor benchmark. Each
// returns its result, so that the library and the floor can be compared.
type floorCase struct {
	name           string
	library, floor func(ctx context.Context, fx *fixture) (any, error)
}

// floorCases lists every Store operation, alone or in a pair that undoes
// itself.
func floorCases() []floorCase {
	return []floorCase{
		{"UpsertOrganisation", func(ctx context.Context, fx *fixture) (any, error) {
			o, err := fx.s.UpsertOrganisation(ctx, grouping.Organisation{ID: fx.org, Name: "Floor"})
			return o, err
		}, func(ctx context.Context, fx *fixture) (any, error) {
			o := grouping.Organisation{ID: fx.org, Name: "Floor"}
			err := fx.f.tx(ctx, func(tx *sql.Conn, st func(string) *sql.Stmt) error {
				var created int64
				err := st("upsertOrg").QueryRowContext(ctx, o.ID, o.Name, nowMillis()).Scan(&created)
				o.CreatedAt = time.UnixMilli(created).UTC()
				return err
			})
			return o, err
		}},
		{"UpsertChannel", func(ctx context.Context, fx *fixture) (any, error) {
			c := fx.free[0]
			return fx.s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: c.ID, OrganisationID: fx.org, Name: c.Name,
				Description: c.Description, OwnerID: c.OwnerID, MessageCount: c.MessageCount})
		}, func(ctx context.Context, fx *fixture) (any, error) {
			c := fx.free[0]
			var out grouping.Channel
			err := fx.f.tx(ctx, func(tx *sql.Conn, st func(string) *sql.Stmt) error {
				if err := oneRowChanged(st("updateChannel").ExecContext(ctx, c.Name, c.Description, c.OwnerID, false, c.MessageCount, c.ID, fx.org)); err != nil {
					return err
				}
				var err error
				out, err = scanFloorChannel(st("channelTx").QueryRowContext(ctx, c.ID, fx.org), true)
				return err
			})
			return out, err
		}},
		{"UpsertChannel(created_at)", func(ctx context.Context, fx *fixture) (any, error) { // a new creation time, copied to its 3-4 members
			c := fx.free[3]
			return fx.s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: c.ID, OrganisationID: fx.org, Name: c.Name,
				Description: c.Description, OwnerID: c.OwnerID, MessageCount: c.MessageCount, CreatedAt: fx.nextCreated(c)})
		}, func(ctx context.Context, fx *fixture) (any, error) {
			c := fx.free[3]
			created := fx.nextCreated(c)
			var out grouping.Channel
			err := fx.f.tx(ctx, func(tx *sql.Conn, st func(string) *sql.Stmt) error {
				prev, err := scanFloorChannel(st("channelTx").QueryRowContext(ctx, c.ID, fx.org), true)
				if err != nil {
					return err
				}
				if err := oneRowChanged(st("updateChannelCreated").ExecContext(ctx, c.Name, c.Description, c.OwnerID, false, c.MessageCount,
					created.UnixMilli(), c.ID, fx.org)); err != nil {
					return err
				}
				out = prev
				out.CreatedAt = created
				return floorEvent(ctx, st, grouping.OrganisationOf(fx.org), grouping.EventChannelUpdated, grouping.ChannelEventData{Channel: out, Previous: &prev})
			})
			return out, err
		}},
		{"GetChannel", func(ctx context.Context, fx *fixture) (any, error) {
			return fx.s.GetChannel(ctx, fx.org, fx.free[0].ID)
		}, func(ctx context.Context, fx *fixture) (any, error) {
			return scanFloorChannel(fx.f.stmts["r:channel"].QueryRowContext(ctx, fx.free[0].ID, fx.org), true)
		}},
		{"UpsertChannel+DeleteChannel", func(ctx context.Context, fx *fixture) (any, error) {
			id := uuid.New()
			if _, err := fx.s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: id, OrganisationID: fx.org, Name: "temp", OwnerID: fx.user}); err != nil {
				return nil, err
			}
			return nil, fx.s.DeleteChannel(ctx, fx.org, id)
		}, func(ctx context.Context, fx *fixture) (any, error) {
			id, org := uuid.New(), grouping.OrganisationOf(fx.org)
			err := fx.f.tx(ctx, func(tx *sql.Conn, st func(string) *sql.Stmt) error {
				if err := oneRowChanged(st("insertChannel").ExecContext(ctx, id, fx.org, "temp", "", fx.user, nowMillis())); err != nil {
					return err
				}
				ch, err := scanFloorChannel(st("channelTx").QueryRowContext(ctx, id, fx.org), true)
				if err != nil {
					return err
				}
				return floorEvent(ctx, st, org, grouping.EventChannelCreated, grouping.ChannelEventData{Channel: ch})
			})
			if err != nil {
				return nil, err
			}
			return nil, fx.f.tx(ctx, func(tx *sql.Conn, st func(string) *sql.Stmt) error {
				now := nowMillis()
				if err := oneRowChanged(st("deleteChannel").ExecContext(ctx, now, id, fx.org)); err != nil {
					return err
				}
				return floorEvent(ctx, st, org, grouping.EventChannelDeleted, grouping.ChannelDeletedData{ChannelID: id, DeletedAt: time.UnixMilli(now)})
			})
		}},
		{"AddChannelMember+RemoveChannelMember", func(ctx context.Context, fx *fixture) (any, error) {
			c, u := fx.free[1].ID, uuid.New()
			if err := fx.s.AddChannelMember(ctx, fx.org, c, u); err != nil {
				return nil, err
			}
			return nil, fx.s.RemoveChannelMember(ctx, fx.org, c, u)
		}, func(ctx context.Context, fx *fixture) (any, error) {
			c, u, org := fx.free[1].ID, uuid.New(), grouping.OrganisationOf(fx.org)
			if err := fx.f.tx(ctx, func(tx *sql.Conn, st func(string) *sql.Stmt) error {
				if err := oneRowChanged(st("addMember").ExecContext(ctx, c, u, fx.org)); err != nil {
					return err
				}
				return floorEvent(ctx, st, org, grouping.EventChannelMemberAdded, grouping.ChannelMemberData{ChannelID: c, UserID: u})
			}); err != nil {
				return nil, err
			}
			return nil, fx.f.tx(ctx, func(tx *sql.Conn, st func(string) *sql.Stmt) error {
				if err := oneRowChanged(st("removeMember").ExecContext(ctx, c, u, fx.org)); err != nil {
					return err
				}
				return floorEvent(ctx, st, org, grouping.EventChannelMemberRemoved, grouping.ChannelMemberData{ChannelID: c, UserID: u})
			})
		}},
		{"CreateGroup+DeleteGroup", func(ctx context.Context, fx *fixture) (any, error) {
			g, err := fx.s.CreateGroup(ctx, fx.org, grouping.NewGroup{Name: "Temporary"})
			if err != nil {
				return nil, err
			}
			return g.Position, fx.s.DeleteGroup(ctx, fx.org, g.ID, 0)
		}, func(ctx context.Context, fx *fixture) (any, error) {
			id, pos, org := uuid.New(), 0, grouping.OrganisationOf(fx.org)
			g := grouping.Group{ID: id, Name: "Temporary", OrganisationID: fx.org, Version: 1}
			if err := fx.f.tx(ctx, func(tx *sql.Conn, st func(string) *sql.Stmt) error {
				now := nowMillis()
				if err := st("createGroup").QueryRowContext(ctx, id, fx.org, "Temporary", grouping.FoldName("Temporary"), now).Scan(&pos); err != nil {
					return err
				}
				g.Position, g.CreatedAt, g.UpdatedAt = pos, time.UnixMilli(now), time.UnixMilli(now)
				return floorEvent(ctx, st, org, grouping.EventGroupCreated, grouping.GroupEventData{Group: g})
			}); err != nil {
				return nil, err
			}
			return pos, fx.f.tx(ctx, func(tx *sql.Conn, st func(string) *sql.Stmt) error {
				if _, err := st("ungroup").ExecContext(ctx, id); err != nil {
					return err
				}
				now := nowMillis()
				if err := oneRowChanged(st("deleteGroup").ExecContext(ctx, now, id, fx.org)); err != nil {
					return err
				}
				at := time.UnixMilli(now)
				g.UpdatedAt, g.DeletedAt = at, &at
				return floorEvent(ctx, st, org, grouping.EventGroupDeleted, grouping.GroupEventData{Group: g})
			})
		}},
		{"GetGroup", func(ctx context.Context, fx *fixture) (any, error) {
			return fx.s.GetGroup(ctx, fx.org, fx.groups[0].ID, grouping.GetGroupOptions{})
		}, func(ctx context.Context, fx *fixture) (any, error) {
			return scanFloorGroup(fx.f.stmts["r:group"].QueryRowContext(ctx, fx.groups[0].ID, fx.org))
		}},
		{"ListGroups", func(ctx context.Context, fx *fixture) (any, error) {
			p, err := fx.s.ListGroups(ctx, fx.org, grouping.ListGroupsOptions{Limit: fx.page})
			return p.Items, err
		}, func(ctx context.Context, fx *fixture) (any, error) {
			return floorQuery(ctx, fx.f.stmts["r:groups"], scanFloorGroup, fx.org, fx.page+1)
		}},
		{"UpdateGroup", func(ctx context.Context, fx *fixture) (any, error) {
			d := "Updated"
			return fx.s.UpdateGroup(ctx, fx.org, fx.groups[2].ID, grouping.GroupUpdate{Description: &d})
		}, func(ctx context.Context, fx *fixture) (any, error) {
			var g grouping.Group
			err := fx.f.tx(ctx, func(tx *sql.Conn, st func(string) *sql.Stmt) error {
				var err error
				g, err = scanFloorGroup(st("updateGroup").QueryRowContext(ctx, "Updated", nowMillis(), fx.groups[2].ID, fx.org))
				if err != nil {
					return err
				}
				prev := g // the same group, for the size of the data
				return floorEvent(ctx, st, grouping.OrganisationOf(fx.org), grouping.EventGroupUpdated, grouping.GroupEventData{Group: g, Previous: &prev})
			})
			return g, err
		}},
		{"ReorderGroups", func(ctx context.Context, fx *fixture) (any, error) {
			return nil, fx.s.ReorderGroups(ctx, fx.org, fx.groupOrder())
		}, func(ctx context.Context, fx *fixture) (any, error) {
			order := fx.groupOrder()
			return nil, fx.f.tx(ctx, func(tx *sql.Conn, st func(string) *sql.Stmt) error {
				if err := floorCheckIDs(ctx, st("groupIDs"), order, fx.org); err != nil {
					return err
				}
				set, changed := st("setGroupPos"), int64(0)
				for i, id := range order {
					res, err := set.ExecContext(ctx, i, id, i)
					if err != nil {
						return err
					}
					n, _ := res.RowsAffected()
					changed += n
				}
				if changed == 0 {
					return nil // the same order: no event
				}
				return floorEvent(ctx, st, grouping.OrganisationOf(fx.org), grouping.EventGroupsReordered, grouping.GroupsReorderedData{GroupIDs: order})
			})
		}},
		{"AssignChannel+RemoveChannel", func(ctx context.Context, fx *fixture) (any, error) {
			g, c := fx.groups[3].ID, fx.free[2].ID
			if err := fx.s.AssignChannel(ctx, fx.org, g, c); err != nil {
				return nil, err
			}
			return nil, fx.s.RemoveChannel(ctx, fx.org, g, c)
		}, func(ctx context.Context, fx *fixture) (any, error) {
			g, c, org := fx.groups[3].ID, fx.free[2].ID, grouping.OrganisationOf(fx.org)
			if err := fx.f.tx(ctx, func(tx *sql.Conn, st func(string) *sql.Stmt) error {
				if err := oneRowChanged(st("assign").ExecContext(ctx, g, c, fx.org)); err != nil {
					return err
				}
				pos := int64(0) // the data's size; the floor does not read the position back
				return floorEvent(ctx, st, org, grouping.EventChannelAssigned, grouping.ChannelPlacementData{ChannelID: c, GroupID: g, Position: &pos})
			}); err != nil {
				return nil, err
			}
			return nil, fx.f.tx(ctx, func(tx *sql.Conn, st func(string) *sql.Stmt) error {
				if err := oneRowChanged(st("remove").ExecContext(ctx, c, fx.org, g)); err != nil {
					return err
				}
				return floorEvent(ctx, st, org, grouping.EventChannelRemoved, grouping.ChannelPlacementData{ChannelID: c, GroupID: g})
			})
		}},
		{"MoveChannel+MoveChannel", func(ctx context.Context, fx *fixture) (any, error) {
			c := fx.channels[0].ID // in groups[0]
			if err := fx.s.MoveChannel(ctx, fx.org, fx.groups[4].ID, c); err != nil {
				return nil, err
			}
			return nil, fx.s.MoveChannel(ctx, fx.org, fx.groups[0].ID, c)
		}, func(ctx context.Context, fx *fixture) (any, error) {
			c := fx.channels[0].ID
			for i, g := range []uuid.UUID{fx.groups[4].ID, fx.groups[0].ID} {
				from := []uuid.UUID{fx.groups[0].ID, fx.groups[4].ID}[i]
				if err := fx.f.tx(ctx, func(tx *sql.Conn, st func(string) *sql.Stmt) error {
					if err := oneRowChanged(st("move").ExecContext(ctx, g, c, fx.org)); err != nil {
						return err
					}
					pos := int64(0)
					return floorEvent(ctx, st, grouping.OrganisationOf(fx.org), grouping.EventChannelMoved,
						grouping.ChannelPlacementData{ChannelID: c, GroupID: g, FromGroupID: &from, Position: &pos})
				}); err != nil {
					return nil, err
				}
			}
			return nil, nil
		}},
		{"AssignChannels+RemoveChannels", func(ctx context.Context, fx *fixture) (any, error) {
			g := fx.groups[3].ID
			if err := fx.s.AssignChannels(ctx, fx.org, g, fx.bulkFree); err != nil {
				return nil, err
			}
			return nil, fx.s.RemoveChannels(ctx, fx.org, g, fx.bulkFree)
		}, func(ctx context.Context, fx *fixture) (any, error) {
			g, org, ids := fx.groups[3].ID, grouping.OrganisationOf(fx.org), floorIDs(fx.bulkFree)
			if err := fx.f.tx(ctx, func(_ *sql.Conn, st func(string) *sql.Stmt) error {
				placed, err := floorPlaced(ctx, st("bulkAssign"), len(fx.bulkFree), g, ids, fx.org)
				if err != nil {
					return err
				}
				return floorEvents(ctx, st, org, grouping.EventChannelAssigned, len(placed), func(i int) json.Marshaler {
					return grouping.ChannelPlacementData{ChannelID: placed[i].id, GroupID: g, Position: &placed[i].pos}
				})
			}); err != nil {
				return nil, err
			}
			return nil, fx.f.tx(ctx, func(_ *sql.Conn, st func(string) *sql.Stmt) error {
				if err := rowsChanged(len(fx.bulkFree))(st("bulkRemove").ExecContext(ctx, ids, fx.org, g)); err != nil {
					return err
				}
				return floorEvents(ctx, st, org, grouping.EventChannelRemoved, len(fx.bulkFree), func(i int) json.Marshaler {
					return grouping.ChannelPlacementData{ChannelID: fx.bulkFree[i], GroupID: g}
				})
			})
		}},
		{"MoveChannels+MoveChannels", func(ctx context.Context, fx *fixture) (any, error) {
			if err := fx.s.MoveChannels(ctx, fx.org, fx.groups[4].ID, fx.bulkPlaced); err != nil {
				return nil, err
			}
			return nil, fx.s.MoveChannels(ctx, fx.org, fx.groups[0].ID, fx.bulkPlaced)
		}, func(ctx context.Context, fx *fixture) (any, error) {
			org, ids := grouping.OrganisationOf(fx.org), floorIDs(fx.bulkPlaced)
			for _, g := range []uuid.UUID{fx.groups[4].ID, fx.groups[0].ID} {
				if err := fx.f.tx(ctx, func(_ *sql.Conn, st func(string) *sql.Stmt) error {
					from, err := floorFrom(ctx, st("bulkFrom"), len(fx.bulkPlaced), ids, fx.org)
					if err != nil {
						return err
					}
					placed, err := floorPlaced(ctx, st("bulkMove"), len(fx.bulkPlaced), g, ids, fx.org)
					if err != nil {
						return err
					}
					return floorEvents(ctx, st, org, grouping.EventChannelMoved, len(placed), func(i int) json.Marshaler {
						f := from[placed[i].id]
						return grouping.ChannelPlacementData{ChannelID: placed[i].id, GroupID: g, FromGroupID: &f, Position: &placed[i].pos}
					})
				}); err != nil {
					return nil, err
				}
			}
			return nil, nil
		}},
		{"ReorderGroupChannels", func(ctx context.Context, fx *fixture) (any, error) {
			return nil, fx.s.ReorderGroupChannels(ctx, fx.org, fx.groups[5].ID, fx.channelOrder(ctx, fx.groups[5].ID))
		}, func(ctx context.Context, fx *fixture) (any, error) {
			g := fx.groups[5].ID
			order := fx.channelOrder(ctx, g)
			return nil, fx.f.tx(ctx, func(tx *sql.Conn, st func(string) *sql.Stmt) error {
				if err := floorCheckIDs(ctx, st("groupChannelIDs"), order, g); err != nil {
					return err
				}
				set, changed := st("setChannelPos"), int64(0)
				for i, id := range order {
					res, err := set.ExecContext(ctx, i, id, g, i)
					if err != nil {
						return err
					}
					n, _ := res.RowsAffected()
					changed += n
				}
				if changed == 0 {
					return nil // the same order: no event
				}
				return floorEvent(ctx, st, grouping.OrganisationOf(fx.org), grouping.EventGroupChannelsReordered,
					grouping.GroupChannelsReorderedData{GroupID: g, ChannelIDs: order})
			})
		}},
		{"ListGroupChannels", func(ctx context.Context, fx *fixture) (any, error) {
			p, err := fx.s.ListGroupChannels(ctx, fx.org, fx.groups[0].ID, grouping.ListChannelsOptions{Limit: fx.page})
			return p.Items, err
		}, func(ctx context.Context, fx *fixture) (any, error) {
			return floorQuery(ctx, fx.f.stmts["r:groupChannels"], floorChannelRow, fx.groups[0].ID, fx.org, fx.page+1)
		}},
		{"ListUngroupedChannels", func(ctx context.Context, fx *fixture) (any, error) {
			p, err := fx.s.ListUngroupedChannels(ctx, fx.org, grouping.ListChannelsOptions{Limit: fx.page})
			return p.Items, err
		}, func(ctx context.Context, fx *fixture) (any, error) {
			return floorQuery(ctx, fx.f.stmts["r:ungrouped"], floorChannelRow, fx.org, fx.page+1)
		}},
		{"ListDiscoverableChannels", func(ctx context.Context, fx *fixture) (any, error) {
			p, err := fx.s.ListDiscoverableChannels(ctx, fx.org, fx.user, grouping.ListChannelsOptions{Limit: fx.page})
			return p.Items, err
		}, func(ctx context.Context, fx *fixture) (any, error) {
			return floorQuery(ctx, fx.f.stmts["r:discoverable"], floorChannelRow, fx.org, fx.user, fx.page+1)
		}},
		{"AttachChannel", func(ctx context.Context, fx *fixture) (any, error) {
			return fx.s.AttachChannel(ctx, fx.ws, fx.attached, fx.nextAccount(ctx))
		}, func(ctx context.Context, fx *fixture) (any, error) {
			return fx.floorAttach(ctx, fx.attached, fx.nextAccount(ctx))
		}},
		{"DetachChannel+AttachChannel", func(ctx context.Context, fx *fixture) (any, error) {
			if err := fx.s.DetachChannel(ctx, fx.ws, fx.detached); err != nil {
				return nil, err
			}
			return fx.s.AttachChannel(ctx, fx.ws, fx.detached, fx.accounts[1])
		}, func(ctx context.Context, fx *fixture) (any, error) {
			if err := fx.f.tx(ctx, func(tx *sql.Conn, st func(string) *sql.Stmt) error {
				var from uuid.UUID
				if err := st("unlink").QueryRowContext(ctx, fx.ws, fx.detached).Scan(&from); err != nil {
					return err
				}
				if err := oneRowChanged(st("touch").ExecContext(ctx, nowMillis(), from)); err != nil {
					return err
				}
				return floorEvent(ctx, st, grouping.WorkspaceOf(fx.ws), grouping.EventChannelGroupDetached,
					grouping.ChannelGroupDetachedData{ChannelID: fx.detached, ChannelGroupID: from})
			}); err != nil {
				return nil, err
			}
			return fx.floorAttach(ctx, fx.detached, fx.accounts[1])
		}},
		{"GetChannelGroup", func(ctx context.Context, fx *fixture) (any, error) {
			return fx.s.GetChannelGroup(ctx, fx.ws, fx.channelGroups[7].ID)
		}, func(ctx context.Context, fx *fixture) (any, error) {
			return scanFloorChannelGroup(fx.f.stmts["r:channelGroup"].QueryRowContext(ctx, fx.channelGroups[7].ID, fx.ws), fx.ws)
		}},
		{"ListChannelGroups", func(ctx context.Context, fx *fixture) (any, error) {
			p, err := fx.s.ListChannelGroups(ctx, fx.ws, grouping.ListChannelGroupsOptions{Limit: fx.page})
			return p.Items, err
		}, func(ctx context.Context, fx *fixture) (any, error) {
			return floorQuery(ctx, fx.f.stmts["r:channelGroups"], func(sc interface{ Scan(...any) error }) (grouping.ChannelGroup, error) {
				return scanFloorChannelGroup(sc, fx.ws)
			}, fx.ws, fx.page+1)
		}},
		{"AttachChannel+DeleteChannelGroup", func(ctx context.Context, fx *fixture) (any, error) {
			cg, err := fx.s.AttachChannel(ctx, fx.ws, uuid.New(), grouping.ChannelGroupAttach{PlatformID: "telegram", PlatformGroupID: "temp", PlatformGroupName: "Temp"})
			if err != nil {
				return nil, err
			}
			return nil, fx.s.DeleteChannelGroup(ctx, fx.ws, cg.ID)
		}, func(ctx context.Context, fx *fixture) (any, error) {
			cg, err := fx.floorAttach(ctx, uuid.New(), grouping.ChannelGroupAttach{PlatformID: "telegram", PlatformGroupID: "temp", PlatformGroupName: "Temp"})
			if err != nil {
				return nil, err
			}
			return nil, fx.f.tx(ctx, func(tx *sql.Conn, st func(string) *sql.Stmt) error {
				if err := oneRowChanged(st("deleteChannelGroup").ExecContext(ctx, cg.ID, fx.ws)); err != nil {
					return err
				}
				return floorEvent(ctx, st, grouping.WorkspaceOf(fx.ws), grouping.EventChannelGroupDeleted, grouping.ChannelGroupDeletedData{ChannelGroupID: cg.ID})
			})
		}},
	}
}

// floorChannelRow scans a list row of the floor.
func floorChannelRow(sc interface{ Scan(...any) error }) (grouping.Channel, error) {
	return scanFloorChannel(sc, false)
}

// floorCheckIDs reads the IDs an order must hold exactly once and checks
// order against them, as a reorder must.
func floorCheckIDs(ctx context.Context, st *sql.Stmt, order []uuid.UUID, arg any) error {
	ids, err := floorQuery(ctx, st, func(sc interface{ Scan(...any) error }) (id uuid.UUID, err error) {
		return id, sc.Scan(&id)
	}, arg)
	if err != nil {
		return err
	}
	want := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	if len(order) != len(want) {
		return errors.New("floor: incomplete order")
	}
	for _, id := range order {
		if !want[id] {
			return errors.New("floor: foreign or repeated ID")
		}
		delete(want, id)
	}
	return nil
}

// groupOrder alternates between two orders of the groups.
func (fx *fixture) groupOrder() []uuid.UUID {
	ids := make([]uuid.UUID, len(fx.groups))
	for i, g := range fx.groups {
		ids[i] = g.ID
	}
	if fx.flip() {
		slices.Reverse(ids)
	}
	return ids
}

// flip alternates between true and false, per fixture.
func (fx *fixture) flip() bool {
	fx.flipped = !fx.flipped
	return fx.flipped
}

// channelOrder reverses the group's current channel order.
func (fx *fixture) channelOrder(ctx context.Context, group uuid.UUID) []uuid.UUID {
	p, err := fx.s.ListGroupChannels(ctx, fx.org, group, grouping.ListChannelsOptions{IncludeArchived: true})
	if err != nil {
		panic(err)
	}
	ids := make([]uuid.UUID, len(p.Items))
	for i, c := range p.Items {
		ids[len(ids)-1-i] = c.ID
	}
	return ids
}

// nextCreated alternates a channel's creation time between its own and
// one millisecond later.
func (fx *fixture) nextCreated(c grouping.Channel) time.Time {
	if fx.flip() {
		return c.CreatedAt.Add(time.Millisecond)
	}
	return c.CreatedAt
}

// nextAccount alternates the attached channel between two accounts.
func (fx *fixture) nextAccount(ctx context.Context) grouping.ChannelGroupAttach {
	if fx.flip() {
		return fx.accounts[2]
	}
	return fx.accounts[0]
}

// floorAttach attaches a channel by hand: the account and the channel's
// current group in one read, then the writes that change.
func (fx *fixture) floorAttach(ctx context.Context, channel uuid.UUID, a grouping.ChannelGroupAttach) (grouping.ChannelGroup, error) {
	var out grouping.ChannelGroup
	err := fx.f.tx(ctx, func(tx *sql.Conn, st func(string) *sql.Stmt) error {
		now := nowMillis()
		var (
			current uuid.NullUUID
			maxPos  int64
			created bool
			err     error
		)
		out, err = scanFloorChannelGroup(scanExtra{st("account").QueryRowContext(ctx, fx.ws, channel, a.PlatformID, a.PlatformGroupID), []any{&maxPos, &current}}, fx.ws)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			t := time.UnixMilli(now).UTC()
			out = grouping.ChannelGroup{ID: uuid.New(), WorkspaceID: fx.ws, PlatformID: a.PlatformID, PlatformGroupID: a.PlatformGroupID,
				PlatformGroupName: a.PlatformGroupName, ChannelIDs: []uuid.UUID{}, CreatedAt: t, UpdatedAt: t}
			maxPos, created = -1, true
			if _, err := st("insertChannelGroup").ExecContext(ctx, out.ID, fx.ws, a.PlatformID, a.PlatformGroupID, out.PlatformGroupName, now, now); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `SELECT channel_group_id FROM channel_group_channels WHERE workspace_id = ? AND channel_id = ?`, fx.ws, channel).Scan(&current); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		case err != nil:
			return err
		}
		if current.UUID == out.ID {
			return nil
		}
		if current.Valid {
			if _, err := st("unlink").ExecContext(ctx, fx.ws, channel); err != nil {
				return err
			}
			if _, err := st("touch").ExecContext(ctx, now, current.UUID); err != nil {
				return err
			}
		}
		if _, err := st("link").ExecContext(ctx, fx.ws, channel, out.ID, out.CreatedAt.UnixMilli(), maxPos+1); err != nil {
			return err
		}
		if !created {
			if a.PlatformGroupName != "" {
				out.PlatformGroupName = a.PlatformGroupName
			}
			if _, err := st("rename").ExecContext(ctx, out.PlatformGroupName, now, out.ID); err != nil {
				return err
			}
			out.UpdatedAt = time.UnixMilli(now).UTC()
		}
		out.ChannelIDs = append(out.ChannelIDs, channel)
		d := grouping.ChannelGroupAttachedData{ChannelID: channel, ChannelGroup: out}
		if current.Valid {
			d.FromChannelGroupID = &current.UUID
		}
		return floorEvent(ctx, st, grouping.WorkspaceOf(fx.ws), grouping.EventChannelGroupAttached, d)
	})
	return out, err
}

// scanExtra scans a row into the destinations given to Scan followed by
// extra ones.
type scanExtra struct {
	row   *sql.Row
	extra []any
}

func (s scanExtra) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra...)...) }

// comparable returns v as JSON with the times and versions that differ
// between two runs of the same write blanked out.
func comparableJSON(v any) string {
	b, _ := json.Marshal(v)
	var x any
	_ = json.Unmarshal(b, &x)
	var blank func(any) any
	blank = func(v any) any {
		switch t := v.(type) {
		case map[string]any:
			for k := range t {
				if strings.HasSuffix(k, "_at") || strings.HasSuffix(k, "At") {
					t[k] = "time"
				} else {
					t[k] = blank(t[k])
				}
			}
		case []any:
			if len(t) == 0 {
				return []any(nil) // an empty list is an empty list
			}
			for i := range t {
				t[i] = blank(t[i])
			}
		}
		return v
	}
	b, _ = json.Marshal(blank(x))
	return string(b)
}

// TestFloorMatchesLibrary checks that each floor does the same work as the
// library: the same result, and the same data afterwards.
func TestFloorMatchesLibrary(t *testing.T) {
	ctx := t.Context()
	for _, c := range floorCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fxLib, fxFloor := newFixture(t, 40, 5), newFixture(t, 40, 5)
			libEvents, floorEvents := len(eventTypes(ctx, t, fxLib)), len(eventTypes(ctx, t, fxFloor))
			// The two fixtures differ in their IDs; compare shapes through
			// JSON with the IDs of each mapped to their order of appearance.
			lib, err := c.library(ctx, fxLib)
			if err != nil {
				t.Fatal(err)
			}
			floor, err := c.floor(ctx, fxFloor)
			if err != nil {
				t.Fatal(err)
			}
			libNew, floorNew := eventTypes(ctx, t, fxLib)[libEvents:], eventTypes(ctx, t, fxFloor)[floorEvents:]
			if !slices.Equal(libNew, floorNew) {
				t.Errorf("events differ: library appended %q, floor %q", libNew, floorNew)
			}
			if a, b := benchkit.Canonical(comparableJSON(lib)), benchkit.Canonical(comparableJSON(floor)); !listPrefix(a, b) {
				t.Errorf("results differ:\nlibrary %s\nfloor   %s", a, b)
			}
			a, b := benchkit.Canonical(comparableJSON(dumpFixture(ctx, t, fxLib))), benchkit.Canonical(comparableJSON(dumpFixture(ctx, t, fxFloor)))
			if a != b {
				t.Errorf("data differs after the operation:\nlibrary %s\nfloor   %s", a, b)
			}
		})
	}
}

// TestFloorBulkEvents checks that the floors of the bulk cases append the
// events the library appends, numbers and data included: one statement
// appends them all, numbered from the tenant's last.
func TestFloorBulkEvents(t *testing.T) {
	ctx := t.Context()
	for _, c := range floorCases() {
		if !strings.Contains(c.name, "Channels+") {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			fxLib, fxFloor := newFixture(t, 40, 5), newFixture(t, 40, 5)
			org := grouping.OrganisationOf(fxLib.org)
			before, err := fxLib.s.Events(ctx, org, 0, grouping.MaxEventLimit)
			is.NoErr(err)
			last := before.Next
			_, err = c.library(ctx, fxLib)
			is.NoErr(err) // the library's run
			_, err = c.floor(ctx, fxFloor)
			is.NoErr(err) // the floor's run
			lib, err := fxLib.s.Events(ctx, org, last, grouping.MaxEventLimit)
			is.NoErr(err)
			floor, err := fxFloor.s.Events(ctx, org, last, grouping.MaxEventLimit)
			is.NoErr(err)
			is.Equal(len(lib.Events), 20) // ten channels there and back
			is.Equal(len(floor.Events), len(lib.Events))
			for i, f := range floor.Events {
				is.Equal(f.Sequence, last+1+int64(i)) // the floor's events follow the tenant's last, one by one
			}
			// The groups' IDs differ between the fixtures: compare with the
			// IDs of each side mapped to their order of appearance.
			shape := func(events []grouping.Event) string {
				type event struct {
					Sequence int64
					Type     grouping.EventType
					Data     json.RawMessage
				}
				out := make([]event, len(events))
				for i, e := range events {
					out[i] = event{e.Sequence, e.Type, e.Data}
				}
				return benchkit.Canonical(comparableJSON(out))
			}
			is.Equal(shape(lib.Events), shape(floor.Events)) // the same numbers, types and data, in the same order
		})
	}
}

// eventTypes reads the types of the events of the fixture's organisation
// and workspace, in the order they were appended.
func eventTypes(ctx context.Context, t *testing.T, fx *fixture) []string {
	t.Helper()
	type ev struct {
		at   time.Time
		desc string
	}
	var all []ev
	for _, tenant := range []grouping.Tenant{grouping.OrganisationOf(fx.org), grouping.WorkspaceOf(fx.ws)} {
		for after := int64(0); ; {
			p, err := fx.s.Events(ctx, tenant, after, grouping.MaxEventLimit)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range p.Events {
				all = append(all, ev{e.Time, tenant.Kind.String() + " " + string(e.Type)})
			}
			if !p.More {
				break
			}
			after = p.Next
		}
	}
	slices.SortStableFunc(all, func(a, b ev) int { return a.at.Compare(b.at) })
	out := make([]string, len(all))
	for i, e := range all {
		out[i] = e.desc
	}
	return out
}

// listPrefix reports whether two results agree. A floor list reads one row
// more than the page, to know whether more follow; the library's page is
// its prefix.
func listPrefix(lib, floor string) bool {
	if lib == floor {
		return true
	}
	return strings.HasPrefix(floor, strings.TrimSuffix(lib, "]")+",")
}

// dumpFixture reads everything an operation of the floor cases can change.
func dumpFixture(ctx context.Context, t *testing.T, fx *fixture) any {
	groups, err := fx.s.ListGroups(ctx, fx.org, grouping.ListGroupsOptions{IncludeChannels: true})
	if err != nil {
		t.Fatal(err)
	}
	ungrouped, err := fx.s.ListUngroupedChannels(ctx, fx.org, grouping.ListChannelsOptions{IncludeArchived: true})
	if err != nil {
		t.Fatal(err)
	}
	cgs, err := fx.s.ListChannelGroups(ctx, fx.ws, grouping.ListChannelGroupsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return []any{groups.Items, ungrouped.Items, cgs.Items}
}

// BenchmarkFloor times each case through the library and the floor, on one
// fixture of 3,000 channels.
func BenchmarkFloor(b *testing.B) {
	runFloorCases(b, newFixture(b, 3000, 50), floorCases())
}

// runFloorCases runs each case through the library, then the floor, in
// sub-benchmarks (case/impl=…) that report, besides ns/op, the processor
// time of the process per operation (cpu-ns/op), which varies less on a
// machine that other work shares.
func runFloorCases(b *testing.B, fx *fixture, cases []floorCase) {
	ctx := context.Background()
	// Every case runs a few times on both sides first, so that neither side
	// pays alone for what the first calls after the fixture's setup meet:
	// the connections' empty page caches, the checkpoint of the setup's
	// writes.
	for range 20 {
		for _, c := range cases {
			for _, run := range []func(context.Context, *fixture) (any, error){c.library, c.floor} {
				if _, err := run(ctx, fx); err != nil {
					b.Fatalf("%s: %v", c.name, err)
				}
			}
		}
	}
	for _, c := range cases {
		for _, impl := range []struct {
			name string
			run  func(context.Context, *fixture) (any, error)
		}{{"library", c.library}, {"floor", c.floor}} {
			b.Run(c.name+"/impl="+impl.name, func(b *testing.B) {
				b.ReportAllocs()
				fx.f.settle(b)
				start := benchkit.ProcessCPU()
				for b.Loop() {
					if _, err := impl.run(ctx, fx); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(benchkit.ProcessCPU()-start)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}
