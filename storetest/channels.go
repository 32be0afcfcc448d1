package storetest

import (
	"strings"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// channelTests cover putting channels into groups and the three channel
// lists.
func channelTests() tree {
	return branch("Channels",
		branch("Assign",
			leaf("Appends", testAssignAppends),
			leaf("SameGroupIsIdempotent", testAssignIdempotent),
			leaf("ArchivedChannel", testAssignArchivedChannel),
			leaf("ArchivedGroupIsConflict", testAssignArchivedGroup),
			leaf("InOtherGroupIsConflictNamingIt", testAssignOtherGroup),
			leaf("DeletedChannelIsNotFound", testAssignDeletedChannel),
			leaf("DeletedGroupIsNotFound", testAssignDeletedGroup),
			leaf("OtherOrganisationChannelIsNotFound", testAssignForeignChannel),
			leaf("UnknownIsNotFound", testAssignUnknown),
		),
		branch("Remove",
			leaf("Ungroups", testRemoveUngroups),
			leaf("NotInGroupIsNotFound", testRemoveNotInGroup),
			leaf("UnknownIsNotFound", testRemoveUnknown),
		),
		branch("Move",
			leaf("FromNoGroup", testMoveFromNone),
			leaf("FromOtherGroup", testMoveFromOther),
			leaf("SameGroupIsNoOp", testMoveSameGroup),
			leaf("FromArchivedGroup", testMoveFromArchived),
			leaf("ArchivedGroupIsConflict", testMoveArchivedTarget),
			leaf("DeletedIsNotFound", testMoveDeleted),
			leaf("UnknownIsNotFound", testMoveUnknown),
		),
		branch("Reorder",
			leaf("PermutationWithArchived", testReorderChannels),
			leaf("EmptyGroup", testReorderChannelsEmpty),
			leaf("InvalidListsChangeNothing", testReorderChannelsInvalid),
			leaf("UnknownIsNotFound", testReorderChannelsUnknown),
		),
		branch("ListGroupChannels",
			leaf("GroupOrder", testGroupChannelsOrder),
			leaf("ArchivedOnRequest", testGroupChannelsArchived),
			leaf("ListFields", testGroupChannelsFields),
			leaf("EmptyIsNotNil", testGroupChannelsEmpty),
			leaf("UnknownIsNotFound", testGroupChannelsUnknown),
		),
		branch("Ungrouped",
			leaf("CreationThenIDOrder", testUngroupedOrder),
			leaf("GroupedArchivedDeleted", testUngroupedFilters),
			leaf("EmptyIsNotNil", testUngroupedEmpty),
			leaf("UnknownOrganisationIsNotFound", testUngroupedUnknown),
		),
		branch("Discoverable",
			leaf("NonMemberChannels", testDiscoverable),
			leaf("CreationThenIDOrder", testDiscoverableOrder),
			leaf("FollowsMembership", testDiscoverableMembership),
			leaf("EmptyIsNotNil", testDiscoverableEmpty),
			leaf("UnknownOrganisationIsNotFound", testDiscoverableUnknown),
		),
	)
}

// checkGroupState checks that the group lists exactly want, in this order
// (archived channels included), and that each of them names the group.
func checkGroupState(t *testing.T, s grouping.Store, orgID, groupID uuid.UUID, want ...grouping.Channel) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	is.Equal(channelIDs(groupChannels(t, s, orgID, groupID, true)), ids(want...)) // the group's channels in order
	for _, ch := range want {
		got := mustGetChannel(t, s, orgID, ch.ID)
		is.True(got.GroupID != nil && *got.GroupID == groupID) // the channel names its group
	}
}

func testAssignAppends(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	c1, c2, c3 := mustChannel(t, s, org.ID), mustChannel(t, s, org.ID), mustChannel(t, s, org.ID)
	for i, ch := range []grouping.Channel{c3, c1, c2} {
		is.NoErr(s.AssignChannel(t.Context(), org.ID, g.ID, ch.ID)) // assign channel
		is.Equal(len(groupChannels(t, s, org.ID, g.ID, true)), i+1) // one more channel
	}
	checkGroupState(t, s, org.ID, g.ID, c3, c1, c2)
	is.Equal(channelIDs(ungrouped(t, s, org.ID, true)), ids()) // none left ungrouped
}

func testAssignIdempotent(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	c1, c2 := mustChannel(t, s, org.ID), mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, g.ID, c1, c2)
	before := mustGetGroup(t, s, org.ID, g.ID)
	is.NoErr(s.AssignChannel(t.Context(), org.ID, g.ID, c1.ID)) // assigning to its own group succeeds
	checkGroupState(t, s, org.ID, g.ID, c1, c2)                 // without moving the channel to the end
	is.NoErr(s.AssignChannel(t.Context(), org.ID, g.ID, c2.ID)) // for the last channel too
	checkGroupState(t, s, org.ID, g.ID, c1, c2)                 // order unchanged
	is.Equal(mustGetGroup(t, s, org.ID, g.ID), before)          // the group itself unchanged

	a := mustArchivedGroup(t, s, org.ID, "Archive")
	c3 := mustChannel(t, s, org.ID)
	mustUpdate(t, s, org.ID, a.ID, grouping.GroupUpdate{Archived: ptr(false)})
	mustAssign(t, s, org.ID, a.ID, c3)
	mustUpdate(t, s, org.ID, a.ID, grouping.GroupUpdate{Archived: ptr(true)})
	is.NoErr(s.AssignChannel(t.Context(), org.ID, a.ID, c3.ID)) // already there: a no-op, even in an archived group
	checkGroupState(t, s, org.ID, a.ID, c3)                     // nothing changed
}

func testAssignArchivedChannel(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	c1 := mustChannel(t, s, org.ID, archived())
	c2 := mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, g.ID, c1, c2)
	checkGroupState(t, s, org.ID, g.ID, c1, c2)                             // an archived channel can be grouped
	is.Equal(channelIDs(groupChannels(t, s, org.ID, g.ID, false)), ids(c2)) // but is listed only on request
}

func testAssignArchivedGroup(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustArchivedGroup(t, s, org.ID, "Old")
	ch := mustChannel(t, s, org.ID)
	wantCode(t, s.AssignChannel(t.Context(), org.ID, g.ID, ch.ID), grouping.Conflict) // archived target
	is.True(mustGetChannel(t, s, org.ID, ch.ID).GroupID == nil)                       // channel still ungrouped
	checkGroupState(t, s, org.ID, g.ID)                                               // group still empty
}

func testAssignOtherGroup(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	marketing := mustGroup(t, s, org.ID, "Marketing Ünïcode")
	sales := mustGroup(t, s, org.ID, "Sales")
	ch := mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, marketing.ID, ch)
	err := s.AssignChannel(t.Context(), org.ID, sales.ID, ch.ID)
	wantCode(t, err, grouping.Conflict)                                        // the channel sits in another group
	is.True(strings.Contains(grouping.ErrorMessage(err), "Marketing Ünïcode")) // the message names that group
	checkGroupState(t, s, org.ID, marketing.ID, ch)                            // still in its group
	checkGroupState(t, s, org.ID, sales.ID)                                    // not added to the other

	archivedGroup := mustArchivedGroup(t, s, org.ID, "Old")
	err = s.AssignChannel(t.Context(), org.ID, archivedGroup.ID, ch.ID)
	wantCode(t, err, grouping.Conflict)             // archived target and in another group: a conflict either way
	checkGroupState(t, s, org.ID, marketing.ID, ch) // still in its group
}

func testAssignDeletedChannel(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	ch := mustChannel(t, s, org.ID)
	mustDeleteChannel(t, s, org.ID, ch.ID)
	wantCode(t, s.AssignChannel(t.Context(), org.ID, g.ID, ch.ID), grouping.NotFound) // deleted channel
	checkGroupState(t, s, org.ID, g.ID)                                               // nothing assigned
}

func testAssignDeletedGroup(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	ch := mustChannel(t, s, org.ID)
	is.NoErr(s.DeleteGroup(t.Context(), org.ID, g.ID, 0))                             // delete group
	wantCode(t, s.AssignChannel(t.Context(), org.ID, g.ID, ch.ID), grouping.NotFound) // deleted group
	is.True(mustGetChannel(t, s, org.ID, ch.ID).GroupID == nil)                       // channel still ungrouped
}

func testAssignForeignChannel(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org, other := mustOrg(t, s), mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	foreign := mustChannel(t, s, other.ID)
	wantCode(t, s.AssignChannel(t.Context(), org.ID, g.ID, foreign.ID), grouping.NotFound) // channel of another organisation
	checkGroupState(t, s, org.ID, g.ID)                                                    // nothing assigned
	is.True(mustGetChannel(t, s, other.ID, foreign.ID).GroupID == nil)                     // the channel is unchanged
}

func testAssignUnknown(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	ch := mustChannel(t, s, org.ID)
	wantCode(t, s.AssignChannel(t.Context(), org.ID, g.ID, uuid.New()), grouping.NotFound)  // unknown channel
	wantCode(t, s.AssignChannel(t.Context(), org.ID, uuid.New(), ch.ID), grouping.NotFound) // unknown group
	wantCode(t, s.AssignChannel(t.Context(), uuid.New(), g.ID, ch.ID), grouping.NotFound)   // unknown organisation
	checkGroupState(t, s, org.ID, g.ID)                                                     // nothing assigned
}

func testRemoveUngroups(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	c1, c2, c3 := mustChannel(t, s, org.ID), mustChannel(t, s, org.ID), mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, g.ID, c1, c2, c3)
	is.NoErr(s.RemoveChannel(t.Context(), org.ID, g.ID, c2.ID))   // remove channel
	checkGroupState(t, s, org.ID, g.ID, c1, c3)                   // the others keep their order
	is.True(mustGetChannel(t, s, org.ID, c2.ID).GroupID == nil)   // the channel is ungrouped
	is.Equal(channelIDs(ungrouped(t, s, org.ID, false)), ids(c2)) // and listed as ungrouped
	mustAssign(t, s, org.ID, g.ID, c2)                            // assign it again
	checkGroupState(t, s, org.ID, g.ID, c1, c3, c2)               // it goes to the end

	a := mustGroup(t, s, org.ID, "Archive")
	c4 := mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, a.ID, c4)
	mustUpdate(t, s, org.ID, a.ID, grouping.GroupUpdate{Archived: ptr(true)})
	is.NoErr(s.RemoveChannel(t.Context(), org.ID, a.ID, c4.ID)) // channels can leave an archived group
	checkGroupState(t, s, org.ID, a.ID)                         // now empty
}

func testRemoveNotInGroup(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	other := mustGroup(t, s, org.ID, "Support")
	loose := mustChannel(t, s, org.ID)
	elsewhere := mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, other.ID, elsewhere)
	wantCode(t, s.RemoveChannel(t.Context(), org.ID, g.ID, loose.ID), grouping.NotFound)     // an ungrouped channel is not in this group
	wantCode(t, s.RemoveChannel(t.Context(), org.ID, g.ID, elsewhere.ID), grouping.NotFound) // nor is one of another group
	checkGroupState(t, s, org.ID, other.ID, elsewhere)                                       // which stays where it is
	is.True(mustGetChannel(t, s, org.ID, loose.ID).GroupID == nil)                           // unchanged
}

func testRemoveUnknown(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	ch := mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, g.ID, ch)
	wantCode(t, s.RemoveChannel(t.Context(), org.ID, g.ID, uuid.New()), grouping.NotFound)  // unknown channel
	wantCode(t, s.RemoveChannel(t.Context(), org.ID, uuid.New(), ch.ID), grouping.NotFound) // unknown group
	wantCode(t, s.RemoveChannel(t.Context(), uuid.New(), g.ID, ch.ID), grouping.NotFound)   // unknown organisation
	checkGroupState(t, s, org.ID, g.ID, ch)                                                 // still there
}

func testMoveFromNone(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	c1, c2 := mustChannel(t, s, org.ID), mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, g.ID, c1)
	is.NoErr(s.MoveChannel(t.Context(), org.ID, g.ID, c2.ID)) // move an ungrouped channel
	checkGroupState(t, s, org.ID, g.ID, c1, c2)               // it goes to the end
}

func testMoveFromOther(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	from := mustGroup(t, s, org.ID, "From")
	to := mustGroup(t, s, org.ID, "To")
	c1, c2, c3, c4 := mustChannel(t, s, org.ID), mustChannel(t, s, org.ID), mustChannel(t, s, org.ID), mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, from.ID, c1, c2, c3)
	mustAssign(t, s, org.ID, to.ID, c4)
	is.NoErr(s.MoveChannel(t.Context(), org.ID, to.ID, c2.ID)) // move between groups
	checkGroupState(t, s, org.ID, from.ID, c1, c3)             // it left its old group
	checkGroupState(t, s, org.ID, to.ID, c4, c2)               // and is at the end of the new one
}

func testMoveSameGroup(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	c1, c2, c3 := mustChannel(t, s, org.ID), mustChannel(t, s, org.ID), mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, g.ID, c1, c2, c3)
	before := mustGetGroup(t, s, org.ID, g.ID)
	is.NoErr(s.MoveChannel(t.Context(), org.ID, g.ID, c1.ID)) // moving to its own group succeeds
	checkGroupState(t, s, org.ID, g.ID, c1, c2, c3)           // and changes nothing
	is.Equal(mustGetGroup(t, s, org.ID, g.ID), before)        // not even the group
}

func testMoveFromArchived(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	from := mustGroup(t, s, org.ID, "From")
	to := mustGroup(t, s, org.ID, "To")
	ch := mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, from.ID, ch)
	mustUpdate(t, s, org.ID, from.ID, grouping.GroupUpdate{Archived: ptr(true)})
	is.NoErr(s.MoveChannel(t.Context(), org.ID, to.ID, ch.ID)) // only the target group must not be archived
	checkGroupState(t, s, org.ID, to.ID, ch)                   // moved
	checkGroupState(t, s, org.ID, from.ID)                     // and gone from the archived group
}

func testMoveArchivedTarget(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	from := mustGroup(t, s, org.ID, "From")
	to := mustArchivedGroup(t, s, org.ID, "To")
	in, loose := mustChannel(t, s, org.ID), mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, from.ID, in)
	wantCode(t, s.MoveChannel(t.Context(), org.ID, to.ID, in.ID), grouping.Conflict)    // archived target
	wantCode(t, s.MoveChannel(t.Context(), org.ID, to.ID, loose.ID), grouping.Conflict) // archived target, from no group
	checkGroupState(t, s, org.ID, from.ID, in)                                          // still in its old group
	checkGroupState(t, s, org.ID, to.ID)                                                // nothing moved in
	is.True(mustGetChannel(t, s, org.ID, loose.ID).GroupID == nil)                      // still ungrouped
}

func testMoveDeleted(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	from := mustGroup(t, s, org.ID, "From")
	gone := mustGroup(t, s, org.ID, "Gone")
	ch, deleted := mustChannel(t, s, org.ID), mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, from.ID, ch, deleted)
	mustDeleteChannel(t, s, org.ID, deleted.ID)
	is.NoErr(s.DeleteGroup(t.Context(), org.ID, gone.ID, 0))                                // delete group
	wantCode(t, s.MoveChannel(t.Context(), org.ID, gone.ID, ch.ID), grouping.NotFound)      // deleted target group
	wantCode(t, s.MoveChannel(t.Context(), org.ID, from.ID, deleted.ID), grouping.NotFound) // deleted channel
	checkGroupState(t, s, org.ID, from.ID, ch)                                              // unchanged
}

func testMoveUnknown(t *testing.T, s grouping.Store) {
	org, other := mustOrg(t, s), mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	ch := mustChannel(t, s, org.ID)
	foreign := mustChannel(t, s, other.ID)
	wantCode(t, s.MoveChannel(t.Context(), org.ID, g.ID, uuid.New()), grouping.NotFound)  // unknown channel
	wantCode(t, s.MoveChannel(t.Context(), org.ID, g.ID, foreign.ID), grouping.NotFound)  // channel of another organisation
	wantCode(t, s.MoveChannel(t.Context(), org.ID, uuid.New(), ch.ID), grouping.NotFound) // unknown group
	wantCode(t, s.MoveChannel(t.Context(), uuid.New(), g.ID, ch.ID), grouping.NotFound)   // unknown organisation
	checkGroupState(t, s, org.ID, g.ID)                                                   // nothing moved
}

func testReorderChannels(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	c1 := mustChannel(t, s, org.ID)
	c2 := mustChannel(t, s, org.ID, archived())
	c3 := mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, g.ID, c1, c2, c3)
	is.NoErr(s.ReorderGroupChannels(t.Context(), org.ID, g.ID, []uuid.UUID{c3.ID, c2.ID, c1.ID})) // reorder, archived channel included
	checkGroupState(t, s, org.ID, g.ID, c3, c2, c1)                                               // new order
	is.Equal(channelIDs(groupChannels(t, s, org.ID, g.ID, false)), ids(c3, c1))                   // archived one hidden, order kept
	c4 := mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, g.ID, c4)
	checkGroupState(t, s, org.ID, g.ID, c3, c2, c1, c4) // a channel assigned later goes to the end

	mustUpdate(t, s, org.ID, g.ID, grouping.GroupUpdate{Archived: ptr(true)})
	is.NoErr(s.ReorderGroupChannels(t.Context(), org.ID, g.ID, []uuid.UUID{c4.ID, c3.ID, c2.ID, c1.ID})) // an archived group can be reordered
	checkGroupState(t, s, org.ID, g.ID, c4, c3, c2, c1)                                                  // new order
}

func testReorderChannelsEmpty(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	is.NoErr(s.ReorderGroupChannels(t.Context(), org.ID, g.ID, nil)) // an empty group's complete order is empty
}

func testReorderChannelsInvalid(t *testing.T, s grouping.Store) {
	org, other := mustOrg(t, s), mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	sibling := mustGroup(t, s, org.ID, "Support")
	c1 := mustChannel(t, s, org.ID)
	c2 := mustChannel(t, s, org.ID, archived())
	c3 := mustChannel(t, s, org.ID)
	loose := mustChannel(t, s, org.ID)
	elsewhere := mustChannel(t, s, org.ID)
	deleted := mustChannel(t, s, org.ID)
	foreign := mustChannel(t, s, other.ID)
	mustAssign(t, s, org.ID, g.ID, c1, c2, c3, deleted)
	mustAssign(t, s, org.ID, sibling.ID, elsewhere)
	mustDeleteChannel(t, s, org.ID, deleted.ID)
	cases := []struct {
		name  string
		order []uuid.UUID
	}{
		{"Nil", nil},
		{"MissingArchived", []uuid.UUID{c3.ID, c1.ID}},
		{"Duplicate", []uuid.UUID{c3.ID, c2.ID, c1.ID, c3.ID}},
		{"DuplicateInsteadOfMissing", []uuid.UUID{c3.ID, c1.ID, c1.ID}},
		{"Ungrouped", []uuid.UUID{c3.ID, c2.ID, c1.ID, loose.ID}},
		{"OtherGroup", []uuid.UUID{c3.ID, c2.ID, c1.ID, elsewhere.ID}},
		{"OtherOrganisation", []uuid.UUID{c3.ID, c2.ID, c1.ID, foreign.ID}},
		{"Deleted", []uuid.UUID{c3.ID, c2.ID, c1.ID, deleted.ID}},
		{"Unknown", []uuid.UUID{c3.ID, c2.ID, c1.ID, uuid.New()}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, s.ReorderGroupChannels(t.Context(), org.ID, g.ID, tc.order), grouping.Invalid) // not every channel exactly once
			checkGroupState(t, s, org.ID, g.ID, c1, c2, c3)                                            // order unchanged
			checkGroupState(t, s, org.ID, sibling.ID, elsewhere)                                       // other group untouched
		})
	}
}

func testReorderChannelsUnknown(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	ch := mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, g.ID, ch)
	wantCode(t, s.ReorderGroupChannels(t.Context(), org.ID, uuid.New(), []uuid.UUID{ch.ID}), grouping.NotFound) // unknown group
	wantCode(t, s.ReorderGroupChannels(t.Context(), uuid.New(), g.ID, []uuid.UUID{ch.ID}), grouping.NotFound)   // unknown organisation
}

func testGroupChannelsOrder(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	// Creation order is the reverse of group order, so that the list can
	// only be right by following the group.
	c3 := mustChannel(t, s, org.ID, createdAt(at(0)))
	c2 := mustChannel(t, s, org.ID, createdAt(at(1)))
	c1 := mustChannel(t, s, org.ID, createdAt(at(2)))
	mustAssign(t, s, org.ID, g.ID, c1, c2, c3)
	is.Equal(channelIDs(groupChannels(t, s, org.ID, g.ID, false)), ids(c1, c2, c3)) // group order
}

func testGroupChannelsArchived(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	c1 := mustChannel(t, s, org.ID)
	c2 := mustChannel(t, s, org.ID, archived())
	c3 := mustChannel(t, s, org.ID)
	c4 := mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, g.ID, c1, c2, c3, c4)
	mustDeleteChannel(t, s, org.ID, c3.ID)
	is.Equal(channelIDs(groupChannels(t, s, org.ID, g.ID, false)), ids(c1, c4))    // archived and deleted hidden
	is.Equal(channelIDs(groupChannels(t, s, org.ID, g.ID, true)), ids(c1, c2, c4)) // archived on request, deleted never

	// Archiving through an upsert hides the channel without ungrouping it.
	_, err := s.UpsertChannel(t.Context(), grouping.ChannelUpsert{ID: c1.ID, OrganisationID: org.ID, Name: c1.Name, OwnerID: c1.OwnerID, Archived: true})
	is.NoErr(err)                                                                  // archive channel
	is.Equal(channelIDs(groupChannels(t, s, org.ID, g.ID, false)), ids(c4))        // hidden
	is.Equal(channelIDs(groupChannels(t, s, org.ID, g.ID, true)), ids(c1, c2, c4)) // still in the group, in place
}

func testGroupChannelsFields(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	u1, u2 := uuid.New(), uuid.New()
	ch := mustChannel(t, s, org.ID, members(u1, u2), createdAt(at(0)))
	mustAssign(t, s, org.ID, g.ID, ch)
	full := mustGetChannel(t, s, org.ID, ch.ID)
	got := groupChannels(t, s, org.ID, g.ID, false)
	is.Equal(len(got), 1) // one channel
	want := full
	want.Users = nil
	is.Equal(got[0], want) // the list shows the channel as GetChannel does, without Users
}

func testGroupChannelsEmpty(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	p, err := s.ListGroupChannels(t.Context(), org.ID, g.ID, grouping.ListChannelsOptions{})
	is.NoErr(err)              // list channels
	is.True(p.Items != nil)    // an empty list is not nil
	is.Equal(len(p.Items), 0)  // and empty
	is.Equal(p.NextCursor, "") // and the last page
}

func testGroupChannelsUnknown(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	_, err := s.ListGroupChannels(t.Context(), org.ID, uuid.New(), grouping.ListChannelsOptions{})
	wantCode(t, err, grouping.NotFound) // unknown group
	_, err = s.ListGroupChannels(t.Context(), uuid.New(), g.ID, grouping.ListChannelsOptions{})
	wantCode(t, err, grouping.NotFound) // unknown organisation
}

func testUngroupedOrder(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	// Created out of order, with ties in creation time that the ID breaks.
	var chs []grouping.Channel
	for _, ms := range []int{5, 1, 3, 1, 1, 0, 5, 3, 9, -2} {
		chs = append(chs, mustChannel(t, s, org.ID, createdAt(at(ms))))
	}
	got := ungrouped(t, s, org.ID, false)
	is.Equal(channelIDs(got), byCreation(chs...)) // by creation time, then ID
	for _, ch := range got {
		is.True(ch.GroupID == nil) // ungrouped
		is.True(ch.Users == nil)   // Users is nil in lists
	}
}

func testUngroupedFilters(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org, other := mustOrg(t, s), mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	plain := mustChannel(t, s, org.ID, createdAt(at(0)))
	arch := mustChannel(t, s, org.ID, createdAt(at(1)), archived())
	grouped := mustChannel(t, s, org.ID, createdAt(at(2)))
	groupedArch := mustChannel(t, s, org.ID, createdAt(at(3)), archived())
	deleted := mustChannel(t, s, org.ID, createdAt(at(4)))
	removed := mustChannel(t, s, org.ID, createdAt(at(5)))
	mustChannel(t, s, other.ID, createdAt(at(0)))
	mustAssign(t, s, org.ID, g.ID, grouped, groupedArch, removed)
	is.NoErr(s.RemoveChannel(t.Context(), org.ID, g.ID, removed.ID)) // remove from group
	mustDeleteChannel(t, s, org.ID, deleted.ID)

	is.Equal(channelIDs(ungrouped(t, s, org.ID, false)), ids(plain, removed))      // not grouped, archived or deleted
	is.Equal(channelIDs(ungrouped(t, s, org.ID, true)), ids(plain, arch, removed)) // archived on request
}

func testUngroupedEmpty(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	p, err := s.ListUngroupedChannels(t.Context(), org.ID, grouping.ListChannelsOptions{IncludeArchived: true})
	is.NoErr(err)              // list ungrouped
	is.True(p.Items != nil)    // an empty list is not nil
	is.Equal(len(p.Items), 0)  // and empty
	is.Equal(p.NextCursor, "") // and the last page
}

func testUngroupedUnknown(t *testing.T, s grouping.Store) {
	_, err := s.ListUngroupedChannels(t.Context(), uuid.New(), grouping.ListChannelsOptions{})
	wantCode(t, err, grouping.NotFound) // unknown organisation
}

func testDiscoverable(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org, other := mustOrg(t, s), mustOrg(t, s)
	user, someone := uuid.New(), uuid.New()
	g := mustGroup(t, s, org.ID, "Sales")
	joined := mustChannel(t, s, org.ID, createdAt(at(0)), members(user, someone))
	open := mustChannel(t, s, org.ID, createdAt(at(1)), members(someone))
	arch := mustChannel(t, s, org.ID, createdAt(at(2)), archived())
	archJoined := mustChannel(t, s, org.ID, createdAt(at(3)), archived(), members(user))
	deleted := mustChannel(t, s, org.ID, createdAt(at(4)))
	grouped := mustChannel(t, s, org.ID, createdAt(at(5)))
	empty := mustChannel(t, s, org.ID, createdAt(at(6)))
	mustChannel(t, s, other.ID, createdAt(at(0))) // another organisation's channel
	mustAssign(t, s, org.ID, g.ID, grouped)
	mustDeleteChannel(t, s, org.ID, deleted.ID)

	is.Equal(channelIDs(discoverable(t, s, org.ID, user, false)), ids(open, grouped, empty))                                // not a member, not archived, not deleted; grouped or not
	is.Equal(channelIDs(discoverable(t, s, org.ID, user, true)), ids(open, arch, grouped, empty))                           // archived on request
	is.Equal(channelIDs(discoverable(t, s, org.ID, someone, false)), ids(grouped, empty))                                   // depends on the calling user
	is.Equal(channelIDs(discoverable(t, s, org.ID, uuid.New(), true)), ids(joined, open, arch, archJoined, grouped, empty)) // a stranger sees every live channel
	for _, ch := range discoverable(t, s, org.ID, user, true) {
		is.True(ch.Users == nil) // Users is nil in lists
	}
}

func testDiscoverableOrder(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	user := uuid.New()
	var open []grouping.Channel
	for i, ms := range []int{4, 2, 2, 7, 0, 2, 4, -1} {
		if i%3 == 0 {
			mustChannel(t, s, org.ID, createdAt(at(ms)), members(user))
			continue
		}
		open = append(open, mustChannel(t, s, org.ID, createdAt(at(ms))))
	}
	is.Equal(channelIDs(discoverable(t, s, org.ID, user, false)), byCreation(open...)) // by creation time, then ID
}

func testDiscoverableMembership(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	user := uuid.New()
	ch := mustChannel(t, s, org.ID)
	is.Equal(channelIDs(discoverable(t, s, org.ID, user, false)), ids(ch)) // not a member yet
	is.NoErr(s.AddChannelMember(t.Context(), org.ID, ch.ID, user))         // join
	is.Equal(channelIDs(discoverable(t, s, org.ID, user, false)), ids())   // a member does not discover it
	is.NoErr(s.RemoveChannelMember(t.Context(), org.ID, ch.ID, user))      // leave
	is.Equal(channelIDs(discoverable(t, s, org.ID, user, false)), ids(ch)) // discoverable again
	_, err := s.UpsertChannel(t.Context(), grouping.ChannelUpsert{ID: ch.ID, OrganisationID: org.ID, Name: ch.Name, OwnerID: ch.OwnerID, Users: []uuid.UUID{user}})
	is.NoErr(err)                                                        // membership replaced by an upsert
	is.Equal(channelIDs(discoverable(t, s, org.ID, user, false)), ids()) // member again
}

func testDiscoverableEmpty(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	p, err := s.ListDiscoverableChannels(t.Context(), org.ID, uuid.New(), grouping.ListChannelsOptions{})
	is.NoErr(err)              // list discoverable
	is.True(p.Items != nil)    // an empty list is not nil
	is.Equal(len(p.Items), 0)  // and empty
	is.Equal(p.NextCursor, "") // and the last page
}

func testDiscoverableUnknown(t *testing.T, s grouping.Store) {
	_, err := s.ListDiscoverableChannels(t.Context(), uuid.New(), uuid.New(), grouping.ListChannelsOptions{})
	wantCode(t, err, grouping.NotFound) // unknown organisation
}
