package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// valueTests check the values a store hands out: normalised times, and
// copies that callers may change freely.
func valueTests() tree {
	return branch("Values",
		branch("Times",
			leaf("Organisation", testTimesOrganisation),
			leaf("Channels", testTimesChannels),
			leaf("Groups", testTimesGroups),
			leaf("ChannelGroups", testTimesChannelGroups),
		),
		branch("Copies",
			leaf("ChannelUsers", testCopyChannelUsers),
			leaf("ChannelGroupID", testCopyChannelGroupID),
			leaf("GroupChannels", testCopyGroupChannels),
			leaf("ListedItems", testCopyListedItems),
			leaf("ChannelGroupChannelIDs", testCopyChannelGroupIDs),
			leaf("InputSlices", testCopyInputSlices),
		),
		leaf("CancelledContext", testCancelledContext),
	)
}

// testCancelledContext checks that a caller that has given up gets an error
// that says so and changes nothing.
func testCancelledContext(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	ch := mustChannel(t, s, org.ID)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := map[string]error{
		"CreateGroup":   discard(s.CreateGroup(ctx, org.ID, grouping.NewGroup{Name: "Support"})),
		"AssignChannel": s.AssignChannel(ctx, org.ID, g.ID, ch.ID),
		"AttachChannel": discard(s.AttachChannel(ctx, uuid.New(), ch.ID, attach("whatsapp", "acct", "Acme"))),
		"ListGroups":    discard(s.ListGroups(ctx, org.ID, grouping.ListGroupsOptions{})),
	}
	for name, err := range calls {
		t.Logf("%s: %v", name, err)
		is.True(errors.Is(err, context.Canceled)) // the error says the caller gave up
	}
	is.Equal(groupIDs(listGroups(t, s, org.ID, grouping.ListGroupsOptions{})), []uuid.UUID{g.ID}) // no group created
	is.Equal(mustGetChannel(t, s, org.ID, ch.ID).GroupID, (*uuid.UUID)(nil))                      // nothing assigned
}

// odd is a time in a zone other than UTC with sub-millisecond digits.
var odd = time.Date(2024, 12, 21, 17, 40, 47, 492_734_901, time.FixedZone("IST", 5*3600+1800))

func testTimesOrganisation(t *testing.T, s grouping.Store) {
	org, err := s.UpsertOrganisation(t.Context(), grouping.Organisation{ID: uuid.New(), Name: "Acme", CreatedAt: odd})
	is.New(t).NoErr(err) // create organisation
	checkTime(t, "organisation CreatedAt", org.CreatedAt)
	org, err = s.UpsertOrganisation(t.Context(), grouping.Organisation{ID: org.ID, Name: "Renamed"})
	is.New(t).NoErr(err) // rename organisation
	checkTime(t, "organisation CreatedAt after rename", org.CreatedAt)
}

func testTimesChannels(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	ch := mustChannel(t, s, org.ID, createdAt(odd))
	is.True(ch.CreatedAt.Equal(grouping.Timestamp(odd))) // the given time, normalised
	checkChannelTimes(t, ch)
	now := mustChannel(t, s, org.ID)
	checkChannelTimes(t, now)
	checkChannelTimes(t, mustGetChannel(t, s, org.ID, ch.ID))
	updated, err := s.UpsertChannel(t.Context(), grouping.ChannelUpsert{ID: ch.ID, OrganisationID: org.ID, Name: "x", OwnerID: ch.OwnerID, CreatedAt: odd.Add(time.Hour)})
	is.NoErr(err)                                                            // update creation time
	is.True(updated.CreatedAt.Equal(grouping.Timestamp(odd.Add(time.Hour)))) // normalised again
	checkChannelTimes(t, updated)
	for _, c := range append(ungrouped(t, s, org.ID, true), discoverable(t, s, org.ID, uuid.New(), true)...) {
		checkChannelTimes(t, c)
	}
	mustAssign(t, s, org.ID, g.ID, ch)
	for _, c := range groupChannels(t, s, org.ID, g.ID, true) {
		checkChannelTimes(t, c)
	}
}

func testTimesGroups(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	checkGroupTimes(t, g)
	mustAssign(t, s, org.ID, g.ID, mustChannel(t, s, org.ID, createdAt(odd)))
	checkGroupTimes(t, mustUpdate(t, s, org.ID, g.ID, grouping.GroupUpdate{Description: ptr("x")}))
	got, err := s.GetGroup(t.Context(), org.ID, g.ID, grouping.GetGroupOptions{IncludeChannels: true})
	is.NoErr(err) // get group
	checkGroupTimes(t, got)
	for _, lg := range listGroups(t, s, org.ID, grouping.ListGroupsOptions{IncludeChannels: true}) {
		checkGroupTimes(t, lg)
	}
}

func testTimesChannelGroups(t *testing.T, s grouping.Store) {
	ws := uuid.New()
	cg := mustAttach(t, s, ws, uuid.New(), "whatsapp", "acct", "Acme")
	checkChannelGroupTimes(t, cg)
	checkChannelGroupTimes(t, mustAttach(t, s, ws, uuid.New(), "whatsapp", "acct", "Renamed"))
	checkChannelGroupTimes(t, mustGetChannelGroup(t, s, ws, cg.ID))
	for _, c := range channelGroups(t, s, ws, "") {
		checkChannelGroupTimes(t, c)
	}
}

func testCopyChannelUsers(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	u1, u2 := uuid.New(), uuid.New()
	ch := mustChannel(t, s, org.ID, members(u1, u2))
	want := sortedIDs([]uuid.UUID{u1, u2})
	ch.Users[0] = uuid.New()
	got := mustGetChannel(t, s, org.ID, ch.ID)
	is.Equal(sortedIDs(got.Users), want) // changing the upserted channel's Users changes nothing stored
	got.Users[0] = uuid.New()
	is.Equal(sortedIDs(mustGetChannel(t, s, org.ID, ch.ID).Users), want) // nor does changing a read channel's Users
}

func testCopyChannelGroupID(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	ch := mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, g.ID, ch)
	got := mustGetChannel(t, s, org.ID, ch.ID)
	*got.GroupID = uuid.New()
	is.Equal(*mustGetChannel(t, s, org.ID, ch.ID).GroupID, g.ID) // GroupID points at a copy
	listed := groupChannels(t, s, org.ID, g.ID, false)
	*listed[0].GroupID = uuid.New()
	is.Equal(*groupChannels(t, s, org.ID, g.ID, false)[0].GroupID, g.ID) // in lists too
}

func testCopyGroupChannels(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	c1, c2 := mustChannel(t, s, org.ID), mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, g.ID, c1, c2)
	opts := grouping.GetGroupOptions{IncludeChannels: true}
	got, err := s.GetGroup(t.Context(), org.ID, g.ID, opts)
	is.NoErr(err) // get group
	got.Channels[0].Name = "changed"
	got.Channels[0], got.Channels[1] = got.Channels[1], got.Channels[0]
	again, err := s.GetGroup(t.Context(), org.ID, g.ID, opts)
	is.NoErr(err)                                     // get group again
	is.Equal(channelIDs(again.Channels), ids(c1, c2)) // order unchanged
	is.Equal(again.Channels[0].Name, c1.Name)         // channel unchanged

	listed := listGroups(t, s, org.ID, grouping.ListGroupsOptions{IncludeChannels: true})
	listed[0].Channels[0].Name = "changed"
	listed[0].Channels[0], listed[0].Channels[1] = listed[0].Channels[1], listed[0].Channels[0]
	listed = listGroups(t, s, org.ID, grouping.ListGroupsOptions{IncludeChannels: true})
	is.Equal(channelIDs(listed[0].Channels), ids(c1, c2)) // listed order unchanged
	is.Equal(listed[0].Channels[0].Name, c1.Name)         // listed channel unchanged
}

func testCopyListedItems(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	mustGroup(t, s, org.ID, "Support")
	c1, c2 := mustChannel(t, s, org.ID, createdAt(at(0))), mustChannel(t, s, org.ID, createdAt(at(1)))
	p, err := s.ListUngroupedChannels(t.Context(), org.ID, grouping.ListChannelsOptions{})
	is.NoErr(err) // list ungrouped
	p.Items[0].Name = "changed"
	p.Items[0], p.Items[1] = p.Items[1], p.Items[0]
	again := ungrouped(t, s, org.ID, false)
	is.Equal(channelIDs(again), ids(c1, c2)) // order unchanged
	is.Equal(again[0].Name, c1.Name)         // item unchanged

	gp, err := s.ListGroups(t.Context(), org.ID, grouping.ListGroupsOptions{})
	is.NoErr(err) // list groups
	gp.Items[0].Name = "changed"
	gp.Items[0], gp.Items[1] = gp.Items[1], gp.Items[0]
	is.Equal(listGroups(t, s, org.ID, grouping.ListGroupsOptions{})[0].Name, g.Name) // group unchanged
	is.Equal(mustGetGroup(t, s, org.ID, g.ID).Name, g.Name)                          // and so is its stored form
}

func testCopyChannelGroupIDs(t *testing.T, s grouping.Store) {
	is := is.New(t)
	ws := uuid.New()
	c1, c2 := uuid.New(), uuid.New()
	mustAttach(t, s, ws, c1, "whatsapp", "acct", "Acme")
	cg := mustAttach(t, s, ws, c2, "whatsapp", "acct", "Acme")
	want := []uuid.UUID{c1, c2}
	cg.ChannelIDs[0] = uuid.New()
	got := mustGetChannelGroup(t, s, ws, cg.ID)
	is.Equal(got.ChannelIDs, want) // changing the attached result changes nothing stored
	got.ChannelIDs[0] = uuid.New()
	listed := channelGroups(t, s, ws, "")
	is.Equal(listed[0].ChannelIDs, want) // nor does changing a read one
	listed[0].ChannelIDs[1] = uuid.New()
	is.Equal(mustGetChannelGroup(t, s, ws, cg.ID).ChannelIDs, want) // nor a listed one
}

func testCopyInputSlices(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	u1, u2 := uuid.New(), uuid.New()
	users := []uuid.UUID{u1, u2}
	ch := mustChannel(t, s, org.ID, members(users...))
	users[0] = uuid.New()
	is.Equal(sortedIDs(mustGetChannel(t, s, org.ID, ch.ID).Users), sortedIDs([]uuid.UUID{u1, u2})) // the store keeps no reference to the caller's Users

	a, b := mustGroup(t, s, org.ID, "a"), mustGroup(t, s, org.ID, "b")
	order := []uuid.UUID{b.ID, a.ID}
	is.NoErr(s.ReorderGroups(t.Context(), org.ID, order)) // reorder groups
	order[0], order[1] = order[1], order[0]
	is.Equal(groupIDs(listGroups(t, s, org.ID, grouping.ListGroupsOptions{})), []uuid.UUID{b.ID, a.ID}) // nor to the caller's order

	c1, c2 := mustChannel(t, s, org.ID), mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, a.ID, c1, c2)
	chOrder := []uuid.UUID{c2.ID, c1.ID}
	is.NoErr(s.ReorderGroupChannels(t.Context(), org.ID, a.ID, chOrder)) // reorder channels
	chOrder[0], chOrder[1] = chOrder[1], chOrder[0]
	is.Equal(channelIDs(groupChannels(t, s, org.ID, a.ID, true)), ids(c2, c1)) // nor to the caller's channel order
}
