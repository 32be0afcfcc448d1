package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// isolationTests check that no organisation or workspace can see or change
// another's data through its own ID.
func isolationTests() tree {
	return branch("Isolation",
		leaf("OtherOrganisationsObjects", testIsolationOrganisation),
		leaf("OtherWorkspacesObjects", testIsolationWorkspace),
		leaf("UnknownOrganisation", testIsolationUnknownOrganisation),
		leaf("ListsShowOwnTenantOnly", testIsolationLists),
		leaf("SameNamesAndAccounts", testIsolationSameNames),
	)
}

// tenant is an organisation and a workspace filled with data of every kind.
type tenant struct {
	org        grouping.Organisation
	member     uuid.UUID        // a member of the grouped and the loose channel
	stranger   uuid.UUID        // a member of no channel
	sales      grouping.Group   // live, holds grouped and archivedCh
	old        grouping.Group   // archived, holds inOld
	empty      grouping.Group   // live, empty
	deleted    grouping.Group   // deleted
	grouped    grouping.Channel // in sales
	archivedCh grouping.Channel // archived, in sales
	inOld      grouping.Channel // in old
	loose      grouping.Channel // ungrouped
	looseArch  grouping.Channel // ungrouped and archived
	gone       grouping.Channel // deleted

	ws       uuid.UUID
	wa       grouping.ChannelGroup // holds attached[0] and attached[1]
	tg       grouping.ChannelGroup // holds attached[2]
	idle     grouping.ChannelGroup // empty
	attached []uuid.UUID
}

// liveChannels returns the tenant's channels that are not deleted.
func (tn tenant) liveChannels() []grouping.Channel {
	return []grouping.Channel{tn.grouped, tn.archivedCh, tn.inOld, tn.loose, tn.looseArch}
}

func (tn tenant) liveGroups() []grouping.Group {
	return []grouping.Group{tn.sales, tn.old, tn.empty}
}

func mustTenant(t *testing.T, s grouping.Store) tenant {
	t.Helper()
	is := is.New(t)
	is.Helper()
	var tn tenant
	tn.org = mustOrg(t, s)
	tn.member = uuid.New()
	tn.stranger = uuid.New()
	org := tn.org.ID
	tn.sales = mustGroup(t, s, org, "Sales")
	tn.old = mustGroup(t, s, org, "Old")
	tn.empty = mustGroup(t, s, org, "Empty")
	tn.deleted = mustGroup(t, s, org, "Deleted")
	tn.grouped = mustChannel(t, s, org, createdAt(at(0)), members(tn.member, uuid.New()))
	tn.archivedCh = mustChannel(t, s, org, createdAt(at(1)), archived())
	tn.inOld = mustChannel(t, s, org, createdAt(at(2)))
	tn.loose = mustChannel(t, s, org, createdAt(at(3)), members(tn.member))
	tn.looseArch = mustChannel(t, s, org, createdAt(at(4)), archived())
	tn.gone = mustChannel(t, s, org, createdAt(at(5)))
	mustAssign(t, s, org, tn.sales.ID, tn.grouped, tn.archivedCh, tn.gone)
	mustAssign(t, s, org, tn.old.ID, tn.inOld)
	tn.old = mustUpdate(t, s, org, tn.old.ID, grouping.GroupUpdate{Archived: ptr(true)})
	is.NoErr(s.DeleteGroup(t.Context(), org, tn.deleted.ID, 0)) // delete group
	mustDeleteChannel(t, s, org, tn.gone.ID)
	tn.sales = mustGetGroup(t, s, org, tn.sales.ID)
	tn.empty = mustGetGroup(t, s, org, tn.empty.ID)
	for _, ch := range []*grouping.Channel{&tn.grouped, &tn.archivedCh, &tn.inOld, &tn.loose, &tn.looseArch} {
		*ch = mustGetChannel(t, s, org, ch.ID)
	}

	tn.ws = uuid.New()
	tn.attached = []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}
	mustAttach(t, s, tn.ws, tn.attached[0], "whatsapp", "acct", "Acme")
	tn.wa = mustAttach(t, s, tn.ws, tn.attached[1], "whatsapp", "acct", "Acme")
	tn.tg = mustAttach(t, s, tn.ws, tn.attached[2], "telegram", "acct", "Acme TG")
	tn.idle = mustAttach(t, s, tn.ws, uuid.New(), "whatsapp", "idle", "Idle")
	is.NoErr(s.DetachChannel(t.Context(), tn.ws, tn.idle.ChannelIDs[0])) // leave it empty
	tn.idle = mustGetChannelGroup(t, s, tn.ws, tn.idle.ID)
	return tn
}

// snapshot is everything a tenant's reads return.
type snapshot struct {
	Groups           []grouping.Group
	GroupsByGet      []grouping.Group
	GroupChannels    [][]grouping.Channel
	Ungrouped        []grouping.Channel
	Discoverable     []grouping.Channel
	Stranger         []grouping.Channel
	Channels         []grouping.Channel
	DeletedGroupErr  grouping.Code
	DeletedChanErr   grouping.Code
	ChannelGroups    []grouping.ChannelGroup
	ChannelGroupGets []grouping.ChannelGroup
}

func takeSnapshot(t *testing.T, s grouping.Store, tn tenant) snapshot {
	t.Helper()
	is := is.New(t)
	is.Helper()
	ctx := t.Context()
	org := tn.org.ID
	var snap snapshot
	snap.Groups = listGroups(t, s, org, grouping.ListGroupsOptions{IncludeChannels: true})
	for _, g := range tn.liveGroups() {
		got, err := s.GetGroup(ctx, org, g.ID, grouping.GetGroupOptions{IncludeChannels: true})
		is.NoErr(err) // get own group
		snap.GroupsByGet = append(snap.GroupsByGet, got)
		snap.GroupChannels = append(snap.GroupChannels, groupChannels(t, s, org, g.ID, true))
	}
	snap.Ungrouped = ungrouped(t, s, org, true)
	snap.Discoverable = discoverable(t, s, org, tn.member, true)
	snap.Stranger = discoverable(t, s, org, tn.stranger, true)
	for _, ch := range tn.liveChannels() {
		snap.Channels = append(snap.Channels, mustGetChannel(t, s, org, ch.ID))
	}
	_, err := s.GetGroup(ctx, org, tn.deleted.ID, grouping.GetGroupOptions{})
	snap.DeletedGroupErr = grouping.ErrorCode(err)
	_, err = s.GetChannel(ctx, org, tn.gone.ID)
	snap.DeletedChanErr = grouping.ErrorCode(err)
	snap.ChannelGroups = channelGroups(t, s, tn.ws, "")
	for _, cg := range []grouping.ChannelGroup{tn.wa, tn.tg, tn.idle} {
		snap.ChannelGroupGets = append(snap.ChannelGroupGets, mustGetChannelGroup(t, s, tn.ws, cg.ID))
	}
	return snap
}

// foreignCall is a call that must fail without changing anything.
type foreignCall struct {
	name string
	call func(ctx context.Context) error
	want grouping.Code
}

// runForeignCalls runs each call as a subtest and checks its error code and
// that neither tenant's data changed.
func runForeignCalls(t *testing.T, s grouping.Store, calls []foreignCall, tenants ...tenant) {
	t.Helper()
	before := make([]snapshot, len(tenants))
	for i, tn := range tenants {
		before[i] = takeSnapshot(t, s, tn)
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			is := is.New(t)
			wantCode(t, c.call(t.Context()), c.want) // another tenant's object is reported as missing
			for i, tn := range tenants {
				is.Equal(takeSnapshot(t, s, tn), before[i]) // no tenant's data changed
			}
		})
	}
}

// discard adapts a call that returns a value to foreignCall.call.
func discard[T any](_ T, err error) error { return err }

func testIsolationOrganisation(t *testing.T, s grouping.Store) {
	a, b := mustTenant(t, s), mustTenant(t, s)
	org := a.org.ID
	calls := []foreignCall{
		{"UpsertChannel", func(ctx context.Context) error {
			return discard(s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: b.loose.ID, OrganisationID: org, Name: "taken", OwnerID: uuid.New(), Users: []uuid.UUID{}}))
		}, grouping.Conflict},
		{"UpsertChannel/Deleted", func(ctx context.Context) error {
			return discard(s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: b.gone.ID, OrganisationID: org, Name: "taken", OwnerID: uuid.New()}))
		}, grouping.Conflict},
		{"GetChannel", func(ctx context.Context) error {
			return discard(s.GetChannel(ctx, org, b.loose.ID))
		}, grouping.NotFound},
		{"DeleteChannel", func(ctx context.Context) error {
			return s.DeleteChannel(ctx, org, b.grouped.ID)
		}, grouping.NotFound},
		{"AddChannelMember", func(ctx context.Context) error {
			return s.AddChannelMember(ctx, org, b.loose.ID, a.member)
		}, grouping.NotFound},
		{"RemoveChannelMember", func(ctx context.Context) error {
			return s.RemoveChannelMember(ctx, org, b.loose.ID, b.member)
		}, grouping.NotFound},
		{"GetGroup", func(ctx context.Context) error {
			return discard(s.GetGroup(ctx, org, b.sales.ID, grouping.GetGroupOptions{}))
		}, grouping.NotFound},
		{"GetGroup/IncludeChannels", func(ctx context.Context) error {
			return discard(s.GetGroup(ctx, org, b.sales.ID, grouping.GetGroupOptions{IncludeChannels: true}))
		}, grouping.NotFound},
		{"UpdateGroup", func(ctx context.Context) error {
			return discard(s.UpdateGroup(ctx, org, b.sales.ID, grouping.GroupUpdate{Name: ptr("Hijacked"), Archived: ptr(true)}))
		}, grouping.NotFound},
		{"UpdateGroup/WithVersion", func(ctx context.Context) error {
			return discard(s.UpdateGroup(ctx, org, b.sales.ID, grouping.GroupUpdate{Description: ptr("x"), IfVersion: b.sales.Version}))
		}, grouping.NotFound},
		{"DeleteGroup", func(ctx context.Context) error {
			return s.DeleteGroup(ctx, org, b.sales.ID, 0)
		}, grouping.NotFound},
		{"DeleteGroup/WithVersion", func(ctx context.Context) error {
			return s.DeleteGroup(ctx, org, b.empty.ID, b.empty.Version)
		}, grouping.NotFound},
		{"ReorderGroups/ForeignAdded", func(ctx context.Context) error {
			return s.ReorderGroups(ctx, org, append(groupIDs(a.liveGroups()), b.sales.ID))
		}, grouping.Invalid},
		{"ReorderGroups/ForeignInstead", func(ctx context.Context) error {
			return s.ReorderGroups(ctx, org, []uuid.UUID{a.sales.ID, a.old.ID, b.empty.ID})
		}, grouping.Invalid},
		{"ReorderGroups/AllForeign", func(ctx context.Context) error {
			return s.ReorderGroups(ctx, org, groupIDs(b.liveGroups()))
		}, grouping.Invalid},
		{"AssignChannel/ForeignGroup", func(ctx context.Context) error {
			return s.AssignChannel(ctx, org, b.empty.ID, a.loose.ID)
		}, grouping.NotFound},
		{"AssignChannel/ForeignChannel", func(ctx context.Context) error {
			return s.AssignChannel(ctx, org, a.empty.ID, b.loose.ID)
		}, grouping.NotFound},
		{"AssignChannel/ForeignBoth", func(ctx context.Context) error {
			return s.AssignChannel(ctx, org, b.empty.ID, b.loose.ID)
		}, grouping.NotFound},
		{"RemoveChannel/ForeignBoth", func(ctx context.Context) error {
			return s.RemoveChannel(ctx, org, b.sales.ID, b.grouped.ID)
		}, grouping.NotFound},
		{"RemoveChannel/ForeignChannel", func(ctx context.Context) error {
			return s.RemoveChannel(ctx, org, a.sales.ID, b.grouped.ID)
		}, grouping.NotFound},
		{"MoveChannel/ForeignGroup", func(ctx context.Context) error {
			return s.MoveChannel(ctx, org, b.empty.ID, a.grouped.ID)
		}, grouping.NotFound},
		{"MoveChannel/ForeignChannel", func(ctx context.Context) error {
			return s.MoveChannel(ctx, org, a.empty.ID, b.grouped.ID)
		}, grouping.NotFound},
		{"MoveChannel/ForeignBoth", func(ctx context.Context) error {
			return s.MoveChannel(ctx, org, b.empty.ID, b.grouped.ID)
		}, grouping.NotFound},
		{"ReorderGroupChannels/ForeignGroup", func(ctx context.Context) error {
			return s.ReorderGroupChannels(ctx, org, b.sales.ID, []uuid.UUID{b.archivedCh.ID, b.grouped.ID})
		}, grouping.NotFound},
		{"ReorderGroupChannels/ForeignChannel", func(ctx context.Context) error {
			return s.ReorderGroupChannels(ctx, org, a.sales.ID, []uuid.UUID{a.archivedCh.ID, a.grouped.ID, b.grouped.ID})
		}, grouping.Invalid},
		{"ListGroupChannels", func(ctx context.Context) error {
			return discard(s.ListGroupChannels(ctx, org, b.sales.ID, grouping.ListChannelsOptions{IncludeArchived: true}))
		}, grouping.NotFound},
	}
	runForeignCalls(t, s, calls, a, b)
}

func testIsolationWorkspace(t *testing.T, s grouping.Store) {
	is := is.New(t)
	a, b := mustTenant(t, s), mustTenant(t, s)
	ws := a.ws
	calls := []foreignCall{
		{"GetChannelGroup", func(ctx context.Context) error {
			return discard(s.GetChannelGroup(ctx, ws, b.wa.ID))
		}, grouping.NotFound},
		{"GetChannelGroup/Empty", func(ctx context.Context) error {
			return discard(s.GetChannelGroup(ctx, ws, b.idle.ID))
		}, grouping.NotFound},
		{"DeleteChannelGroup", func(ctx context.Context) error {
			return s.DeleteChannelGroup(ctx, ws, b.wa.ID)
		}, grouping.NotFound},
		{"DeleteChannelGroup/Empty", func(ctx context.Context) error {
			return s.DeleteChannelGroup(ctx, ws, b.idle.ID)
		}, grouping.NotFound},
		{"DetachChannel", func(ctx context.Context) error {
			return s.DetachChannel(ctx, ws, b.attached[0])
		}, grouping.NotFound},
	}
	runForeignCalls(t, s, calls, a, b)

	// Attaching another workspace's channel to the same account creates a
	// channel group of this workspace and leaves the other one alone.
	beforeB := takeSnapshot(t, s, b)
	cg := mustAttach(t, s, ws, b.attached[0], "whatsapp", "acct", "Renamed")
	is.True(cg.ID != b.wa.ID)                                                     // a channel group of this workspace
	is.True(cg.ID == a.wa.ID)                                                     // the one this workspace has for the account
	is.Equal(cg.ChannelIDs, append(slices.Clone(a.wa.ChannelIDs), b.attached[0])) // holding the channel
	is.Equal(takeSnapshot(t, s, b), beforeB)                                      // the other workspace is unchanged
	is.NoErr(s.DetachChannel(t.Context(), ws, b.attached[0]))                     // detach it here
	is.Equal(takeSnapshot(t, s, b), beforeB)                                      // the other workspace still holds it
}

func testIsolationUnknownOrganisation(t *testing.T, s grouping.Store) {
	a, b := mustTenant(t, s), mustTenant(t, s)
	org := uuid.New()
	calls := []foreignCall{
		{"UpsertChannel", func(ctx context.Context) error {
			return discard(s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org, Name: "x", OwnerID: uuid.New()}))
		}, grouping.NotFound},
		{"GetChannel", func(ctx context.Context) error { return discard(s.GetChannel(ctx, org, b.loose.ID)) }, grouping.NotFound},
		{"DeleteChannel", func(ctx context.Context) error { return s.DeleteChannel(ctx, org, b.loose.ID) }, grouping.NotFound},
		{"AddChannelMember", func(ctx context.Context) error { return s.AddChannelMember(ctx, org, b.loose.ID, uuid.New()) }, grouping.NotFound},
		{"RemoveChannelMember", func(ctx context.Context) error {
			return s.RemoveChannelMember(ctx, org, b.loose.ID, b.member)
		}, grouping.NotFound},
		{"CreateGroup", func(ctx context.Context) error {
			return discard(s.CreateGroup(ctx, org, grouping.NewGroup{Name: "New"}))
		}, grouping.NotFound},
		{"GetGroup", func(ctx context.Context) error {
			return discard(s.GetGroup(ctx, org, b.sales.ID, grouping.GetGroupOptions{}))
		}, grouping.NotFound},
		{"ListGroups", func(ctx context.Context) error {
			return discard(s.ListGroups(ctx, org, grouping.ListGroupsOptions{}))
		}, grouping.NotFound},
		{"UpdateGroup", func(ctx context.Context) error {
			return discard(s.UpdateGroup(ctx, org, b.sales.ID, grouping.GroupUpdate{Name: ptr("x")}))
		}, grouping.NotFound},
		{"DeleteGroup", func(ctx context.Context) error { return s.DeleteGroup(ctx, org, b.sales.ID, 0) }, grouping.NotFound},
		{"ReorderGroups", func(ctx context.Context) error { return s.ReorderGroups(ctx, org, nil) }, grouping.NotFound},
		{"ReorderGroups/ForeignIDs", func(ctx context.Context) error {
			return s.ReorderGroups(ctx, org, groupIDs(b.liveGroups()))
		}, grouping.NotFound},
		{"AssignChannel", func(ctx context.Context) error { return s.AssignChannel(ctx, org, b.empty.ID, b.loose.ID) }, grouping.NotFound},
		{"RemoveChannel", func(ctx context.Context) error { return s.RemoveChannel(ctx, org, b.sales.ID, b.grouped.ID) }, grouping.NotFound},
		{"MoveChannel", func(ctx context.Context) error { return s.MoveChannel(ctx, org, b.empty.ID, b.grouped.ID) }, grouping.NotFound},
		{"ReorderGroupChannels", func(ctx context.Context) error {
			return s.ReorderGroupChannels(ctx, org, b.sales.ID, []uuid.UUID{b.grouped.ID, b.archivedCh.ID})
		}, grouping.NotFound},
		{"ListGroupChannels", func(ctx context.Context) error {
			return discard(s.ListGroupChannels(ctx, org, b.sales.ID, grouping.ListChannelsOptions{}))
		}, grouping.NotFound},
		{"ListUngroupedChannels", func(ctx context.Context) error {
			return discard(s.ListUngroupedChannels(ctx, org, grouping.ListChannelsOptions{}))
		}, grouping.NotFound},
		{"ListDiscoverableChannels", func(ctx context.Context) error {
			return discard(s.ListDiscoverableChannels(ctx, org, b.member, grouping.ListChannelsOptions{}))
		}, grouping.NotFound},
	}
	runForeignCalls(t, s, calls, a, b)
}

func testIsolationLists(t *testing.T, s grouping.Store) {
	is := is.New(t)
	a, b := mustTenant(t, s), mustTenant(t, s)
	for _, pair := range [][2]tenant{{a, b}, {b, a}} {
		me, other := pair[0], pair[1]
		org := me.org.ID
		is.Equal(groupIDs(listGroups(t, s, org, grouping.ListGroupsOptions{})), groupIDs(me.liveGroups()))                           // only own groups
		is.Equal(channelIDs(ungrouped(t, s, org, true)), ids(me.loose, me.looseArch))                                                // only own channels
		is.Equal(channelIDs(discoverable(t, s, org, other.member, true)), ids(me.liveChannels()...))                                 // another organisation's member is a stranger here
		is.Equal(channelIDs(discoverable(t, s, org, me.stranger, true)), ids(me.liveChannels()...))                                  // own stranger sees own channels only
		is.Equal(sortedIDs(channelGroupIDs(channelGroups(t, s, me.ws, ""))), sortedIDs([]uuid.UUID{me.wa.ID, me.tg.ID, me.idle.ID})) // only own channel groups
		is.Equal(len(channelGroups(t, s, me.ws, "whatsapp")), 2)                                                                     // filtered, own only
	}
}

func testIsolationSameNames(t *testing.T, s grouping.Store) {
	is := is.New(t)
	a, b := mustTenant(t, s), mustTenant(t, s)

	// Names are per organisation: taking, renaming to and freeing a name in
	// one organisation does not affect the other.
	reused, err := s.CreateGroup(t.Context(), a.org.ID, grouping.NewGroup{Name: "Deleted"})
	is.NoErr(err) // a name deleted in both organisations is free in each
	mustUpdate(t, s, a.org.ID, a.empty.ID, grouping.GroupUpdate{Name: ptr("Shared")})
	_, err = s.CreateGroup(t.Context(), b.org.ID, grouping.NewGroup{Name: "shared"})
	is.NoErr(err) // a name taken in one organisation is free in another
	beforeB := takeSnapshot(t, s, b)
	is.NoErr(s.DeleteGroup(t.Context(), a.org.ID, a.sales.ID, 0))                                  // delete a group named like one of the other organisation
	is.NoErr(s.ReorderGroups(t.Context(), a.org.ID, []uuid.UUID{reused.ID, a.empty.ID, a.old.ID})) // reorder one organisation
	is.NoErr(s.DeleteChannel(t.Context(), a.org.ID, a.loose.ID))                                   // delete a channel in one organisation
	is.Equal(takeSnapshot(t, s, b), beforeB)                                                       // the other is unchanged

	// Channel groups are per workspace.
	mustAttach(t, s, a.ws, uuid.New(), "whatsapp", "acct", "Renamed in A")
	is.NoErr(s.DeleteChannelGroup(t.Context(), a.ws, a.tg.ID)) // delete a channel group
	is.Equal(takeSnapshot(t, s, b), beforeB)                   // the other workspace is unchanged
}
