// Package drivertest is the conformance suite for implementations of
// [driver.Driver], the persistence primitives under package engine. A driver
// that passes it does what package driver documents, primitive by primitive,
// so that the engine's rules hold on top of it.
//
// A driver's test file runs the whole suite in one call:
//
//	func TestDriver(t *testing.T) {
//		drivertest.Run(t, func(t *testing.T) driver.Driver { return newTestDriver(t) })
//	}
//
// Run calls the constructor once per test, so every test starts from an
// empty driver, and tests run in parallel with each other. The constructor
// registers whatever cleanup the driver needs (Close, removing files) with
// t. Tests are named by area, primitive and case, so that one part can be
// run on its own:
//
//	go test -run 'Driver/Groups/InsertGroup' -v
//
// # What it covers
//
// It calls the driver directly, never through the engine:
//
//   - every fact and write method of [driver.Tx] and every [driver.Reader]
//     method, outside a transaction and inside one, where a transaction's
//     reads must see its own writes;
//   - tenant scoping: another organisation's or workspace's objects are
//     reported as absent and never listed;
//   - every list: its documented order and filters, [driver.Page.After]
//     starting strictly after the key, Limit, [driver.List.Last] equal to
//     the key of the last item ([driver.GroupKey], [driver.GroupChannelKey],
//     [driver.CreationKey]), More, and walking pages that visit every item
//     once;
//   - the transaction promise: a function that fails after writes of any
//     kind leaves nothing behind and its error comes back from Write
//     (errors.Is); a cancelled context writes nothing; concurrent
//     transactions that read a fact and write based on it lose no update;
//   - events: [driver.Tx.AppendEvents] numbers each tenant's events from 1
//     without gaps, also after a rolled-back transaction and after
//     pruning, and [driver.Reader.Events] returns every field as written
//     (the data byte for byte); consumers are put, read and deleted per
//     tenant; [driver.Tx.PruneEvents] honours age, count, its limit and the
//     positions of active consumers.
//
// The suite writes only what the engine would write: times in UTC with
// millisecond precision, valid IDs, a group's name key next to its name. It
// ends a transaction as soon as a write fails, as the engine does, and runs
// a transaction that fails with [driver.ErrRetry] again, as the engine
// would. It never calls Close. Under -short the isolation tests run fewer
// transactions; run them with -race as well.
//
// # Behaviour it pins down
//
// Where package driver could be read more than one way, the suite tests
// this reading:
//
//   - Times come back equal to those written, in UTC.
//   - [driver.Tx.InsertGroup] and [driver.Tx.UpdateGroup] return
//     [driver.ErrNameTaken] themselves when another live group of the same
//     organisation holds the key: the store enforces the key, not only the
//     engine's prior read.
//   - [driver.Tx.UpdateGroup] leaves the position, creation time and
//     organisation as stored, whatever the group passed to it holds.
//   - [driver.PlacementGroup.MaxChannelPosition] counts archived channels,
//     which keep their place in the group.
//   - A channel group's ChannelIDs are in the order of the positions given
//     to [driver.Tx.LinkChannel]; the suite links at increasing positions
//     only, as the engine does.
//   - A channel may be linked in several workspaces at once, one channel
//     group in each.
//   - When the context is cancelled while the function runs, Write may
//     commit or fail, but what remains matches what it returns.
//
// The rules of grouping (validation, not found, conflicts, versions,
// cursors) are not a driver's business; package storetest checks them
// through the store that engine.New builds over the driver. A driver should
// pass both.
package drivertest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// Run runs the conformance suite against the drivers newDriver returns.
// newDriver must return a new, empty driver on every call and register its
// cleanup with t.
func Run(t *testing.T, newDriver func(t *testing.T) driver.Driver) {
	t.Helper()
	areas := []node{
		organisationTests(),
		channelTests(),
		groupTests(),
		placementTests(),
		channelGroupTests(),
		listTests(),
		transactionTests(),
		isolationTests(),
		eventTests(),
	}
	for _, n := range areas {
		n.run(t, newDriver)
	}
}

// node is a named set of tests or, when test is set, one test that gets a
// driver of its own.
type node struct {
	name     string
	test     func(t *testing.T, d driver.Driver)
	children []node
}

func leaf(name string, test func(t *testing.T, d driver.Driver)) node {
	return node{name: name, test: test}
}

func set(name string, children ...node) node {
	return node{name: name, children: children}
}

func (n node) run(t *testing.T, newDriver func(t *testing.T) driver.Driver) {
	t.Run(n.name, func(t *testing.T) {
		t.Parallel()
		for _, c := range n.children {
			c.run(t, newDriver)
		}
		if n.test == nil {
			return
		}
		d := newDriver(t)
		if d == nil {
			t.Fatal("newDriver returned a nil Driver")
		}
		n.test(t, d)
	})
}

// ---- transactions ----

// commit runs fn in a write transaction that must commit. fn may fail the
// test; the driver then sees its goroutine exit through Write.
func commit(t *testing.T, d driver.Driver, fn func(tx driver.Tx)) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	err := d.Write(t.Context(), func(tx driver.Tx) error {
		fn(tx)
		return nil
	})
	is.NoErr(err) // the transaction commits
}

// written commits write, then runs check inside the same transaction (which
// must see its own writes), on the driver outside any transaction, and in a
// new transaction. Each of factChecks, which read what only a transaction
// can, runs inside the writing transaction and in the new one.
func written(t *testing.T, d driver.Driver, write func(tx driver.Tx), check func(r driver.Reader), factChecks ...func(tx driver.Tx)) {
	t.Helper()
	phase := phases(t)
	both := func(tx driver.Tx) {
		check(tx)
		for _, f := range factChecks {
			f(tx)
		}
	}
	commit(t, d, func(tx driver.Tx) {
		write(tx)
		*phase = "inside the writing transaction"
		both(tx)
	})
	*phase = "outside any transaction"
	check(d)
	*phase = "in a later transaction"
	commit(t, d, both)
	*phase = ""
}

// writtenTx is written for writes that only the fact methods show.
func writtenTx(t *testing.T, d driver.Driver, write func(tx driver.Tx), factCheck func(tx driver.Tx)) {
	t.Helper()
	written(t, d, write, func(driver.Reader) {}, factCheck)
}

// phases returns a label that, when t fails while it is set, is logged to
// tell which of the places a check runs in failed.
func phases(t *testing.T) *string {
	phase := new(string)
	t.Cleanup(func() {
		if t.Failed() && *phase != "" {
			t.Logf("the failed check ran %s", *phase)
		}
	})
	return phase
}

// ---- fixtures ----

// epoch is the time the suite derives every time it writes from.
var epoch = time.Date(2024, 12, 21, 12, 10, 47, 492_000_000, time.UTC)

// at returns epoch plus ms milliseconds.
func at(ms int) time.Time { return epoch.Add(time.Duration(ms) * time.Millisecond) }

// option adjusts a fixture before it is written.
type option[T any] func(*T)

func addOrg(t *testing.T, tx driver.Tx) uuid.UUID {
	t.Helper()
	is := is.New(t)
	is.Helper()
	id := uuid.New()
	_, _, err := tx.UpsertOrganisation(t.Context(), grouping.Organisation{ID: id, Name: "org " + short(id)}, epoch)
	is.NoErr(err) // insert organisation
	return id
}

func addChannel(t *testing.T, tx driver.Tx, org uuid.UUID, opts ...option[driver.ChannelRecord]) driver.ChannelRecord {
	t.Helper()
	is := is.New(t)
	is.Helper()
	id := uuid.New()
	rec := driver.ChannelRecord{
		ID:             id,
		OrganisationID: org,
		Name:           "channel " + short(id),
		Description:    "about " + short(id),
		OwnerID:        uuid.New(),
		MessageCount:   7,
		CreatedAt:      epoch,
	}
	for _, o := range opts {
		o(&rec)
	}
	is.NoErr(tx.InsertChannel(t.Context(), rec)) // insert channel
	return rec
}

func created(tm time.Time) option[driver.ChannelRecord] {
	return func(r *driver.ChannelRecord) { r.CreatedAt = tm }
}

func archivedChannel(r *driver.ChannelRecord) { r.Archived = true }

func addGroup(t *testing.T, tx driver.Tx, org uuid.UUID, name string, pos int, opts ...option[grouping.Group]) grouping.Group {
	t.Helper()
	is := is.New(t)
	is.Helper()
	g := grouping.Group{
		ID:             uuid.New(),
		Name:           name,
		Description:    "the " + name + " group",
		OrganisationID: org,
		Position:       pos,
		Version:        1,
		CreatedAt:      epoch,
		UpdatedAt:      epoch,
	}
	for _, o := range opts {
		o(&g)
	}
	is.NoErr(tx.InsertGroup(t.Context(), g, nameKey(g.Name))) // insert group
	return g
}

// nameKey is the name key the engine writes with a group's name.
func nameKey(name string) string { return grouping.FoldName(name) }

func archivedGroup(g *grouping.Group) { g.Archived = true }

func groupCreated(tm time.Time) option[grouping.Group] {
	return func(g *grouping.Group) { g.CreatedAt, g.UpdatedAt = tm, tm }
}

func addChannelGroup(t *testing.T, tx driver.Tx, ws uuid.UUID, platform, account string, createdAt time.Time) grouping.ChannelGroup {
	t.Helper()
	is := is.New(t)
	is.Helper()
	cg := grouping.ChannelGroup{
		ID:                uuid.New(),
		WorkspaceID:       ws,
		PlatformID:        platform,
		PlatformGroupID:   account,
		PlatformGroupName: "name of " + account,
		CreatedAt:         createdAt,
		UpdatedAt:         createdAt,
	}
	is.NoErr(tx.InsertChannelGroup(t.Context(), cg)) // insert channel group
	cg.ChannelIDs = []uuid.UUID{}
	return cg
}

// place puts channels into a group at positions 0, 1, ….
func place(t *testing.T, tx driver.Tx, groupID uuid.UUID, channels ...driver.ChannelRecord) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	for i, ch := range channels {
		is.NoErr(tx.PlaceChannel(t.Context(), ch.ID, groupID, int64(i))) // place channel
	}
}

// link puts channels into a channel group at positions 0, 1, ….
func link(t *testing.T, tx driver.Tx, ws, channelGroupID uuid.UUID, channels ...uuid.UUID) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	for i, id := range channels {
		is.NoErr(tx.LinkChannel(t.Context(), ws, id, channelGroupID, int64(i))) // link channel
	}
}

// ---- comparisons ----

func short(id uuid.UUID) string { return id.String()[:8] }

func ptr[T any](v T) *T { return &v }

func compareIDs(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }

// sorted returns a sorted copy of ids, never nil, for comparing sets.
func sorted(ids []uuid.UUID) []uuid.UUID {
	out := append([]uuid.UUID{}, ids...)
	slices.SortFunc(out, compareIDs)
	return out
}

func channelIDs(chs []grouping.Channel) []uuid.UUID {
	out := []uuid.UUID{}
	for _, ch := range chs {
		out = append(out, ch.ID)
	}
	return out
}

func groupIDs(gs []grouping.Group) []uuid.UUID {
	out := []uuid.UUID{}
	for _, g := range gs {
		out = append(out, g.ID)
	}
	return out
}

func recordIDs(recs ...driver.ChannelRecord) []uuid.UUID {
	out := []uuid.UUID{}
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return out
}

// sameTime reports whether a time a driver returned is want, in UTC.
func sameTime(got, want time.Time) bool {
	return got.Equal(want) && got.Location() == time.UTC
}

// checkChannel checks that ch, as a driver returned it, shows rec, in the
// group groupID (uuid.Nil for none).
func checkChannel(t *testing.T, ch *grouping.Channel, rec driver.ChannelRecord, groupID uuid.UUID) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	is.True(ch != nil)                                   // the channel is found
	is.Equal(ch.ID, rec.ID)                              // ID
	is.Equal(ch.OrganisationID, rec.OrganisationID)      // organisation
	is.Equal(ch.Name, rec.Name)                          // name
	is.Equal(ch.Description, rec.Description)            // description
	is.Equal(ch.OwnerID, rec.OwnerID)                    // owner, uuid.Nil when unknown
	is.Equal(ch.Archived, rec.Archived)                  // archived state
	is.Equal(ch.MessageCount, rec.MessageCount)          // message count
	is.True(sameTime(ch.CreatedAt, rec.CreatedAt))       // creation time, in UTC
	is.True(ch.DeletedAt == nil)                         // a channel that is read is not deleted
	is.Equal(ch.GroupID != nil, groupID != uuid.Nil)     // GroupID is set exactly when the channel is in a group
	is.True(ch.GroupID == nil || *ch.GroupID == groupID) // GroupID names the channel's group
}

// checkGroup checks that g, as a driver returned it, is want (Channels
// aside).
func checkGroup(t *testing.T, g *grouping.Group, want grouping.Group) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	is.True(g != nil)                               // the group is found
	is.Equal(g.ID, want.ID)                         // ID
	is.Equal(g.Name, want.Name)                     // name
	is.Equal(g.Description, want.Description)       // description
	is.Equal(g.OrganisationID, want.OrganisationID) // organisation
	is.Equal(g.Archived, want.Archived)             // archived state
	is.Equal(g.Position, want.Position)             // position
	is.Equal(g.Version, want.Version)               // version
	is.True(sameTime(g.CreatedAt, want.CreatedAt))  // creation time, in UTC
	is.True(sameTime(g.UpdatedAt, want.UpdatedAt))  // update time, in UTC
	is.True(g.DeletedAt == nil)                     // a group that is read is not deleted
}

// checkChannelGroup checks that cg, as a driver returned it, is want,
// ChannelIDs included.
func checkChannelGroup(t *testing.T, cg *grouping.ChannelGroup, want grouping.ChannelGroup) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	is.True(cg != nil)                                                 // the channel group is found
	is.Equal(cg.ID, want.ID)                                           // ID
	is.Equal(cg.WorkspaceID, want.WorkspaceID)                         // workspace
	is.Equal(cg.PlatformID, want.PlatformID)                           // platform
	is.Equal(cg.PlatformGroupID, want.PlatformGroupID)                 // platform account
	is.Equal(cg.PlatformGroupName, want.PlatformGroupName)             // account name
	is.True(sameTime(cg.CreatedAt, want.CreatedAt))                    // creation time, in UTC
	is.True(sameTime(cg.UpdatedAt, want.UpdatedAt))                    // update time, in UTC
	is.True(cg.ChannelIDs != nil)                                      // ChannelIDs is never nil
	is.Equal(cg.ChannelIDs, append([]uuid.UUID{}, want.ChannelIDs...)) // the linked channels, in link order
}
