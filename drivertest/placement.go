package drivertest

import (
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// placementTests check how channels go into groups and out of them, and the
// facts placing them decides on.
func placementTests() node {
	return set("Placement",
		set("Placement",
			leaf("Cases", testPlacement),
		),
		set("PlaceChannel",
			leaf("Place", testPlaceChannel),
			leaf("Move", testPlaceChannelMove),
		),
		set("UnplaceChannel",
			leaf("Grouped", testUnplaceChannel),
			leaf("Ungrouped", testUnplaceChannelUngrouped),
		),
		set("UngroupChannels",
			leaf("EmptiesGroup", testUngroupChannels),
		),
		set("SetChannelPositions",
			leaf("Reorder", testSetChannelPositions),
		),
		set("GroupChannelIDs",
			leaf("Cases", testGroupChannelIDs),
		),
		set("Group",
			leaf("WithChannels", testGroupWithChannels),
		),
		set("BulkChangeTx",
			leaf("AllOrNothing", testBulkChangeTx),
		),
	)
}

// placed is an organisation with groups and channels in every state that
// placing decides on.
type placed struct {
	org, other             uuid.UUID
	sales                  grouping.Group // live; holds inSales (0), archivedIn (1), late (5)
	empty, old, gone       grouping.Group // live and empty; archived; deleted
	foreign                grouping.Group // of other
	inSales, archivedIn    driver.ChannelRecord
	late                   driver.ChannelRecord
	loose, looseArch, dead driver.ChannelRecord // ungrouped; ungrouped and archived; deleted
	foreignCh              driver.ChannelRecord // of other
}

func addPlaced(t *testing.T, tx driver.Tx) placed {
	t.Helper()
	is := is.New(t)
	is.Helper()
	var p placed
	p.org, p.other = addOrg(t, tx), addOrg(t, tx)
	p.sales = addGroup(t, tx, p.org, "Sales", 0)
	p.empty = addGroup(t, tx, p.org, "Empty", 1)
	p.old = addGroup(t, tx, p.org, "Old", 2, archivedGroup)
	p.gone = addGroup(t, tx, p.org, "Gone", 3)
	p.foreign = addGroup(t, tx, p.other, "Foreign", 0)
	p.inSales = addChannel(t, tx, p.org)
	p.archivedIn = addChannel(t, tx, p.org, archivedChannel)
	p.late = addChannel(t, tx, p.org)
	p.loose = addChannel(t, tx, p.org)
	p.looseArch = addChannel(t, tx, p.org, archivedChannel)
	p.dead = addChannel(t, tx, p.org)
	p.foreignCh = addChannel(t, tx, p.other)
	place(t, tx, p.sales.ID, p.inSales, p.archivedIn)
	is.NoErr(tx.PlaceChannel(t.Context(), p.late.ID, p.sales.ID, 5))        // place a channel after a gap
	is.NoErr(tx.MarkGroupDeleted(t.Context(), p.gone.ID, at(1)))            // delete group
	is.NoErr(tx.MarkChannelDeleted(t.Context(), p.dead.ID, at(1)))          // delete channel
	is.NoErr(tx.PlaceChannel(t.Context(), p.foreignCh.ID, p.foreign.ID, 0)) // place the other organisation's channel
	return p
}

func testPlacement(t *testing.T, d driver.Driver) {
	var p placed
	commit(t, d, func(tx driver.Tx) { p = addPlaced(t, tx) })
	salesFacts := &driver.PlacementGroup{Name: "Sales", MaxChannelPosition: 5}
	tests := []struct {
		name           string
		org, group, ch uuid.UUID
		orgFound       bool // checked only when neither is found: a found one proves the organisation
		wantGroup      *driver.PlacementGroup
		wantChannel    *driver.ChannelFacts
	}{
		{"GroupWithChannelsAndLooseChannel", p.org, p.sales.ID, p.loose.ID, true, salesFacts, &driver.ChannelFacts{OrganisationID: p.org}},
		{"EmptyGroupAndGroupedChannel", p.org, p.empty.ID, p.inSales.ID, true,
			&driver.PlacementGroup{Name: "Empty", MaxChannelPosition: -1},
			&driver.ChannelFacts{OrganisationID: p.org, GroupID: p.sales.ID, GroupName: "Sales"}},
		{"ArchivedGroupAndArchivedChannel", p.org, p.old.ID, p.looseArch.ID, true,
			&driver.PlacementGroup{Name: "Old", Archived: true, MaxChannelPosition: -1},
			&driver.ChannelFacts{OrganisationID: p.org, Archived: true}},
		// An archived channel still holds its position in the group.
		{"ArchivedChannelInGroup", p.org, p.sales.ID, p.archivedIn.ID, true, salesFacts,
			&driver.ChannelFacts{OrganisationID: p.org, Archived: true, GroupID: p.sales.ID, GroupName: "Sales"}},
		{"DeletedGroupAndChannel", p.org, p.gone.ID, p.dead.ID, true, nil, nil},
		{"OtherOrganisationsGroupAndChannel", p.org, p.foreign.ID, p.foreignCh.ID, true, nil, nil},
		{"AskedThroughOtherOrganisation", p.other, p.sales.ID, p.inSales.ID, true, nil, nil},
		{"UnknownGroupAndChannel", p.org, uuid.New(), uuid.New(), true, nil, nil},
		{"UnknownOrganisation", uuid.New(), p.sales.ID, p.inSales.ID, false, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			commit(t, d, func(tx driver.Tx) {
				got, err := tx.Placement(t.Context(), tc.org, tc.group, tc.ch)
				is.NoErr(err) // placement
				if tc.wantGroup == nil && tc.wantChannel == nil {
					is.Equal(got.OrganisationFound, tc.orgFound) // whether the organisation exists
				}
				is.Equal(got.Group != nil, tc.wantGroup != nil) // whether the organisation's live group is found
				if tc.wantGroup != nil {
					is.Equal(*got.Group, *tc.wantGroup) // the group's facts
				}
				is.Equal(got.Channel != nil, tc.wantChannel != nil) // whether the organisation's live channel is found
				if tc.wantChannel != nil {
					is.Equal(*got.Channel, *tc.wantChannel) // the channel's facts
				}
			})
		})
	}
}

// groupChannels lists every channel of a group, archived ones included,
// with their keys.
func groupChannels(t *testing.T, r driver.Reader, org, groupID uuid.UUID) ([]uuid.UUID, []driver.Key) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	ids, keys := []uuid.UUID{}, []driver.Key{}
	q := driver.ChannelsQuery{OrganisationID: org, GroupID: groupID, IncludeArchived: true, Page: driver.Page{Limit: 1}}
	for range 100 {
		l, err := r.ListGroupChannels(t.Context(), q)
		is.NoErr(err) // list group channels
		for _, ch := range l.Items {
			ids, keys = append(ids, ch.ID), append(keys, l.Last)
		}
		if !l.More || len(l.Items) == 0 {
			return ids, keys
		}
		q.After = &l.Last
	}
	t.Fatal("the group's channel list does not end")
	return nil, nil
}

// groupOf reads which group a channel is in, through Channel and through
// ChannelState, which must agree; uuid.Nil for none.
func groupOf(t *testing.T, tx driver.Tx, org, channelID uuid.UUID) uuid.UUID {
	t.Helper()
	is := is.New(t)
	is.Helper()
	ch, err := tx.Channel(t.Context(), org, channelID)
	is.NoErr(err)      // read channel
	is.True(ch != nil) // the channel is found
	st, err := tx.ChannelState(t.Context(), org, channelID)
	is.NoErr(err)              // channel state
	is.True(st.Channel != nil) // the channel has a state
	if ch.GroupID == nil {
		is.Equal(st.Channel.GroupID, uuid.Nil) // Channel and ChannelState agree: no group
		is.Equal(st.Channel.GroupName, "")     // and no group name
		return uuid.Nil
	}
	is.Equal(st.Channel.GroupID, *ch.GroupID) // Channel and ChannelState agree on the group
	return *ch.GroupID
}

// placementOf reads the facts of placing channelID into groupID.
func placementOf(t *testing.T, tx driver.Tx, org, groupID, channelID uuid.UUID) driver.Placement {
	t.Helper()
	is := is.New(t)
	is.Helper()
	p, err := tx.Placement(t.Context(), org, groupID, channelID)
	is.NoErr(err)             // placement
	is.True(p.Group != nil)   // the group is found
	is.True(p.Channel != nil) // the channel is found
	return p
}

func ungroupedIDs(t *testing.T, r driver.Reader, org uuid.UUID) []uuid.UUID {
	t.Helper()
	is := is.New(t)
	is.Helper()
	l, err := r.ListUngroupedChannels(t.Context(), driver.ChannelsQuery{OrganisationID: org, IncludeArchived: true, Page: driver.Page{Limit: 100}})
	is.NoErr(err) // list ungrouped channels
	return sorted(channelIDs(l.Items))
}

func testPlaceChannel(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var g grouping.Group
	var a, b, c, loose driver.ChannelRecord
	written(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		g = addGroup(t, tx, org, "Sales", 0)
		a, b, c, loose = addChannel(t, tx, org, archivedChannel), addChannel(t, tx, org), addChannel(t, tx, org), addChannel(t, tx, org)
		is.NoErr(tx.PlaceChannel(t.Context(), a.ID, g.ID, 7)) // place at 7
		is.NoErr(tx.PlaceChannel(t.Context(), b.ID, g.ID, 2)) // place at 2
		is.NoErr(tx.PlaceChannel(t.Context(), c.ID, g.ID, 5)) // place at 5
	}, func(r driver.Reader) {
		ids, keys := groupChannels(t, r, org, g.ID)
		is.Equal(ids, recordIDs(b, c, a))                                                                                               // the group lists its channels by position, not by placing order
		is.Equal(keys, []driver.Key{driver.GroupChannelKey(2, b.ID), driver.GroupChannelKey(5, c.ID), driver.GroupChannelKey(7, a.ID)}) // each key holds the position given
		is.Equal(ungroupedIDs(t, r, org), []uuid.UUID{loose.ID})                                                                        // placed channels are not ungrouped
	}, func(tx driver.Tx) {
		for _, ch := range []driver.ChannelRecord{a, b, c} {
			is.Equal(groupOf(t, tx, org, ch.ID), g.ID) // the channel is in the group
			st, err := tx.ChannelState(t.Context(), org, ch.ID)
			is.NoErr(err)                           // channel state
			is.Equal(st.Channel.GroupName, "Sales") // the facts name the group
		}
		is.Equal(groupOf(t, tx, org, loose.ID), uuid.Nil)                                    // an unplaced channel is in no group
		is.Equal(placementOf(t, tx, org, g.ID, loose.ID).Group.MaxChannelPosition, int64(7)) // the largest position given, here an archived channel's
		gc, err := tx.GroupChannelIDs(t.Context(), org, g.ID)
		is.NoErr(err)                               // group channel IDs
		is.Equal(gc.ChannelIDs, recordIDs(b, c, a)) // every placed channel, archived ones included, by position
	})
}

func testPlaceChannelMove(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var from, to grouping.Group
	var moving, staying driver.ChannelRecord
	commit(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		from, to = addGroup(t, tx, org, "From", 0), addGroup(t, tx, org, "To", 1)
		moving, staying = addChannel(t, tx, org), addChannel(t, tx, org)
		place(t, tx, from.ID, staying, moving)
	})
	written(t, d, func(tx driver.Tx) {
		is.NoErr(tx.PlaceChannel(t.Context(), moving.ID, to.ID, 3)) // place a grouped channel into another group
	}, func(r driver.Reader) {
		ids, _ := groupChannels(t, r, org, from.ID)
		is.Equal(ids, recordIDs(staying)) // the channel left its former group
		ids, keys := groupChannels(t, r, org, to.ID)
		is.Equal(ids, recordIDs(moving))                                   // and is in the new one
		is.Equal(keys, []driver.Key{driver.GroupChannelKey(3, moving.ID)}) // at the position given
	}, func(tx driver.Tx) {
		is.Equal(groupOf(t, tx, org, moving.ID), to.ID) // the channel's group is the new one
		p := placementOf(t, tx, org, from.ID, moving.ID)
		is.Equal(p.Group.MaxChannelPosition, int64(0)) // the former group's largest position is the remaining channel's
		is.Equal(p.Channel.GroupName, "To")            // the facts name the new group
		gc, err := tx.GroupChannelIDs(t.Context(), org, from.ID)
		is.NoErr(err)                                    // group channel IDs
		is.Equal(gc.ChannelIDs, []uuid.UUID{staying.ID}) // the former group no longer holds the channel
	})
}

func testUnplaceChannel(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var g grouping.Group
	var out, stays driver.ChannelRecord
	commit(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		g = addGroup(t, tx, org, "Sales", 0)
		stays, out = addChannel(t, tx, org), addChannel(t, tx, org)
		place(t, tx, g.ID, stays, out)
	})
	written(t, d, func(tx driver.Tx) {
		is.NoErr(tx.UnplaceChannel(t.Context(), out.ID)) // unplace channel
	}, func(r driver.Reader) {
		ids, _ := groupChannels(t, r, org, g.ID)
		is.Equal(ids, recordIDs(stays))                        // the channel left the group, the other stays
		is.Equal(ungroupedIDs(t, r, org), []uuid.UUID{out.ID}) // the channel is ungrouped
	}, func(tx driver.Tx) {
		is.Equal(groupOf(t, tx, org, out.ID), uuid.Nil)                                    // the channel is in no group
		is.Equal(placementOf(t, tx, org, g.ID, out.ID).Group.MaxChannelPosition, int64(0)) // the group's largest position is the remaining channel's
	})
}

func testUnplaceChannelUngrouped(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var loose driver.ChannelRecord
	written(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		loose = addChannel(t, tx, org)
		is.NoErr(tx.UnplaceChannel(t.Context(), loose.ID)) // unplace a channel in no group
	}, func(r driver.Reader) {
		is.Equal(ungroupedIDs(t, r, org), []uuid.UUID{loose.ID}) // the channel stays ungrouped
	})
}

func testUngroupChannels(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var g, other grouping.Group
	var a, b, c driver.ChannelRecord
	commit(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		g, other = addGroup(t, tx, org, "Sales", 0), addGroup(t, tx, org, "Other", 1)
		a, b, c = addChannel(t, tx, org), addChannel(t, tx, org, archivedChannel), addChannel(t, tx, org)
		place(t, tx, g.ID, a, b)
		place(t, tx, other.ID, c)
	})
	written(t, d, func(tx driver.Tx) {
		is.NoErr(tx.UngroupChannels(t.Context(), g.ID)) // ungroup the group's channels
	}, func(r driver.Reader) {
		ids, _ := groupChannels(t, r, org, g.ID)
		is.Equal(ids, []uuid.UUID{}) // the group is empty, archived channels included
		ids, _ = groupChannels(t, r, org, other.ID)
		is.Equal(ids, recordIDs(c))                                // another group keeps its channels
		is.Equal(ungroupedIDs(t, r, org), sorted(recordIDs(a, b))) // the channels are ungrouped
		got, err := r.Group(t.Context(), org, g.ID, false)
		is.NoErr(err)         // read group
		checkGroup(t, got, g) // the group itself stays
	}, func(tx driver.Tx) {
		is.Equal(groupOf(t, tx, org, b.ID), uuid.Nil)                                     // the archived channel is in no group
		is.Equal(placementOf(t, tx, org, g.ID, a.ID).Group.MaxChannelPosition, int64(-1)) // the emptied group has no largest position
		gc, err := tx.GroupChannelIDs(t.Context(), org, g.ID)
		is.NoErr(err)                   // group channel IDs
		is.Equal(len(gc.ChannelIDs), 0) // the group holds no channel
	})
}

func testSetChannelPositions(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var g, other grouping.Group
	var chs []driver.ChannelRecord
	var elsewhere driver.ChannelRecord
	commit(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		g, other = addGroup(t, tx, org, "Sales", 0), addGroup(t, tx, org, "Other", 1)
		for range 4 {
			chs = append(chs, addChannel(t, tx, org))
		}
		place(t, tx, g.ID, chs...)
		elsewhere = addChannel(t, tx, org)
		is.NoErr(tx.PlaceChannel(t.Context(), elsewhere.ID, other.ID, 9)) // place a channel in another group
	})
	order := []driver.ChannelRecord{chs[2], chs[0], chs[3], chs[1]}
	written(t, d, func(tx driver.Tx) {
		is.NoErr(tx.SetChannelPositions(t.Context(), g.ID, recordIDs(order...))) // reorder the group's channels
	}, func(r driver.Reader) {
		ids, keys := groupChannels(t, r, org, g.ID)
		is.Equal(ids, recordIDs(order...)) // the group lists its channels in the new order
		for i, k := range keys {
			is.Equal(k, driver.GroupChannelKey(int64(i), order[i].ID)) // channelIDs[i] has position i
		}
		_, keys = groupChannels(t, r, org, other.ID)
		is.Equal(keys, []driver.Key{driver.GroupChannelKey(9, elsewhere.ID)}) // another group's positions stay
	}, func(tx driver.Tx) {
		is.Equal(placementOf(t, tx, org, g.ID, chs[0].ID).Group.MaxChannelPosition, int64(3)) // the largest position is the last index
	})
}

func testGroupChannelIDs(t *testing.T, d driver.Driver) {
	var p placed
	commit(t, d, func(tx driver.Tx) { p = addPlaced(t, tx) })
	tests := []struct {
		name       string
		org, group uuid.UUID
		orgFound   bool // checked only when the group is not found
		found      bool
		want       []uuid.UUID
	}{
		{"ArchivedIncluded", p.org, p.sales.ID, true, true, recordIDs(p.inSales, p.archivedIn, p.late)},
		{"EmptyGroup", p.org, p.empty.ID, true, true, nil},
		{"ArchivedGroup", p.org, p.old.ID, true, true, nil},
		{"DeletedGroup", p.org, p.gone.ID, true, false, nil},
		{"OtherOrganisationsGroup", p.org, p.foreign.ID, true, false, nil},
		{"UnknownOrganisation", uuid.New(), p.sales.ID, false, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			commit(t, d, func(tx driver.Tx) {
				gc, err := tx.GroupChannelIDs(t.Context(), tc.org, tc.group)
				is.NoErr(err) // group channel IDs
				if !tc.found {
					is.Equal(gc.OrganisationFound, tc.orgFound) // whether the organisation exists
				}
				is.Equal(gc.GroupFound, tc.found)                // whether the organisation's live group is found
				is.Equal(sorted(gc.ChannelIDs), sorted(tc.want)) // the group's channels, in any order
			})
		})
	}
}

func testGroupWithChannels(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var p placed
	commit(t, d, func(tx driver.Tx) { p = addPlaced(t, tx) })
	g, err := d.Group(t.Context(), p.org, p.sales.ID, true)
	is.NoErr(err)                                                  // read group with channels
	checkGroup(t, g, p.sales)                                      // the group
	is.Equal(channelIDs(g.Channels), recordIDs(p.inSales, p.late)) // its channels that are not archived, in group order
	checkChannel(t, &g.Channels[0], p.inSales, p.sales.ID)         // each with its fields
	g, err = d.Group(t.Context(), p.org, p.old.ID, true)
	is.NoErr(err)                // read an empty group with channels
	is.True(g.Channels != nil)   // Channels is never nil when asked for
	is.Equal(len(g.Channels), 0) // and empty
}

// testBulkChangeTx checks driver.BulkChangeTx, when the driver's
// transactions have it: an assign or a removal is made for all the
// channels or for none, and only when every channel is in the state it
// needs.
func testBulkChangeTx(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org, otherOrg uuid.UUID
	var g, archived, h grouping.Group
	var u1, u2, u3, gone, foreign, inH driver.ChannelRecord
	supported := false
	commit(t, d, func(tx driver.Tx) {
		_, supported = tx.(driver.BulkChangeTx)
		org, otherOrg = addOrg(t, tx), addOrg(t, tx)
		g, h = addGroup(t, tx, org, "Sales", 0), addGroup(t, tx, org, "Support", 1)
		archived = addGroup(t, tx, org, "Old", 2, archivedGroup)
		u1, u2, u3 = addChannel(t, tx, org), addChannel(t, tx, org), addChannel(t, tx, org, archivedChannel)
		gone, foreign, inH = addChannel(t, tx, org), addChannel(t, tx, otherOrg), addChannel(t, tx, org)
		place(t, tx, h.ID, inH)
		is.NoErr(tx.MarkChannelDeleted(t.Context(), gone.ID, at(10))) // delete a channel
	})
	if !supported {
		t.Skip("the driver's transactions have no driver.BulkChangeTx")
	}
	written(t, d, func(tx driver.Tx) {
		b := tx.(driver.BulkChangeTx)
		first, ok, err := b.AssignUngrouped(t.Context(), org, g.ID, recordIDs(u1, u2))
		is.NoErr(err)             // assign two ungrouped channels
		is.True(ok)               // they are assigned
		is.Equal(first, int64(0)) // from the start of the empty group
		// Each leaves one channel that is not a live channel of the
		// organisation in no group, or a group that is not a live,
		// unarchived group of the organisation: nothing is assigned.
		for _, c := range []struct {
			org, group uuid.UUID
			channels   []uuid.UUID
		}{
			{org, g.ID, recordIDs(u3, inH)},             // a channel in another group
			{org, g.ID, recordIDs(u3, u1)},              // a channel in the group already
			{org, g.ID, recordIDs(u3, gone)},            // a deleted channel
			{org, g.ID, recordIDs(u3, foreign)},         // another organisation's channel
			{org, g.ID, []uuid.UUID{u3.ID, uuid.New()}}, // an unknown channel
			{org, archived.ID, recordIDs(u3)},           // an archived group
			{org, uuid.New(), recordIDs(u3)},            // an unknown group
			{otherOrg, g.ID, recordIDs(u3)},             // the group of another organisation
		} {
			_, ok, err := b.AssignUngrouped(t.Context(), c.org, c.group, c.channels)
			is.NoErr(err) // an assign that cannot be made
			is.True(!ok)  // changes nothing
		}
		first, ok, err = b.AssignUngrouped(t.Context(), org, g.ID, recordIDs(u3))
		is.NoErr(err)             // assign the archived channel
		is.True(ok)               // it is assigned: a channel's own archived state does not matter
		is.Equal(first, int64(2)) // after the two
		for _, c := range []struct {
			org, group uuid.UUID
			channels   []uuid.UUID
		}{
			{org, g.ID, recordIDs(u1, inH)},             // a channel in another group
			{org, g.ID, []uuid.UUID{u1.ID, uuid.New()}}, // an unknown channel
			{otherOrg, g.ID, recordIDs(u1)},             // another organisation
			{org, h.ID, recordIDs(u1)},                  // a channel of another group
		} {
			ok, err := b.RemoveGrouped(t.Context(), c.org, c.group, c.channels)
			is.NoErr(err) // a removal that cannot be made
			is.True(!ok)  // changes nothing
		}
		ok, err = b.RemoveGrouped(t.Context(), org, g.ID, recordIDs(u3, u1))
		is.NoErr(err) // remove two channels of the group
		is.True(ok)   // they are removed
	}, func(r driver.Reader) {
		ids, _ := groupChannels(t, r, org, g.ID)
		is.Equal(ids, recordIDs(u2)) // the channel left in the group
		ids, _ = groupChannels(t, r, org, h.ID)
		is.Equal(ids, recordIDs(inH)) // the other group keeps its channel
	}, func(tx driver.Tx) {
		is.Equal(groupOf(t, tx, org, u1.ID), uuid.Nil)                                    // removed: in no group
		is.Equal(groupOf(t, tx, org, u3.ID), uuid.Nil)                                    // removed: in no group
		is.Equal(placementOf(t, tx, org, g.ID, u2.ID).Group.MaxChannelPosition, int64(1)) // the channel left keeps its position
	})
}
