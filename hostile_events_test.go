package grouping_test

// Hostile tests of the change events promised by the package documentation
// ("Events") and section 9 of the contract, run against memstore and sqlite.

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/channelgrouping/grouping/sqlite"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

type hostileStore interface {
	grouping.Store
	grouping.EventLog
}

// eachStore runs f against a fresh memstore and a fresh sqlite store.
func eachStore(t *testing.T, f func(t *testing.T, s hostileStore)) {
	t.Run("memstore", func(t *testing.T) {
		s := memstore.New()
		t.Cleanup(func() { s.Close() })
		f(t, s)
	})
	t.Run("sqlite", func(t *testing.T) {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db.sqlite"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		f(t, s)
	})
}

// allEvents reads every event of the tenant after after, page by page.
func allEvents(t *testing.T, s grouping.EventReader, tenant grouping.Tenant, after int64) []grouping.Event {
	t.Helper()
	out := []grouping.Event{}
	for {
		p, err := s.Events(context.Background(), tenant, after, grouping.MaxEventLimit)
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		out = append(out, p.Events...)
		after = p.Next
		if !p.More {
			return out
		}
	}
}

// head returns the sequence of the tenant's newest event (0 for none).
func head(t *testing.T, s grouping.EventReader, tenant grouping.Tenant) int64 {
	t.Helper()
	ev := allEvents(t, s, tenant, 0)
	if len(ev) == 0 {
		return 0
	}
	return ev[len(ev)-1].Sequence
}

func types(ev []grouping.Event) []grouping.EventType {
	out := []grouping.EventType{}
	for _, e := range ev {
		out = append(out, e.Type)
	}
	return out
}

type orgFixture struct {
	org    uuid.UUID
	tenant grouping.Tenant
}

func newOrg(t *testing.T, s grouping.Store) orgFixture {
	t.Helper()
	id := uuid.New()
	if _, err := s.UpsertOrganisation(context.Background(), grouping.Organisation{ID: id, Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	return orgFixture{org: id, tenant: grouping.OrganisationOf(id)}
}

func newChannel(t *testing.T, s grouping.Store, org uuid.UUID, users ...uuid.UUID) uuid.UUID {
	t.Helper()
	id := uuid.New()
	if users == nil {
		users = []uuid.UUID{}
	}
	if _, err := s.UpsertChannel(context.Background(), grouping.ChannelUpsert{ID: id, OrganisationID: org, Name: "ch-" + id.String()[:8], Users: users}); err != nil {
		t.Fatal(err)
	}
	return id
}

func newGroup(t *testing.T, s grouping.Store, org uuid.UUID, name string) grouping.Group {
	t.Helper()
	g, err := s.CreateGroup(context.Background(), org, grouping.NewGroup{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// since returns the events appended after the sequence h.
func since(t *testing.T, s grouping.EventReader, tenant grouping.Tenant, h int64) []grouping.Event {
	return allEvents(t, s, tenant, h)
}

func decode[T any](t *testing.T, e grouping.Event) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(e.Data, &v); err != nil {
		t.Fatalf("decode %s: %v (%s)", e.Type, err, e.Data)
	}
	return v
}

// A no-op channel upsert (same data, users in another order or repeated)
// appends nothing.
func TestHostileUpsertChannelSameUsersOtherOrderNoEvent(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		f := newOrg(t, s)
		u1, u2, u3 := uuid.New(), uuid.New(), uuid.New()
		ch := uuid.New()
		up := grouping.ChannelUpsert{ID: ch, OrganisationID: f.org, Name: "general", Description: "d", MessageCount: 3, Users: []uuid.UUID{u1, u2, u3}}
		_, err := s.UpsertChannel(ctx, up)
		is.NoErr(err) // create
		h := head(t, s, f.tenant)
		up.Users = []uuid.UUID{u3, u1, u2}
		_, err = s.UpsertChannel(ctx, up)
		is.NoErr(err)                                                     // same members, other order
		is.Equal(types(since(t, s, f.tenant, h)), []grouping.EventType{}) // no event for a reordered member list
		up.Users = []uuid.UUID{u2, u2, u1, u3, u1}
		_, err = s.UpsertChannel(ctx, up)
		is.NoErr(err)                                                     // same members, repeated
		is.Equal(types(since(t, s, f.tenant, h)), []grouping.EventType{}) // no event for duplicates
		up.Users = nil
		up.Name = "  general  "
		_, err = s.UpsertChannel(ctx, up)
		is.NoErr(err)                                                     // nil users and a name that trims to the same
		is.Equal(types(since(t, s, f.tenant, h)), []grouping.EventType{}) // still nothing
	})
}

// An organisation upsert of what is stored appends nothing; a rename appends
// organisation.renamed with the previous name.
func TestHostileOrganisationUpsertEvents(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		id := uuid.New()
		tn := grouping.OrganisationOf(id)
		_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: "Acme"})
		is.NoErr(err) // create
		ev := allEvents(t, s, tn, 0)
		is.Equal(types(ev), []grouping.EventType{grouping.EventOrganisationCreated}) // one created event
		is.Equal(ev[0].Sequence, int64(1))                                           // numbered from 1
		_, err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: " Acme "})
		is.NoErr(err)                            // same name, padded
		is.Equal(len(allEvents(t, s, tn, 0)), 1) // no event for an unchanged name
		_, err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: "Acme Ltd"})
		is.NoErr(err) // rename
		ev = allEvents(t, s, tn, 1)
		is.Equal(types(ev), []grouping.EventType{grouping.EventOrganisationRenamed}) // renamed
		d := decode[grouping.OrganisationEventData](t, ev[0])
		is.True(d.PreviousName != nil && *d.PreviousName == "Acme") // previous name given
		is.Equal(d.Organisation.Name, "Acme Ltd")                   // new name given
		is.Equal(ev[0].Sequence, int64(2))                          // next number
		_, err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: id, Name: ""})
		is.True(err != nil)                      // invalid name fails
		is.Equal(len(allEvents(t, s, tn, 0)), 2) // and appends nothing
	})
}

// A failed call takes no sequence number: the next successful one gets the
// number right after the last.
func TestHostileFailedCallsTakeNoNumber(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		f := newOrg(t, s)
		g := newGroup(t, s, f.org, "Sales")
		other := newGroup(t, s, f.org, "Other")
		a, b := newChannel(t, s, f.org), newChannel(t, s, f.org)
		is.NoErr(s.AssignChannel(ctx, f.org, other.ID, b)) // b sits in another group
		h := head(t, s, f.tenant)

		_, err := s.CreateGroup(ctx, f.org, grouping.NewGroup{Name: "SALES"})
		is.True(errors.Is(err, grouping.ErrConflict)) // duplicate name
		_, err = s.UpdateGroup(ctx, f.org, g.ID, grouping.GroupUpdate{Name: ptr("x"), IfVersion: g.Version + 7})
		is.True(errors.Is(err, grouping.ErrPreconditionFailed)) // stale version
		err = s.AssignChannel(ctx, f.org, g.ID, b)
		is.True(errors.Is(err, grouping.ErrConflict)) // in another group
		err = s.AssignChannels(ctx, f.org, g.ID, []uuid.UUID{a, b})
		is.True(errors.Is(err, grouping.ErrConflict)) // bulk with one offender
		err = s.AssignChannels(ctx, f.org, g.ID, []uuid.UUID{a, a})
		is.True(errors.Is(err, grouping.ErrInvalid)) // repeated id
		err = s.RemoveChannel(ctx, f.org, g.ID, a)
		is.True(errors.Is(err, grouping.ErrNotFound)) // not in the group
		err = s.RemoveChannels(ctx, f.org, g.ID, []uuid.UUID{a})
		is.True(errors.Is(err, grouping.ErrNotFound)) // not in the group, bulk
		err = s.MoveChannels(ctx, f.org, g.ID, []uuid.UUID{a, uuid.New()})
		is.True(errors.Is(err, grouping.ErrNotFound)) // bulk move with an unknown channel
		err = s.ReorderGroups(ctx, f.org, []uuid.UUID{g.ID})
		is.True(errors.Is(err, grouping.ErrInvalid)) // missing group
		err = s.RemoveChannelMember(ctx, f.org, a, uuid.New())
		is.True(errors.Is(err, grouping.ErrNotFound)) // not a member
		err = s.DeleteGroup(ctx, f.org, g.ID, g.Version+3)
		is.True(errors.Is(err, grouping.ErrPreconditionFailed)) // stale delete
		_, err = s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: a, OrganisationID: uuid.New(), Name: "x"})
		is.True(err != nil) // channel of another organisation / unknown org

		is.Equal(types(since(t, s, f.tenant, h)), []grouping.EventType{}) // failures appended nothing
		is.NoErr(s.AssignChannel(ctx, f.org, g.ID, a))                    // a success
		ev := since(t, s, f.tenant, h)
		is.Equal(len(ev), 1)          // one event
		is.Equal(ev[0].Sequence, h+1) // with the very next number
	})
}

func ptr[T any](v T) *T { return &v }

// Assigning to an archived group is a Conflict and appends nothing;
// assigning a channel to the (archived) group it is in appends nothing.
func TestHostileArchivedGroupAssign(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		f := newOrg(t, s)
		g := newGroup(t, s, f.org, "Sales")
		in, out := newChannel(t, s, f.org), newChannel(t, s, f.org)
		is.NoErr(s.AssignChannel(ctx, f.org, g.ID, in)) // assign before archiving
		_, err := s.UpdateGroup(ctx, f.org, g.ID, grouping.GroupUpdate{Archived: ptr(true)})
		is.NoErr(err) // archive
		h := head(t, s, f.tenant)
		is.True(errors.Is(s.AssignChannel(ctx, f.org, g.ID, out), grouping.ErrConflict))               // archived target
		is.True(errors.Is(s.MoveChannel(ctx, f.org, g.ID, out), grouping.ErrConflict))                 // archived target, move
		is.True(errors.Is(s.AssignChannels(ctx, f.org, g.ID, []uuid.UUID{out}), grouping.ErrConflict)) // archived target, bulk
		is.NoErr(s.AssignChannel(ctx, f.org, g.ID, in))                                                // already there
		is.NoErr(s.MoveChannel(ctx, f.org, g.ID, in))                                                  // already there, move
		is.Equal(types(since(t, s, f.tenant, h)), []grouping.EventType{})                              // nothing appended
	})
}

// Renaming a group to the same name in another case is an update: one
// group.updated with the previous group.
func TestHostileRenameGroupOtherCase(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		f := newOrg(t, s)
		g := newGroup(t, s, f.org, "sales")
		h := head(t, s, f.tenant)
		g2, err := s.UpdateGroup(ctx, f.org, g.ID, grouping.GroupUpdate{Name: ptr("SALES")})
		is.NoErr(err) // a rename to its own name in capitals is no conflict
		ev := since(t, s, f.tenant, h)
		is.Equal(types(ev), []grouping.EventType{grouping.EventGroupUpdated}) // one group.updated
		d := decode[grouping.GroupEventData](t, ev[0])
		is.Equal(d.Group.Name, "SALES")                          // new name
		is.True(d.Previous != nil && d.Previous.Name == "sales") // previous name
		is.Equal(d.Group.ID, g2.ID)                              // the group
		is.True(d.Group.Channels == nil)                         // without channels
		is.True(d.Group.UpdatedAt.Equal(g2.UpdatedAt))           // as returned
	})
}

// Archiving an archived group is an update with the values it had: the
// documentation says group.updated (its version still increases), not
// group.archived, which is for an update that archived the group.
func TestHostileArchiveArchivedGroup(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		f := newOrg(t, s)
		g := newGroup(t, s, f.org, "Sales")
		h := head(t, s, f.tenant)
		_, err := s.UpdateGroup(ctx, f.org, g.ID, grouping.GroupUpdate{Archived: ptr(true)})
		is.NoErr(err) // archive
		ev := since(t, s, f.tenant, h)
		is.Equal(types(ev), []grouping.EventType{grouping.EventGroupArchived}) // group.archived
		d := decode[grouping.GroupEventData](t, ev[0])
		is.True(d.Group.Archived && d.Previous != nil && !d.Previous.Archived) // before and after
		h = ev[0].Sequence
		g3, err := s.UpdateGroup(ctx, f.org, g.ID, grouping.GroupUpdate{Archived: ptr(true)})
		is.NoErr(err)                         // archive again
		is.True(g3.Version > d.Group.Version) // version still increases
		ev = since(t, s, f.tenant, h)
		is.Equal(types(ev), []grouping.EventType{grouping.EventGroupUpdated}) // an update with the values it had
		h = ev[0].Sequence
		_, err = s.UpdateGroup(ctx, f.org, g.ID, grouping.GroupUpdate{Archived: ptr(false), Name: ptr("Sales 2")})
		is.NoErr(err) // unarchive and rename at once
		ev = since(t, s, f.tenant, h)
		is.Equal(types(ev), []grouping.EventType{grouping.EventGroupUnarchived}) // one unarchived event
		d = decode[grouping.GroupEventData](t, ev[0])
		is.Equal(d.Group.Name, "Sales 2")                        // carrying the rename
		is.True(d.Previous != nil && d.Previous.Name == "Sales") // and the old name
	})
}

// A bulk assign mixing channels already in the group and others appends one
// channel.assigned per channel it changes, positions increasing, in the
// order given.
func TestHostileBulkAssignMixed(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		f := newOrg(t, s)
		g := newGroup(t, s, f.org, "Sales")
		a, b, c := newChannel(t, s, f.org), newChannel(t, s, f.org), newChannel(t, s, f.org)
		is.NoErr(s.AssignChannel(ctx, f.org, g.ID, b)) // b already in
		h := head(t, s, f.tenant)
		is.NoErr(s.AssignChannels(ctx, f.org, g.ID, []uuid.UUID{c, b, a})) // mixed bulk
		ev := since(t, s, f.tenant, h)
		is.Equal(types(ev), []grouping.EventType{grouping.EventChannelAssigned, grouping.EventChannelAssigned}) // only the changed ones
		d0 := decode[grouping.ChannelPlacementData](t, ev[0])
		d1 := decode[grouping.ChannelPlacementData](t, ev[1])
		is.Equal(d0.ChannelID, c)                                                        // in the order given
		is.Equal(d1.ChannelID, a)                                                        // in the order given
		is.Equal(d0.GroupID, g.ID)                                                       // the group
		is.True(d0.FromGroupID == nil)                                                   // from no group
		is.True(d0.Position != nil && d1.Position != nil && *d1.Position > *d0.Position) // positions increasing
		is.Equal(ev[1].Sequence, ev[0].Sequence+1)                                       // consecutive numbers
		h = ev[1].Sequence
		is.NoErr(s.AssignChannels(ctx, f.org, g.ID, []uuid.UUID{a, b, c})) // all already in
		is.Equal(types(since(t, s, f.tenant, h)), []grouping.EventType{})  // nothing appended
	})
}

// A bulk move from another group, from none and from the group itself:
// channel.moved, channel.assigned, nothing.
func TestHostileBulkMoveMixed(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		f := newOrg(t, s)
		g := newGroup(t, s, f.org, "Sales")
		o := newGroup(t, s, f.org, "Other")
		inG, inO, none := newChannel(t, s, f.org), newChannel(t, s, f.org), newChannel(t, s, f.org)
		is.NoErr(s.AssignChannel(ctx, f.org, g.ID, inG)) // setup
		is.NoErr(s.AssignChannel(ctx, f.org, o.ID, inO)) // setup
		h := head(t, s, f.tenant)
		is.NoErr(s.MoveChannel(ctx, f.org, g.ID, inG))                    // move to own group
		is.Equal(types(since(t, s, f.tenant, h)), []grouping.EventType{}) // no event
		is.NoErr(s.MoveChannels(ctx, f.org, g.ID, []uuid.UUID{inO, inG, none}))
		ev := since(t, s, f.tenant, h)
		is.Equal(types(ev), []grouping.EventType{grouping.EventChannelMoved, grouping.EventChannelAssigned}) // moved, then assigned
		d := decode[grouping.ChannelPlacementData](t, ev[0])
		is.Equal(d.ChannelID, inO)                              // the moved channel
		is.True(d.FromGroupID != nil && *d.FromGroupID == o.ID) // from its old group
		is.Equal(d.GroupID, g.ID)                               // to the target
		d = decode[grouping.ChannelPlacementData](t, ev[1])
		is.Equal(d.ChannelID, none)   // the ungrouped channel
		is.True(d.FromGroupID == nil) // from no group
		h = ev[1].Sequence
		is.NoErr(s.RemoveChannels(ctx, f.org, g.ID, []uuid.UUID{inG, none}))
		ev = since(t, s, f.tenant, h)
		is.Equal(types(ev), []grouping.EventType{grouping.EventChannelRemoved, grouping.EventChannelRemoved}) // one per channel
		d = decode[grouping.ChannelPlacementData](t, ev[0])
		is.True(d.Position == nil) // removed has no position
		is.Equal(d.GroupID, g.ID)  // the group left
	})
}

// Deleting a group with channels appends group.deleted with DeletedAt set.
func TestHostileDeleteGroupWithChannels(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		f := newOrg(t, s)
		g := newGroup(t, s, f.org, "Sales")
		a, b := newChannel(t, s, f.org), newChannel(t, s, f.org)
		is.NoErr(s.AssignChannels(ctx, f.org, g.ID, []uuid.UUID{a, b})) // setup
		h := head(t, s, f.tenant)
		is.NoErr(s.DeleteGroup(ctx, f.org, g.ID, 0)) // delete
		ev := since(t, s, f.tenant, h)
		t.Logf("events of deleting a group with 2 channels: %v", types(ev))
		n := 0
		for _, e := range ev {
			if e.Type == grouping.EventGroupDeleted {
				n++
				d := decode[grouping.GroupEventData](t, e)
				is.True(d.Group.DeletedAt != nil) // DeletedAt set
				is.Equal(d.Group.ID, g.ID)        // the group
			}
		}
		is.Equal(n, 1) // exactly one group.deleted
		// Recreating the name is free again, and reordering the remaining
		// (no) groups in the current order is a no-op.
		h = ev[len(ev)-1].Sequence
		is.NoErr(s.ReorderGroups(ctx, f.org, []uuid.UUID{}))              // current (empty) order
		is.Equal(types(since(t, s, f.tenant, h)), []grouping.EventType{}) // no event
	})
}

// Deleting a channel in a group appends one channel.deleted naming the group.
func TestHostileDeleteChannelInGroup(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		f := newOrg(t, s)
		g := newGroup(t, s, f.org, "Sales")
		a := newChannel(t, s, f.org)
		is.NoErr(s.AssignChannel(ctx, f.org, g.ID, a)) // setup
		h := head(t, s, f.tenant)
		is.NoErr(s.DeleteChannel(ctx, f.org, a)) // delete
		ev := since(t, s, f.tenant, h)
		is.Equal(types(ev), []grouping.EventType{grouping.EventChannelDeleted}) // one channel.deleted
		d := decode[grouping.ChannelDeletedData](t, ev[0])
		is.True(d.GroupID != nil && *d.GroupID == g.ID) // names the group it left
		is.Equal(d.ChannelID, a)                        // the channel
		h = ev[0].Sequence
		is.True(s.DeleteChannel(ctx, f.org, a) != nil) // deleting again fails
		_, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: a, OrganisationID: f.org, Name: "x"})
		is.True(errors.Is(err, grouping.ErrConflict))                     // a deleted channel cannot be upserted
		is.Equal(types(since(t, s, f.tenant, h)), []grouping.EventType{}) // neither appended anything
	})
}

// Membership: adding twice appends once; upserting users appends
// channel.updated with Previous.
func TestHostileMembershipEvents(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		f := newOrg(t, s)
		u1, u2 := uuid.New(), uuid.New()
		a := newChannel(t, s, f.org, u1)
		h := head(t, s, f.tenant)
		is.NoErr(s.AddChannelMember(ctx, f.org, a, u2)) // add
		is.NoErr(s.AddChannelMember(ctx, f.org, a, u2)) // add again
		ev := since(t, s, f.tenant, h)
		is.Equal(types(ev), []grouping.EventType{grouping.EventChannelMemberAdded}) // once
		d := decode[grouping.ChannelMemberData](t, ev[0])
		is.Equal(d, grouping.ChannelMemberData{ChannelID: a, UserID: u2}) // its data
		h = ev[0].Sequence
		is.NoErr(s.AddChannelMember(ctx, f.org, a, u1))                   // already a member
		is.Equal(types(since(t, s, f.tenant, h)), []grouping.EventType{}) // nothing
		_, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: a, OrganisationID: f.org, Name: "ch-" + a.String()[:8], Users: []uuid.UUID{u2}})
		is.NoErr(err) // members changed by upsert
		ev = since(t, s, f.tenant, h)
		t.Logf("events of an upsert that drops a member: %v", types(ev))
		is.True(len(ev) >= 1 && ev[0].Type == grouping.EventChannelUpdated) // channel.updated
		cd := decode[grouping.ChannelEventData](t, ev[0])
		is.True(cd.Previous != nil)                 // with previous
		is.Equal(len(cd.Previous.Users), 2)         // previous members
		is.Equal(cd.Channel.Users, []uuid.UUID{u2}) // new members
		is.Equal(cd.Channel.UserCount, 1)           // count
	})
}

// Reordering into the current order appends nothing; into a new one appends
// one event with every ID.
func TestHostileReorderNoop(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		f := newOrg(t, s)
		g1, g2 := newGroup(t, s, f.org, "A"), newGroup(t, s, f.org, "B")
		a, b := newChannel(t, s, f.org), newChannel(t, s, f.org)
		is.NoErr(s.AssignChannels(ctx, f.org, g1.ID, []uuid.UUID{a, b})) // setup
		h := head(t, s, f.tenant)
		is.NoErr(s.ReorderGroups(ctx, f.org, []uuid.UUID{g1.ID, g2.ID}))       // current order
		is.NoErr(s.ReorderGroupChannels(ctx, f.org, g1.ID, []uuid.UUID{a, b})) // current order
		is.Equal(types(since(t, s, f.tenant, h)), []grouping.EventType{})      // nothing
		is.NoErr(s.ReorderGroups(ctx, f.org, []uuid.UUID{g2.ID, g1.ID}))       // new order
		is.NoErr(s.ReorderGroupChannels(ctx, f.org, g1.ID, []uuid.UUID{b, a})) // new order
		ev := since(t, s, f.tenant, h)
		is.Equal(types(ev), []grouping.EventType{grouping.EventGroupsReordered, grouping.EventGroupChannelsReordered}) // two events
		is.Equal(decode[grouping.GroupsReorderedData](t, ev[0]).GroupIDs, []uuid.UUID{g2.ID, g1.ID})                   // new group order
		is.Equal(decode[grouping.GroupChannelsReorderedData](t, ev[1]).ChannelIDs, []uuid.UUID{b, a})                  // new channel order
	})
}

// Channel groups: attach, re-attach with a new name, re-attach unchanged,
// move, detach, delete.
func TestHostileChannelGroupEvents(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		ws := uuid.New()
		tn := grouping.WorkspaceOf(ws)
		ch1, ch2 := uuid.New(), uuid.New()
		acc := grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: "waba-1", PlatformGroupName: "One"}
		cg, err := s.AttachChannel(ctx, ws, ch1, acc)
		is.NoErr(err) // first attach
		ev := allEvents(t, s, tn, 0)
		is.Equal(types(ev), []grouping.EventType{grouping.EventChannelGroupAttached}) // attached only
		is.Equal(ev[0].Sequence, int64(1))                                            // workspace numbered from 1
		ad := decode[grouping.ChannelGroupAttachedData](t, ev[0])
		is.Equal(ad.ChannelID, ch1)                    // the channel
		is.Equal(ad.ChannelGroup.ID, cg.ID)            // the channel group
		is.True(ad.FromChannelGroupID == nil)          // from none
		is.True(!jsonHasKey(ev[0].Data, "channel_id")) // camelCase data
		h := ev[0].Sequence

		_, err = s.AttachChannel(ctx, ws, ch1, acc)
		is.NoErr(err)                                                   // same again
		is.Equal(types(allEvents(t, s, tn, h)), []grouping.EventType{}) // nothing
		_, err = s.AttachChannel(ctx, ws, ch1, grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: "waba-1"})
		is.NoErr(err)                                                   // empty name leaves it
		is.Equal(types(allEvents(t, s, tn, h)), []grouping.EventType{}) // nothing

		acc.PlatformGroupName = "One renamed"
		_, err = s.AttachChannel(ctx, ws, ch1, acc)
		is.NoErr(err) // same channel group, new name
		ev = allEvents(t, s, tn, h)
		is.Equal(types(ev), []grouping.EventType{grouping.EventChannelGroupRenamed}) // only renamed
		rd := decode[grouping.ChannelGroupRenamedData](t, ev[0])
		is.Equal(rd.PreviousName, "One")                           // previous
		is.Equal(rd.ChannelGroup.PlatformGroupName, "One renamed") // new
		h = ev[0].Sequence

		other, err := s.AttachChannel(ctx, ws, ch1, grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: "waba-2", PlatformGroupName: "Two"})
		is.NoErr(err) // move to another account
		ev = allEvents(t, s, tn, h)
		is.Equal(types(ev), []grouping.EventType{grouping.EventChannelGroupAttached}) // one attached
		ad = decode[grouping.ChannelGroupAttachedData](t, ev[0])
		is.True(ad.FromChannelGroupID != nil && *ad.FromChannelGroupID == cg.ID) // from the old one
		is.Equal(ad.ChannelGroup.ID, other.ID)                                   // to the new one
		h = ev[0].Sequence

		is.True(errors.Is(s.DetachChannel(ctx, ws, ch2), grouping.ErrNotFound)) // not attached
		is.Equal(types(allEvents(t, s, tn, h)), []grouping.EventType{})         // nothing
		is.NoErr(s.DetachChannel(ctx, ws, ch1))                                 // detach
		ev = allEvents(t, s, tn, h)
		is.Equal(types(ev), []grouping.EventType{grouping.EventChannelGroupDetached})                                                              // detached
		is.Equal(decode[grouping.ChannelGroupDetachedData](t, ev[0]), grouping.ChannelGroupDetachedData{ChannelID: ch1, ChannelGroupID: other.ID}) // data
		h = ev[0].Sequence

		_, err = s.AttachChannel(ctx, ws, ch2, acc)
		is.NoErr(err) // attach ch2 to the first
		h++
		is.NoErr(s.DeleteChannelGroup(ctx, ws, cg.ID)) // delete a channel group with a channel
		ev = allEvents(t, s, tn, h)
		t.Logf("events of deleting a channel group with one channel: %v", types(ev))
		is.True(len(ev) >= 1 && ev[len(ev)-1].Type == grouping.EventChannelGroupDeleted)           // ends with deleted
		is.Equal(decode[grouping.ChannelGroupDeletedData](t, ev[len(ev)-1]).ChannelGroupID, cg.ID) // the channel group
		h = ev[len(ev)-1].Sequence
		is.True(errors.Is(s.DeleteChannelGroup(ctx, ws, cg.ID), grouping.ErrNotFound)) // already gone
		is.Equal(types(allEvents(t, s, tn, h)), []grouping.EventType{})                // nothing
		is.Equal(len(allEvents(t, s, grouping.OrganisationOf(ws), 0)), 0)              // the organisation of that ID has none
	})
}

// Channel events carry the channel as GetChannel returns it.
func TestHostileChannelCreatedDataIsGetChannel(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		f := newOrg(t, s)
		u := uuid.New()
		h := head(t, s, f.tenant)
		ch := newChannel(t, s, f.org, u, u)
		got, err := s.GetChannel(ctx, f.org, ch)
		is.NoErr(err) // get
		ev := since(t, s, f.tenant, h)
		is.Equal(types(ev), []grouping.EventType{grouping.EventChannelCreated}) // created
		cd := decode[grouping.ChannelEventData](t, ev[0])
		is.True(cd.Previous == nil)                        // no previous for a create
		is.Equal(cd.Channel.Users, []uuid.UUID{u})         // members once
		is.Equal(cd.Channel.ID, got.ID)                    // same channel
		is.True(cd.Channel.CreatedAt.Equal(got.CreatedAt)) // same creation time
		is.True(jsonHasKey(ev[0].Data, "channel"))         // snake data
	})
}

// Events validation: limits, unknown tenants, nil IDs.
func TestHostileEventsValidation(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		f := newOrg(t, s)
		for _, l := range []int{-1, grouping.MaxEventLimit + 1} {
			_, err := s.Events(ctx, f.tenant, 0, l)
			is.True(errors.Is(err, grouping.ErrInvalid)) // bad limit
		}
		_, err := s.Events(ctx, grouping.OrganisationOf(uuid.Nil), 0, 0)
		is.True(errors.Is(err, grouping.ErrInvalid)) // nil tenant ID
		_, err = s.Events(ctx, grouping.Tenant{Kind: 9, ID: uuid.New()}, 0, 0)
		is.True(errors.Is(err, grouping.ErrInvalid)) // unknown kind
		p, err := s.Events(ctx, grouping.WorkspaceOf(uuid.New()), 7, 0)
		is.NoErr(err)              // unknown tenant
		is.Equal(len(p.Events), 0) // empty
		is.True(p.Events != nil)   // never nil
		is.Equal(p.Next, int64(7)) // next is after
		is.True(!p.More)           // nothing more
		for i := 0; i < 150; i++ {
			newGroup(t, s, f.org, "g"+uuid.NewString())
		}
		p, err = s.Events(ctx, f.tenant, 0, 0)
		is.NoErr(err)                                       // default
		is.Equal(len(p.Events), grouping.DefaultEventLimit) // 100
		is.True(p.More)                                     // more
		is.Equal(p.Next, int64(100))                        // next is the last
		p, err = s.Events(ctx, f.tenant, 100, 1000)
		is.NoErr(err)                // rest
		is.Equal(len(p.Events), 51)  // 151 in all
		is.True(!p.More)             // done
		is.Equal(p.Next, int64(151)) // last
		p, err = s.Events(ctx, f.tenant, 500, 10)
		is.NoErr(err)                // beyond head
		is.Equal(len(p.Events), 0)   // empty
		is.Equal(p.Next, int64(500)) // next is after
		_, err = s.WaitEvents(ctx, f.tenant, 0, -5)
		is.True(errors.Is(err, grouping.ErrInvalid)) // WaitEvents checks limit
		_, err = s.WaitEvents(ctx, grouping.WorkspaceOf(uuid.Nil), 0, 0)
		is.True(errors.Is(err, grouping.ErrInvalid)) // and tenant
	})
}

// Re-attaching after the channel group was deleted creates a new one and
// says the channel came from none; a deleted ungrouped channel's event has
// group_id null; events have unique IDs and normalised times.
func TestHostileMiscEventData(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		ws := uuid.New()
		tn := grouping.WorkspaceOf(ws)
		ch := uuid.New()
		acc := grouping.ChannelGroupAttach{PlatformID: "wa", PlatformGroupID: "1", PlatformGroupName: "One"}
		cg, err := s.AttachChannel(ctx, ws, ch, acc)
		is.NoErr(err)                                  // attach
		is.NoErr(s.DeleteChannelGroup(ctx, ws, cg.ID)) // delete it
		h := head(t, s, tn)
		cg2, err := s.AttachChannel(ctx, ws, ch, acc)
		is.NoErr(err)            // attach again
		is.True(cg2.ID != cg.ID) // a new channel group
		ev := since(t, s, tn, h)
		is.Equal(types(ev), []grouping.EventType{grouping.EventChannelGroupAttached})          // attached
		is.True(decode[grouping.ChannelGroupAttachedData](t, ev[0]).FromChannelGroupID == nil) // from none
		is.True(!jsonHasKey(ev[0].Data, "fromChannelGroupId"))                                 // absent

		f := newOrg(t, s)
		a := newChannel(t, s, f.org)
		h = head(t, s, f.tenant)
		is.NoErr(s.DeleteChannel(ctx, f.org, a)) // delete an ungrouped channel
		ev = since(t, s, f.tenant, h)
		is.Equal(types(ev), []grouping.EventType{grouping.EventChannelDeleted}) // deleted
		is.True(strings.Contains(string(ev[0].Data), `"group_id":null`))        // group_id null

		seen := map[uuid.UUID]bool{}
		for _, tenant := range []grouping.Tenant{tn, f.tenant} {
			for _, e := range allEvents(t, s, tenant, 0) {
				is.True(e.ID != uuid.Nil && !seen[e.ID]) // unique IDs
				seen[e.ID] = true
				is.Equal(e.Tenant, tenant)                        // tenant set
				is.True(e.Time.Equal(grouping.Timestamp(e.Time))) // millisecond time
				is.Equal(e.Time.Location(), time.UTC)             // in UTC
			}
		}
	})
}

// Upserting only a changed field (message count, archived, created_at)
// appends one channel.updated, even for a grouped channel.
func TestHostileChannelFieldUpdates(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		f := newOrg(t, s)
		g := newGroup(t, s, f.org, "G")
		id := uuid.New()
		up := grouping.ChannelUpsert{ID: id, OrganisationID: f.org, Name: "c", CreatedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
		_, err := s.UpsertChannel(ctx, up)
		is.NoErr(err)                                   // create
		is.NoErr(s.AssignChannel(ctx, f.org, g.ID, id)) // group it
		for i, change := range []func(*grouping.ChannelUpsert){
			func(u *grouping.ChannelUpsert) { u.MessageCount = 9 },
			func(u *grouping.ChannelUpsert) { u.Archived = true },
			func(u *grouping.ChannelUpsert) { u.CreatedAt = u.CreatedAt.Add(time.Hour) },
			func(u *grouping.ChannelUpsert) { u.OwnerID = uuid.New() },
			func(u *grouping.ChannelUpsert) { u.Description = "x" },
		} {
			h := head(t, s, f.tenant)
			change(&up)
			_, err := s.UpsertChannel(ctx, up)
			is.NoErr(err) // upsert
			ev := since(t, s, f.tenant, h)
			is.Equal(types(ev), []grouping.EventType{grouping.EventChannelUpdated}) // one update
			d := decode[grouping.ChannelEventData](t, ev[0])
			is.True(d.Previous != nil)                                      // previous given
			is.True(d.Channel.GroupID != nil && *d.Channel.GroupID == g.ID) // still grouped
			_ = i
			h = ev[0].Sequence
			_, err = s.UpsertChannel(ctx, up)
			is.NoErr(err)                                                     // same again
			is.Equal(types(since(t, s, f.tenant, h)), []grouping.EventType{}) // nothing
		}
	})
}
