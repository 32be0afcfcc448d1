package drivertest

import (
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// channelGroupTests check the channel group primitives and the facts
// attaching decides on.
func channelGroupTests() node {
	return set("ChannelGroups",
		set("InsertChannelGroup",
			leaf("Fields", testInsertChannelGroup),
			leaf("OtherWorkspace", testInsertChannelGroupOtherWorkspace),
		),
		set("Attachment",
			leaf("Cases", testAttachment),
		),
		set("UpdateChannelGroup",
			leaf("NameAndTime", testUpdateChannelGroup),
		),
		set("TouchChannelGroup",
			leaf("TimeOnly", testTouchChannelGroup),
		),
		set("LinkChannel",
			leaf("InPositionOrder", testLinkChannel),
			leaf("PerWorkspace", testLinkChannelPerWorkspace),
		),
		set("UnlinkChannel",
			leaf("Linked", testUnlinkChannel),
			leaf("NotLinked", testUnlinkChannelNotLinked),
		),
		set("DeleteChannelGroup",
			leaf("RemovesLinks", testDeleteChannelGroup),
			leaf("NotFound", testDeleteChannelGroupNotFound),
		),
	)
}

// attachmentOf reads the facts of attaching channelID to an account.
func attachmentOf(t *testing.T, tx driver.Tx, ws, channelID uuid.UUID, platform, account string) driver.Attachment {
	t.Helper()
	is := is.New(t)
	is.Helper()
	att, err := tx.Attachment(t.Context(), ws, channelID, platform, account)
	is.NoErr(err) // attachment
	return att
}

// readChannelGroup reads a channel group of the workspace; nil when there is
// none.
func readChannelGroup(t *testing.T, r driver.Reader, ws, id uuid.UUID) *grouping.ChannelGroup {
	t.Helper()
	is := is.New(t)
	is.Helper()
	cg, err := r.ChannelGroup(t.Context(), ws, id)
	is.NoErr(err) // read channel group
	return cg
}

func testInsertChannelGroup(t *testing.T, d driver.Driver) {
	is := is.New(t)
	ws := uuid.New()
	cg := grouping.ChannelGroup{
		ID:                uuid.New(),
		WorkspaceID:       ws,
		PlatformID:        "whatsapp",
		PlatformGroupID:   "account-1",
		PlatformGroupName: "Support line",
		ChannelIDs:        []uuid.UUID{uuid.New()}, // ignored
		CreatedAt:         at(3),
		UpdatedAt:         at(4),
	}
	want := cg
	want.ChannelIDs = nil
	written(t, d, func(tx driver.Tx) {
		is.NoErr(tx.InsertChannelGroup(t.Context(), cg)) // insert channel group
	}, func(r driver.Reader) {
		checkChannelGroup(t, readChannelGroup(t, r, ws, cg.ID), want) // every field is stored; ChannelIDs given link nothing
	}, func(tx driver.Tx) {
		att := attachmentOf(t, tx, ws, cg.ChannelIDs[0], "whatsapp", "account-1")
		checkChannelGroup(t, att.Account, want) // the account's channel group is found, with every field and no channels
		is.Equal(att.MaxPosition, int64(-1))    // an empty channel group has no largest position
		is.Equal(att.Current, uuid.Nil)         // the channel is in no channel group
	})
}

func testInsertChannelGroupOtherWorkspace(t *testing.T, d driver.Driver) {
	is := is.New(t)
	ws, other := uuid.New(), uuid.New()
	var cg grouping.ChannelGroup
	written(t, d, func(tx driver.Tx) {
		cg = addChannelGroup(t, tx, ws, "whatsapp", "account-1", at(1))
	}, func(r driver.Reader) {
		is.True(readChannelGroup(t, r, other, cg.ID) == nil)   // another workspace's channel group is not found
		is.True(readChannelGroup(t, r, ws, uuid.New()) == nil) // an unknown channel group is not found
	}, func(tx driver.Tx) {
		is.True(attachmentOf(t, tx, other, uuid.New(), "whatsapp", "account-1").Account == nil) // another workspace's account is not found
	})
}

// accounts is a workspace with channel groups of two platforms, and another
// workspace with the same account.
type accounts struct {
	ws, otherWS uuid.UUID
	wa          grouping.ChannelGroup // whatsapp/account-1 of ws: links one (0), two (1)
	tg          grouping.ChannelGroup // telegram/account-1 of ws: empty
	otherWA     grouping.ChannelGroup // whatsapp/account-1 of otherWS: links three (0), one (1)
	one, two    uuid.UUID
	three       uuid.UUID
}

func addAccounts(t *testing.T, tx driver.Tx) accounts {
	t.Helper()
	a := accounts{ws: uuid.New(), otherWS: uuid.New(), one: uuid.New(), two: uuid.New(), three: uuid.New()}
	a.wa = addChannelGroup(t, tx, a.ws, "whatsapp", "account-1", at(1))
	a.tg = addChannelGroup(t, tx, a.ws, "telegram", "account-1", at(2))
	a.otherWA = addChannelGroup(t, tx, a.otherWS, "whatsapp", "account-1", at(1))
	link(t, tx, a.ws, a.wa.ID, a.one, a.two)
	link(t, tx, a.otherWS, a.otherWA.ID, a.three, a.one)
	a.wa.ChannelIDs = []uuid.UUID{a.one, a.two}
	a.otherWA.ChannelIDs = []uuid.UUID{a.three, a.one}
	return a
}

func testAttachment(t *testing.T, d driver.Driver) {
	var a accounts
	commit(t, d, func(tx driver.Tx) { a = addAccounts(t, tx) })
	tests := []struct {
		name              string
		ws, ch            uuid.UUID
		platform, account string
		want              *grouping.ChannelGroup
		maxPos            int64
		current           uuid.UUID
	}{
		{"ChannelInAccount", a.ws, a.one, "whatsapp", "account-1", &a.wa, 1, a.wa.ID},
		{"SameAccountOtherPlatform", a.ws, a.one, "telegram", "account-1", &a.tg, -1, a.wa.ID},
		{"UnknownAccount", a.ws, a.three, "whatsapp", "account-2", nil, -1, uuid.Nil},
		{"OtherWorkspace", a.otherWS, a.one, "whatsapp", "account-1", &a.otherWA, 1, a.otherWA.ID},
		{"OtherWorkspaceUnlinkedChannel", a.otherWS, a.two, "whatsapp", "account-1", &a.otherWA, 1, uuid.Nil},
		{"UnknownWorkspace", uuid.New(), a.one, "whatsapp", "account-1", nil, -1, uuid.Nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			commit(t, d, func(tx driver.Tx) {
				att := attachmentOf(t, tx, tc.ws, tc.ch, tc.platform, tc.account)
				is.Equal(att.Account != nil, tc.want != nil) // whether the workspace's channel group of the account is found
				if tc.want != nil {
					// The channel group of exactly that workspace, platform
					// and account, with its channels in link order.
					checkChannelGroup(t, att.Account, *tc.want)
				}
				is.Equal(att.MaxPosition, tc.maxPos) // the largest link position in the account's channel group
				is.Equal(att.Current, tc.current)    // the workspace's channel group the channel is in
			})
		})
	}
}

func testUpdateChannelGroup(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var a accounts
	commit(t, d, func(tx driver.Tx) { a = addAccounts(t, tx) })
	want := a.wa
	want.PlatformGroupName, want.UpdatedAt = "Renamed", at(20)
	written(t, d, func(tx driver.Tx) {
		is.NoErr(tx.UpdateChannelGroup(t.Context(), a.wa.ID, "Renamed", at(20))) // update channel group
	}, func(r driver.Reader) {
		checkChannelGroup(t, readChannelGroup(t, r, a.ws, a.wa.ID), want)                // name and UpdatedAt change; links and the rest stay
		checkChannelGroup(t, readChannelGroup(t, r, a.otherWS, a.otherWA.ID), a.otherWA) // the same account in another workspace is untouched
	}, func(tx driver.Tx) {
		att := attachmentOf(t, tx, a.ws, a.one, "whatsapp", "account-1")
		is.Equal(att.Account.PlatformGroupName, "Renamed") // the facts show the new name
	})
}

func testTouchChannelGroup(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var a accounts
	commit(t, d, func(tx driver.Tx) { a = addAccounts(t, tx) })
	want := a.wa
	want.UpdatedAt = at(30)
	written(t, d, func(tx driver.Tx) {
		is.NoErr(tx.TouchChannelGroup(t.Context(), a.wa.ID, at(30))) // touch channel group
	}, func(r driver.Reader) {
		checkChannelGroup(t, readChannelGroup(t, r, a.ws, a.wa.ID), want) // only UpdatedAt changes
		checkChannelGroup(t, readChannelGroup(t, r, a.ws, a.tg.ID), a.tg) // other channel groups are untouched
	})
}

func testLinkChannel(t *testing.T, d driver.Driver) {
	is := is.New(t)
	ws := uuid.New()
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	var cg grouping.ChannelGroup
	written(t, d, func(tx driver.Tx) {
		cg = addChannelGroup(t, tx, ws, "whatsapp", "account-1", at(1))
		is.NoErr(tx.LinkChannel(t.Context(), ws, a, cg.ID, 0)) // link at 0
		is.NoErr(tx.LinkChannel(t.Context(), ws, b, cg.ID, 3)) // link at 3, after a gap
		is.NoErr(tx.LinkChannel(t.Context(), ws, c, cg.ID, 4)) // link at 4
	}, func(r driver.Reader) {
		got := readChannelGroup(t, r, ws, cg.ID)
		is.True(got != nil)                            // the channel group is found
		is.Equal(got.ChannelIDs, []uuid.UUID{a, b, c}) // the linked channels, in link order
	}, func(tx driver.Tx) {
		att := attachmentOf(t, tx, ws, b, "whatsapp", "account-1")
		is.Equal(att.MaxPosition, int64(4)) // the largest position given
		is.Equal(att.Current, cg.ID)        // the channel is in the channel group
	})
}

func testLinkChannelPerWorkspace(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var a accounts
	commit(t, d, func(tx driver.Tx) { a = addAccounts(t, tx) })
	// addAccounts linked a.one in both workspaces; each keeps its own.
	commit(t, d, func(tx driver.Tx) {
		is.Equal(attachmentOf(t, tx, a.ws, a.one, "x", "y").Current, a.wa.ID)           // linked in the first workspace
		is.Equal(attachmentOf(t, tx, a.otherWS, a.one, "x", "y").Current, a.otherWA.ID) // and in the second
	})
	checkChannelGroup(t, readChannelGroup(t, d, a.ws, a.wa.ID), a.wa)                // the first holds its links
	checkChannelGroup(t, readChannelGroup(t, d, a.otherWS, a.otherWA.ID), a.otherWA) // the second holds its own
}

func testUnlinkChannel(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var a accounts
	commit(t, d, func(tx driver.Tx) { a = addAccounts(t, tx) })
	want := a.wa
	want.ChannelIDs = []uuid.UUID{a.one}
	written(t, d, func(tx driver.Tx) {
		from, err := tx.UnlinkChannel(t.Context(), a.ws, a.two)
		is.NoErr(err)           // unlink channel
		is.Equal(from, a.wa.ID) // the channel group the channel was in
	}, func(r driver.Reader) {
		checkChannelGroup(t, readChannelGroup(t, r, a.ws, a.wa.ID), want) // the channel left the channel group
	}, func(tx driver.Tx) {
		att := attachmentOf(t, tx, a.ws, a.two, "whatsapp", "account-1")
		is.Equal(att.Current, uuid.Nil)     // the channel is in no channel group
		is.Equal(att.MaxPosition, int64(0)) // the largest position is the remaining link's
	})
	written(t, d, func(tx driver.Tx) {
		from, err := tx.UnlinkChannel(t.Context(), a.ws, a.one)
		is.NoErr(err)           // unlink a channel linked in two workspaces
		is.Equal(from, a.wa.ID) // the channel group of the workspace asked for
	}, func(r driver.Reader) {
		checkChannelGroup(t, readChannelGroup(t, r, a.otherWS, a.otherWA.ID), a.otherWA) // the other workspace keeps its link
		got := readChannelGroup(t, r, a.ws, a.wa.ID)
		is.True(got != nil)                     // the emptied channel group stays
		is.Equal(got.ChannelIDs, []uuid.UUID{}) // with no channels
	})
}

func testUnlinkChannelNotLinked(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var a accounts
	commit(t, d, func(tx driver.Tx) { a = addAccounts(t, tx) })
	tests := []struct {
		name   string
		ws, ch uuid.UUID
	}{
		{"UnknownChannel", a.ws, uuid.New()},
		{"LinkedInOtherWorkspaceOnly", a.ws, a.three},
		{"UnknownWorkspace", uuid.New(), a.one},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			commit(t, d, func(tx driver.Tx) {
				from, err := tx.UnlinkChannel(t.Context(), tc.ws, tc.ch)
				is.NoErr(err)            // unlink a channel that is not linked
				is.Equal(from, uuid.Nil) // uuid.Nil: the channel was in no channel group of the workspace
			})
		})
	}
	checkChannelGroup(t, readChannelGroup(t, d, a.ws, a.wa.ID), a.wa)                // the workspace's links stay
	checkChannelGroup(t, readChannelGroup(t, d, a.otherWS, a.otherWA.ID), a.otherWA) // the other workspace's links stay
}

func testDeleteChannelGroup(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var a accounts
	commit(t, d, func(tx driver.Tx) { a = addAccounts(t, tx) })
	var again grouping.ChannelGroup
	written(t, d, func(tx driver.Tx) {
		deleted, err := tx.DeleteChannelGroup(t.Context(), a.ws, a.wa.ID)
		is.NoErr(err)    // delete channel group
		is.True(deleted) // an existing channel group is deleted
		// The account is free again, in the same transaction.
		again = addChannelGroup(t, tx, a.ws, "whatsapp", "account-1", at(9))
	}, func(r driver.Reader) {
		is.True(readChannelGroup(t, r, a.ws, a.wa.ID) == nil)                            // the deleted channel group is not found
		checkChannelGroup(t, readChannelGroup(t, r, a.ws, again.ID), again)              // the new one for the same account holds no old link
		checkChannelGroup(t, readChannelGroup(t, r, a.ws, a.tg.ID), a.tg)                // other channel groups stay
		checkChannelGroup(t, readChannelGroup(t, r, a.otherWS, a.otherWA.ID), a.otherWA) // the same account in another workspace stays
		l, err := r.ListChannelGroups(t.Context(), driver.ChannelGroupsQuery{WorkspaceID: a.ws, Page: driver.Page{Limit: 10}})
		is.NoErr(err)             // list channel groups
		is.Equal(len(l.Items), 2) // the deleted channel group is not listed
	}, func(tx driver.Tx) {
		for _, ch := range []uuid.UUID{a.one, a.two} {
			att := attachmentOf(t, tx, a.ws, ch, "whatsapp", "account-1")
			is.Equal(att.Current, uuid.Nil)      // the links of the deleted channel group are gone
			is.Equal(att.Account.ID, again.ID)   // the account's channel group is the new one
			is.Equal(att.MaxPosition, int64(-1)) // which is empty
		}
		is.Equal(attachmentOf(t, tx, a.otherWS, a.one, "x", "y").Current, a.otherWA.ID) // the channel's link in another workspace stays
	})
}

func testDeleteChannelGroupNotFound(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var a accounts
	commit(t, d, func(tx driver.Tx) {
		a = addAccounts(t, tx)
		deleted, err := tx.DeleteChannelGroup(t.Context(), a.ws, a.tg.ID)
		is.NoErr(err)    // delete channel group
		is.True(deleted) // it existed
	})
	tests := []struct {
		name   string
		ws, id uuid.UUID
	}{
		{"AlreadyDeleted", a.ws, a.tg.ID},
		{"OtherWorkspacesChannelGroup", a.ws, a.otherWA.ID},
		{"UnknownWorkspace", uuid.New(), a.wa.ID},
		{"Unknown", a.ws, uuid.New()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			commit(t, d, func(tx driver.Tx) {
				deleted, err := tx.DeleteChannelGroup(t.Context(), tc.ws, tc.id)
				is.NoErr(err)     // delete a channel group the workspace does not have
				is.True(!deleted) // false: there was no such channel group
			})
		})
	}
	checkChannelGroup(t, readChannelGroup(t, d, a.ws, a.wa.ID), a.wa)                // the workspace's channel group stays
	checkChannelGroup(t, readChannelGroup(t, d, a.otherWS, a.otherWA.ID), a.otherWA) // the other workspace's stays, links included
}
