package drivertest

import (
	"errors"
	"slices"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// groupTests check the group primitives and the facts about groups.
func groupTests() node {
	return set("Groups",
		set("InsertGroup",
			leaf("Fields", testInsertGroupFields),
			leaf("IgnoresChannels", testInsertGroupIgnoresChannels),
			leaf("OtherOrganisation", testInsertGroupOtherOrganisation),
			leaf("NameKey", testInsertGroupNameKey),
		),
		set("UpdateGroup",
			leaf("Fields", testUpdateGroupFields),
			leaf("NameKey", testUpdateGroupNameKey),
		),
		set("MarkGroupDeleted",
			leaf("GoneFromReads", testMarkGroupDeleted),
		),
		set("SetGroupPositions",
			leaf("Reorder", testSetGroupPositions),
		),
		set("GroupState",
			leaf("Cases", testGroupState),
			leaf("MaxPosition", testGroupStateMaxPosition),
		),
		set("GroupIDs",
			leaf("Cases", testGroupIDs),
		),
	)
}

func testInsertGroupFields(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var g grouping.Group
	written(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		g = addGroup(t, tx, org, "Sales", 7, archivedGroup, groupCreated(at(3)), func(g *grouping.Group) {
			g.UpdatedAt, g.Version = at(4), 1<<40
		})
	}, func(r driver.Reader) {
		got, err := r.Group(t.Context(), org, g.ID, false)
		is.NoErr(err)                // read group
		checkGroup(t, got, g)        // every field is stored
		is.True(got.Channels == nil) // without channels, Channels is nil
	}, func(tx driver.Tx) {
		st, err := tx.GroupState(t.Context(), org, g.ID, "")
		is.NoErr(err)                     // group state
		checkGroup(t, st.Group, g)        // the state holds the group
		is.True(st.Group.Channels == nil) // without its channels
	})
}

func testInsertGroupIgnoresChannels(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var g grouping.Group
	written(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		ch := addChannel(t, tx, org)
		g = addGroup(t, tx, org, "Sales", 0, func(g *grouping.Group) {
			g.Channels = []grouping.Channel{{ID: ch.ID, OrganisationID: org}}
		})
	}, func(r driver.Reader) {
		got, err := r.Group(t.Context(), org, g.ID, true)
		is.NoErr(err)                  // read group with channels
		is.True(got != nil)            // the group is found
		is.True(got.Channels != nil)   // with channels asked for, Channels is never nil
		is.Equal(len(got.Channels), 0) // Channels given to InsertGroup places no channel
	})
}

func testInsertGroupOtherOrganisation(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org, other uuid.UUID
	var g grouping.Group
	written(t, d, func(tx driver.Tx) {
		org, other = addOrg(t, tx), addOrg(t, tx)
		g = addGroup(t, tx, org, "Sales", 0)
	}, func(r driver.Reader) {
		got, err := r.Group(t.Context(), other, g.ID, true)
		is.NoErr(err)       // read group through another organisation
		is.True(got == nil) // another organisation's group is not found
		got, err = r.Group(t.Context(), org, uuid.New(), false)
		is.NoErr(err)       // read unknown group
		is.True(got == nil) // an unknown group is not found
	}, func(tx driver.Tx) {
		st, err := tx.GroupState(t.Context(), other, g.ID, nameKey("Sales"))
		is.NoErr(err)                       // group state of another organisation
		is.True(st.OrganisationFound)       // that organisation exists
		is.True(st.Group == nil)            // but not this group in it
		is.Equal(st.NameHolder, uuid.Nil)   // nor the name
		is.Equal(st.MaxPosition, int64(-1)) // nor the position
	})
}

// nameKeyCase is a name key written while other groups hold keys.
type nameKeyCase struct {
	name  string
	key   string // the key to write; empty: the group's own
	taken bool   // whether ErrNameTaken is expected
}

func nameKeyCases() []nameKeyCase {
	return []nameKeyCase{
		{"LiveGroupsKey", nameKey("Sales"), true},
		{"DeletedGroupsKey", nameKey("Gone"), false},
		{"OtherOrganisationsKey", nameKey("Elsewhere"), false},
		{"FreeKey", nameKey("Free"), false},
	}
}

// nameKeyFixture writes, in org, a live group "Sales" and a deleted group
// "Gone", and in other a group "Elsewhere".
// It returns the live group.
func nameKeyFixture(t *testing.T, tx driver.Tx, org, other uuid.UUID) grouping.Group {
	t.Helper()
	is := is.New(t)
	is.Helper()
	sales := addGroup(t, tx, org, "Sales", 0)
	gone := addGroup(t, tx, org, "Gone", 1)
	is.NoErr(tx.MarkGroupDeleted(t.Context(), gone.ID, at(1))) // delete group
	addGroup(t, tx, other, "Elsewhere", 0)
	return sales
}

func testInsertGroupNameKey(t *testing.T, d driver.Driver) {
	var org, other uuid.UUID
	commit(t, d, func(tx driver.Tx) {
		org, other = addOrg(t, tx), addOrg(t, tx)
		nameKeyFixture(t, tx, org, other)
	})
	for _, tc := range nameKeyCases() {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			g := grouping.Group{ID: uuid.New(), Name: tc.key, OrganisationID: org, Position: 5, Version: 1, CreatedAt: epoch, UpdatedAt: epoch}
			err := d.Write(t.Context(), func(tx driver.Tx) error {
				return tx.InsertGroup(t.Context(), g, tc.key)
			})
			is.Equal(errors.Is(err, driver.ErrNameTaken), tc.taken) // ErrNameTaken exactly when a live group of the organisation holds the key
			if !tc.taken {
				is.NoErr(err) // a free key is written
			}
			got, err := d.Group(t.Context(), org, g.ID, false)
			is.NoErr(err)                   // read group
			is.Equal(got != nil, !tc.taken) // the group exists exactly when its insert succeeded
		})
	}
}

func testUpdateGroupFields(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var g grouping.Group
	commit(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		g = addGroup(t, tx, org, "Sales", 3, groupCreated(at(1)))
	})
	want := g
	want.Name, want.Description, want.Archived, want.Version, want.UpdatedAt = "Marketing", "new", true, 2, at(9)
	// Only the fields UpdateGroup documents change: position, creation
	// time and organisation stay as stored, whatever the value passes.
	in := want
	in.Position, in.CreatedAt = 99, at(500)
	written(t, d, func(tx driver.Tx) {
		is.NoErr(tx.UpdateGroup(t.Context(), in, nameKey(in.Name))) // update group
	}, func(r driver.Reader) {
		got, err := r.Group(t.Context(), org, g.ID, false)
		is.NoErr(err)            // read group
		checkGroup(t, got, want) // name, description, archived, version and UpdatedAt change; the rest stays
	}, func(tx driver.Tx) {
		st, err := tx.GroupState(t.Context(), org, uuid.Nil, nameKey("Marketing"))
		is.NoErr(err)                 // group state
		is.Equal(st.NameHolder, g.ID) // the new name key is held by the group
		st, err = tx.GroupState(t.Context(), org, uuid.Nil, nameKey("Sales"))
		is.NoErr(err)                     // group state
		is.Equal(st.NameHolder, uuid.Nil) // the old name key is free
	})
}

func testUpdateGroupNameKey(t *testing.T, d driver.Driver) {
	var org, other uuid.UUID
	var sales grouping.Group
	commit(t, d, func(tx driver.Tx) {
		org, other = addOrg(t, tx), addOrg(t, tx)
		sales = nameKeyFixture(t, tx, org, other)
	})
	cases := append(nameKeyCases(), nameKeyCase{"OwnKey", "", false})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			// Each case renames a group of its own, deleted afterwards, so
			// that a successful case does not take a key from the next.
			var g grouping.Group
			commit(t, d, func(tx driver.Tx) { g = addGroup(t, tx, org, "Case "+tc.name, 2) })
			defer commit(t, d, func(tx driver.Tx) {
				is.NoErr(tx.MarkGroupDeleted(t.Context(), g.ID, at(2))) // delete the case's group
			})
			key := tc.key
			if key == "" {
				key = nameKey(g.Name)
			}
			up := g
			up.Name, up.Version = "Renamed "+tc.name, 2
			err := d.Write(t.Context(), func(tx driver.Tx) error {
				return tx.UpdateGroup(t.Context(), up, key)
			})
			is.Equal(errors.Is(err, driver.ErrNameTaken), tc.taken) // ErrNameTaken exactly when another live group of the organisation holds the key
			want := g
			if !tc.taken {
				is.NoErr(err) // a free key, or the group's own, is written
				want = up
			}
			got, err := d.Group(t.Context(), org, g.ID, false)
			is.NoErr(err)            // read group
			checkGroup(t, got, want) // the group is renamed exactly when its update succeeded
			got, err = d.Group(t.Context(), org, sales.ID, false)
			is.NoErr(err)             // read the key's holder
			checkGroup(t, got, sales) // the holder keeps its name
		})
	}
}

func testMarkGroupDeleted(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var gone, kept grouping.Group
	commit(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		kept = addGroup(t, tx, org, "Kept", 0)
		gone = addGroup(t, tx, org, "Gone", 1)
	})
	written(t, d, func(tx driver.Tx) {
		is.NoErr(tx.MarkGroupDeleted(t.Context(), gone.ID, at(10))) // mark group deleted
	}, func(r driver.Reader) {
		got, err := r.Group(t.Context(), org, gone.ID, true)
		is.NoErr(err)       // read deleted group
		is.True(got == nil) // a deleted group is not found
		got, err = r.Group(t.Context(), org, kept.ID, false)
		is.NoErr(err)            // read the other group
		checkGroup(t, got, kept) // the other group is untouched
		l, err := r.ListGroups(t.Context(), driver.GroupsQuery{OrganisationID: org, Page: driver.Page{Limit: 10}})
		is.NoErr(err)                                     // list groups
		is.Equal(groupIDs(l.Items), []uuid.UUID{kept.ID}) // a deleted group is not listed
	}, func(tx driver.Tx) {
		st, err := tx.GroupState(t.Context(), org, gone.ID, nameKey("Gone"))
		is.NoErr(err)                      // group state
		is.True(st.OrganisationFound)      // the organisation is found
		is.True(st.Group == nil)           // a deleted group has no state
		is.Equal(st.NameHolder, uuid.Nil)  // its name key is free
		is.Equal(st.MaxPosition, int64(0)) // its position no longer counts
		_, ids, err := tx.GroupIDs(t.Context(), org)
		is.NoErr(err)                       // group IDs
		is.Equal(ids, []uuid.UUID{kept.ID}) // a deleted group's ID is not among them
		p, err := tx.Placement(t.Context(), org, gone.ID, uuid.New())
		is.NoErr(err)           // placement
		is.True(p.Group == nil) // nothing can be placed in a deleted group
		gc, err := tx.GroupChannelIDs(t.Context(), org, gone.ID)
		is.NoErr(err)           // group channel IDs
		is.True(!gc.GroupFound) // a deleted group is not found
	})
}

func testSetGroupPositions(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org, other uuid.UUID
	var gs []grouping.Group
	var foreign grouping.Group
	commit(t, d, func(tx driver.Tx) {
		org, other = addOrg(t, tx), addOrg(t, tx)
		for i, name := range []string{"A", "B", "C", "D"} {
			gs = append(gs, addGroup(t, tx, org, name, i))
		}
		foreign = addGroup(t, tx, other, "A", 0)
	})
	order := []grouping.Group{gs[2], gs[0], gs[3], gs[1]}
	written(t, d, func(tx driver.Tx) {
		is.NoErr(tx.SetGroupPositions(t.Context(), groupIDs(order))) // reorder groups
	}, func(r driver.Reader) {
		for i, g := range order {
			got, err := r.Group(t.Context(), org, g.ID, false)
			is.NoErr(err)             // read group
			is.Equal(got.Position, i) // groupIDs[i] has position i
		}
		l, err := r.ListGroups(t.Context(), driver.GroupsQuery{OrganisationID: org, Page: driver.Page{Limit: 10}})
		is.NoErr(err)                                // list groups
		is.Equal(groupIDs(l.Items), groupIDs(order)) // the list follows the new positions
		got, err := r.Group(t.Context(), other, foreign.ID, false)
		is.NoErr(err)               // read another organisation's group
		checkGroup(t, got, foreign) // it keeps its position
	})
}

func testGroupState(t *testing.T, d driver.Driver) {
	var org, other, empty uuid.UUID
	var sales, old, foreign grouping.Group
	commit(t, d, func(tx driver.Tx) {
		org, other, empty = addOrg(t, tx), addOrg(t, tx), addOrg(t, tx)
		sales = addGroup(t, tx, org, "Sales", 0)
		old = addGroup(t, tx, org, "Old", 1, archivedGroup)
		foreign = addGroup(t, tx, other, "Foreign", 4)
	})
	tests := []struct {
		name       string
		org, group uuid.UUID
		key        string
		orgFound   bool // checked only when no group is found: a found group proves its organisation
		want       *grouping.Group
		holder     uuid.UUID
		maxPos     int64
	}{
		{"GroupAndOwnKey", org, sales.ID, nameKey("Sales"), false, &sales, sales.ID, 1},
		{"ArchivedGroup", org, old.ID, "", false, &old, uuid.Nil, 1},
		{"GroupAndOtherKey", org, sales.ID, nameKey("Old"), false, &sales, old.ID, 1},
		{"KeyOnly", org, uuid.Nil, nameKey("Old"), true, nil, old.ID, 1},
		{"UnknownGroupAndKey", org, uuid.New(), nameKey("Nobody"), true, nil, uuid.Nil, 1},
		{"OtherOrganisationsGroupAndKey", org, foreign.ID, nameKey("Foreign"), true, nil, uuid.Nil, 1},
		{"EmptyOrganisation", empty, uuid.Nil, nameKey("Sales"), true, nil, uuid.Nil, -1},
		{"UnknownOrganisation", uuid.New(), sales.ID, nameKey("Sales"), false, nil, uuid.Nil, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			commit(t, d, func(tx driver.Tx) {
				st, err := tx.GroupState(t.Context(), tc.org, tc.group, tc.key)
				is.NoErr(err) // group state
				if tc.orgFound || tc.want == nil {
					is.Equal(st.OrganisationFound, tc.orgFound) // whether the organisation exists
				}
				is.Equal(st.Group != nil, tc.want != nil) // whether the group is found
				if tc.want != nil {
					checkGroup(t, st.Group, *tc.want) // the group
					is.True(st.Group.Channels == nil) // without its channels
				}
				is.Equal(st.NameHolder, tc.holder)  // the live group of the organisation holding the key
				is.Equal(st.MaxPosition, tc.maxPos) // the largest position among the organisation's live groups, archived ones included
			})
		})
	}
}

func testGroupStateMaxPosition(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	maxPos := func(tx driver.Tx) int64 {
		st, err := tx.GroupState(t.Context(), org, uuid.Nil, "")
		is.NoErr(err) // group state
		return st.MaxPosition
	}
	var top grouping.Group
	writtenTx(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		addGroup(t, tx, org, "A", 4)
		top = addGroup(t, tx, org, "B", 9, archivedGroup)
		addGroup(t, tx, org, "C", 2)
	}, func(tx driver.Tx) {
		is.Equal(maxPos(tx), int64(9)) // the largest position, not the last inserted nor the count
	})
	writtenTx(t, d, func(tx driver.Tx) {
		is.NoErr(tx.MarkGroupDeleted(t.Context(), top.ID, at(1))) // delete the last group
	}, func(tx driver.Tx) {
		is.Equal(maxPos(tx), int64(4)) // a deleted group's position does not count
	})
}

func testGroupIDs(t *testing.T, d driver.Driver) {
	var org, other, empty uuid.UUID
	var live []uuid.UUID
	commit(t, d, func(tx driver.Tx) {
		org, other, empty = addOrg(t, tx), addOrg(t, tx), addOrg(t, tx)
		// Positions, not creation, give the order; the archived group
		// sits between the live ones.
		c := addGroup(t, tx, org, "C", 5)
		a := addGroup(t, tx, org, "A", 0)
		b := addGroup(t, tx, org, "B", 1, archivedGroup)
		live = []uuid.UUID{a.ID, b.ID, c.ID}
		gone := addGroup(t, tx, org, "D", 2)
		is.New(t).NoErr(tx.MarkGroupDeleted(t.Context(), gone.ID, at(1))) // delete group
		addGroup(t, tx, other, "A", 0)
	})
	tests := []struct {
		name  string
		org   uuid.UUID
		found bool
		want  []uuid.UUID
	}{
		{"LiveAndArchived", org, true, live},
		{"EmptyOrganisation", empty, true, nil},
		{"UnknownOrganisation", uuid.New(), false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			commit(t, d, func(tx driver.Tx) {
				found, ids, err := tx.GroupIDs(t.Context(), tc.org)
				is.NoErr(err)                       // group IDs
				is.Equal(found, tc.found)           // whether the organisation exists
				is.Equal(len(ids), len(tc.want))    // the organisation's groups that are not deleted
				is.True(slices.Equal(ids, tc.want)) // in list order
			})
		})
	}
}
