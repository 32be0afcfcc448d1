// Package storetest is the conformance suite for implementations of
// [grouping.Store]. Every store in this module runs it, and so can any other:
// a store that passes it keeps the rules stated in the grouping package
// documentation and in each Store method's comment, including under
// concurrent callers.
//
// A store's test file runs the whole suite in one call:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) grouping.Store {
//			s, err := mystore.Open(t.Context(), t.TempDir())
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Run calls the constructor once per test, so every test starts from an
// empty store and tests run in parallel with each other. The constructor
// registers whatever cleanup the store needs. Tests are named by area,
// operation and case, so that one part can be run on its own:
//
//	go test -run 'Conformance/Groups/Update' -v
//
// The suite checks error codes (with [grouping.ErrorCode] and errors.Is),
// never error text, except where the grouping documentation promises a
// message content: the conflict of assigning a channel that sits in another
// group names that group.
//
// The suite does not depend on how the store's clock moves: a store may be
// given a frozen or a stepping clock, as long as it normalises what the clock
// returns with [grouping.Timestamp]. Creation order among channels is
// controlled through ChannelUpsert.CreatedAt.
//
// Under -short the concurrency tests run fewer operations. Run them with
// -race as well: they are built to expose unsynchronised access.
package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// Run runs the conformance suite against the stores that newStore returns.
// newStore must return a new, empty store on every call and register its
// cleanup with t.
func Run(t *testing.T, newStore func(t *testing.T) grouping.Store) {
	t.Helper()
	areas := []tree{
		mirrorTests(),
		groupTests(),
		channelTests(),
		bulkTests(),
		channelGroupTests(),
		isolationTests(),
		concurrencyTests(),
		paginationTests(),
		validationTests(),
		valueTests(),
		eventTests(),
	}
	for _, n := range areas {
		n.run(t, newStore)
	}
}

// tree is a named test or a named set of tests. Every leaf gets a store of
// its own.
type tree struct {
	name     string
	test     func(t *testing.T, s grouping.Store)
	children []tree
}

func leaf(name string, test func(t *testing.T, s grouping.Store)) tree {
	return tree{name: name, test: test}
}

func branch(name string, children ...tree) tree {
	return tree{name: name, children: children}
}

func (n tree) run(t *testing.T, newStore func(t *testing.T) grouping.Store) {
	t.Run(n.name, func(t *testing.T) {
		t.Parallel()
		if n.test == nil {
			for _, c := range n.children {
				c.run(t, newStore)
			}
			return
		}
		s := newStore(t)
		if s == nil {
			t.Fatal("newStore returned a nil Store")
		}
		n.test(t, s)
	})
}

// ---- error checks ----

// wantCode checks that err is a *grouping.Error with the given code.
func wantCode(t *testing.T, err error, want grouping.Code) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	if got := grouping.ErrorCode(err); got != want {
		t.Logf("got error %v (code %q), want code %q", err, got, want)
	}
	is.Equal(grouping.ErrorCode(err), want)              // error code
	is.True(errors.Is(err, &grouping.Error{Code: want})) // errors.Is matches the code's sentinel
}

// wantInvalid checks that err is an Invalid error naming field.
func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	if got := grouping.ErrorCode(err); got != grouping.Invalid || grouping.ErrorField(err) != field {
		t.Logf("got error %v (code %q, field %q), want code %q, field %q", err, got, grouping.ErrorField(err), grouping.Invalid, field)
	}
	is.Equal(grouping.ErrorCode(err), grouping.Invalid) // error code
	is.True(errors.Is(err, grouping.ErrInvalid))        // errors.Is matches ErrInvalid
	is.Equal(grouping.ErrorField(err), field)           // the error names the offending input
}

// ---- fixtures ----

// fixed is a point in time that tests derive controlled creation times
// from.
var fixed = time.Date(2024, 12, 21, 12, 10, 47, 492_000_000, time.UTC)

// at returns fixed plus n milliseconds.
func at(n int) time.Time { return fixed.Add(time.Duration(n) * time.Millisecond) }

func ptr[T any](v T) *T { return &v }

func short(id uuid.UUID) string { return id.String()[:8] }

func mustOrg(t *testing.T, s grouping.Store) grouping.Organisation {
	t.Helper()
	is := is.New(t)
	is.Helper()
	id := uuid.New()
	org, err := s.UpsertOrganisation(t.Context(), grouping.Organisation{ID: id, Name: "Organisation " + short(id)})
	is.NoErr(err) // create organisation
	return org
}

// channelOption adjusts the channel that mustChannel upserts.
type channelOption func(*grouping.ChannelUpsert)

func createdAt(tm time.Time) channelOption {
	return func(c *grouping.ChannelUpsert) { c.CreatedAt = tm }
}

func archived() channelOption {
	return func(c *grouping.ChannelUpsert) { c.Archived = true }
}

func members(users ...uuid.UUID) channelOption {
	return func(c *grouping.ChannelUpsert) { c.Users = users }
}

func withOwner(owner uuid.UUID) channelOption {
	return func(c *grouping.ChannelUpsert) { c.OwnerID = owner }
}

func named(name string) channelOption {
	return func(c *grouping.ChannelUpsert) { c.Name = name }
}

func mustChannel(t *testing.T, s grouping.Store, orgID uuid.UUID, opts ...channelOption) grouping.Channel {
	t.Helper()
	is := is.New(t)
	is.Helper()
	id := uuid.New()
	up := grouping.ChannelUpsert{
		ID:             id,
		OrganisationID: orgID,
		Name:           "channel " + short(id),
		OwnerID:        uuid.New(),
	}
	for _, o := range opts {
		o(&up)
	}
	ch, err := s.UpsertChannel(t.Context(), up)
	is.NoErr(err) // create channel
	return ch
}

// mustChannels creates n channels with increasing creation times.
func mustChannels(t *testing.T, s grouping.Store, orgID uuid.UUID, n int) []grouping.Channel {
	t.Helper()
	chs := make([]grouping.Channel, n)
	for i := range chs {
		chs[i] = mustChannel(t, s, orgID, createdAt(at(i)))
	}
	return chs
}

func mustGroup(t *testing.T, s grouping.Store, orgID uuid.UUID, name string) grouping.Group {
	t.Helper()
	is := is.New(t)
	is.Helper()
	g, err := s.CreateGroup(t.Context(), orgID, grouping.NewGroup{Name: name})
	is.NoErr(err) // create group
	return g
}

func mustUpdate(t *testing.T, s grouping.Store, orgID, groupID uuid.UUID, u grouping.GroupUpdate) grouping.Group {
	t.Helper()
	is := is.New(t)
	is.Helper()
	g, err := s.UpdateGroup(t.Context(), orgID, groupID, u)
	is.NoErr(err) // update group
	return g
}

func mustArchivedGroup(t *testing.T, s grouping.Store, orgID uuid.UUID, name string) grouping.Group {
	t.Helper()
	g := mustGroup(t, s, orgID, name)
	return mustUpdate(t, s, orgID, g.ID, grouping.GroupUpdate{Archived: ptr(true)})
}

func mustGetGroup(t *testing.T, s grouping.Store, orgID, groupID uuid.UUID) grouping.Group {
	t.Helper()
	is := is.New(t)
	is.Helper()
	g, err := s.GetGroup(t.Context(), orgID, groupID, grouping.GetGroupOptions{})
	is.NoErr(err) // get group
	return g
}

func mustGetChannel(t *testing.T, s grouping.Store, orgID, channelID uuid.UUID) grouping.Channel {
	t.Helper()
	is := is.New(t)
	is.Helper()
	ch, err := s.GetChannel(t.Context(), orgID, channelID)
	is.NoErr(err) // get channel
	return ch
}

func mustAssign(t *testing.T, s grouping.Store, orgID, groupID uuid.UUID, channels ...grouping.Channel) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	for _, ch := range channels {
		is.NoErr(s.AssignChannel(t.Context(), orgID, groupID, ch.ID)) // assign channel
	}
}

func mustDeleteChannel(t *testing.T, s grouping.Store, orgID, channelID uuid.UUID) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	is.NoErr(s.DeleteChannel(t.Context(), orgID, channelID)) // delete channel
}

func mustAttach(t *testing.T, s grouping.Store, workspaceID, channelID uuid.UUID, platformID, platformGroupID, name string) grouping.ChannelGroup {
	t.Helper()
	is := is.New(t)
	is.Helper()
	cg, err := s.AttachChannel(t.Context(), workspaceID, channelID, grouping.ChannelGroupAttach{
		PlatformID:        platformID,
		PlatformGroupID:   platformGroupID,
		PlatformGroupName: name,
	})
	is.NoErr(err) // attach channel
	return cg
}

func mustGetChannelGroup(t *testing.T, s grouping.Store, workspaceID, id uuid.UUID) grouping.ChannelGroup {
	t.Helper()
	is := is.New(t)
	is.Helper()
	cg, err := s.GetChannelGroup(t.Context(), workspaceID, id)
	is.NoErr(err) // get channel group
	return cg
}

// ---- reading whole lists ----

// maxPages bounds a walk through a list, so that a cursor that never ends
// fails the test instead of hanging it.
const maxPages = 10_000

// collect walks every page of a list and returns all items.
func collect[T any](t *testing.T, list func(cursor string) (grouping.Page[T], error)) []T {
	t.Helper()
	is := is.New(t)
	is.Helper()
	all := []T{}
	cursor := ""
	for range maxPages {
		p, err := list(cursor)
		is.NoErr(err)           // list page
		is.True(p.Items != nil) // a page's items are never nil
		if cursor != "" {
			is.True(len(p.Items) > 0) // a cursor never leads to an empty page: the page before it was the last
		}
		all = append(all, p.Items...)
		if p.NextCursor == "" {
			return all
		}
		cursor = p.NextCursor
	}
	t.Fatalf("list did not end after %d pages", maxPages)
	return nil
}

func listGroups(t *testing.T, s grouping.Store, orgID uuid.UUID, opts grouping.ListGroupsOptions) []grouping.Group {
	t.Helper()
	return collect(t, func(c string) (grouping.Page[grouping.Group], error) {
		opts.Cursor = c
		return s.ListGroups(t.Context(), orgID, opts)
	})
}

func groupChannels(t *testing.T, s grouping.Store, orgID, groupID uuid.UUID, includeArchived bool) []grouping.Channel {
	t.Helper()
	return collect(t, func(c string) (grouping.Page[grouping.Channel], error) {
		return s.ListGroupChannels(t.Context(), orgID, groupID, grouping.ListChannelsOptions{IncludeArchived: includeArchived, Cursor: c})
	})
}

func ungrouped(t *testing.T, s grouping.Store, orgID uuid.UUID, includeArchived bool) []grouping.Channel {
	t.Helper()
	return collect(t, func(c string) (grouping.Page[grouping.Channel], error) {
		return s.ListUngroupedChannels(t.Context(), orgID, grouping.ListChannelsOptions{IncludeArchived: includeArchived, Cursor: c})
	})
}

func discoverable(t *testing.T, s grouping.Store, orgID, userID uuid.UUID, includeArchived bool) []grouping.Channel {
	t.Helper()
	return collect(t, func(c string) (grouping.Page[grouping.Channel], error) {
		return s.ListDiscoverableChannels(t.Context(), orgID, userID, grouping.ListChannelsOptions{IncludeArchived: includeArchived, Cursor: c})
	})
}

func channelGroups(t *testing.T, s grouping.Store, workspaceID uuid.UUID, platformID string) []grouping.ChannelGroup {
	t.Helper()
	return collect(t, func(c string) (grouping.Page[grouping.ChannelGroup], error) {
		return s.ListChannelGroups(t.Context(), workspaceID, grouping.ListChannelGroupsOptions{PlatformID: platformID, Cursor: c})
	})
}

// ---- small helpers ----

func channelIDs(chs []grouping.Channel) []uuid.UUID {
	ids := make([]uuid.UUID, len(chs))
	for i, ch := range chs {
		ids[i] = ch.ID
	}
	return ids
}

func groupIDs(gs []grouping.Group) []uuid.UUID {
	ids := make([]uuid.UUID, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
	}
	return ids
}

func channelGroupIDs(cgs []grouping.ChannelGroup) []uuid.UUID {
	ids := make([]uuid.UUID, len(cgs))
	for i, cg := range cgs {
		ids[i] = cg.ID
	}
	return ids
}

func compareIDs(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }

// sortedIDs returns a sorted copy of ids, for comparing sets.
func sortedIDs(ids []uuid.UUID) []uuid.UUID {
	out := slices.Clone(ids)
	if out == nil {
		out = []uuid.UUID{}
	}
	slices.SortFunc(out, compareIDs)
	return out
}

// byCreation returns the IDs of chs in order of creation time, then ID:
// the order of the ungrouped and discoverable lists.
func byCreation(chs ...grouping.Channel) []uuid.UUID {
	sorted := slices.Clone(chs)
	slices.SortFunc(sorted, func(a, b grouping.Channel) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return compareIDs(a.ID, b.ID)
	})
	ids := channelIDs(sorted)
	if ids == nil {
		ids = []uuid.UUID{}
	}
	return ids
}

// ids is a readable way to spell an expected list of channel IDs.
func ids(chs ...grouping.Channel) []uuid.UUID {
	out := channelIDs(chs)
	if out == nil {
		out = []uuid.UUID{}
	}
	return out
}

func groupOf(ch grouping.Channel) string {
	if ch.GroupID == nil {
		return "none"
	}
	return ch.GroupID.String()
}

// checkTime checks that a time the store returned is set, in UTC and
// truncated to the millisecond.
func checkTime(t *testing.T, what string, tm time.Time) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	if tm.IsZero() || tm.Location() != time.UTC || !tm.Equal(grouping.Timestamp(tm)) {
		t.Logf("%s = %s", what, tm.Format(time.RFC3339Nano+" MST"))
	}
	is.True(!tm.IsZero())                     // time is set
	is.True(tm.Location() == time.UTC)        // time is in UTC
	is.True(tm.Equal(grouping.Timestamp(tm))) // time has millisecond precision
}

func checkGroupTimes(t *testing.T, g grouping.Group) {
	t.Helper()
	checkTime(t, fmt.Sprintf("group %s CreatedAt", g.ID), g.CreatedAt)
	checkTime(t, fmt.Sprintf("group %s UpdatedAt", g.ID), g.UpdatedAt)
	if g.DeletedAt != nil {
		checkTime(t, fmt.Sprintf("group %s DeletedAt", g.ID), *g.DeletedAt)
	}
	for _, ch := range g.Channels {
		checkChannelTimes(t, ch)
	}
}

func checkChannelTimes(t *testing.T, ch grouping.Channel) {
	t.Helper()
	checkTime(t, fmt.Sprintf("channel %s CreatedAt", ch.ID), ch.CreatedAt)
	if ch.DeletedAt != nil {
		checkTime(t, fmt.Sprintf("channel %s DeletedAt", ch.ID), *ch.DeletedAt)
	}
}

func checkChannelGroupTimes(t *testing.T, cg grouping.ChannelGroup) {
	t.Helper()
	checkTime(t, fmt.Sprintf("channel group %s CreatedAt", cg.ID), cg.CreatedAt)
	checkTime(t, fmt.Sprintf("channel group %s UpdatedAt", cg.ID), cg.UpdatedAt)
}
