package storetest

import (
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// mirrorTests cover the host's copy of organisations, channels and
// memberships.
func mirrorTests() tree {
	return branch("Mirror",
		branch("Organisation",
			leaf("Create", testOrganisationCreate),
			leaf("RenameKeepsCreatedAt", testOrganisationRename),
			leaf("NameTrimmed", testOrganisationNameTrimmed),
		),
		branch("Channel",
			leaf("Create", testChannelCreate),
			leaf("ZeroCreatedAtIsSet", testChannelZeroCreatedAt),
			leaf("UpdateFields", testChannelUpdateFields),
			leaf("WithoutOwner", testChannelWithoutOwner),
			leaf("ZeroCreatedAtKeepsCreation", testChannelZeroCreatedAtKeeps),
			leaf("GivenCreatedAtReplacesCreation", testChannelGivenCreatedAt),
			leaf("NilUsersKeepMembership", testChannelNilUsers),
			leaf("UsersReplaceMembership", testChannelUsersReplace),
			leaf("DuplicateUsersIgnored", testChannelDuplicateUsers),
			leaf("UpdateKeepsGroup", testChannelUpdateKeepsGroup),
			leaf("OtherOrganisationIsConflict", testChannelOtherOrganisation),
			leaf("UnknownOrganisationIsNotFound", testChannelUnknownOrganisation),
			leaf("DeletedIsConflict", testChannelDeletedUpsert),
		),
		branch("GetChannel",
			leaf("ReturnsMembers", testGetChannelMembers),
			leaf("UnknownIsNotFound", testGetChannelUnknown),
		),
		branch("DeleteChannel",
			leaf("LeavesGroupAndLists", testDeleteChannelLeavesLists),
			leaf("CannotBeGroupedAgain", testDeleteChannelNoGrouping),
			leaf("GroupOrderWithoutIt", testDeleteChannelReorder),
			leaf("TwiceIsNotFound", testDeleteChannelTwice),
		),
		branch("Members",
			leaf("AddIsIdempotent", testMemberAddIdempotent),
			leaf("Remove", testMemberRemove),
			leaf("RemoveNonMemberIsNotFound", testMemberRemoveNonMember),
			leaf("UnknownChannelIsNotFound", testMemberUnknownChannel),
		),
	)
}

func testOrganisationCreate(t *testing.T, s grouping.Store) {
	is := is.New(t)
	id := uuid.New()
	org, err := s.UpsertOrganisation(t.Context(), grouping.Organisation{ID: id, Name: "Acme"})
	is.NoErr(err)              // create organisation
	is.Equal(org.ID, id)       // same ID
	is.Equal(org.Name, "Acme") // same name
	checkTime(t, "CreatedAt", org.CreatedAt)

	// The organisation exists now: its lists answer.
	_, err = s.ListGroups(t.Context(), id, grouping.ListGroupsOptions{})
	is.NoErr(err) // the new organisation is known
}

func testOrganisationRename(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	renamed, err := s.UpsertOrganisation(t.Context(), grouping.Organisation{ID: org.ID, Name: "Renamed"})
	is.NoErr(err)                                   // rename organisation
	is.Equal(renamed.ID, org.ID)                    // same organisation
	is.Equal(renamed.Name, "Renamed")               // new name
	is.True(renamed.CreatedAt.Equal(org.CreatedAt)) // creation time kept
}

func testOrganisationNameTrimmed(t *testing.T, s grouping.Store) {
	is := is.New(t)
	id := uuid.New()
	org, err := s.UpsertOrganisation(t.Context(), grouping.Organisation{ID: id, Name: "  Acme Corp\u3000"})
	is.NoErr(err)                   // create organisation with a padded name
	is.Equal(org.Name, "Acme Corp") // surrounding white space trimmed
	renamed, err := s.UpsertOrganisation(t.Context(), grouping.Organisation{ID: id, Name: "\u00a0Renamed "})
	is.NoErr(err)                                   // rename with a padded name
	is.Equal(renamed.Name, "Renamed")               // trimmed too
	is.True(renamed.CreatedAt.Equal(org.CreatedAt)) // the same organisation
}

func testChannelCreate(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	u1, u2 := uuid.New(), uuid.New()
	up := grouping.ChannelUpsert{
		ID:             uuid.New(),
		OrganisationID: org.ID,
		Name:           "general",
		Description:    "Company-wide announcements",
		OwnerID:        uuid.New(),
		Archived:       false,
		MessageCount:   42,
		CreatedAt:      at(0),
		Users:          []uuid.UUID{u1, u2},
	}
	ch, err := s.UpsertChannel(t.Context(), up)
	is.NoErr(err)                                                 // create channel
	is.Equal(ch.ID, up.ID)                                        // ID
	is.Equal(ch.Name, up.Name)                                    // name
	is.Equal(ch.Description, up.Description)                      // description
	is.Equal(ch.OrganisationID, org.ID)                           // organisation
	is.Equal(ch.OwnerID, up.OwnerID)                              // owner
	is.Equal(ch.MessageCount, int64(42))                          // message count as given
	is.Equal(ch.Archived, false)                                  // not archived
	is.Equal(sortedIDs(ch.Users), sortedIDs([]uuid.UUID{u1, u2})) // members
	is.Equal(ch.UserCount, 2)                                     // user count derived from members
	is.True(ch.GroupID == nil)                                    // a new channel is in no group
	is.True(ch.DeletedAt == nil)                                  // not deleted
	is.True(ch.CreatedAt.Equal(at(0)))                            // creation time as given

	got := mustGetChannel(t, s, org.ID, ch.ID)
	is.Equal(got.Name, ch.Name)                         // stored name
	is.Equal(got.Description, ch.Description)           // stored description
	is.Equal(got.OwnerID, ch.OwnerID)                   // stored owner
	is.Equal(got.MessageCount, ch.MessageCount)         // stored message count
	is.Equal(got.UserCount, 2)                          // stored user count
	is.Equal(sortedIDs(got.Users), sortedIDs(ch.Users)) // stored members
	is.True(got.CreatedAt.Equal(at(0)))                 // stored creation time
}

func testChannelZeroCreatedAt(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	ch := mustChannel(t, s, org.ID)
	is.True(!ch.CreatedAt.IsZero()) // a zero creation time means now
	checkTime(t, "CreatedAt", ch.CreatedAt)
	got := mustGetChannel(t, s, org.ID, ch.ID)
	is.True(got.CreatedAt.Equal(ch.CreatedAt)) // the creation time is stored
}

func testChannelUpdateFields(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	ch := mustChannel(t, s, org.ID, createdAt(at(0)))
	up := grouping.ChannelUpsert{
		ID:             ch.ID,
		OrganisationID: org.ID,
		Name:           "renamed",
		Description:    "new description",
		OwnerID:        uuid.New(),
		Archived:       true,
		MessageCount:   7,
	}
	got, err := s.UpsertChannel(t.Context(), up)
	is.NoErr(err)                                // update channel
	is.Equal(got.ID, ch.ID)                      // same channel
	is.Equal(got.Name, "renamed")                // name updated
	is.Equal(got.Description, "new description") // description updated
	is.Equal(got.OwnerID, up.OwnerID)            // owner updated
	is.Equal(got.Archived, true)                 // archived updated
	is.Equal(got.MessageCount, int64(7))         // message count updated

	again := mustGetChannel(t, s, org.ID, ch.ID)
	is.Equal(again.Name, "renamed")        // update stored
	is.Equal(again.Archived, true)         // archive stored
	is.Equal(again.MessageCount, int64(7)) // message count stored
	is.Equal(again.OwnerID, up.OwnerID)    // owner stored
}

// testChannelWithoutOwner checks that the owner is optional: a channel
// upserted with the nil UUID as OwnerID is stored, read and listed with
// it, and an owner can be given and taken away again.
func testChannelWithoutOwner(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	ch := mustChannel(t, s, org.ID, withOwner(uuid.Nil))
	is.Equal(ch.OwnerID, uuid.Nil)                                  // a channel without owner is created
	is.Equal(mustGetChannel(t, s, org.ID, ch.ID).OwnerID, uuid.Nil) // and read back without owner
	listed := ungrouped(t, s, org.ID, false)
	is.Equal(len(listed), 1)              // listed
	is.Equal(listed[0].OwnerID, uuid.Nil) // without owner

	owner := uuid.New()
	got, err := s.UpsertChannel(t.Context(), grouping.ChannelUpsert{ID: ch.ID, OrganisationID: org.ID, Name: ch.Name, OwnerID: owner})
	is.NoErr(err)                                                // an owner is given
	is.Equal(got.OwnerID, owner)                                 // and kept
	is.Equal(mustGetChannel(t, s, org.ID, ch.ID).OwnerID, owner) // stored
	got, err = s.UpsertChannel(t.Context(), grouping.ChannelUpsert{ID: ch.ID, OrganisationID: org.ID, Name: ch.Name})
	is.NoErr(err)                                                   // the owner becomes unknown again
	is.Equal(got.OwnerID, uuid.Nil)                                 // as upserted
	is.Equal(mustGetChannel(t, s, org.ID, ch.ID).OwnerID, uuid.Nil) // and stored
}

func testChannelZeroCreatedAtKeeps(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	ch := mustChannel(t, s, org.ID, createdAt(at(5)))
	got, err := s.UpsertChannel(t.Context(), grouping.ChannelUpsert{ID: ch.ID, OrganisationID: org.ID, Name: "x", OwnerID: ch.OwnerID})
	is.NoErr(err)                                                       // update channel
	is.True(got.CreatedAt.Equal(at(5)))                                 // zero CreatedAt leaves the creation time alone
	is.True(mustGetChannel(t, s, org.ID, ch.ID).CreatedAt.Equal(at(5))) // and so does the stored one
}

func testChannelGivenCreatedAt(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	ch := mustChannel(t, s, org.ID, createdAt(at(5)))
	got, err := s.UpsertChannel(t.Context(), grouping.ChannelUpsert{ID: ch.ID, OrganisationID: org.ID, Name: "x", OwnerID: ch.OwnerID, CreatedAt: at(-1000)})
	is.NoErr(err)                                                           // update channel
	is.True(got.CreatedAt.Equal(at(-1000)))                                 // a given CreatedAt replaces the creation time
	is.True(mustGetChannel(t, s, org.ID, ch.ID).CreatedAt.Equal(at(-1000))) // stored
}

func testChannelNilUsers(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	u1, u2 := uuid.New(), uuid.New()
	ch := mustChannel(t, s, org.ID, members(u1, u2))
	got, err := s.UpsertChannel(t.Context(), grouping.ChannelUpsert{ID: ch.ID, OrganisationID: org.ID, Name: "x", OwnerID: ch.OwnerID})
	is.NoErr(err)                                                  // update without Users
	is.Equal(sortedIDs(got.Users), sortedIDs([]uuid.UUID{u1, u2})) // nil Users leaves membership alone
	is.Equal(got.UserCount, 2)                                     // count unchanged
	again := mustGetChannel(t, s, org.ID, ch.ID)
	is.Equal(sortedIDs(again.Users), sortedIDs([]uuid.UUID{u1, u2})) // stored membership unchanged
}

func testChannelUsersReplace(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	u1, u2, u3 := uuid.New(), uuid.New(), uuid.New()
	ch := mustChannel(t, s, org.ID, members(u1, u2))
	up := grouping.ChannelUpsert{ID: ch.ID, OrganisationID: org.ID, Name: "x", OwnerID: ch.OwnerID, Users: []uuid.UUID{u3}}
	got, err := s.UpsertChannel(t.Context(), up)
	is.NoErr(err)                                                        // replace members
	is.Equal(got.Users, []uuid.UUID{u3})                                 // Users replaces the membership
	is.Equal(got.UserCount, 1)                                           // count follows
	is.Equal(mustGetChannel(t, s, org.ID, ch.ID).Users, []uuid.UUID{u3}) // stored

	up.Users = []uuid.UUID{}
	got, err = s.UpsertChannel(t.Context(), up)
	is.NoErr(err)               // remove every member
	is.Equal(len(got.Users), 0) // an empty Users removes every member
	is.Equal(got.UserCount, 0)  // count follows
	again := mustGetChannel(t, s, org.ID, ch.ID)
	is.Equal(len(again.Users), 0) // stored
	is.Equal(again.UserCount, 0)  // stored count
}

func testChannelDuplicateUsers(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	u1, u2 := uuid.New(), uuid.New()
	ch := mustChannel(t, s, org.ID, members(u1, u2, u1, u1))
	is.Equal(sortedIDs(ch.Users), sortedIDs([]uuid.UUID{u1, u2})) // duplicates are ignored
	is.Equal(ch.UserCount, 2)                                     // and not counted
	got := mustGetChannel(t, s, org.ID, ch.ID)
	is.Equal(got.UserCount, 2) // stored once each
}

func testChannelUpdateKeepsGroup(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Team")
	ch := mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, g.ID, ch)
	got, err := s.UpsertChannel(t.Context(), grouping.ChannelUpsert{ID: ch.ID, OrganisationID: org.ID, Name: "renamed", OwnerID: ch.OwnerID})
	is.NoErr(err)                                                          // update channel
	is.True(got.GroupID != nil && *got.GroupID == g.ID)                    // an upsert keeps the channel's group
	is.Equal(channelIDs(groupChannels(t, s, org.ID, g.ID, true)), ids(ch)) // still listed in its group
}

func testChannelOtherOrganisation(t *testing.T, s grouping.Store) {
	is := is.New(t)
	a, b := mustOrg(t, s), mustOrg(t, s)
	ch := mustChannel(t, s, a.ID, named("a-channel"))
	_, err := s.UpsertChannel(t.Context(), grouping.ChannelUpsert{ID: ch.ID, OrganisationID: b.ID, Name: "stolen", OwnerID: uuid.New()})
	wantCode(t, err, grouping.Conflict) // a channel belongs to one organisation for life
	got := mustGetChannel(t, s, a.ID, ch.ID)
	is.Equal(got.Name, "a-channel") // unchanged in its own organisation
	_, err = s.GetChannel(t.Context(), b.ID, ch.ID)
	wantCode(t, err, grouping.NotFound)           // and not visible in the other
	is.Equal(len(ungrouped(t, s, b.ID, true)), 0) // nothing was added to the other organisation
}

func testChannelUnknownOrganisation(t *testing.T, s grouping.Store) {
	is := is.New(t)
	orgID := uuid.New()
	chID := uuid.New()
	_, err := s.UpsertChannel(t.Context(), grouping.ChannelUpsert{ID: chID, OrganisationID: orgID, Name: "x", OwnerID: uuid.New()})
	wantCode(t, err, grouping.NotFound) // unknown organisation

	// Creating the organisation afterwards shows that nothing was stored.
	_, err = s.UpsertOrganisation(t.Context(), grouping.Organisation{ID: orgID, Name: "Late"})
	is.NoErr(err) // create organisation
	_, err = s.GetChannel(t.Context(), orgID, chID)
	wantCode(t, err, grouping.NotFound) // the failed upsert stored nothing
}

func testChannelDeletedUpsert(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	ch := mustChannel(t, s, org.ID)
	mustDeleteChannel(t, s, org.ID, ch.ID)
	_, err := s.UpsertChannel(t.Context(), grouping.ChannelUpsert{ID: ch.ID, OrganisationID: org.ID, Name: "back", OwnerID: ch.OwnerID})
	wantCode(t, err, grouping.Conflict) // a deleted channel cannot be upserted
	_, err = s.GetChannel(t.Context(), org.ID, ch.ID)
	wantCode(t, err, grouping.NotFound) // still deleted
}

func testGetChannelMembers(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	u1 := uuid.New()
	ch := mustChannel(t, s, org.ID, members(u1))
	u2 := uuid.New()
	is.NoErr(s.AddChannelMember(t.Context(), org.ID, ch.ID, u2)) // add member
	got := mustGetChannel(t, s, org.ID, ch.ID)
	is.Equal(sortedIDs(got.Users), sortedIDs([]uuid.UUID{u1, u2})) // members listed
	is.Equal(got.UserCount, 2)                                     // count follows members
}

func testGetChannelUnknown(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	ch := mustChannel(t, s, org.ID)
	_, err := s.GetChannel(t.Context(), org.ID, uuid.New())
	wantCode(t, err, grouping.NotFound) // unknown channel
	_, err = s.GetChannel(t.Context(), uuid.New(), ch.ID)
	wantCode(t, err, grouping.NotFound) // unknown organisation
}

func testDeleteChannelLeavesLists(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	user := uuid.New()
	g := mustGroup(t, s, org.ID, "Team")
	grouped := mustChannel(t, s, org.ID, createdAt(at(0)))
	loose := mustChannel(t, s, org.ID, createdAt(at(1)))
	archivedLoose := mustChannel(t, s, org.ID, createdAt(at(2)), archived())
	keep := mustChannel(t, s, org.ID, createdAt(at(3)))
	mustAssign(t, s, org.ID, g.ID, grouped, keep)

	for _, ch := range []grouping.Channel{grouped, loose, archivedLoose} {
		mustDeleteChannel(t, s, org.ID, ch.ID)
		_, err := s.GetChannel(t.Context(), org.ID, ch.ID)
		wantCode(t, err, grouping.NotFound) // a deleted channel is not found
	}

	is.Equal(channelIDs(groupChannels(t, s, org.ID, g.ID, true)), ids(keep)) // the deleted channel left its group
	is.Equal(channelIDs(ungrouped(t, s, org.ID, true)), ids())               // deleted channels are not ungrouped
	is.Equal(channelIDs(discoverable(t, s, org.ID, user, true)), ids(keep))  // nor discoverable
	gs := listGroups(t, s, org.ID, grouping.ListGroupsOptions{IncludeChannels: true})
	is.Equal(len(gs), 1)                            // one group
	is.Equal(channelIDs(gs[0].Channels), ids(keep)) // nor included with its group
	got, err := s.GetGroup(t.Context(), org.ID, g.ID, grouping.GetGroupOptions{IncludeChannels: true})
	is.NoErr(err)                                 // get group
	is.Equal(channelIDs(got.Channels), ids(keep)) // nor in the group's channels
}

func testDeleteChannelNoGrouping(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Team")
	other := mustGroup(t, s, org.ID, "Other")
	ch := mustChannel(t, s, org.ID)
	grouped := mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, g.ID, grouped)
	mustDeleteChannel(t, s, org.ID, ch.ID)
	mustDeleteChannel(t, s, org.ID, grouped.ID)

	wantCode(t, s.AssignChannel(t.Context(), org.ID, g.ID, ch.ID), grouping.NotFound)          // a deleted channel cannot be assigned
	wantCode(t, s.MoveChannel(t.Context(), org.ID, g.ID, ch.ID), grouping.NotFound)            // nor moved
	wantCode(t, s.MoveChannel(t.Context(), org.ID, other.ID, grouped.ID), grouping.NotFound)   // nor moved out of its old group
	wantCode(t, s.RemoveChannel(t.Context(), org.ID, g.ID, grouped.ID), grouping.NotFound)     // nor removed
	wantCode(t, s.AddChannelMember(t.Context(), org.ID, ch.ID, uuid.New()), grouping.NotFound) // nor given members
}

func testDeleteChannelReorder(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Team")
	c1, c2, c3 := mustChannel(t, s, org.ID), mustChannel(t, s, org.ID), mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, g.ID, c1, c2, c3)
	mustDeleteChannel(t, s, org.ID, c2.ID)
	err := s.ReorderGroupChannels(t.Context(), org.ID, g.ID, []uuid.UUID{c3.ID, c2.ID, c1.ID})
	wantCode(t, err, grouping.Invalid)                                                     // a deleted channel is no longer one of the group's channels
	is.NoErr(s.ReorderGroupChannels(t.Context(), org.ID, g.ID, []uuid.UUID{c3.ID, c1.ID})) // the remaining channels
	is.Equal(channelIDs(groupChannels(t, s, org.ID, g.ID, true)), ids(c3, c1))             // new order
}

func testDeleteChannelTwice(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	ch := mustChannel(t, s, org.ID)
	mustDeleteChannel(t, s, org.ID, ch.ID)
	wantCode(t, s.DeleteChannel(t.Context(), org.ID, ch.ID), grouping.NotFound)      // already deleted
	wantCode(t, s.DeleteChannel(t.Context(), org.ID, uuid.New()), grouping.NotFound) // unknown channel
	other := mustChannel(t, s, org.ID)
	wantCode(t, s.DeleteChannel(t.Context(), uuid.New(), other.ID), grouping.NotFound) // unknown organisation
}

func testMemberAddIdempotent(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	ch := mustChannel(t, s, org.ID)
	u := uuid.New()
	is.NoErr(s.AddChannelMember(t.Context(), org.ID, ch.ID, u)) // add member
	is.NoErr(s.AddChannelMember(t.Context(), org.ID, ch.ID, u)) // adding twice is not an error
	got := mustGetChannel(t, s, org.ID, ch.ID)
	is.Equal(got.Users, []uuid.UUID{u}) // member listed once
	is.Equal(got.UserCount, 1)          // and counted once
}

func testMemberRemove(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	u1, u2 := uuid.New(), uuid.New()
	ch := mustChannel(t, s, org.ID, members(u1, u2))
	is.NoErr(s.RemoveChannelMember(t.Context(), org.ID, ch.ID, u1)) // remove member
	got := mustGetChannel(t, s, org.ID, ch.ID)
	is.Equal(got.Users, []uuid.UUID{u2})                                 // the other member stays
	is.Equal(got.UserCount, 1)                                           // count follows
	is.Equal(channelIDs(discoverable(t, s, org.ID, u1, false)), ids(ch)) // a former member can discover the channel
}

func testMemberRemoveNonMember(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	u := uuid.New()
	ch := mustChannel(t, s, org.ID, members(u))
	wantCode(t, s.RemoveChannelMember(t.Context(), org.ID, ch.ID, uuid.New()), grouping.NotFound) // not a member
	is.Equal(mustGetChannel(t, s, org.ID, ch.ID).Users, []uuid.UUID{u})                           // membership unchanged
}

func testMemberUnknownChannel(t *testing.T, s grouping.Store) {
	org := mustOrg(t, s)
	ch := mustChannel(t, s, org.ID)
	u := uuid.New()
	wantCode(t, s.AddChannelMember(t.Context(), org.ID, uuid.New(), u), grouping.NotFound)    // unknown channel
	wantCode(t, s.RemoveChannelMember(t.Context(), org.ID, uuid.New(), u), grouping.NotFound) // unknown channel
	wantCode(t, s.AddChannelMember(t.Context(), uuid.New(), ch.ID, u), grouping.NotFound)     // unknown organisation
	wantCode(t, s.RemoveChannelMember(t.Context(), uuid.New(), ch.ID, u), grouping.NotFound)  // unknown organisation
}
