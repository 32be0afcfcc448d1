package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// channelGroupTests cover a workspace's channel groups.
func channelGroupTests() tree {
	return branch("ChannelGroups",
		branch("Attach",
			leaf("Creates", testAttachCreates),
			leaf("AppendsInAttachOrder", testAttachAppends),
			leaf("SameAccountIsIdempotent", testAttachIdempotent),
			leaf("RefreshesName", testAttachRefreshesName),
			leaf("WithoutNameKeepsName", testAttachKeepsName),
			leaf("OtherAccountMovesChannel", testAttachMoves),
			leaf("AccountIsPlatformAndGroupID", testAttachAccountKey),
			leaf("InvalidInputStoresNothing", testAttachInvalid),
			leaf("ValidLimits", testAttachValidLimits),
		),
		branch("Detach",
			leaf("ChannelGroupStays", testDetach),
			leaf("NotAttachedIsNotFound", testDetachNotAttached),
		),
		branch("List",
			leaf("CreationThenIDOrder", testListChannelGroupsOrder),
			leaf("PlatformFilter", testListChannelGroupsFilter),
			leaf("EmptyWorkspaceIsNotNil", testListChannelGroupsEmpty),
			leaf("InvalidPlatformFilter", testListChannelGroupsBadFilter),
		),
		branch("Get",
			leaf("ReturnsAttached", testGetChannelGroup),
			leaf("UnknownIsNotFound", testGetChannelGroupUnknown),
		),
		branch("Delete",
			leaf("RemovesLinks", testDeleteChannelGroup),
			leaf("TwiceIsNotFound", testDeleteChannelGroupTwice),
		),
	)
}

func attach(platformID, platformGroupID, name string) grouping.ChannelGroupAttach {
	return grouping.ChannelGroupAttach{PlatformID: platformID, PlatformGroupID: platformGroupID, PlatformGroupName: name}
}

// holders returns the channel groups of the workspace that list channelID.
func holders(t *testing.T, s grouping.Store, workspaceID, channelID uuid.UUID) []grouping.ChannelGroup {
	t.Helper()
	var out []grouping.ChannelGroup
	for _, cg := range channelGroups(t, s, workspaceID, "") {
		if slices.Contains(cg.ChannelIDs, channelID) {
			out = append(out, cg)
		}
	}
	return out
}

func testAttachCreates(t *testing.T, s grouping.Store) {
	is := is.New(t)
	ws, ch := uuid.New(), uuid.New()
	cg, err := s.AttachChannel(t.Context(), ws, ch, attach("whatsapp", "1234567890", "Acme Support"))
	is.NoErr(err)                                  // attach channel
	is.True(cg.ID != uuid.Nil)                     // ID assigned
	is.Equal(cg.WorkspaceID, ws)                   // workspace
	is.Equal(cg.PlatformID, "whatsapp")            // platform
	is.Equal(cg.PlatformGroupID, "1234567890")     // account
	is.Equal(cg.PlatformGroupName, "Acme Support") // name
	is.Equal(cg.ChannelIDs, []uuid.UUID{ch})       // holds the channel
	is.True(!cg.UpdatedAt.Before(cg.CreatedAt))    // updated no earlier than created
	checkChannelGroupTimes(t, cg)

	is.Equal(mustGetChannelGroup(t, s, ws, cg.ID), cg)                 // get returns it as attach did
	is.Equal(channelGroups(t, s, ws, ""), []grouping.ChannelGroup{cg}) // and so does the list
}

func testAttachAppends(t *testing.T, s grouping.Store) {
	is := is.New(t)
	ws := uuid.New()
	c1, c2, c3 := uuid.New(), uuid.New(), uuid.New()
	var cg grouping.ChannelGroup
	for _, ch := range []uuid.UUID{c2, c3, c1} {
		cg = mustAttach(t, s, ws, ch, "whatsapp", "acct", "Acme")
	}
	is.Equal(cg.ChannelIDs, []uuid.UUID{c2, c3, c1})                                   // attach order
	is.Equal(mustGetChannelGroup(t, s, ws, cg.ID).ChannelIDs, []uuid.UUID{c2, c3, c1}) // stored in attach order
	is.Equal(len(channelGroups(t, s, ws, "")), 1)                                      // one channel group for the account
}

func testAttachIdempotent(t *testing.T, s grouping.Store) {
	is := is.New(t)
	ws := uuid.New()
	c1, c2 := uuid.New(), uuid.New()
	first := mustAttach(t, s, ws, c1, "whatsapp", "acct", "Acme")
	mustAttach(t, s, ws, c2, "whatsapp", "acct", "Acme")
	again := mustAttach(t, s, ws, c1, "whatsapp", "acct", "Acme")
	is.Equal(again.ID, first.ID)                                                  // the same channel group
	is.Equal(again.ChannelIDs, []uuid.UUID{c1, c2})                               // the channel is listed once, in place
	is.True(again.CreatedAt.Equal(first.CreatedAt))                               // creation time kept
	is.Equal(channelGroupIDs(channelGroups(t, s, ws, "")), []uuid.UUID{first.ID}) // still one channel group
}

func testAttachRefreshesName(t *testing.T, s grouping.Store) {
	is := is.New(t)
	ws := uuid.New()
	c1, c2 := uuid.New(), uuid.New()
	first := mustAttach(t, s, ws, c1, "whatsapp", "acct", "Old name")
	time.Sleep(2 * time.Millisecond)
	probe := mustAttach(t, s, ws, uuid.New(), "whatsapp", "probe", "Probe")
	got := mustAttach(t, s, ws, c2, "whatsapp", "acct", "New name")
	is.True(!got.UpdatedAt.Before(probe.CreatedAt)) // updated_at is the time of the attach
	is.Equal(got.ID, first.ID)                      // same account, same channel group
	is.Equal(got.PlatformGroupName, "New name")     // name refreshed
	is.Equal(got.ChannelIDs, []uuid.UUID{c1, c2})   // channel added
	is.True(!got.UpdatedAt.Before(first.UpdatedAt)) // updated_at never goes back
	time.Sleep(2 * time.Millisecond)
	probe = mustAttach(t, s, ws, uuid.New(), "whatsapp", "probe", "Probe")
	got = mustAttach(t, s, ws, c1, "whatsapp", "acct", "Newer name")
	is.True(!got.UpdatedAt.Before(probe.UpdatedAt))                                   // a rename alone updates updated_at too
	is.Equal(got.PlatformGroupName, "Newer name")                                     // refreshed by an attach of a channel already there
	is.Equal(mustGetChannelGroup(t, s, ws, first.ID).PlatformGroupName, "Newer name") // stored
}

func testAttachKeepsName(t *testing.T, s grouping.Store) {
	is := is.New(t)
	ws := uuid.New()
	c1, c2 := uuid.New(), uuid.New()
	first := mustAttach(t, s, ws, c1, "whatsapp", "acct", "Acme EU")
	got := mustAttach(t, s, ws, c2, "whatsapp", "acct", "")
	is.Equal(got.ID, first.ID)                                                     // same account, same channel group
	is.Equal(got.PlatformGroupName, "Acme EU")                                     // no name given: the stored one stays
	is.Equal(mustGetChannelGroup(t, s, ws, first.ID).PlatformGroupName, "Acme EU") // and is still stored
	fresh := mustAttach(t, s, ws, uuid.New(), "whatsapp", "other", "")
	is.Equal(fresh.PlatformGroupName, "") // a new account may start without a name
}

func testAttachMoves(t *testing.T, s grouping.Store) {
	is := is.New(t)
	ws := uuid.New()
	c1, c2 := uuid.New(), uuid.New()
	a := mustAttach(t, s, ws, c1, "whatsapp", "acct-a", "A")
	mustAttach(t, s, ws, c2, "whatsapp", "acct-a", "A")
	b := mustAttach(t, s, ws, c1, "whatsapp", "acct-b", "B")
	is.True(b.ID != a.ID)                                                     // a new channel group for the other account
	is.Equal(b.ChannelIDs, []uuid.UUID{c1})                                   // holding the channel
	is.Equal(mustGetChannelGroup(t, s, ws, a.ID).ChannelIDs, []uuid.UUID{c2}) // which left its old channel group
	is.Equal(channelGroupIDs(holders(t, s, ws, c1)), []uuid.UUID{b.ID})       // exactly one channel group holds it

	c := mustAttach(t, s, ws, c1, "telegram", "acct-a", "C")
	is.Equal(channelGroupIDs(holders(t, s, ws, c1)), []uuid.UUID{c.ID}) // moved again, across platforms
	is.Equal(len(mustGetChannelGroup(t, s, ws, b.ID).ChannelIDs), 0)    // the old channel group is empty
	is.True(mustGetChannelGroup(t, s, ws, b.ID).ChannelIDs != nil)      // but its list is not nil
}

func testAttachAccountKey(t *testing.T, s grouping.Store) {
	is := is.New(t)
	ws, other := uuid.New(), uuid.New()
	ch := uuid.New()
	wa := mustAttach(t, s, ws, uuid.New(), "whatsapp", "123", "WA")
	tg := mustAttach(t, s, ws, uuid.New(), "telegram", "123", "TG")
	is.True(wa.ID != tg.ID) // same platformGroupId on two platforms: two channel groups
	up := mustAttach(t, s, ws, uuid.New(), "whatsapp", "1234", "WA2")
	is.True(up.ID != wa.ID) // different platformGroupId: another channel group
	// The same account in another workspace is a channel group of its own,
	// and the same channel can be attached there too.
	mine := mustAttach(t, s, ws, ch, "whatsapp", "acct", "Mine")
	theirs := mustAttach(t, s, other, ch, "whatsapp", "acct", "Theirs")
	is.True(mine.ID != theirs.ID)                                                     // per workspace
	is.Equal(mustGetChannelGroup(t, s, ws, mine.ID).PlatformGroupName, "Mine")        // the other workspace's attach did not rename it
	is.Equal(mustGetChannelGroup(t, s, ws, mine.ID).ChannelIDs, []uuid.UUID{ch})      // nor take the channel away
	is.Equal(mustGetChannelGroup(t, s, other, theirs.ID).ChannelIDs, []uuid.UUID{ch}) // both hold it, one per workspace
}

func testAttachInvalid(t *testing.T, s grouping.Store) {
	ws := uuid.New()
	existingCh := uuid.New()
	existing := mustAttach(t, s, ws, existingCh, "whatsapp", "acct", "Acme")
	cases := []struct {
		name  string
		a     grouping.ChannelGroupAttach
		field string
	}{
		{"EmptyPlatformID", attach("", "acct", "n"), "platformId"},
		{"SpacePlatformID", attach(" ", "acct", "n"), "platformId"},
		{"PaddedPlatformID", attach(" whatsapp", "acct", "n"), "platformId"},
		{"UnderscorePlatformID", attach("wa_1", "acct", "n"), "platformId"},
		{"InnerSpacePlatformID", attach("wa 1", "acct", "n"), "platformId"},
		{"NonASCIIPlatformID", attach("wäa", "acct", "n"), "platformId"},
		{"LongPlatformID", attach(strings.Repeat("a", 256), "acct", "n"), "platformId"},
		{"EmptyPlatformGroupID", attach("whatsapp", "", "n"), "platformGroupId"},
		{"BlankPlatformGroupID", attach("whatsapp", "   ", "n"), "platformGroupId"},
		{"LongPlatformGroupID", attach("whatsapp", strings.Repeat("é", 256), "n"), "platformGroupId"},
		{"ControlPlatformGroupID", attach("whatsapp", "ac\x00ct", "n"), "platformGroupId"},
		{"NewlinePlatformGroupID", attach("whatsapp", "ac\nct", "n"), "platformGroupId"},
		{"LongPlatformGroupName", attach("whatsapp", "acct", strings.Repeat("n", 256)), "platformGroupName"},
		{"ControlPlatformGroupName", attach("whatsapp", "acct", "a\x01b"), "platformGroupName"},
		{"NewlinePlatformGroupName", attach("whatsapp", "acct", "a\nb"), "platformGroupName"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			ch := uuid.New()
			_, err := s.AttachChannel(t.Context(), ws, ch, tc.a)
			wantInvalid(t, err, tc.field)
			_, err = s.AttachChannel(t.Context(), ws, existingCh, tc.a)
			wantInvalid(t, err, tc.field)
			is.Equal(channelGroups(t, s, ws, ""), []grouping.ChannelGroup{existing}) // nothing stored, nothing moved or renamed
		})
	}
}

func testAttachValidLimits(t *testing.T, s grouping.Store) {
	is := is.New(t)
	ws := uuid.New()
	long := attach(strings.Repeat("A-9", 85), strings.Repeat("é", 255), strings.Repeat("ü", 255))
	cg, err := s.AttachChannel(t.Context(), ws, uuid.New(), long)
	is.NoErr(err)                                          // 255-character platformId, platformGroupId and name are allowed
	is.Equal(cg.PlatformID, long.PlatformID)               // stored as given
	is.Equal(cg.PlatformGroupID, long.PlatformGroupID)     // stored as given
	is.Equal(cg.PlatformGroupName, long.PlatformGroupName) // stored as given
	noName, err := s.AttachChannel(t.Context(), ws, uuid.New(), attach("x", "y", ""))
	is.NoErr(err)                          // the name may be empty
	is.Equal(noName.PlatformGroupName, "") // and stays empty
}

func testDetach(t *testing.T, s grouping.Store) {
	is := is.New(t)
	ws := uuid.New()
	c1, c2, c3 := uuid.New(), uuid.New(), uuid.New()
	mustAttach(t, s, ws, c1, "whatsapp", "acct", "Acme")
	mustAttach(t, s, ws, c2, "whatsapp", "acct", "Acme")
	cg := mustAttach(t, s, ws, c3, "whatsapp", "acct", "Acme")
	is.NoErr(s.DetachChannel(t.Context(), ws, c2))                                 // detach
	is.Equal(mustGetChannelGroup(t, s, ws, cg.ID).ChannelIDs, []uuid.UUID{c1, c3}) // the others keep their order
	is.NoErr(s.DetachChannel(t.Context(), ws, c1))                                 // detach
	is.NoErr(s.DetachChannel(t.Context(), ws, c3))                                 // detach the last channel
	empty := mustGetChannelGroup(t, s, ws, cg.ID)
	is.True(empty.ChannelIDs != nil)                                           // the channel group stays, with an empty, non-nil list
	is.Equal(len(empty.ChannelIDs), 0)                                         // and nothing in it
	is.Equal(channelGroupIDs(channelGroups(t, s, ws, "")), []uuid.UUID{cg.ID}) // still listed
	again := mustAttach(t, s, ws, c2, "whatsapp", "acct", "Acme")
	is.Equal(again.ID, cg.ID)                   // attaching again reuses it
	is.Equal(again.ChannelIDs, []uuid.UUID{c2}) // with the channel back
}

func testDetachNotAttached(t *testing.T, s grouping.Store) {
	is := is.New(t)
	ws := uuid.New()
	ch := uuid.New()
	wantCode(t, s.DetachChannel(t.Context(), ws, uuid.New()), grouping.NotFound) // never attached
	cg := mustAttach(t, s, ws, ch, "whatsapp", "acct", "Acme")
	is.NoErr(s.DetachChannel(t.Context(), ws, ch))                               // detach
	wantCode(t, s.DetachChannel(t.Context(), ws, ch), grouping.NotFound)         // detached already
	wantCode(t, s.DetachChannel(t.Context(), uuid.New(), ch), grouping.NotFound) // another workspace
	is.Equal(channelGroupIDs(channelGroups(t, s, ws, "")), []uuid.UUID{cg.ID})   // the channel group stays
}

func testListChannelGroupsOrder(t *testing.T, s grouping.Store) {
	is := is.New(t)
	ws := uuid.New()
	var created []grouping.ChannelGroup
	for i := range 12 {
		// Platforms and accounts out of alphabetical order, so that only
		// creation order can explain the result.
		created = append(created, mustAttach(t, s, ws, uuid.New(), []string{"wa", "tg", "ab"}[i%3], uuid.NewString(), "n"))
		if i%3 == 2 {
			time.Sleep(2 * time.Millisecond) // let the store's clock move, unless it is frozen
		}
	}
	got := channelGroups(t, s, ws, "")
	is.Equal(len(got), len(created)) // every channel group listed
	for i := 1; i < len(got); i++ {
		c := got[i-1].CreatedAt.Compare(got[i].CreatedAt)
		is.True(c < 0 || c == 0 && compareIDs(got[i-1].ID, got[i].ID) < 0) // by creation time, then ID
	}
	for i := 1; i < len(created); i++ {
		is.True(!created[i].CreatedAt.Before(created[i-1].CreatedAt)) // later attaches were created no earlier
	}
	is.Equal(sortedIDs(channelGroupIDs(got)), sortedIDs(channelGroupIDs(created))) // the same channel groups
	for _, cg := range got {
		checkChannelGroupTimes(t, cg)
	}
}

func testListChannelGroupsFilter(t *testing.T, s grouping.Store) {
	is := is.New(t)
	ws := uuid.New()
	wa1 := mustAttach(t, s, ws, uuid.New(), "whatsapp", "1", "n")
	tg := mustAttach(t, s, ws, uuid.New(), "telegram", "1", "n")
	wa2 := mustAttach(t, s, ws, uuid.New(), "whatsapp", "2", "n")
	mustAttach(t, s, uuid.New(), uuid.New(), "whatsapp", "3", "n")                                                    // another workspace
	is.Equal(sortedIDs(channelGroupIDs(channelGroups(t, s, ws, "whatsapp"))), sortedIDs([]uuid.UUID{wa1.ID, wa2.ID})) // one platform
	is.Equal(channelGroupIDs(channelGroups(t, s, ws, "telegram")), []uuid.UUID{tg.ID})                                // the other
	is.Equal(len(channelGroups(t, s, ws, "WhatsApp")), 0)                                                             // platform IDs match exactly
	is.Equal(len(channelGroups(t, s, ws, "sms")), 0)                                                                  // unknown platform: empty list
	is.Equal(len(channelGroups(t, s, ws, "")), 3)                                                                     // no filter
}

func testListChannelGroupsEmpty(t *testing.T, s grouping.Store) {
	is := is.New(t)
	mustAttach(t, s, uuid.New(), uuid.New(), "whatsapp", "1", "n") // another workspace has data
	for _, platform := range []string{"", "whatsapp"} {
		p, err := s.ListChannelGroups(t.Context(), uuid.New(), grouping.ListChannelGroupsOptions{PlatformID: platform})
		is.NoErr(err)              // an unknown workspace is simply empty
		is.True(p.Items != nil)    // an empty list is not nil
		is.Equal(len(p.Items), 0)  // and empty
		is.Equal(p.NextCursor, "") // and the last page
	}
}

func testListChannelGroupsBadFilter(t *testing.T, s grouping.Store) {
	ws := uuid.New()
	mustAttach(t, s, ws, uuid.New(), "whatsapp", "1", "n")
	for _, platform := range []string{" ", "wa_1", "whats app", strings.Repeat("a", 256)} {
		_, err := s.ListChannelGroups(t.Context(), ws, grouping.ListChannelGroupsOptions{PlatformID: platform})
		wantInvalid(t, err, "platformId")
	}
}

func testGetChannelGroup(t *testing.T, s grouping.Store) {
	is := is.New(t)
	ws := uuid.New()
	c1, c2 := uuid.New(), uuid.New()
	mustAttach(t, s, ws, c1, "whatsapp", "acct", "Acme")
	cg := mustAttach(t, s, ws, c2, "whatsapp", "acct", "Acme")
	got := mustGetChannelGroup(t, s, ws, cg.ID)
	is.Equal(got, cg) // as the last attach returned it
	checkChannelGroupTimes(t, got)
}

func testGetChannelGroupUnknown(t *testing.T, s grouping.Store) {
	ws := uuid.New()
	cg := mustAttach(t, s, ws, uuid.New(), "whatsapp", "acct", "Acme")
	_, err := s.GetChannelGroup(t.Context(), ws, uuid.New())
	wantCode(t, err, grouping.NotFound) // unknown channel group
	_, err = s.GetChannelGroup(t.Context(), uuid.New(), cg.ID)
	wantCode(t, err, grouping.NotFound) // another workspace
}

func testDeleteChannelGroup(t *testing.T, s grouping.Store) {
	is := is.New(t)
	ws := uuid.New()
	c1, c2, c3 := uuid.New(), uuid.New(), uuid.New()
	mustAttach(t, s, ws, c1, "whatsapp", "acct", "Acme")
	cg := mustAttach(t, s, ws, c2, "whatsapp", "acct", "Acme")
	keep := mustAttach(t, s, ws, c3, "whatsapp", "other", "Other")
	is.NoErr(s.DeleteChannelGroup(t.Context(), ws, cg.ID)) // delete channel group
	_, err := s.GetChannelGroup(t.Context(), ws, cg.ID)
	wantCode(t, err, grouping.NotFound)                                  // gone
	is.Equal(channelGroups(t, s, ws, ""), []grouping.ChannelGroup{keep}) // not listed; the other one untouched
	wantCode(t, s.DetachChannel(t.Context(), ws, c1), grouping.NotFound) // its channel links are gone
	moved := mustAttach(t, s, ws, c1, "whatsapp", "other", "Other")
	is.Equal(moved.ChannelIDs, []uuid.UUID{c3, c1}) // a former channel can be attached elsewhere
	fresh := mustAttach(t, s, ws, c2, "whatsapp", "acct", "Acme")
	is.True(fresh.ID != cg.ID)                  // the account gets a new channel group
	is.Equal(fresh.ChannelIDs, []uuid.UUID{c2}) // with only the channel attached since
}

func testDeleteChannelGroupTwice(t *testing.T, s grouping.Store) {
	is := is.New(t)
	ws := uuid.New()
	cg := mustAttach(t, s, ws, uuid.New(), "whatsapp", "acct", "Acme")
	wantCode(t, s.DeleteChannelGroup(t.Context(), uuid.New(), cg.ID), grouping.NotFound) // another workspace
	is.NoErr(s.DeleteChannelGroup(t.Context(), ws, cg.ID))                               // delete
	wantCode(t, s.DeleteChannelGroup(t.Context(), ws, cg.ID), grouping.NotFound)         // already deleted
	wantCode(t, s.DeleteChannelGroup(t.Context(), ws, uuid.New()), grouping.NotFound)    // never existed
}
