package storetest

import (
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// groupTests cover creating, listing, reading, updating, deleting and
// ordering groups.
func groupTests() tree {
	return branch("Groups",
		branch("Create",
			leaf("TrimsNameAndAppends", testCreateGroup),
			leaf("DuplicateNameIsConflict", testCreateDuplicateName),
			leaf("DistinctNamesDoNotCollide", testCreateDistinctNames),
			leaf("ArchivedGroupKeepsName", testCreateArchivedName),
			leaf("DeletedGroupNameReusable", testCreateDeletedName),
			leaf("SameNameInOtherOrganisation", testCreateOtherOrganisation),
			leaf("UnknownOrganisationIsNotFound", testCreateUnknownOrganisation),
		),
		branch("List",
			leaf("Order", testListGroupsOrder),
			leaf("ArchivedFilter", testListGroupsArchived),
			leaf("IncludeChannels", testListGroupsIncludeChannels),
			leaf("ExcludesDeleted", testListGroupsDeleted),
			leaf("EmptyIsNotNil", testListGroupsEmpty),
			leaf("UnknownOrganisationIsNotFound", testListGroupsUnknownOrganisation),
		),
		branch("Get",
			leaf("ReturnsCreated", testGetGroup),
			leaf("IncludeChannels", testGetGroupIncludeChannels),
			leaf("DeletedIsNotFound", testGetGroupDeleted),
			leaf("UnknownIsNotFound", testGetGroupUnknown),
		),
		branch("Update",
			leaf("PartialFields", testUpdatePartial),
			leaf("RenameToTakenNameIsConflict", testUpdateTakenName),
			leaf("RenameToLookAlikeNameIsConflict", testUpdateLookAlikeName),
			leaf("RenameToOwnNameInOtherCase", testUpdateOwnName),
			leaf("BumpsVersionAndUpdatedAt", testUpdateVersion),
			leaf("CurrentIfVersionSucceeds", testUpdateCurrentVersion),
			leaf("StaleIfVersionIsPreconditionFailed", testUpdateStaleVersion),
			leaf("EmptyUpdateIsInvalid", testUpdateEmpty),
			leaf("DeletedIsNotFound", testUpdateDeleted),
			leaf("UnknownIsNotFound", testUpdateUnknown),
		),
		branch("Delete",
			leaf("SoftDeleteUngroupsChannels", testDeleteGroup),
			leaf("DeletedGroupIsGone", testDeleteGroupGone),
			leaf("StaleIfVersionIsPreconditionFailed", testDeleteGroupStaleVersion),
			leaf("CurrentIfVersionSucceeds", testDeleteGroupCurrentVersion),
			leaf("UnknownIsNotFound", testDeleteGroupUnknown),
		),
		branch("Reorder",
			leaf("Permutation", testReorderGroups),
			leaf("CreateAfterReorderAppends", testReorderThenCreate),
			leaf("WithoutDeletedGroups", testReorderWithoutDeleted),
			leaf("EmptyOrganisation", testReorderEmpty),
			leaf("InvalidListsChangeNothing", testReorderInvalid),
			leaf("UnknownOrganisationIsNotFound", testReorderUnknownOrganisation),
		),
	)
}

func testCreateGroup(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g, err := s.CreateGroup(t.Context(), org.ID, grouping.NewGroup{Name: "\u00a0 Sales \u3000", Description: "Deals and leads"})
	is.NoErr(err)                              // create group
	is.True(g.ID != uuid.Nil)                  // ID assigned
	is.Equal(g.Name, "Sales")                  // surrounding white space trimmed
	is.Equal(g.Description, "Deals and leads") // description kept
	is.Equal(g.OrganisationID, org.ID)         // organisation
	is.True(g.Channels == nil)                 // channels are not included
	is.Equal(g.Archived, false)                // not archived
	is.True(g.DeletedAt == nil)                // not deleted
	is.True(!g.UpdatedAt.Before(g.CreatedAt))  // updated no earlier than created
	checkGroupTimes(t, g)

	g2 := mustGroup(t, s, org.ID, "Support")
	g3 := mustGroup(t, s, org.ID, "Engineering")
	is.True(g.Position < g2.Position && g2.Position < g3.Position)                                              // each group goes to the end of the order
	is.Equal(groupIDs(listGroups(t, s, org.ID, grouping.ListGroupsOptions{})), []uuid.UUID{g.ID, g2.ID, g3.ID}) // listed in creation order
}

// lookAlikeNames are pairs of names that look the same, so that each takes
// the other's place: they differ only in case, in how an accent is encoded,
// or in compatibility forms (full-width letters, ligatures).
var lookAlikeNames = []struct{ name, first, second string }{
	{"SharpS", "Straße", "STRASSE"},
	{"ComposedAccent", "\u00e9cole", "e\u0301cole"},
	{"FullWidth", "Ｆｕｌｌ２", "Full2"},
	{"Ligature", "ﬃx", "FFIX"},
}

func testCreateDuplicateName(t *testing.T, s grouping.Store) {
	cases := []struct{ name, first, second string }{
		{"SameName", "Sales", "Sales"},
		{"OtherCase", "Sales", "sALES"},
		{"SurroundingSpace", "Sales", "  SALES\u3000"},
		{"Unicode", "Ünïcode", "üNÏCODE"},
		{"Greek", "Σίσυφος", "ΣΊΣΥΦΟΣ"},
		{"KelvinSign", "\u212Aelvin", "kelvin"},
		{"SpaceInside", "Sales team", "SALES TEAM"},
	}
	cases = append(cases, lookAlikeNames...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			org := mustOrg(t, s)
			first := mustGroup(t, s, org.ID, tc.first)
			_, err := s.CreateGroup(t.Context(), org.ID, grouping.NewGroup{Name: tc.second})
			wantCode(t, err, grouping.Conflict)                                                               // names that look the same are the same
			is.Equal(groupIDs(listGroups(t, s, org.ID, grouping.ListGroupsOptions{})), []uuid.UUID{first.ID}) // nothing was created
		})
	}
}

func testCreateDistinctNames(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	// Letters that differ in more than case or encoding stay distinct, and
	// so does space inside a name.
	names := []string{"Sales", "Sales 2", "Salés", "Sale", "Sa les", "Straße", "Strase", "ﬀ", "f", "Full 2"}
	for _, name := range names {
		_, err := s.CreateGroup(t.Context(), org.ID, grouping.NewGroup{Name: name})
		is.NoErr(err) // names that look different do not collide
	}
	is.Equal(len(listGroups(t, s, org.ID, grouping.ListGroupsOptions{})), len(names)) // all created
}

func testCreateArchivedName(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	mustArchivedGroup(t, s, org.ID, "Old")
	_, err := s.CreateGroup(t.Context(), org.ID, grouping.NewGroup{Name: "old"})
	wantCode(t, err, grouping.Conflict) // an archived group still holds its name
}

func testCreateDeletedName(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Temp")
	is.NoErr(s.DeleteGroup(t.Context(), org.ID, g.ID, 0)) // delete group
	again, err := s.CreateGroup(t.Context(), org.ID, grouping.NewGroup{Name: "TEMP"})
	is.NoErr(err)                // a deleted group's name is free again
	is.True(again.ID != g.ID)    // a new group
	is.Equal(again.Name, "TEMP") // with the new spelling
	_, err = s.CreateGroup(t.Context(), org.ID, grouping.NewGroup{Name: "temp"})
	wantCode(t, err, grouping.Conflict) // but the new group holds it
}

func testCreateOtherOrganisation(t *testing.T, s grouping.Store) {
	is := is.New(t)
	a, b := mustOrg(t, s), mustOrg(t, s)
	mustGroup(t, s, a.ID, "Sales")
	_, err := s.CreateGroup(t.Context(), b.ID, grouping.NewGroup{Name: "Sales"})
	is.NoErr(err) // names are unique per organisation only
}

func testCreateUnknownOrganisation(t *testing.T, s grouping.Store) {
	_, err := s.CreateGroup(t.Context(), uuid.New(), grouping.NewGroup{Name: "Sales"})
	wantCode(t, err, grouping.NotFound) // unknown organisation
}

func testListGroupsOrder(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	var created []grouping.Group
	for _, name := range []string{"b", "a", "d", "c"} {
		created = append(created, mustGroup(t, s, org.ID, name))
	}
	got := listGroups(t, s, org.ID, grouping.ListGroupsOptions{})
	is.Equal(groupIDs(got), groupIDs(created)) // creation order, not name order
	for i, g := range got {
		is.Equal(g, created[i])    // listed as created
		is.True(g.Channels == nil) // channels not included unless asked
		checkGroupTimes(t, g)
	}

	order := []uuid.UUID{created[2].ID, created[0].ID, created[3].ID, created[1].ID}
	is.NoErr(s.ReorderGroups(t.Context(), org.ID, order)) // reorder
	got = listGroups(t, s, org.ID, grouping.ListGroupsOptions{})
	is.Equal(groupIDs(got), order) // position order
	for i := 1; i < len(got); i++ {
		is.True(got[i-1].Position < got[i].Position) // positions follow the order
	}
}

func testListGroupsArchived(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	a := mustGroup(t, s, org.ID, "a")
	b := mustArchivedGroup(t, s, org.ID, "b")
	c := mustGroup(t, s, org.ID, "c")
	d := mustArchivedGroup(t, s, org.ID, "d")
	is.Equal(groupIDs(listGroups(t, s, org.ID, grouping.ListGroupsOptions{})), []uuid.UUID{a.ID, b.ID, c.ID, d.ID})         // no filter: all
	is.Equal(groupIDs(listGroups(t, s, org.ID, grouping.ListGroupsOptions{Archived: ptr(true)})), []uuid.UUID{b.ID, d.ID})  // archived only
	is.Equal(groupIDs(listGroups(t, s, org.ID, grouping.ListGroupsOptions{Archived: ptr(false)})), []uuid.UUID{a.ID, c.ID}) // active only
	mustUpdate(t, s, org.ID, b.ID, grouping.GroupUpdate{Archived: ptr(false)})
	is.Equal(groupIDs(listGroups(t, s, org.ID, grouping.ListGroupsOptions{Archived: ptr(false)})), []uuid.UUID{a.ID, b.ID, c.ID}) // unarchived keeps its place
}

func testListGroupsIncludeChannels(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g1 := mustGroup(t, s, org.ID, "one")
	empty := mustGroup(t, s, org.ID, "empty")
	g2 := mustGroup(t, s, org.ID, "two")
	c1, c2, c3 := mustChannel(t, s, org.ID), mustChannel(t, s, org.ID), mustChannel(t, s, org.ID)
	hidden := mustChannel(t, s, org.ID, archived())
	gone := mustChannel(t, s, org.ID)
	c4 := mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, g1.ID, c3, hidden, c1, gone)
	mustAssign(t, s, org.ID, g2.ID, c4, c2)
	mustDeleteChannel(t, s, org.ID, gone.ID)
	mustChannel(t, s, org.ID) // ungrouped, belongs to no group

	got := listGroups(t, s, org.ID, grouping.ListGroupsOptions{IncludeChannels: true})
	is.Equal(groupIDs(got), []uuid.UUID{g1.ID, empty.ID, g2.ID}) // groups in order
	is.Equal(channelIDs(got[0].Channels), ids(c3, c1))           // group order, without archived and deleted channels
	is.True(got[1].Channels != nil)                              // an empty group has an empty, non-nil list
	is.Equal(len(got[1].Channels), 0)                            // and nothing in it
	is.Equal(channelIDs(got[2].Channels), ids(c4, c2))           // group order
	for _, g := range got {
		for _, ch := range g.Channels {
			is.True(ch.GroupID != nil && *ch.GroupID == g.ID) // each channel names its group
			is.True(ch.Users == nil)                          // Users is nil in lists
		}
	}

	plain := listGroups(t, s, org.ID, grouping.ListGroupsOptions{})
	for _, g := range plain {
		is.True(g.Channels == nil) // nil unless asked for
	}
}

func testListGroupsDeleted(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	a := mustGroup(t, s, org.ID, "a")
	b := mustGroup(t, s, org.ID, "b")
	c := mustArchivedGroup(t, s, org.ID, "c")
	is.NoErr(s.DeleteGroup(t.Context(), org.ID, b.ID, 0))                                         // delete group
	is.NoErr(s.DeleteGroup(t.Context(), org.ID, c.ID, 0))                                         // delete archived group
	is.Equal(groupIDs(listGroups(t, s, org.ID, grouping.ListGroupsOptions{})), []uuid.UUID{a.ID}) // deleted groups are not listed
	is.Equal(len(listGroups(t, s, org.ID, grouping.ListGroupsOptions{Archived: ptr(true)})), 0)   // not even as archived
}

func testListGroupsEmpty(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	p, err := s.ListGroups(t.Context(), org.ID, grouping.ListGroupsOptions{IncludeChannels: true})
	is.NoErr(err)              // list groups
	is.True(p.Items != nil)    // an empty list is not nil
	is.Equal(len(p.Items), 0)  // and empty
	is.Equal(p.NextCursor, "") // and the last page
}

func testListGroupsUnknownOrganisation(t *testing.T, s grouping.Store) {
	_, err := s.ListGroups(t.Context(), uuid.New(), grouping.ListGroupsOptions{})
	wantCode(t, err, grouping.NotFound) // unknown organisation
}

func testGetGroup(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	created, err := s.CreateGroup(t.Context(), org.ID, grouping.NewGroup{Name: "Sales", Description: "d"})
	is.NoErr(err) // create group
	got := mustGetGroup(t, s, org.ID, created.ID)
	is.Equal(got, created)       // get returns the group as created
	is.True(got.Channels == nil) // channels not included unless asked
}

func testGetGroupIncludeChannels(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	empty, err := s.GetGroup(t.Context(), org.ID, g.ID, grouping.GetGroupOptions{IncludeChannels: true})
	is.NoErr(err)                    // get empty group
	is.True(empty.Channels != nil)   // an empty group has an empty, non-nil list
	is.Equal(len(empty.Channels), 0) // and nothing in it

	c1, c2 := mustChannel(t, s, org.ID), mustChannel(t, s, org.ID)
	hidden := mustChannel(t, s, org.ID, archived())
	mustAssign(t, s, org.ID, g.ID, c2, hidden, c1)
	got, err := s.GetGroup(t.Context(), org.ID, g.ID, grouping.GetGroupOptions{IncludeChannels: true})
	is.NoErr(err)                                   // get group with channels
	is.Equal(channelIDs(got.Channels), ids(c2, c1)) // group order, archived left out
	for _, ch := range got.Channels {
		is.True(ch.Users == nil) // Users is nil in lists
	}
}

func testGetGroupDeleted(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	is.NoErr(s.DeleteGroup(t.Context(), org.ID, g.ID, 0)) // delete group
	_, err := s.GetGroup(t.Context(), org.ID, g.ID, grouping.GetGroupOptions{})
	wantCode(t, err, grouping.NotFound) // a deleted group is not found
	_, err = s.GetGroup(t.Context(), org.ID, g.ID, grouping.GetGroupOptions{IncludeChannels: true})
	wantCode(t, err, grouping.NotFound) // with or without its channels
}

func testGetGroupUnknown(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	_, err := s.GetGroup(t.Context(), org.ID, uuid.New(), grouping.GetGroupOptions{})
	wantCode(t, err, grouping.NotFound) // unknown group
	_, err = s.GetGroup(t.Context(), uuid.New(), g.ID, grouping.GetGroupOptions{})
	wantCode(t, err, grouping.NotFound) // unknown organisation
}

func testUpdatePartial(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g, err := s.CreateGroup(t.Context(), org.ID, grouping.NewGroup{Name: "Sales", Description: "old"})
	is.NoErr(err) // create group

	g1 := mustUpdate(t, s, org.ID, g.ID, grouping.GroupUpdate{Description: ptr("new")})
	is.Equal(g1.Description, "new") // description changed
	is.Equal(g1.Name, "Sales")      // name unchanged
	is.Equal(g1.Archived, false)    // archived unchanged

	g2 := mustUpdate(t, s, org.ID, g.ID, grouping.GroupUpdate{Archived: ptr(true)})
	is.Equal(g2.Archived, true)     // archived changed
	is.Equal(g2.Name, "Sales")      // name unchanged
	is.Equal(g2.Description, "new") // description unchanged

	g3 := mustUpdate(t, s, org.ID, g.ID, grouping.GroupUpdate{Name: ptr("  Revenue  ")})
	is.Equal(g3.Name, "Revenue")    // name changed and trimmed
	is.Equal(g3.Description, "new") // description unchanged
	is.Equal(g3.Archived, true)     // archived unchanged

	g4 := mustUpdate(t, s, org.ID, g.ID, grouping.GroupUpdate{Description: ptr("")})
	is.Equal(g4.Description, "") // description can be cleared

	is.Equal(g4.ID, g.ID)                          // same group
	is.Equal(g4.Position, g.Position)              // position unchanged
	is.True(g4.CreatedAt.Equal(g.CreatedAt))       // creation time unchanged
	is.Equal(mustGetGroup(t, s, org.ID, g.ID), g4) // update returns the group as stored
}

func testUpdateTakenName(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	mustGroup(t, s, org.ID, "Sales")
	g := mustGroup(t, s, org.ID, "Support")
	_, err := s.UpdateGroup(t.Context(), org.ID, g.ID, grouping.GroupUpdate{Name: ptr(" SALES "), Description: ptr("changed")})
	wantCode(t, err, grouping.Conflict)           // rename to a taken name
	is.Equal(mustGetGroup(t, s, org.ID, g.ID), g) // nothing changed, not even the description
}

func testUpdateOwnName(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	got := mustUpdate(t, s, org.ID, g.ID, grouping.GroupUpdate{Name: ptr("SALES")})
	is.Equal(got.Name, "SALES") // renaming to its own name in another case is allowed
	got = mustUpdate(t, s, org.ID, g.ID, grouping.GroupUpdate{Name: ptr("SALES")})
	is.Equal(got.Name, "SALES") // and so is renaming to its own name
}

func testUpdateLookAlikeName(t *testing.T, s grouping.Store) {
	for _, tc := range lookAlikeNames {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			org := mustOrg(t, s)
			taken := mustGroup(t, s, org.ID, tc.second)
			g := mustGroup(t, s, org.ID, "Other")
			_, err := s.UpdateGroup(t.Context(), org.ID, g.ID, grouping.GroupUpdate{Name: &tc.first})
			wantCode(t, err, grouping.Conflict)           // renaming to a look-alike of a taken name
			is.Equal(mustGetGroup(t, s, org.ID, g.ID), g) // changed nothing
			renamed := mustUpdate(t, s, org.ID, taken.ID, grouping.GroupUpdate{Name: &tc.first})
			is.Equal(renamed.Name, tc.first) // a group may take a look-alike of its own name
		})
	}
}

func testUpdateVersion(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	prev := g
	for _, u := range []grouping.GroupUpdate{
		{Description: ptr("one")},
		{Archived: ptr(true)},
		{Name: ptr("Revenue")},
		{Description: ptr("one")}, // an update that changes no value still counts
	} {
		// A group created just before the update shows where the store's
		// clock stands; the update cannot be older.
		time.Sleep(2 * time.Millisecond)
		probe := mustGroup(t, s, org.ID, "Probe "+uuid.NewString())
		got := mustUpdate(t, s, org.ID, g.ID, u)
		is.True(got.Version > prev.Version)             // every update bumps the version
		is.True(!got.UpdatedAt.Before(prev.UpdatedAt))  // updated_at never goes back
		is.True(!got.UpdatedAt.Before(probe.CreatedAt)) // updated_at is the time of the update
		is.True(got.CreatedAt.Equal(g.CreatedAt))       // created_at unchanged
		checkGroupTimes(t, got)
		prev = got
	}
}

func testUpdateCurrentVersion(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	got := mustUpdate(t, s, org.ID, g.ID, grouping.GroupUpdate{Description: ptr("x"), IfVersion: g.Version})
	is.Equal(got.Description, "x") // the current version is accepted
	got = mustUpdate(t, s, org.ID, g.ID, grouping.GroupUpdate{Description: ptr("y"), IfVersion: got.Version})
	is.Equal(got.Description, "y") // and so is the next one
}

func testUpdateStaleVersion(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	current := mustUpdate(t, s, org.ID, g.ID, grouping.GroupUpdate{Description: ptr("changed")})
	_, err := s.UpdateGroup(t.Context(), org.ID, g.ID, grouping.GroupUpdate{Name: ptr("Other"), Archived: ptr(true), IfVersion: g.Version})
	wantCode(t, err, grouping.PreconditionFailed)       // the group changed since version g.Version
	is.Equal(mustGetGroup(t, s, org.ID, g.ID), current) // nothing changed
	_, err = s.UpdateGroup(t.Context(), org.ID, g.ID, grouping.GroupUpdate{Name: ptr("Other"), IfVersion: current.Version + 1000})
	wantCode(t, err, grouping.PreconditionFailed)       // a version from the future is stale too
	is.Equal(mustGetGroup(t, s, org.ID, g.ID), current) // nothing changed
	_, err = s.CreateGroup(t.Context(), org.ID, grouping.NewGroup{Name: "Other"})
	is.NoErr(err) // the failed rename did not take the name
}

func testUpdateEmpty(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	_, err := s.UpdateGroup(t.Context(), org.ID, g.ID, grouping.GroupUpdate{})
	wantCode(t, err, grouping.Invalid) // an update must set a field
	_, err = s.UpdateGroup(t.Context(), org.ID, g.ID, grouping.GroupUpdate{IfVersion: g.Version})
	wantCode(t, err, grouping.Invalid)            // a version alone is no update
	is.Equal(mustGetGroup(t, s, org.ID, g.ID), g) // nothing changed
}

func testUpdateDeleted(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	is.NoErr(s.DeleteGroup(t.Context(), org.ID, g.ID, 0)) // delete group
	_, err := s.UpdateGroup(t.Context(), org.ID, g.ID, grouping.GroupUpdate{Description: ptr("x")})
	wantCode(t, err, grouping.NotFound) // a deleted group cannot be updated
	_, err = s.UpdateGroup(t.Context(), org.ID, g.ID, grouping.GroupUpdate{Description: ptr("x"), IfVersion: g.Version})
	wantCode(t, err, grouping.NotFound) // with or without a version
}

func testUpdateUnknown(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	_, err := s.UpdateGroup(t.Context(), org.ID, uuid.New(), grouping.GroupUpdate{Description: ptr("x")})
	wantCode(t, err, grouping.NotFound) // unknown group
	_, err = s.UpdateGroup(t.Context(), uuid.New(), g.ID, grouping.GroupUpdate{Description: ptr("x")})
	wantCode(t, err, grouping.NotFound) // unknown organisation
}

func testDeleteGroup(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	other := mustGroup(t, s, org.ID, "Support")
	c1 := mustChannel(t, s, org.ID, createdAt(at(2)))
	c2 := mustChannel(t, s, org.ID, createdAt(at(1)), archived())
	c3 := mustChannel(t, s, org.ID, createdAt(at(0)))
	mustAssign(t, s, org.ID, g.ID, c1, c2)
	mustAssign(t, s, org.ID, other.ID, c3)

	is.NoErr(s.DeleteGroup(t.Context(), org.ID, g.ID, 0)) // delete group
	for _, ch := range []grouping.Channel{c1, c2} {
		is.True(mustGetChannel(t, s, org.ID, ch.ID).GroupID == nil) // its channels are ungrouped
	}
	is.Equal(*mustGetChannel(t, s, org.ID, c3.ID).GroupID, other.ID)                                  // other groups keep theirs
	is.Equal(channelIDs(ungrouped(t, s, org.ID, true)), byCreation(c1, c2))                           // the channels are listed as ungrouped
	is.Equal(channelIDs(ungrouped(t, s, org.ID, false)), ids(c1))                                     // archived ones on request
	is.Equal(groupIDs(listGroups(t, s, org.ID, grouping.ListGroupsOptions{})), []uuid.UUID{other.ID}) // the group is not listed
	is.NoErr(s.AssignChannel(t.Context(), org.ID, other.ID, c1.ID))                                   // the freed channel can be grouped again
}

func testDeleteGroupGone(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	in := mustChannel(t, s, org.ID)
	free := mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, g.ID, in)
	is.NoErr(s.DeleteGroup(t.Context(), org.ID, g.ID, 0)) // delete group

	ctx := t.Context()
	_, err := s.GetGroup(ctx, org.ID, g.ID, grouping.GetGroupOptions{})
	wantCode(t, err, grouping.NotFound) // get
	_, err = s.UpdateGroup(ctx, org.ID, g.ID, grouping.GroupUpdate{Name: ptr("x")})
	wantCode(t, err, grouping.NotFound)                                            // update
	wantCode(t, s.DeleteGroup(ctx, org.ID, g.ID, 0), grouping.NotFound)            // delete again
	wantCode(t, s.DeleteGroup(ctx, org.ID, g.ID, g.Version), grouping.NotFound)    // delete again with a version
	wantCode(t, s.AssignChannel(ctx, org.ID, g.ID, free.ID), grouping.NotFound)    // assign
	wantCode(t, s.MoveChannel(ctx, org.ID, g.ID, free.ID), grouping.NotFound)      // move
	wantCode(t, s.RemoveChannel(ctx, org.ID, g.ID, in.ID), grouping.NotFound)      // remove a former channel
	wantCode(t, s.ReorderGroupChannels(ctx, org.ID, g.ID, nil), grouping.NotFound) // reorder channels
	_, err = s.ListGroupChannels(ctx, org.ID, g.ID, grouping.ListChannelsOptions{})
	wantCode(t, err, grouping.NotFound)                           // list channels
	is.True(mustGetChannel(t, s, org.ID, free.ID).GroupID == nil) // the failed calls grouped nothing
}

func testDeleteGroupStaleVersion(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	ch := mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, g.ID, ch)
	current := mustUpdate(t, s, org.ID, g.ID, grouping.GroupUpdate{Description: ptr("changed")})
	wantCode(t, s.DeleteGroup(t.Context(), org.ID, g.ID, g.Version), grouping.PreconditionFailed) // stale version
	is.Equal(mustGetGroup(t, s, org.ID, g.ID), current)                                           // the group is still there, unchanged
	is.Equal(*mustGetChannel(t, s, org.ID, ch.ID).GroupID, g.ID)                                  // and still holds its channel
}

func testDeleteGroupCurrentVersion(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	current := mustUpdate(t, s, org.ID, g.ID, grouping.GroupUpdate{Description: ptr("changed")})
	is.NoErr(s.DeleteGroup(t.Context(), org.ID, g.ID, current.Version)) // the current version is accepted
	_, err := s.GetGroup(t.Context(), org.ID, g.ID, grouping.GetGroupOptions{})
	wantCode(t, err, grouping.NotFound) // deleted
}

func testDeleteGroupUnknown(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Sales")
	wantCode(t, s.DeleteGroup(t.Context(), org.ID, uuid.New(), 0), grouping.NotFound) // unknown group
	wantCode(t, s.DeleteGroup(t.Context(), uuid.New(), g.ID, 0), grouping.NotFound)   // unknown organisation
}

func testReorderGroups(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	a := mustGroup(t, s, org.ID, "a")
	b := mustArchivedGroup(t, s, org.ID, "b")
	c := mustGroup(t, s, org.ID, "c")
	for _, order := range [][]uuid.UUID{
		{c.ID, a.ID, b.ID},
		{b.ID, c.ID, a.ID},
		{a.ID, b.ID, c.ID},
		{a.ID, b.ID, c.ID}, // the same order again
	} {
		is.NoErr(s.ReorderGroups(t.Context(), org.ID, order))                             // reorder, archived groups included
		is.Equal(groupIDs(listGroups(t, s, org.ID, grouping.ListGroupsOptions{})), order) // listed in the new order
	}
}

func testReorderThenCreate(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	a := mustGroup(t, s, org.ID, "a")
	b := mustGroup(t, s, org.ID, "b")
	c := mustGroup(t, s, org.ID, "c")
	is.NoErr(s.ReorderGroups(t.Context(), org.ID, []uuid.UUID{c.ID, b.ID, a.ID})) // reorder
	d := mustGroup(t, s, org.ID, "d")
	is.Equal(groupIDs(listGroups(t, s, org.ID, grouping.ListGroupsOptions{})), []uuid.UUID{c.ID, b.ID, a.ID, d.ID}) // a new group goes to the end
}

func testReorderWithoutDeleted(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	a := mustGroup(t, s, org.ID, "a")
	b := mustGroup(t, s, org.ID, "b")
	c := mustGroup(t, s, org.ID, "c")
	is.NoErr(s.DeleteGroup(t.Context(), org.ID, b.ID, 0))                                               // delete group
	is.NoErr(s.ReorderGroups(t.Context(), org.ID, []uuid.UUID{c.ID, a.ID}))                             // the live groups only
	is.Equal(groupIDs(listGroups(t, s, org.ID, grouping.ListGroupsOptions{})), []uuid.UUID{c.ID, a.ID}) // new order
}

func testReorderEmpty(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	is.NoErr(s.ReorderGroups(t.Context(), org.ID, nil))           // no groups: the empty order is complete
	is.NoErr(s.ReorderGroups(t.Context(), org.ID, []uuid.UUID{})) // as an empty slice too
}

func testReorderInvalid(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	other := mustOrg(t, s)
	a := mustGroup(t, s, org.ID, "a")
	b := mustGroup(t, s, org.ID, "b")
	c := mustGroup(t, s, org.ID, "c")
	deleted := mustGroup(t, s, org.ID, "deleted")
	foreign := mustGroup(t, s, other.ID, "foreign")
	if err := s.DeleteGroup(t.Context(), org.ID, deleted.ID, 0); err != nil {
		t.Fatal(err)
	}
	want := []uuid.UUID{a.ID, b.ID, c.ID}
	cases := []struct {
		name  string
		order []uuid.UUID
	}{
		{"Nil", nil},
		{"Missing", []uuid.UUID{c.ID, a.ID}},
		{"Duplicate", []uuid.UUID{c.ID, a.ID, b.ID, a.ID}},
		{"DuplicateInsteadOfMissing", []uuid.UUID{c.ID, a.ID, a.ID}},
		{"Foreign", []uuid.UUID{c.ID, a.ID, b.ID, foreign.ID}},
		{"ForeignInsteadOfMissing", []uuid.UUID{c.ID, a.ID, foreign.ID}},
		{"Deleted", []uuid.UUID{c.ID, a.ID, b.ID, deleted.ID}},
		{"Unknown", []uuid.UUID{c.ID, a.ID, b.ID, uuid.New()}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			wantCode(t, s.ReorderGroups(t.Context(), org.ID, tc.order), grouping.Invalid)                         // not every live group exactly once
			is.Equal(groupIDs(listGroups(t, s, org.ID, grouping.ListGroupsOptions{})), want)                      // order unchanged
			is.Equal(groupIDs(listGroups(t, s, other.ID, grouping.ListGroupsOptions{})), []uuid.UUID{foreign.ID}) // the other organisation is untouched
		})
	}
}

func testReorderUnknownOrganisation(t *testing.T, s grouping.Store) {
	wantCode(t, s.ReorderGroups(t.Context(), uuid.New(), nil), grouping.NotFound) // unknown organisation
}
