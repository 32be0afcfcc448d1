package drivertest

import (
	"time"

	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// organisationTests check UpsertOrganisation and OrganisationExists.
func organisationTests() node {
	return set("Organisations",
		set("UpsertOrganisation",
			leaf("Insert", testUpsertOrganisationInsert),
			leaf("RenameKeepsCreationTime", testUpsertOrganisationRename),
		),
		set("OrganisationExists",
			leaf("Unknown", testOrganisationExistsUnknown),
		),
	)
}

func testUpsertOrganisationInsert(t *testing.T, d driver.Driver) {
	is := is.New(t)
	id := uuid.New()
	written(t, d, func(tx driver.Tx) {
		_, existed, err := tx.UpsertOrganisation(t.Context(), grouping.Organisation{ID: id, Name: "Acme"}, at(5))
		is.NoErr(err)     // insert organisation
		is.True(!existed) // a new organisation has no previous state
	}, func(r driver.Reader) {
		ok, err := r.OrganisationExists(t.Context(), id)
		is.NoErr(err) // organisation exists
		is.True(ok)   // the inserted organisation exists
	})
}

func testUpsertOrganisationRename(t *testing.T, d driver.Driver) {
	is := is.New(t)
	id := uuid.New()
	commit(t, d, func(tx driver.Tx) {
		_, _, err := tx.UpsertOrganisation(t.Context(), grouping.Organisation{ID: id, Name: "Acme"}, at(5))
		is.NoErr(err) // insert organisation
	})
	commit(t, d, func(tx driver.Tx) {
		prev, existed, err := tx.UpsertOrganisation(t.Context(), grouping.Organisation{ID: id, Name: "Acme Ltd"}, at(9))
		is.NoErr(err)                            // rename organisation
		is.True(existed)                         // an existing organisation has a previous state
		is.Equal(prev.Name, "Acme")              // the previous state has the old name
		is.Equal(prev.ID, id)                    // and its ID
		is.True(sameTime(prev.CreatedAt, at(5))) // and the stored creation time, not the one given
		prev, existed, err = tx.UpsertOrganisation(t.Context(), grouping.Organisation{ID: id, Name: "Acme plc"}, at(12))
		is.NoErr(err)                            // rename again in the same transaction
		is.True(existed)                         // it exists still
		is.Equal(prev.Name, "Acme Ltd")          // the transaction sees its own rename
		is.True(sameTime(prev.CreatedAt, at(5))) // the creation time stays through renames
	})
	ok, err := d.OrganisationExists(t.Context(), id)
	is.NoErr(err) // organisation exists
	is.True(ok)   // a renamed organisation still exists
}

func testOrganisationExistsUnknown(t *testing.T, d driver.Driver) {
	is := is.New(t)
	commit(t, d, func(tx driver.Tx) { addOrg(t, tx) })
	ok, err := d.OrganisationExists(t.Context(), uuid.New())
	is.NoErr(err) // organisation exists
	is.True(!ok)  // an unknown organisation does not exist
}

// channelTests check the mirror of channels and their members.
func channelTests() node {
	return set("Channels",
		set("InsertChannel",
			leaf("Fields", testInsertChannelFields),
			leaf("NoOwner", testInsertChannelNoOwner),
			leaf("OtherOrganisation", testInsertChannelOtherOrganisation),
		),
		set("UpdateChannel",
			leaf("Fields", testUpdateChannelFields),
			leaf("ZeroCreatedAtKeepsStored", testUpdateChannelKeepsCreatedAt),
			leaf("KeepsGroupAndMembers", testUpdateChannelKeepsGroupAndMembers),
		),
		set("SetMembers",
			leaf("Replace", testSetMembersReplace),
			leaf("Empty", testSetMembersEmpty),
			leaf("OtherChannelsUntouched", testSetMembersOtherChannels),
		),
		set("AddMember",
			leaf("ReportsAddedOnce", testAddMember),
		),
		set("RemoveMember",
			leaf("ReportsRemovedOnce", testRemoveMember),
		),
		set("MemberTx",
			leaf("OnlyLiveChannelsOfTheOrganisation", testMemberTx),
		),
		set("MarkChannelDeleted",
			leaf("GoneFromReads", testMarkChannelDeleted),
		),
		set("ChannelState",
			leaf("Cases", testChannelState),
		),
	)
}

func testInsertChannelFields(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var rec driver.ChannelRecord
	written(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		rec = addChannel(t, tx, org, archivedChannel, created(at(3)), func(r *driver.ChannelRecord) {
			r.MessageCount = 1 << 40
		})
	}, func(r driver.Reader) {
		ch, err := r.Channel(t.Context(), org, rec.ID)
		is.NoErr(err) // read channel
		checkChannel(t, ch, rec, uuid.Nil)
		is.True(ch.Users != nil)   // Users is never nil
		is.Equal(len(ch.Users), 0) // a new channel has no members
		is.Equal(ch.UserCount, 0)  // and counts none
	}, func(tx driver.Tx) {
		st, err := tx.ChannelState(t.Context(), org, rec.ID)
		is.NoErr(err)                                                                   // channel state
		is.True(st.OrganisationFound)                                                   // the organisation is found
		is.True(st.Channel != nil)                                                      // the channel is found
		is.Equal(*st.Channel, driver.ChannelFacts{OrganisationID: org, Archived: true}) // facts of a new, archived, ungrouped channel
	})
}

func testInsertChannelNoOwner(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var rec driver.ChannelRecord
	written(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		rec = addChannel(t, tx, org, func(r *driver.ChannelRecord) { r.OwnerID, r.Description, r.MessageCount = uuid.Nil, "", 0 })
	}, func(r driver.Reader) {
		ch, err := r.Channel(t.Context(), org, rec.ID)
		is.NoErr(err)                      // read channel
		checkChannel(t, ch, rec, uuid.Nil) // zero values come back as zero values
	})
}

func testInsertChannelOtherOrganisation(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org, other uuid.UUID
	var rec driver.ChannelRecord
	written(t, d, func(tx driver.Tx) {
		org, other = addOrg(t, tx), addOrg(t, tx)
		rec = addChannel(t, tx, org)
	}, func(r driver.Reader) {
		ch, err := r.Channel(t.Context(), other, rec.ID)
		is.NoErr(err)      // read channel through another organisation
		is.True(ch == nil) // another organisation's channel is not found
		ch, err = r.Channel(t.Context(), org, uuid.New())
		is.NoErr(err)      // read unknown channel
		is.True(ch == nil) // an unknown channel is not found
	})
}

func testUpdateChannelFields(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var rec driver.ChannelRecord
	commit(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		rec = addChannel(t, tx, org, created(at(1)))
	})
	rec.Name, rec.Description, rec.OwnerID = "renamed", "new description", uuid.Nil
	rec.Archived, rec.MessageCount, rec.CreatedAt = true, 99, at(-20)
	written(t, d, func(tx driver.Tx) {
		is.NoErr(tx.UpdateChannel(t.Context(), rec)) // update channel
	}, func(r driver.Reader) {
		ch, err := r.Channel(t.Context(), org, rec.ID)
		is.NoErr(err)                      // read channel
		checkChannel(t, ch, rec, uuid.Nil) // every host field is overwritten, a given creation time too
	}, func(tx driver.Tx) {
		st, err := tx.ChannelState(t.Context(), org, rec.ID)
		is.NoErr(err)                // channel state
		is.True(st.Channel != nil)   // the channel is found
		is.True(st.Channel.Archived) // the facts show the new archived state
	})
}

func testUpdateChannelKeepsCreatedAt(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var rec driver.ChannelRecord
	commit(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		rec = addChannel(t, tx, org, created(at(42)))
	})
	up := rec
	up.Name, up.CreatedAt = "renamed", time.Time{}
	written(t, d, func(tx driver.Tx) {
		is.NoErr(tx.UpdateChannel(t.Context(), up)) // update channel without a creation time
	}, func(r driver.Reader) {
		ch, err := r.Channel(t.Context(), org, rec.ID)
		is.NoErr(err)                           // read channel
		is.True(ch != nil)                      // the channel is found
		is.Equal(ch.Name, "renamed")            // the update is applied
		is.True(sameTime(ch.CreatedAt, at(42))) // a zero CreatedAt keeps the stored creation time
	})
}

func testUpdateChannelKeepsGroupAndMembers(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var g grouping.Group
	var rec driver.ChannelRecord
	users := []uuid.UUID{uuid.New(), uuid.New()}
	commit(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		g = addGroup(t, tx, org, "Sales", 0)
		rec = addChannel(t, tx, org)
		place(t, tx, g.ID, rec)
		is.NoErr(tx.SetMembers(t.Context(), rec.ID, users)) // set members
	})
	rec.Name = "renamed"
	written(t, d, func(tx driver.Tx) {
		is.NoErr(tx.UpdateChannel(t.Context(), rec)) // update channel
	}, func(r driver.Reader) {
		ch, err := r.Channel(t.Context(), org, rec.ID)
		is.NoErr(err)                             // read channel
		checkChannel(t, ch, rec, g.ID)            // the channel stays in its group
		is.Equal(sorted(ch.Users), sorted(users)) // and keeps its members
	})
}

// members reads a channel's members, sorted, and checks UserCount.
func members(t *testing.T, r driver.Reader, org, channelID uuid.UUID) []uuid.UUID {
	t.Helper()
	is := is.New(t)
	is.Helper()
	ch, err := r.Channel(t.Context(), org, channelID)
	is.NoErr(err)                         // read channel
	is.True(ch != nil)                    // the channel is found
	is.True(ch.Users != nil)              // Users is never nil
	is.Equal(ch.UserCount, len(ch.Users)) // UserCount counts the members
	return sorted(ch.Users)
}

func testSetMembersReplace(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var rec driver.ChannelRecord
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	written(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		rec = addChannel(t, tx, org)
		is.NoErr(tx.SetMembers(t.Context(), rec.ID, []uuid.UUID{a, b})) // set members
	}, func(r driver.Reader) {
		is.Equal(members(t, r, org, rec.ID), sorted([]uuid.UUID{a, b})) // the channel has exactly the members set
	})
	written(t, d, func(tx driver.Tx) {
		is.NoErr(tx.SetMembers(t.Context(), rec.ID, []uuid.UUID{c, b})) // set other members
	}, func(r driver.Reader) {
		is.Equal(members(t, r, org, rec.ID), sorted([]uuid.UUID{b, c})) // members not in the new set are gone, new ones are in
	})
}

func testSetMembersEmpty(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var rec driver.ChannelRecord
	commit(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		rec = addChannel(t, tx, org)
		is.NoErr(tx.SetMembers(t.Context(), rec.ID, []uuid.UUID{uuid.New(), uuid.New()})) // set members
	})
	written(t, d, func(tx driver.Tx) {
		is.NoErr(tx.SetMembers(t.Context(), rec.ID, []uuid.UUID{})) // set no members
	}, func(r driver.Reader) {
		is.Equal(members(t, r, org, rec.ID), []uuid.UUID{}) // an empty set removes every member
	})
}

func testSetMembersOtherChannels(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var one, two driver.ChannelRecord
	user := uuid.New()
	commit(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		one, two = addChannel(t, tx, org), addChannel(t, tx, org)
		is.NoErr(tx.SetMembers(t.Context(), two.ID, []uuid.UUID{user})) // set members of the second channel
	})
	written(t, d, func(tx driver.Tx) {
		is.NoErr(tx.SetMembers(t.Context(), one.ID, []uuid.UUID{user, uuid.New()})) // set members of the first
		is.NoErr(tx.SetMembers(t.Context(), one.ID, []uuid.UUID{}))                 // and clear them
	}, func(r driver.Reader) {
		is.Equal(members(t, r, org, one.ID), []uuid.UUID{})     // the first channel has no members
		is.Equal(members(t, r, org, two.ID), []uuid.UUID{user}) // the second keeps its own
	})
}

func testAddMember(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var rec, other driver.ChannelRecord
	a, b := uuid.New(), uuid.New()
	written(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		rec, other = addChannel(t, tx, org), addChannel(t, tx, org)
		added, err := tx.AddMember(t.Context(), rec.ID, a)
		is.NoErr(err)  // add member
		is.True(added) // a new member is added
		added, err = tx.AddMember(t.Context(), rec.ID, a)
		is.NoErr(err)   // add the same member again
		is.True(!added) // a member is not added twice
		added, err = tx.AddMember(t.Context(), rec.ID, b)
		is.NoErr(err)  // add a second member
		is.True(added) // another user is added
	}, func(r driver.Reader) {
		is.Equal(members(t, r, org, rec.ID), sorted([]uuid.UUID{a, b})) // both users are members, once each
		is.Equal(members(t, r, org, other.ID), []uuid.UUID{})           // other channels gain no members
	})
	commit(t, d, func(tx driver.Tx) {
		added, err := tx.AddMember(t.Context(), rec.ID, b)
		is.NoErr(err)   // add a committed member again
		is.True(!added) // a committed member is reported as one already
	})
}

func testRemoveMember(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var rec, other driver.ChannelRecord
	a, b := uuid.New(), uuid.New()
	commit(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		rec, other = addChannel(t, tx, org), addChannel(t, tx, org)
		is.NoErr(tx.SetMembers(t.Context(), rec.ID, []uuid.UUID{a, b})) // set members
		is.NoErr(tx.SetMembers(t.Context(), other.ID, []uuid.UUID{a}))  // set members of another channel
	})
	written(t, d, func(tx driver.Tx) {
		removed, err := tx.RemoveMember(t.Context(), rec.ID, uuid.New())
		is.NoErr(err)     // remove a user who is no member
		is.True(!removed) // nothing is removed when there is no membership
		removed, err = tx.RemoveMember(t.Context(), rec.ID, a)
		is.NoErr(err)    // remove a member
		is.True(removed) // the membership is removed
		removed, err = tx.RemoveMember(t.Context(), rec.ID, a)
		is.NoErr(err)     // remove the same member again
		is.True(!removed) // a membership ends once
	}, func(r driver.Reader) {
		is.Equal(members(t, r, org, rec.ID), []uuid.UUID{b})   // the other member stays
		is.Equal(members(t, r, org, other.ID), []uuid.UUID{a}) // the user stays a member of other channels
	})
}

// testMemberTx checks driver.MemberTx, when the driver's transactions have
// it: a membership is added and removed once, and only on a live channel
// of the organisation given, never on another organisation's channel, a
// deleted channel or a missing one.
func testMemberTx(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org, otherOrg uuid.UUID
	var live, foreign, gone driver.ChannelRecord
	a, b := uuid.New(), uuid.New()
	supported := false
	commit(t, d, func(tx driver.Tx) {
		_, supported = tx.(driver.MemberTx)
		org, otherOrg = addOrg(t, tx), addOrg(t, tx)
		live, gone = addChannel(t, tx, org), addChannel(t, tx, org)
		foreign = addChannel(t, tx, otherOrg)
		is.NoErr(tx.SetMembers(t.Context(), gone.ID, []uuid.UUID{b}))    // a member of the channel to delete
		is.NoErr(tx.SetMembers(t.Context(), foreign.ID, []uuid.UUID{b})) // a member of the other organisation's channel
		is.NoErr(tx.MarkChannelDeleted(t.Context(), gone.ID, at(10)))    // delete it
	})
	if !supported {
		t.Skip("the driver's transactions have no driver.MemberTx")
	}
	written(t, d, func(tx driver.Tx) {
		m := tx.(driver.MemberTx)
		added, err := m.AddLiveMember(t.Context(), org, live.ID, a)
		is.NoErr(err)  // add a member
		is.True(added) // a new member of a live channel is added
		added, err = m.AddLiveMember(t.Context(), org, live.ID, a)
		is.NoErr(err)   // add the same member again
		is.True(!added) // a member is not added twice
		// Each is not a live channel of the organisation given; member is
		// a member of the channel, so that only that condition keeps the
		// removal from happening.
		for _, c := range []struct {
			org, channel, member uuid.UUID
		}{{otherOrg, live.ID, a}, {org, foreign.ID, b}, {org, gone.ID, b}, {org, uuid.New(), b}} {
			added, err = m.AddLiveMember(t.Context(), c.org, c.channel, uuid.New())
			is.NoErr(err)   // add a new user to a channel that is not a live channel of the organisation
			is.True(!added) // nothing is added
			removed, err := m.RemoveLiveMember(t.Context(), c.org, c.channel, c.member)
			is.NoErr(err)     // remove a member of such a channel
			is.True(!removed) // nothing is removed
		}
		removed, err := m.RemoveLiveMember(t.Context(), org, live.ID, b)
		is.NoErr(err)     // remove a user who is no member
		is.True(!removed) // nothing is removed when there is no membership
		removed, err = m.RemoveLiveMember(t.Context(), org, live.ID, a)
		is.NoErr(err)    // remove the member
		is.True(removed) // the membership ends
		added, err = m.AddLiveMember(t.Context(), org, live.ID, b)
		is.NoErr(err)  // add another member
		is.True(added) // it is added
	}, func(r driver.Reader) {
		is.Equal(members(t, r, org, live.ID), []uuid.UUID{b})         // the live channel has the member added last
		is.Equal(members(t, r, otherOrg, foreign.ID), []uuid.UUID{b}) // the other organisation's channel keeps its member
		ch, err := r.Channel(t.Context(), org, gone.ID)
		is.NoErr(err)      // read the deleted channel
		is.True(ch == nil) // still deleted
	})
}

func testMarkChannelDeleted(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var org uuid.UUID
	var gone, kept driver.ChannelRecord
	user := uuid.New()
	commit(t, d, func(tx driver.Tx) {
		org = addOrg(t, tx)
		gone = addChannel(t, tx, org, archivedChannel, created(at(1)))
		kept = addChannel(t, tx, org, archivedChannel, created(at(2)))
	})
	written(t, d, func(tx driver.Tx) {
		is.NoErr(tx.MarkChannelDeleted(t.Context(), gone.ID, at(10))) // mark channel deleted
	}, func(r driver.Reader) {
		ch, err := r.Channel(t.Context(), org, gone.ID)
		is.NoErr(err)      // read deleted channel
		is.True(ch == nil) // a deleted channel is not found
		ch, err = r.Channel(t.Context(), org, kept.ID)
		is.NoErr(err)                       // read the other channel
		checkChannel(t, ch, kept, uuid.Nil) // the other channel is untouched
		q := driver.ChannelsQuery{OrganisationID: org, UserID: user, IncludeArchived: true, Page: driver.Page{Limit: 10}}
		l, err := r.ListUngroupedChannels(t.Context(), q)
		is.NoErr(err)                                       // list ungrouped channels
		is.Equal(channelIDs(l.Items), []uuid.UUID{kept.ID}) // a deleted channel is not listed as ungrouped
		l, err = r.ListDiscoverableChannels(t.Context(), q)
		is.NoErr(err)                                       // list discoverable channels
		is.Equal(channelIDs(l.Items), []uuid.UUID{kept.ID}) // a deleted channel is not discoverable
	}, func(tx driver.Tx) {
		st, err := tx.ChannelState(t.Context(), org, gone.ID)
		is.NoErr(err)                                                                                  // channel state
		is.True(st.Channel != nil)                                                                     // a deleted channel still has a state
		is.Equal(*st.Channel, driver.ChannelFacts{OrganisationID: org, Deleted: true, Archived: true}) // its facts say it is deleted
		p, err := tx.Placement(t.Context(), org, uuid.New(), gone.ID)
		is.NoErr(err)             // placement
		is.True(p.Channel == nil) // a deleted channel cannot be placed
	})
}

func testChannelState(t *testing.T, d driver.Driver) {
	var org, other, empty uuid.UUID
	var g grouping.Group
	var loose, grouped driver.ChannelRecord
	commit(t, d, func(tx driver.Tx) {
		org, other, empty = addOrg(t, tx), addOrg(t, tx), addOrg(t, tx)
		g = addGroup(t, tx, org, "Sales", 0)
		loose = addChannel(t, tx, org)
		grouped = addChannel(t, tx, org, archivedChannel)
		place(t, tx, g.ID, grouped)
	})
	tests := []struct {
		name      string
		org, ch   uuid.UUID
		orgFound  bool
		wantFacts *driver.ChannelFacts
	}{
		{"Ungrouped", org, loose.ID, true, &driver.ChannelFacts{OrganisationID: org}},
		{"Grouped", org, grouped.ID, true, &driver.ChannelFacts{OrganisationID: org, Archived: true, GroupID: g.ID, GroupName: "Sales"}},
		// The channel is reported in any organisation: the engine decides
		// what a channel of another organisation means.
		{"AskedThroughOtherOrganisation", other, grouped.ID, true, &driver.ChannelFacts{OrganisationID: org, Archived: true, GroupID: g.ID, GroupName: "Sales"}},
		{"AskedThroughUnknownOrganisation", uuid.New(), loose.ID, false, &driver.ChannelFacts{OrganisationID: org}},
		{"UnknownChannel", empty, uuid.New(), true, nil},
		{"UnknownOrganisationAndChannel", uuid.New(), uuid.New(), false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			commit(t, d, func(tx driver.Tx) {
				st, err := tx.ChannelState(t.Context(), tc.org, tc.ch)
				is.NoErr(err)                                    // channel state
				is.Equal(st.OrganisationFound, tc.orgFound)      // whether the organisation exists
				is.Equal(st.Channel != nil, tc.wantFacts != nil) // whether the channel exists
				if tc.wantFacts != nil {
					is.Equal(*st.Channel, *tc.wantFacts) // the channel's facts
				}
			})
		})
	}
}
