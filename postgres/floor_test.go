package postgres

// The floor: every Store operation written again by hand with pgx, on a
// pool of its own with the store's settings, on the store's schema, sending
// the statements the store sends (statements.go) with no engine. Each floor
// reads the facts a decision needs before it writes, as the store does, and
// sends every statement whose result decides nothing with the round trip
// that follows it: the writes and the append of the events go with COMMIT.
// It notifies the schema's channel after the commit, outside the
// transaction, as the store's notifier does. BenchmarkFloor runs each operation through
// the library (impl=library) and through the floor (impl=floor), on the
// same data, over TCP loopback and over the unix socket, so that benchstat
// gives the cost of the library over the floor:
//
//	GROUPING_TEST_POSTGRES_URL=… go test -run '^$' -bench Floor -count 8 ./postgres | tee floor.txt
//	benchstat -col '/impl@(floor library)' floor.txt
//
// TestFloorMatchesLibrary checks that each floor does the same work: the
// same result, the same data afterwards, and the same events (types and
// data) appended.
//
// Writes that cannot repeat on their own run in pairs that bring the data
// back (Assign+Remove, Create+Delete, …); a pair is one benchmark iteration.

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/internal/benchkit"
	"github.com/channelgrouping/grouping/internal/pgtest"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/matryer/is"
)

// floorDB is the hand-written floor: a pool of its own on the store's
// database and schema, and the store's statements.
type floorDB struct {
	pool     *pgxpool.Pool
	sql      []string // the store's statements, rendered for its schema
	channel  string   // the schema's notification channel
	notifier *floorNotifier
}

// openFloor opens the floor at url (the URL the store was opened with, and
// so the same pool settings, and the same uuid codec) on the store's
// schema.
func openFloor(tb testing.TB, url string, s *Store) *floorDB {
	tb.Helper()
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		tb.Fatal(err)
	}
	pc.AfterConnect = afterConnect(nil)
	pool, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		tb.Fatal(err)
	}
	f := &floorDB{pool: pool, channel: notifyChannel(s.Schema())}
	quoted := pgx.Identifier{s.Schema()}.Sanitize()
	for _, st := range statements {
		f.sql = append(f.sql, inSchema(st.sql, quoted))
	}
	f.notifier = startFloorNotifier(f)
	tb.Cleanup(func() {
		f.notifier.close()
		pool.Close()
	})
	return f
}

// floorNotifier notifies the schema's channel once for each tenant whose
// events a floor transaction committed, after the commit and outside it,
// and once for all the tenants that committed meanwhile, as the store's
// notifier does.
type floorNotifier struct {
	f       *floorDB
	mu      sync.Mutex
	pending map[grouping.Tenant]struct{}
	wake    chan struct{}
	done    chan struct{}
}

func startFloorNotifier(f *floorDB) *floorNotifier {
	n := &floorNotifier{f: f, pending: map[grouping.Tenant]struct{}{}, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(n.done)
		for range n.wake {
			n.mu.Lock()
			payloads := make([]string, 0, len(n.pending))
			for t := range n.pending {
				payloads = append(payloads, t.String())
			}
			clear(n.pending)
			n.mu.Unlock()
			if len(payloads) > 0 {
				n.f.pool.Exec(context.Background(), n.f.sql[sqlNotify.index], n.f.channel, payloads)
			}
		}
	}()
	return n
}

func (n *floorNotifier) committed(t grouping.Tenant) {
	n.mu.Lock()
	n.pending[t] = struct{}{}
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

func (n *floorNotifier) close() {
	close(n.wake)
	<-n.done
}

// floorTx is a write transaction of the floor on one connection. Queued
// statements go to the server together with the next round trip: BEGIN with
// the first, the writes and the events with COMMIT.
type floorTx struct {
	f      *floorDB
	conn   *pgxpool.Conn
	tenant grouping.Tenant
	batch  pgx.Batch
	// The events to append, one slice per column.
	ids   []uuid.UUID
	types []string
	times []time.Time
	data  [][]byte
}

// write runs fn in a transaction of the floor, for tenant, and commits it.
func (f *floorDB) write(ctx context.Context, tenant grouping.Tenant, fn func(tx *floorTx) error) error {
	conn, err := f.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	tx := &floorTx{f: f, conn: conn, tenant: tenant}
	tx.batch.Queue(sqlBegin)
	if err := fn(tx); err != nil {
		conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	switch len(tx.ids) {
	case 0:
	case 1:
		tx.queue(sqlAppendEvent, int16(tenant.Kind), tenant.ID, tx.ids[0], tx.types[0], tx.times[0], tx.data[0])
	default:
		tx.queue(sqlAppendEvents, int16(tenant.Kind), tenant.ID, tx.ids, tx.types, tx.times, tx.data)
	}
	tx.batch.Queue("COMMIT")
	if err := tx.send(ctx); err != nil {
		conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	if len(tx.ids) > 0 {
		f.notifier.committed(tenant)
	}
	return nil
}

// queue adds a statement to the next round trip.
func (tx *floorTx) queue(st *statement, args ...any) *pgx.QueuedQuery {
	return tx.batch.Queue(tx.f.sql[st.index], args...)
}

// lock queues the tenant's lock.
func (tx *floorTx) lock(st *statement) {
	tx.queue(st, tx.tenant.ID)
}

// send makes one round trip with the queued statements.
func (tx *floorTx) send(ctx context.Context) error {
	b := tx.batch
	tx.batch = pgx.Batch{}
	return tx.conn.SendBatch(ctx, &b).Close()
}

// event queues an event of the transaction's tenant, appended with COMMIT.
func (tx *floorTx) event(typ grouping.EventType, data json.Marshaler, at time.Time) error {
	b, err := data.MarshalJSON()
	if err != nil {
		return err
	}
	tx.ids = append(tx.ids, benchkit.EventID())
	tx.types = append(tx.types, string(typ))
	tx.times = append(tx.times, at)
	tx.data = append(tx.data, b)
	return nil
}

// errFloor is the floor's answer when a fact rules the operation out; on
// the benchmarks' paths it never happens.
var errFloor = errors.New("floor: the facts rule the operation out")

func floorNow() time.Time { return grouping.Timestamp(time.Now()) }

// scanFloorChannel reads the channel columns of a row (channelColumns),
// then extra.
func scanFloorChannel(row pgx.Row, extra ...any) (grouping.Channel, error) {
	var (
		ch      grouping.Channel
		pos     *int64
		deleted *time.Time
	)
	err := row.Scan(append([]any{&ch.ID, &ch.OrganisationID, &ch.Name, &ch.Description, &ch.OwnerID,
		&ch.UserCount, &ch.MessageCount, &ch.Archived, &ch.GroupID, &pos, &ch.CreatedAt, &deleted}, extra...)...)
	ch.CreatedAt = ch.CreatedAt.UTC()
	return ch, err
}

// scanFloorGroup reads the group columns of a row (groupColumns).
func scanFloorGroup(row pgx.Row) (grouping.Group, error) {
	var (
		g       grouping.Group
		deleted *time.Time
	)
	err := row.Scan(&g.ID, &g.OrganisationID, &g.Name, &g.Description, &g.Archived,
		&g.Position, &g.Version, &g.CreatedAt, &g.UpdatedAt, &deleted)
	g.CreatedAt, g.UpdatedAt = g.CreatedAt.UTC(), g.UpdatedAt.UTC()
	return g, err
}

// scanFloorChannelGroup reads the channel group columns of a row
// (channelGroupColumns).
func scanFloorChannelGroup(row pgx.Row) (grouping.ChannelGroup, error) {
	var cg grouping.ChannelGroup
	err := row.Scan(&cg.ID, &cg.WorkspaceID, &cg.PlatformID, &cg.PlatformGroupID,
		&cg.PlatformGroupName, &cg.CreatedAt, &cg.UpdatedAt, &cg.ChannelIDs)
	cg.CreatedAt, cg.UpdatedAt = cg.CreatedAt.UTC(), cg.UpdatedAt.UTC()
	if cg.ChannelIDs == nil {
		cg.ChannelIDs = []uuid.UUID{}
	}
	return cg, err
}

// floorList runs a list statement on the pool, reading limit+1 rows (the
// last says whether more follow) and keeping limit.
func floorList[T any](ctx context.Context, f *floorDB, st *statement, limit int, scan func(pgx.Row) (T, error), args ...any) ([]T, error) {
	rows, err := f.pool.Query(ctx, f.sql[st.index], args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]T, 0, limit)
	for rows.Next() {
		if len(out) == limit {
			break
		}
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// The start of a first page, below every key, in each list's columns.
var (
	firstPos  int64 = math.MinInt64
	firstTime       = pgtype.Timestamptz{InfinityModifier: pgtype.NegativeInfinity, Valid: true}
)

// floorChannelFacts are the columns of sqlChannelState.
type floorChannelFacts struct {
	orgFound          bool
	org, group        *uuid.UUID
	deleted, archived *bool
	groupName         *string
}

// liveChannel locks the organisation and reads the channel's state,
// returning the group it is in (nil for none).
func (tx *floorTx) liveChannel(ctx context.Context, org, channel uuid.UUID) (*uuid.UUID, error) {
	tx.lock(sqlLockOrganisation)
	var st floorChannelFacts
	tx.queue(sqlChannelState, org, channel).QueryRow(func(row pgx.Row) error {
		return row.Scan(&st.orgFound, &st.org, &st.deleted, &st.archived, &st.group, &st.groupName)
	})
	if err := tx.send(ctx); err != nil {
		return nil, err
	}
	if !st.orgFound || st.org == nil || *st.org != org || *st.deleted {
		return nil, errFloor
	}
	return st.group, nil
}

// floorGroupState is what sqlGroupState reads.
type floorGroupState struct {
	orgFound, found bool
	g               grouping.Group
	holder          *uuid.UUID
	maxPos          int64
}

// groupState locks the organisation and reads its group state.
func (tx *floorTx) groupState(ctx context.Context, org, group uuid.UUID, key string) (floorGroupState, error) {
	tx.lock(sqlLockOrganisation)
	var (
		st               floorGroupState
		id, o            *uuid.UUID
		name, desc       *string
		archived         *bool
		pos, version     *int64
		created, updated *time.Time
		deleted          *time.Time
	)
	tx.queue(sqlGroupState, org, group, key).QueryRow(func(row pgx.Row) error {
		return row.Scan(&st.orgFound, &st.found, &id, &o, &name, &desc, &archived, &pos, &version,
			&created, &updated, &deleted, &st.holder, &st.maxPos)
	})
	if err := tx.send(ctx); err != nil {
		return st, err
	}
	if st.found {
		st.g = grouping.Group{ID: *id, OrganisationID: *o, Name: *name, Description: *desc, Archived: *archived,
			Position: int(*pos), Version: *version, CreatedAt: created.UTC(), UpdatedAt: updated.UTC()}
	}
	return st, nil
}

// floorPlacement is what sqlPlacement reads.
type floorPlacement struct {
	orgFound, groupFound, channelFound bool
	groupName, channelGroupName        *string
	groupArchived, channelArchived     *bool
	maxPos                             int64
	current                            *uuid.UUID
}

// placement locks the organisation and reads the facts of a placement.
func (tx *floorTx) placement(ctx context.Context, org, group, channel uuid.UUID) (floorPlacement, error) {
	tx.lock(sqlLockOrganisation)
	var p floorPlacement
	tx.queue(sqlPlacement, org, group, channel).QueryRow(func(row pgx.Row) error {
		return row.Scan(&p.orgFound, &p.groupFound, &p.groupName, &p.groupArchived, &p.maxPos,
			&p.channelFound, &p.channelArchived, &p.current, &p.channelGroupName)
	})
	err := tx.send(ctx)
	if err == nil && (!p.groupFound || !p.channelFound) {
		err = errFloor
	}
	return p, err
}

// floorPut assigns (move false) or moves a channel to the end of a group.
func (f *floorDB) put(ctx context.Context, org, group, channel uuid.UUID, move bool) error {
	return f.write(ctx, grouping.OrganisationOf(org), func(tx *floorTx) error {
		p, err := tx.placement(ctx, org, group, channel)
		switch {
		case err != nil:
			return err
		case p.current != nil && *p.current == group:
			return nil
		case *p.groupArchived || p.current != nil && !move:
			return errFloor
		}
		pos, now := p.maxPos+1, floorNow()
		tx.queue(sqlPlaceChannel, channel, group, pos)
		d := grouping.ChannelPlacementData{ChannelID: channel, GroupID: group, FromGroupID: p.current, Position: &pos}
		typ := grouping.EventChannelAssigned
		if p.current != nil {
			typ = grouping.EventChannelMoved
		}
		return tx.event(typ, d, now)
	})
}

// remove takes a channel out of its group.
func (f *floorDB) remove(ctx context.Context, org, group, channel uuid.UUID) error {
	return f.write(ctx, grouping.OrganisationOf(org), func(tx *floorTx) error {
		p, err := tx.placement(ctx, org, group, channel)
		if err != nil {
			return err
		}
		if p.current == nil || *p.current != group {
			return errFloor
		}
		tx.queue(sqlUnplaceChannel, channel)
		return tx.event(grouping.EventChannelRemoved, grouping.ChannelPlacementData{ChannelID: channel, GroupID: group}, floorNow())
	})
}

// floorBulkPlacement is what the floor reads before a bulk call: the
// group's facts and the current group of each channel found.
type floorBulkPlacement struct {
	groupFound, groupArchived bool
	maxPos                    int64
	current                   map[uuid.UUID]*uuid.UUID // nil: in no group
}

// placements locks the organisation and reads the facts of a bulk call in
// one round trip.
func (tx *floorTx) placements(ctx context.Context, org, group uuid.UUID, ids []uuid.UUID) (floorBulkPlacement, error) {
	tx.lock(sqlLockOrganisation)
	p := floorBulkPlacement{current: make(map[uuid.UUID]*uuid.UUID, len(ids))}
	tx.queue(sqlBulkPlacement, org, group, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var (
				orgFound                       bool
				groupName, channelGroupName    *string
				groupArchived, channelArchived *bool
				channel, current               *uuid.UUID
			)
			if err := rows.Scan(&orgFound, &p.groupFound, &groupName, &groupArchived, &p.maxPos,
				&channel, &channelArchived, &current, &channelGroupName); err != nil {
				return err
			}
			p.groupArchived = groupArchived != nil && *groupArchived
			if channel != nil {
				p.current[*channel] = current
			}
		}
		return rows.Err()
	})
	err := tx.send(ctx)
	if err == nil && (!p.groupFound || len(p.current) != len(ids)) {
		err = errFloor
	}
	return p, err
}

// putMany assigns (move false) or moves channels to the end of a group in
// the order given: the facts of all of them in one read with the lock,
// then one write and the events with COMMIT.
func (f *floorDB) putMany(ctx context.Context, org, group uuid.UUID, ids []uuid.UUID, move bool) error {
	return f.write(ctx, grouping.OrganisationOf(org), func(tx *floorTx) error {
		p, err := tx.placements(ctx, org, group, ids)
		switch {
		case err != nil:
			return err
		case p.groupArchived:
			return errFloor
		}
		change := make([]uuid.UUID, 0, len(ids))
		for _, id := range ids {
			switch from := p.current[id]; {
			case from != nil && *from == group: // there already
			case from != nil && !move:
				return errFloor
			default:
				change = append(change, id)
			}
		}
		if len(change) == 0 {
			return nil
		}
		tx.queue(sqlPlaceChannels, group, change, p.maxPos+1)
		now := floorNow()
		for i, id := range change {
			pos, from := p.maxPos+1+int64(i), p.current[id]
			typ := grouping.EventChannelAssigned
			if from != nil {
				typ = grouping.EventChannelMoved
			}
			if err := tx.event(typ, grouping.ChannelPlacementData{ChannelID: id, GroupID: group, FromGroupID: from, Position: &pos}, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// removeMany takes channels of a group out of it.
func (f *floorDB) removeMany(ctx context.Context, org, group uuid.UUID, ids []uuid.UUID) error {
	return f.write(ctx, grouping.OrganisationOf(org), func(tx *floorTx) error {
		p, err := tx.placements(ctx, org, group, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if from := p.current[id]; from == nil || *from != group {
				return errFloor
			}
		}
		tx.queue(sqlUnplaceChannels, ids)
		now := floorNow()
		for _, id := range ids {
			if err := tx.event(grouping.EventChannelRemoved, grouping.ChannelPlacementData{ChannelID: id, GroupID: group}, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// checkOrder checks that order holds each of ids exactly once, as a
// reorder must.
func checkOrder(order, ids []uuid.UUID) error {
	if len(order) != len(ids) {
		return errFloor
	}
	want := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	for _, id := range order {
		if !want[id] {
			return errFloor
		}
		delete(want, id)
	}
	return nil
}

// attach attaches a channel to the channel group of an account: the
// account with its channels, its last position and the channel's current
// channel group in one read with the lock, then the writes and the event
// with COMMIT. The channel group returned is the one read with the writes
// applied: the new link comes last.
func (f *floorDB) attach(ctx context.Context, ws, channel uuid.UUID, a grouping.ChannelGroupAttach) (grouping.ChannelGroup, error) {
	var out grouping.ChannelGroup
	err := f.write(ctx, grouping.WorkspaceOf(ws), func(tx *floorTx) error {
		tx.lock(sqlLockNewWorkspace)
		var (
			found            bool
			id, w, current   *uuid.UUID
			platform, acc    *string
			name             *string
			created, updated *time.Time
			channels         []uuid.UUID
			maxPos           int64
		)
		tx.queue(sqlAttachment, ws, channel, a.PlatformID, a.PlatformGroupID).QueryRow(func(row pgx.Row) error {
			return row.Scan(&found, &id, &w, &platform, &acc, &name, &created, &updated, &channels, &maxPos, &current)
		})
		if err := tx.send(ctx); err != nil {
			return err
		}
		now := floorNow()
		var cg grouping.ChannelGroup
		if found {
			cg = grouping.ChannelGroup{ID: *id, WorkspaceID: *w, PlatformID: *platform, PlatformGroupID: *acc,
				PlatformGroupName: *name, CreatedAt: created.UTC(), UpdatedAt: updated.UTC()}
		} else {
			cg = grouping.ChannelGroup{ID: uuid.New(), WorkspaceID: ws, PlatformID: a.PlatformID, PlatformGroupID: a.PlatformGroupID,
				PlatformGroupName: a.PlatformGroupName, CreatedAt: now, UpdatedAt: now}
			tx.queue(sqlInsertChannelGroup, cg.ID, ws, cg.PlatformID, cg.PlatformGroupID, cg.PlatformGroupName, now, now)
		}
		prevName := cg.PlatformGroupName
		renamed := found && a.PlatformGroupName != "" && a.PlatformGroupName != cg.PlatformGroupName
		linked := current == nil || *current != cg.ID
		if linked {
			if current != nil {
				tx.queue(sqlUnlinkChannel, ws, channel)
				tx.queue(sqlTouchChannelGroup, *current, now)
			}
			tx.queue(sqlLinkChannel, ws, channel, cg.ID, maxPos+1)
		}
		if renamed {
			cg.PlatformGroupName = a.PlatformGroupName
		}
		if (linked || renamed) && found {
			tx.queue(sqlRenameChannelGroup, cg.ID, cg.PlatformGroupName, now)
			cg.UpdatedAt = now
		}
		cg.ChannelIDs = append([]uuid.UUID{}, channels...)
		if linked {
			cg.ChannelIDs = append(cg.ChannelIDs, channel)
		}
		out = cg
		if linked {
			d := grouping.ChannelGroupAttachedData{ChannelID: channel, ChannelGroup: cg, FromChannelGroupID: current}
			if err := tx.event(grouping.EventChannelGroupAttached, d, now); err != nil {
				return err
			}
		}
		if renamed {
			return tx.event(grouping.EventChannelGroupRenamed, grouping.ChannelGroupRenamedData{ChannelGroup: cg, PreviousName: prevName}, now)
		}
		return nil
	})
	return out, err
}

// detach takes a channel out of its channel group.
func (f *floorDB) detach(ctx context.Context, ws, channel uuid.UUID) error {
	return f.write(ctx, grouping.WorkspaceOf(ws), func(tx *floorTx) error {
		tx.lock(sqlLockWorkspace)
		var from uuid.UUID
		tx.queue(sqlUnlinkChannel, ws, channel).QueryRow(func(row pgx.Row) error { return row.Scan(&from) })
		if err := tx.send(ctx); err != nil {
			return err
		}
		now := floorNow()
		tx.queue(sqlTouchChannelGroup, from, now)
		return tx.event(grouping.EventChannelGroupDetached, grouping.ChannelGroupDetachedData{ChannelID: channel, ChannelGroupID: from}, now)
	})
}

// fixture is the data every floor benchmark runs on: an organisation with
// groups and channels (a third of them grouped, members on each, the user
// a member of every tenth), and a workspace with channel groups.
type fixture struct {
	s                  *Store
	f                  *floorDB
	org, user, ws      uuid.UUID
	groups             []grouping.Group // groups[0] holds page+10 channels
	channels           []grouping.Channel
	free               []grouping.Channel // channels in no group
	accounts           []grouping.ChannelGroupAttach
	channelGroups      []grouping.ChannelGroup
	attached, detached uuid.UUID // a channel in accounts[0], and one in accounts[1]
	channelOrders      [2][]uuid.UUID
	flips              *flips // shared by the copies of over: the data is
	page               int    // the page size of the lists
}

// bulkFree returns ten channels in no group, which the bulk cases assign.
func (fx *fixture) bulkFree() []uuid.UUID {
	ids := make([]uuid.UUID, 10)
	for i, c := range fx.free[4:14] {
		ids[i] = c.ID
	}
	return ids
}

// bulkPlaced returns ten channels of groups[0], which the bulk cases move.
func (fx *fixture) bulkPlaced() []uuid.UUID {
	ids := make([]uuid.UUID, 10)
	for i, c := range fx.channels[1:11] {
		ids[i] = c.ID
	}
	return ids
}

// flips is the state of the alternating cases, one each, so that every
// call changes something whatever the other cases did.
type flips struct{ groups, channels, move, account bool }

// newFixture builds the fixture in a new schema, through the store at url,
// with n channels and lists read in pages of page items: page+10 groups
// (the first holding page+10 channels) and page+10 channel groups of 5
// channels. n ≥ 2*(page+10). Two fixtures built alike hold the same IDs
// and the same data but for times and the IDs the store makes.
func newFixture(tb testing.TB, url string, n, page int) *fixture {
	tb.Helper()
	ctx := context.Background()
	src := rand.New(rand.NewPCG(1, 2))
	newID := func() uuid.UUID {
		return benchkit.UUIDFrom(src.Uint64(), src.Uint64())
	}
	var tick atomic.Int64
	clock := func() time.Time { return time.UnixMilli(1_735_689_600_000 + tick.Add(1)) }
	s, err := Open(ctx, url, WithSchema(fmt.Sprintf("floor%d", schemaCount.Add(1))), WithClock(clock))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	fx := &fixture{s: s, org: newID(), user: newID(), ws: newID(), page: page, flips: &flips{}}
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
	// The channels, upserted four at a time: their IDs, members and
	// creation times are given, so the order does not matter.
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	ups := make([]grouping.ChannelUpsert, n)
	for i := range ups {
		users := []uuid.UUID{newID(), newID(), newID()}
		if i%10 == 0 {
			users = append(users, fx.user)
		}
		ups[i] = grouping.ChannelUpsert{ID: newID(), OrganisationID: fx.org, Name: fmt.Sprint("channel ", i), Description: "A channel",
			OwnerID: users[0], MessageCount: int64(i), Users: users, CreatedAt: base.Add(time.Duration(i) * time.Second)}
	}
	fx.channels = make([]grouping.Channel, n)
	var (
		wg   sync.WaitGroup
		next atomic.Int64
		errs = make([]error, 4)
	)
	for w := range errs {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n && errs[w] == nil; i = int(next.Add(1)) - 1 {
				fx.channels[i], errs[w] = s.UpsertChannel(ctx, ups[i])
			}
		})
	}
	wg.Wait()
	must(errors.Join(errs...))
	assign := make([][]uuid.UUID, size)
	for i, ch := range fx.channels {
		switch {
		case i < size:
			assign[0] = append(assign[0], ch.ID)
		case i%3 == 0:
			g := 1 + i%(size-1)
			assign[g] = append(assign[g], ch.ID)
		default:
			fx.free = append(fx.free, ch)
		}
	}
	for g, ids := range assign {
		if len(ids) > 0 {
			must(s.AssignChannels(ctx, fx.org, fx.groups[g].ID, ids))
		}
	}
	fx.channelOrders[0] = assign[5]
	fx.channelOrders[1] = slices.Clone(assign[5])
	slices.Reverse(fx.channelOrders[1])
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
	fx.attached, fx.detached = newID(), newID()
	_, err = s.AttachChannel(ctx, fx.ws, fx.attached, fx.accounts[0])
	must(err)
	_, err = s.AttachChannel(ctx, fx.ws, fx.detached, fx.accounts[1])
	must(err)
	fx.f = openFloor(tb, url, s)
	return fx
}

// over returns a copy of fx whose store and floor connect to url, on the
// same schema and data.
func (fx *fixture) over(tb testing.TB, url string) *fixture {
	tb.Helper()
	s, err := Open(context.Background(), url, WithSchema(fx.s.Schema()))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	c := *fx
	c.s, c.f = s, openFloor(tb, url, s)
	return &c
}

// flip inverts *b and returns its new value.
func flip(b *bool) bool {
	*b = !*b
	return *b
}

// groupOrder alternates between two orders of the groups.
func (fx *fixture) groupOrder() []uuid.UUID {
	ids := make([]uuid.UUID, len(fx.groups))
	for i, g := range fx.groups {
		ids[i] = g.ID
	}
	if flip(&fx.flips.groups) {
		slices.Reverse(ids)
	}
	return ids
}

// channelOrder alternates between two orders of groups[5]'s channels.
func (fx *fixture) channelOrder() []uuid.UUID {
	if flip(&fx.flips.channels) {
		return fx.channelOrders[1]
	}
	return fx.channelOrders[0]
}

// moveTarget alternates channels[0] between groups[4] and groups[0].
func (fx *fixture) moveTarget() uuid.UUID {
	if flip(&fx.flips.move) {
		return fx.groups[4].ID
	}
	return fx.groups[0].ID
}

// nextAccount alternates the attached channel between two accounts.
func (fx *fixture) nextAccount() grouping.ChannelGroupAttach {
	if flip(&fx.flips.account) {
		return fx.accounts[2]
	}
	return fx.accounts[0]
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
			return fx.s.UpsertOrganisation(ctx, grouping.Organisation{ID: fx.org, Name: "Floor"})
		}, func(ctx context.Context, fx *fixture) (any, error) {
			o := grouping.Organisation{ID: fx.org, Name: "Floor"}
			err := fx.f.write(ctx, grouping.OrganisationOf(fx.org), func(tx *floorTx) error {
				now, inserted := floorNow(), true
				var prev string
				tx.queue(sqlInsertOrganisation, o.ID, o.Name, now).QueryRow(func(row pgx.Row) error {
					err := row.Scan(&o.CreatedAt)
					if errors.Is(err, pgx.ErrNoRows) {
						inserted, err = false, nil
					}
					return err
				})
				tx.queue(sqlRenameOrganisation, o.ID, o.Name).QueryRow(func(row pgx.Row) error {
					return row.Scan(&prev, &o.CreatedAt)
				})
				if err := tx.send(ctx); err != nil {
					return err
				}
				o.CreatedAt = o.CreatedAt.UTC()
				switch {
				case inserted:
					o.CreatedAt = now
					return tx.event(grouping.EventOrganisationCreated, grouping.OrganisationEventData{Organisation: o}, now)
				case prev != o.Name:
					return tx.event(grouping.EventOrganisationRenamed, grouping.OrganisationEventData{Organisation: o, PreviousName: &prev}, now)
				}
				return nil
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
			err := fx.f.write(ctx, grouping.OrganisationOf(fx.org), func(tx *floorTx) error {
				tx.lock(sqlLockOrganisation)
				found := false
				tx.queue(sqlFindChannel, fx.org, c.ID).QueryRow(func(row pgx.Row) (err error) {
					var users []uuid.UUID
					out, err = scanFloorChannel(row, &users)
					out.Users, found = users, err == nil
					if errors.Is(err, pgx.ErrNoRows) {
						return nil
					}
					return err
				})
				if err := tx.send(ctx); err != nil {
					return err
				}
				if !found {
					return errFloor // the benchmark's channel exists
				}
				if out.Users == nil {
					out.Users = []uuid.UUID{}
				}
				if out.Name == c.Name && out.Description == c.Description && out.OwnerID == c.OwnerID &&
					!out.Archived && out.MessageCount == c.MessageCount {
					return nil // nothing changes
				}
				return errFloor // the benchmark upserts what is stored
			})
			return out, err
		}},
		{"GetChannel", func(ctx context.Context, fx *fixture) (any, error) {
			return fx.s.GetChannel(ctx, fx.org, fx.free[0].ID)
		}, func(ctx context.Context, fx *fixture) (any, error) {
			var users []uuid.UUID
			ch, err := scanFloorChannel(fx.f.pool.QueryRow(ctx, fx.f.sql[sqlFindChannel.index], fx.org, fx.free[0].ID), &users)
			ch.Users = users
			if ch.Users == nil {
				ch.Users = []uuid.UUID{}
			}
			return ch, err
		}},
		{"UpsertChannel+DeleteChannel", func(ctx context.Context, fx *fixture) (any, error) {
			id := uuid.New()
			if _, err := fx.s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: id, OrganisationID: fx.org, Name: "temp", OwnerID: fx.user}); err != nil {
				return nil, err
			}
			return nil, fx.s.DeleteChannel(ctx, fx.org, id)
		}, func(ctx context.Context, fx *fixture) (any, error) {
			id, org := uuid.New(), grouping.OrganisationOf(fx.org)
			err := fx.f.write(ctx, org, func(tx *floorTx) error {
				tx.lock(sqlLockOrganisation)
				found := false
				tx.queue(sqlFindChannel, fx.org, id).Query(func(rows pgx.Rows) error {
					found = rows.Next()
					return nil
				})
				if err := tx.send(ctx); err != nil {
					return err
				}
				if found {
					return errFloor // an update: not this benchmark
				}
				var st floorChannelFacts
				tx.queue(sqlChannelState, fx.org, id).QueryRow(func(row pgx.Row) error {
					return row.Scan(&st.orgFound, &st.org, &st.deleted, &st.archived, &st.group, &st.groupName)
				})
				if err := tx.send(ctx); err != nil {
					return err
				}
				if !st.orgFound || st.org != nil {
					return errFloor
				}
				now := floorNow()
				tx.queue(sqlInsertChannel, id, fx.org, "temp", "", fx.user, false, int64(0), now)
				ch := grouping.Channel{ID: id, OrganisationID: fx.org, Name: "temp", OwnerID: fx.user, Users: []uuid.UUID{}, CreatedAt: now}
				return tx.event(grouping.EventChannelCreated, grouping.ChannelEventData{Channel: ch}, now)
			})
			if err != nil {
				return nil, err
			}
			return nil, fx.f.write(ctx, org, func(tx *floorTx) error {
				group, err := tx.liveChannel(ctx, fx.org, id)
				if err != nil {
					return err
				}
				now := floorNow()
				if group != nil {
					tx.queue(sqlUnplaceChannel, id)
				}
				tx.queue(sqlMarkChannelDeleted, id, now)
				return tx.event(grouping.EventChannelDeleted, grouping.ChannelDeletedData{ChannelID: id, GroupID: group, DeletedAt: now}, now)
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
			for _, add := range []bool{true, false} {
				err := fx.f.write(ctx, org, func(tx *floorTx) error {
					// The change, conditional on a live channel of the
					// organisation, under its lock; the channel is read
					// only when nothing changed, to tell why. (The store
					// then runs the plain statement too, under the lock;
					// this benchmark never takes that path.)
					tx.lock(sqlLockOrganisation)
					st, typ := sqlAddLiveMember, grouping.EventChannelMemberAdded
					if !add {
						st, typ = sqlRemoveLiveMember, grouping.EventChannelMemberRemoved
					}
					var changed int64
					tx.queue(st, c, u, fx.org).Exec(func(tag pgconn.CommandTag) error {
						changed = tag.RowsAffected()
						return nil
					})
					if err := tx.send(ctx); err != nil {
						return err
					}
					if changed == 0 {
						if _, err := tx.liveChannel(ctx, fx.org, c); err != nil || !add {
							return cmp.Or(err, errFloor) // no channel, or not a member
						}
						return nil // a member already
					}
					return tx.event(typ, grouping.ChannelMemberData{ChannelID: c, UserID: u}, floorNow())
				})
				if err != nil {
					return nil, err
				}
			}
			return nil, nil
		}},
		{"CreateGroup+DeleteGroup", func(ctx context.Context, fx *fixture) (any, error) {
			g, err := fx.s.CreateGroup(ctx, fx.org, grouping.NewGroup{Name: "Temporary"})
			if err != nil {
				return nil, err
			}
			return g.Position, fx.s.DeleteGroup(ctx, fx.org, g.ID, 0)
		}, func(ctx context.Context, fx *fixture) (any, error) {
			org, key := grouping.OrganisationOf(fx.org), grouping.FoldName("Temporary")
			var g grouping.Group
			err := fx.f.write(ctx, org, func(tx *floorTx) error {
				st, err := tx.groupState(ctx, fx.org, uuid.Nil, key)
				switch {
				case err != nil:
					return err
				case !st.orgFound || st.holder != nil:
					return errFloor
				}
				now := floorNow()
				g = grouping.Group{ID: uuid.New(), OrganisationID: fx.org, Name: "Temporary", Position: int(st.maxPos + 1),
					Version: 1, CreatedAt: now, UpdatedAt: now}
				tx.queue(sqlInsertGroup, g.ID, fx.org, g.Name, key, g.Description, false, g.Position, g.Version, now, now)
				return tx.event(grouping.EventGroupCreated, grouping.GroupEventData{Group: g}, now)
			})
			if err != nil {
				return nil, err
			}
			return g.Position, fx.f.write(ctx, org, func(tx *floorTx) error {
				st, err := tx.groupState(ctx, fx.org, g.ID, "")
				switch {
				case err != nil:
					return err
				case !st.found:
					return errFloor
				}
				now := floorNow()
				tx.queue(sqlUngroupChannels, g.ID)
				tx.queue(sqlMarkGroupDeleted, g.ID, now)
				d := st.g
				d.UpdatedAt, d.DeletedAt = now, &now
				return tx.event(grouping.EventGroupDeleted, grouping.GroupEventData{Group: d}, now)
			})
		}},
		{"GetGroup", func(ctx context.Context, fx *fixture) (any, error) {
			return fx.s.GetGroup(ctx, fx.org, fx.groups[0].ID, grouping.GetGroupOptions{})
		}, func(ctx context.Context, fx *fixture) (any, error) {
			return scanFloorGroup(fx.f.pool.QueryRow(ctx, fx.f.sql[sqlFindGroup.index], fx.org, fx.groups[0].ID))
		}},
		{"ListGroups", func(ctx context.Context, fx *fixture) (any, error) {
			p, err := fx.s.ListGroups(ctx, fx.org, grouping.ListGroupsOptions{Limit: fx.page})
			return p.Items, err
		}, func(ctx context.Context, fx *fixture) (any, error) {
			return floorList(ctx, fx.f, sqlListGroups, fx.page, scanFloorGroup, fx.org, firstPos, firstTime, uuid.Nil, fx.page+1)
		}},
		{"UpdateGroup", func(ctx context.Context, fx *fixture) (any, error) {
			d := "Updated"
			return fx.s.UpdateGroup(ctx, fx.org, fx.groups[2].ID, grouping.GroupUpdate{Description: &d})
		}, func(ctx context.Context, fx *fixture) (any, error) {
			var g grouping.Group
			err := fx.f.write(ctx, grouping.OrganisationOf(fx.org), func(tx *floorTx) error {
				st, err := tx.groupState(ctx, fx.org, fx.groups[2].ID, "")
				switch {
				case err != nil:
					return err
				case !st.found:
					return errFloor
				}
				prev, now := st.g, floorNow()
				g = st.g
				g.Description, g.Version, g.UpdatedAt = "Updated", g.Version+1, now
				tx.queue(sqlUpdateGroup, g.ID, g.Name, "", g.Description, g.Archived, g.Version, now)
				return tx.event(grouping.EventGroupUpdated, grouping.GroupEventData{Group: g, Previous: &prev}, now)
			})
			return g, err
		}},
		{"ReorderGroups", func(ctx context.Context, fx *fixture) (any, error) {
			return nil, fx.s.ReorderGroups(ctx, fx.org, fx.groupOrder())
		}, func(ctx context.Context, fx *fixture) (any, error) {
			order := fx.groupOrder()
			return nil, fx.f.write(ctx, grouping.OrganisationOf(fx.org), func(tx *floorTx) error {
				tx.lock(sqlLockOrganisation)
				var live []uuid.UUID
				tx.queue(sqlGroupIDs, fx.org).Query(func(rows pgx.Rows) error {
					for rows.Next() {
						var id *uuid.UUID
						if err := rows.Scan(&id); err != nil {
							return err
						}
						if id != nil {
							live = append(live, *id)
						}
					}
					return rows.Err()
				})
				if err := tx.send(ctx); err != nil {
					return err
				}
				if err := checkOrder(order, live); err != nil {
					return err
				}
				if slices.Equal(order, live) {
					return nil // the same order: nothing changes
				}
				tx.queue(sqlSetGroupPositions, order)
				return tx.event(grouping.EventGroupsReordered, grouping.GroupsReorderedData{GroupIDs: order}, floorNow())
			})
		}},
		{"AssignChannel+RemoveChannel", func(ctx context.Context, fx *fixture) (any, error) {
			g, c := fx.groups[3].ID, fx.free[2].ID
			if err := fx.s.AssignChannel(ctx, fx.org, g, c); err != nil {
				return nil, err
			}
			return nil, fx.s.RemoveChannel(ctx, fx.org, g, c)
		}, func(ctx context.Context, fx *fixture) (any, error) {
			g, c := fx.groups[3].ID, fx.free[2].ID
			if err := fx.f.put(ctx, fx.org, g, c, false); err != nil {
				return nil, err
			}
			return nil, fx.f.remove(ctx, fx.org, g, c)
		}},
		{"MoveChannel", func(ctx context.Context, fx *fixture) (any, error) {
			return nil, fx.s.MoveChannel(ctx, fx.org, fx.moveTarget(), fx.channels[0].ID)
		}, func(ctx context.Context, fx *fixture) (any, error) {
			return nil, fx.f.put(ctx, fx.org, fx.moveTarget(), fx.channels[0].ID, true)
		}},
		{"AssignChannels+RemoveChannels", func(ctx context.Context, fx *fixture) (any, error) {
			g, ids := fx.groups[3].ID, fx.bulkFree()
			if err := fx.s.AssignChannels(ctx, fx.org, g, ids); err != nil {
				return nil, err
			}
			return nil, fx.s.RemoveChannels(ctx, fx.org, g, ids)
		}, func(ctx context.Context, fx *fixture) (any, error) {
			g, ids := fx.groups[3].ID, fx.bulkFree()
			if err := fx.f.putMany(ctx, fx.org, g, ids, false); err != nil {
				return nil, err
			}
			return nil, fx.f.removeMany(ctx, fx.org, g, ids)
		}},
		{"MoveChannels+MoveChannels", func(ctx context.Context, fx *fixture) (any, error) {
			ids := fx.bulkPlaced()
			if err := fx.s.MoveChannels(ctx, fx.org, fx.groups[6].ID, ids); err != nil {
				return nil, err
			}
			return nil, fx.s.MoveChannels(ctx, fx.org, fx.groups[0].ID, ids)
		}, func(ctx context.Context, fx *fixture) (any, error) {
			ids := fx.bulkPlaced()
			if err := fx.f.putMany(ctx, fx.org, fx.groups[6].ID, ids, true); err != nil {
				return nil, err
			}
			return nil, fx.f.putMany(ctx, fx.org, fx.groups[0].ID, ids, true)
		}},
		{"ReorderGroupChannels", func(ctx context.Context, fx *fixture) (any, error) {
			return nil, fx.s.ReorderGroupChannels(ctx, fx.org, fx.groups[5].ID, fx.channelOrder())
		}, func(ctx context.Context, fx *fixture) (any, error) {
			g, order := fx.groups[5].ID, fx.channelOrder()
			return nil, fx.f.write(ctx, grouping.OrganisationOf(fx.org), func(tx *floorTx) error {
				tx.lock(sqlLockOrganisation)
				var (
					orgFound, groupFound bool
					ids                  []uuid.UUID
				)
				tx.queue(sqlGroupChannelIDs, fx.org, g).Query(func(rows pgx.Rows) error {
					for rows.Next() {
						var id *uuid.UUID
						if err := rows.Scan(&orgFound, &groupFound, &id); err != nil {
							return err
						}
						if id != nil {
							ids = append(ids, *id)
						}
					}
					return rows.Err()
				})
				if err := tx.send(ctx); err != nil {
					return err
				}
				if !groupFound {
					return errFloor
				}
				if err := checkOrder(order, ids); err != nil {
					return err
				}
				if slices.Equal(order, ids) {
					return nil // the same order: nothing changes
				}
				tx.queue(sqlSetChannelPositions, g, order)
				return tx.event(grouping.EventGroupChannelsReordered, grouping.GroupChannelsReorderedData{GroupID: g, ChannelIDs: order}, floorNow())
			})
		}},
		{"ListGroupChannels", func(ctx context.Context, fx *fixture) (any, error) {
			p, err := fx.s.ListGroupChannels(ctx, fx.org, fx.groups[0].ID, grouping.ListChannelsOptions{Limit: fx.page})
			return p.Items, err
		}, func(ctx context.Context, fx *fixture) (any, error) {
			return floorList(ctx, fx.f, sqlListGroupChannels, fx.page, scanListedChannel, fx.org, fx.groups[0].ID, false, firstPos, uuid.Nil, fx.page+1)
		}},
		{"ListUngroupedChannels", func(ctx context.Context, fx *fixture) (any, error) {
			p, err := fx.s.ListUngroupedChannels(ctx, fx.org, grouping.ListChannelsOptions{Limit: fx.page})
			return p.Items, err
		}, func(ctx context.Context, fx *fixture) (any, error) {
			return floorList(ctx, fx.f, sqlListUngroupedChannels, fx.page, scanListedChannel, fx.org, false, firstTime, uuid.Nil, fx.page+1)
		}},
		{"ListDiscoverableChannels", func(ctx context.Context, fx *fixture) (any, error) {
			p, err := fx.s.ListDiscoverableChannels(ctx, fx.org, fx.user, grouping.ListChannelsOptions{Limit: fx.page})
			return p.Items, err
		}, func(ctx context.Context, fx *fixture) (any, error) {
			return floorList(ctx, fx.f, sqlListDiscoverableChannels, fx.page, scanListedChannel, fx.org, false, fx.user, firstTime, uuid.Nil, fx.page+1)
		}},
		{"AttachChannel", func(ctx context.Context, fx *fixture) (any, error) {
			return fx.s.AttachChannel(ctx, fx.ws, fx.attached, fx.nextAccount())
		}, func(ctx context.Context, fx *fixture) (any, error) {
			return fx.f.attach(ctx, fx.ws, fx.attached, fx.nextAccount())
		}},
		{"DetachChannel+AttachChannel", func(ctx context.Context, fx *fixture) (any, error) {
			if err := fx.s.DetachChannel(ctx, fx.ws, fx.detached); err != nil {
				return nil, err
			}
			return fx.s.AttachChannel(ctx, fx.ws, fx.detached, fx.accounts[1])
		}, func(ctx context.Context, fx *fixture) (any, error) {
			if err := fx.f.detach(ctx, fx.ws, fx.detached); err != nil {
				return nil, err
			}
			return fx.f.attach(ctx, fx.ws, fx.detached, fx.accounts[1])
		}},
		{"GetChannelGroup", func(ctx context.Context, fx *fixture) (any, error) {
			return fx.s.GetChannelGroup(ctx, fx.ws, fx.channelGroups[7].ID)
		}, func(ctx context.Context, fx *fixture) (any, error) {
			return scanFloorChannelGroup(fx.f.pool.QueryRow(ctx, fx.f.sql[sqlFindChannelGroup.index], fx.ws, fx.channelGroups[7].ID))
		}},
		{"ListChannelGroups", func(ctx context.Context, fx *fixture) (any, error) {
			p, err := fx.s.ListChannelGroups(ctx, fx.ws, grouping.ListChannelGroupsOptions{Limit: fx.page})
			return p.Items, err
		}, func(ctx context.Context, fx *fixture) (any, error) {
			return floorList(ctx, fx.f, sqlListChannelGroups, fx.page, scanFloorChannelGroup, fx.ws, firstTime, uuid.Nil, fx.page+1)
		}},
		{"AttachChannel+DeleteChannelGroup", func(ctx context.Context, fx *fixture) (any, error) {
			cg, err := fx.s.AttachChannel(ctx, fx.ws, uuid.New(), grouping.ChannelGroupAttach{PlatformID: "telegram", PlatformGroupID: "temp", PlatformGroupName: "Temp"})
			if err != nil {
				return nil, err
			}
			return nil, fx.s.DeleteChannelGroup(ctx, fx.ws, cg.ID)
		}, func(ctx context.Context, fx *fixture) (any, error) {
			cg, err := fx.f.attach(ctx, fx.ws, uuid.New(), grouping.ChannelGroupAttach{PlatformID: "telegram", PlatformGroupID: "temp", PlatformGroupName: "Temp"})
			if err != nil {
				return nil, err
			}
			return nil, fx.f.write(ctx, grouping.WorkspaceOf(fx.ws), func(tx *floorTx) error {
				tx.lock(sqlLockWorkspace)
				deleted := false
				tx.queue(sqlDeleteChannelGroup, fx.ws, cg.ID).Query(func(rows pgx.Rows) error {
					deleted = rows.Next()
					return nil
				})
				if err := tx.send(ctx); err != nil {
					return err
				}
				if !deleted {
					return errFloor
				}
				return tx.event(grouping.EventChannelGroupDeleted, grouping.ChannelGroupDeletedData{ChannelGroupID: cg.ID}, floorNow())
			})
		}},
	}
}

// scanListedChannel reads a channel of a list.
func scanListedChannel(row pgx.Row) (grouping.Channel, error) { return scanFloorChannel(row) }

// flat returns every exported field of v, as JSON, with times
// blanked out (a nil time stays null): they differ between two runs of the
// same write. Unlike v's own JSON it has the fields that JSON leaves out,
// such as a group's version.
func flat(v any) string {
	b, _ := json.Marshal(plain(reflect.ValueOf(v)))
	return string(b)
}

func plain(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return plain(v.Elem())
	}
	switch x := v.Interface().(type) {
	case time.Time:
		return "time"
	case uuid.UUID:
		return x.String()
	case json.RawMessage:
		return string(x)
	}
	switch v.Kind() {
	case reflect.Struct:
		m := map[string]any{}
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				m[f.Name] = plain(v.Field(i))
			}
		}
		return m
	case reflect.Map:
		m := map[string]any{}
		for _, k := range v.MapKeys() {
			m[fmt.Sprint(k.Interface())] = plain(v.MapIndex(k))
		}
		return m
	case reflect.Slice, reflect.Array:
		if v.Len() == 0 {
			return nil // an empty list is an empty list
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = plain(v.Index(i))
		}
		return out
	}
	return v.Interface()
}

// eventJSON returns an event's JSON data with the values of its times
// (the keys ending in _at or At) blanked out.
func eventJSON(data []byte) (string, error) {
	var x any
	if err := json.Unmarshal(data, &x); err != nil {
		return "", err
	}
	var blank func(any) any
	blank = func(v any) any {
		switch t := v.(type) {
		case map[string]any:
			for k := range t {
				if t[k] != nil && (strings.HasSuffix(k, "_at") || strings.HasSuffix(k, "At")) {
					t[k] = "time"
				} else {
					t[k] = blank(t[k])
				}
			}
		case []any:
			for i := range t {
				t[i] = blank(t[i])
			}
		}
		return v
	}
	b, err := json.Marshal(blank(x))
	return string(b), err
}

// TestFloorMatchesLibrary checks that each floor does the same work as the
// library: the same result, the same data afterwards, and the same events.
// The cases run one after another on two fixtures built alike, the library
// on one and the floor on the other, so that they stay alike as long as
// every floor does what its library call does: once one differs, the cases
// after it may differ too, and the first failure is the one to read.
func TestFloorMatchesLibrary(t *testing.T) {
	pgtest.Need(t, testDB)
	ctx := t.Context()
	var lib, floor *fixture
	var wg sync.WaitGroup
	wg.Go(func() { lib = newFixture(t, testDB.URL, 40, 5) })
	floor = newFixture(t, testDB.URL, 40, 5)
	wg.Wait()
	if lib == nil {
		t.FailNow() // the fixture failed
	}
	for _, c := range floorCases() {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			libSeen, floorSeen := lastEvents(ctx, t, lib), lastEvents(ctx, t, floor)
			libOut, err := c.library(ctx, lib)
			is.NoErr(err) // the library call
			floorOut, err := c.floor(ctx, floor)
			is.NoErr(err)                                                                                                      // the floor
			is.Equal(benchkit.Canonical(flat(floorOut)), benchkit.Canonical(flat(libOut)))                                     // the same result
			is.Equal(benchkit.Canonical(flat(dumpFixture(ctx, t, floor))), benchkit.Canonical(flat(dumpFixture(ctx, t, lib)))) // the same data afterwards
			is.Equal(newEvents(ctx, t, floor, floorSeen), newEvents(ctx, t, lib, libSeen))                                     // the same events appended
		})
	}
}

// TestFloorCanFail checks that TestFloorMatchesLibrary's comparisons see a
// floor that does less than the library: one that leaves out the event,
// and one that writes a different position.
func TestFloorCanFail(t *testing.T) {
	pgtest.Need(t, testDB)
	is := is.New(t)
	ctx := t.Context()
	fx := newFixture(t, testDB.URL, 24, 2)
	g, c := fx.groups[3].ID, fx.free[0].ID
	seen := lastEvents(ctx, t, fx)
	before := benchkit.Canonical(flat(dumpFixture(ctx, t, fx)))
	err := fx.f.write(ctx, grouping.OrganisationOf(fx.org), func(tx *floorTx) error {
		p, err := tx.placement(ctx, fx.org, g, c)
		tx.queue(sqlPlaceChannel, c, g, p.maxPos+2) // a gap, and no event
		return err
	})
	is.NoErr(err)                                                                     // the broken floor ran
	is.Equal(len(newEvents(ctx, t, fx, seen)), 0)                                     // it appended no event
	is.True(benchkit.Canonical(flat(dumpFixture(ctx, t, fx))) != before)              // the data changed
	is.True(benchkit.Canonical(flat([]int{1})) != benchkit.Canonical(flat([]int{2}))) // results that differ compare unequal
}

// lastEvents returns the number of the last event of the fixture's
// organisation and workspace.
func lastEvents(ctx context.Context, t *testing.T, fx *fixture) [2]int64 {
	t.Helper()
	var out [2]int64
	for i, tn := range []grouping.Tenant{grouping.OrganisationOf(fx.org), grouping.WorkspaceOf(fx.ws)} {
		err := fx.s.d.pool.QueryRow(ctx, inSchema(`SELECT n.last_seq FROM {{schema}}.event_counters AS n
			WHERE n.tenant_kind = $1 AND n.tenant_id = $2`, fx.s.d.quoted), int16(tn.Kind), tn.ID).Scan(&out[i])
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			t.Fatal(err)
		}
	}
	return out
}

// newEvents returns the type and the comparable data of each event of the
// fixture's organisation and workspace after those of seen.
func newEvents(ctx context.Context, t *testing.T, fx *fixture, seen [2]int64) []string {
	t.Helper()
	var out []string
	for i, tn := range []grouping.Tenant{grouping.OrganisationOf(fx.org), grouping.WorkspaceOf(fx.ws)} {
		p, err := fx.s.Events(ctx, tn, seen[i], grouping.MaxEventLimit)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Events {
			data, err := eventJSON(e.Data)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, tn.Kind.String()+" "+string(e.Type)+" "+data)
		}
	}
	if len(out) == 0 {
		return nil
	}
	// The IDs of all the events together, so that an ID that two events
	// name maps to the same placeholder in both.
	return strings.Split(benchkit.Canonical(strings.Join(out, "\n")), "\n")
}

// dumpFixture reads everything an operation of the floor cases can change:
// the groups with their channels, the ungrouped channels with their
// members, and the channel groups.
func dumpFixture(ctx context.Context, t *testing.T, fx *fixture) any {
	t.Helper()
	groups, err := fx.s.ListGroups(ctx, fx.org, grouping.ListGroupsOptions{IncludeChannels: true})
	if err != nil {
		t.Fatal(err)
	}
	ungrouped, err := fx.s.ListUngroupedChannels(ctx, fx.org, grouping.ListChannelsOptions{IncludeArchived: true})
	if err != nil {
		t.Fatal(err)
	}
	var members []grouping.Channel
	for _, ch := range fx.free[:3] {
		c, err := fx.s.GetChannel(ctx, fx.org, ch.ID)
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, c)
	}
	cgs, err := fx.s.ListChannelGroups(ctx, fx.ws, grouping.ListChannelGroupsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return []any{groups.Items, ungrouped.Items, members, cgs.Items}
}

// BenchmarkFloor times each case through the library and the floor, on
// one fixture of 3,000 channels, over TCP loopback and over the unix
// socket when there is one. cpu-ns/op is the CPU time of the test process
// (the client: the store or the floor, pgx, the notifier) per operation;
// the server runs the same statements for both, so where the round trips
// are the same it is what the library costs over its floor, and it is less
// disturbed than the time by other work on the machine.
//
// Writes leave dead row versions behind, and a case that rewrites indexed
// columns many times slows down until they are vacuumed: the tables are
// vacuumed before each run, and which of the library and the floor runs
// first is drawn for each case. -count runs each of them so many times in a
// row; on a machine whose load varies, run the benchmark several times with
// -count 1 instead, so that the library's runs and the floor's alternate:
//
//	for i in 1 2 3 4 5 6 7 8; do go test -run '^$' -bench Floor ./postgres; done | tee floor.txt
func BenchmarkFloor(b *testing.B) {
	ctx := context.Background()
	targets := benchTargets(b)
	tcp := newFixture(b, targets["tcp"], 3000, 50)
	vacuum := "VACUUM"
	for i, t := range []string{"organisations", "groups", "channels", "channel_members", "workspaces",
		"channel_groups", "channel_group_channels", "event_counters", "events"} {
		vacuum += map[bool]string{true: " ", false: ", "}[i == 0] + pgx.Identifier{tcp.s.Schema(), t}.Sanitize()
	}
	for _, net := range []string{"tcp", "unix"} {
		url, ok := targets[net]
		if !ok {
			continue
		}
		fx := tcp
		if net != "tcp" {
			fx = tcp.over(b, url)
		}
		for _, c := range floorCases() {
			impls := []struct {
				name string
				run  func(context.Context, *fixture) (any, error)
			}{{"library", c.library}, {"floor", c.floor}}
			if rand.IntN(2) == 0 {
				slices.Reverse(impls)
			}
			for _, impl := range impls {
				if _, err := tcp.s.d.pool.Exec(ctx, vacuum); err != nil {
					b.Fatal(err)
				}
				b.Run("net="+net+"/"+c.name+"/impl="+impl.name, func(b *testing.B) {
					b.ReportAllocs()
					cpu := benchkit.ProcessCPU()
					for b.Loop() {
						if _, err := impl.run(ctx, fx); err != nil {
							b.Fatal(err)
						}
					}
					if cpu := benchkit.ProcessCPU() - cpu; cpu > 0 {
						b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
					}
				})
			}
		}
	}
}
