package storetest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// pageItems is the number of items each paginated list holds in these
// tests: more than a few pages of every tested size, and no multiple of
// them.
const pageItems = 23

// pagedList is one of the Store's lists, filled for pagination tests.
type pagedList struct {
	name string
	kind string // lists of one kind share a cursor format
	// fill creates n listed items, some unlisted ones around them, and
	// returns the list.
	fill func(t *testing.T, s grouping.Store, n int) filledList
}

type filledList struct {
	// page returns the IDs on one page and the next cursor.
	page func(ctx context.Context, limit int, cursor string) ([]uuid.UUID, string, error)
	// remove takes one listed item out of the list.
	remove func(t *testing.T, id uuid.UUID)
}

func pagedLists() []pagedList {
	return []pagedList{
		{"Groups", "groups", fillGroups(grouping.ListGroupsOptions{IncludeChannels: true})},
		{"GroupsArchivedFilter", "groups", fillGroups(grouping.ListGroupsOptions{Archived: ptr(false)})},
		{"GroupChannels", "groupChannels", fillGroupChannels},
		{"Ungrouped", "ungrouped", fillUngrouped},
		{"Discoverable", "discoverable", fillDiscoverable},
		{"ChannelGroups", "channelGroups", fillChannelGroups("")},
		{"ChannelGroupsPlatformFilter", "channelGroups", fillChannelGroups("whatsapp")},
	}
}

func pageIDs[T any](p grouping.Page[T], err error, id func(T) uuid.UUID) ([]uuid.UUID, string, error) {
	if err != nil {
		return nil, "", err
	}
	if p.Items == nil {
		return nil, p.NextCursor, fmt.Errorf("page items are nil")
	}
	out := make([]uuid.UUID, len(p.Items))
	for i, it := range p.Items {
		out[i] = id(it)
	}
	return out, p.NextCursor, nil
}

func groupID(g grouping.Group) uuid.UUID                { return g.ID }
func channelID(ch grouping.Channel) uuid.UUID           { return ch.ID }
func channelGroupID(cg grouping.ChannelGroup) uuid.UUID { return cg.ID }

// fillGroups makes n groups listed with opts, in a shuffled order, with
// archived groups between them when opts filters them out.
func fillGroups(opts grouping.ListGroupsOptions) func(t *testing.T, s grouping.Store, n int) filledList {
	return func(t *testing.T, s grouping.Store, n int) filledList {
		is := is.New(t)
		org := mustOrg(t, s)
		var all []uuid.UUID
		for i := range n {
			g := mustGroup(t, s, org.ID, fmt.Sprintf("Group %02d", i))
			all = append(all, g.ID)
			if opts.Archived != nil && i%4 == 1 {
				a := mustArchivedGroup(t, s, org.ID, fmt.Sprintf("Archived %02d", i))
				all = append(all, a.ID)
			}
			if opts.IncludeChannels && i%5 == 0 {
				mustAssign(t, s, org.ID, g.ID, mustChannel(t, s, org.ID))
			}
		}
		rand.New(rand.NewPCG(uint64(n), 4)).Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		is.NoErr(s.ReorderGroups(t.Context(), org.ID, all)) // shuffle the order
		return filledList{
			page: func(ctx context.Context, limit int, cursor string) ([]uuid.UUID, string, error) {
				o := opts
				o.Limit, o.Cursor = limit, cursor
				p, err := s.ListGroups(ctx, org.ID, o)
				return pageIDs(p, err, groupID)
			},
			remove: func(t *testing.T, id uuid.UUID) {
				is.NoErr(s.DeleteGroup(t.Context(), org.ID, id, 0)) // delete group
			},
		}
	}
}

func fillGroupChannels(t *testing.T, s grouping.Store, n int) filledList {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Paged")
	other := mustGroup(t, s, org.ID, "Other")
	var all []uuid.UUID
	for i := range n {
		ch := mustChannel(t, s, org.ID, createdAt(at(i/3)))
		mustAssign(t, s, org.ID, g.ID, ch)
		all = append(all, ch.ID)
		if i%4 == 2 {
			hidden := mustChannel(t, s, org.ID, archived())
			mustAssign(t, s, org.ID, g.ID, hidden)
			all = append(all, hidden.ID)
			mustAssign(t, s, org.ID, other.ID, mustChannel(t, s, org.ID))
		}
	}
	rand.New(rand.NewPCG(uint64(n), 5)).Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	is.NoErr(s.ReorderGroupChannels(t.Context(), org.ID, g.ID, all)) // shuffle the order
	return filledList{
		page: func(ctx context.Context, limit int, cursor string) ([]uuid.UUID, string, error) {
			p, err := s.ListGroupChannels(ctx, org.ID, g.ID, grouping.ListChannelsOptions{Limit: limit, Cursor: cursor})
			return pageIDs(p, err, channelID)
		},
		remove: func(t *testing.T, id uuid.UUID) {
			is.NoErr(s.RemoveChannel(t.Context(), org.ID, g.ID, id)) // remove channel
		},
	}
}

// shuffledTimes returns n creation times with ties, in random order.
func shuffledTimes(n int, seed uint64) []int {
	ms := make([]int, n)
	for i := range ms {
		ms[i] = i / 3
	}
	rand.New(rand.NewPCG(seed, 6)).Shuffle(n, func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
	return ms
}

func fillUngrouped(t *testing.T, s grouping.Store, n int) filledList {
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Grouped")
	for i, ms := range shuffledTimes(n, 7) {
		mustChannel(t, s, org.ID, createdAt(at(ms)))
		if i%4 == 0 {
			mustChannel(t, s, org.ID, createdAt(at(ms)), archived())
			mustAssign(t, s, org.ID, g.ID, mustChannel(t, s, org.ID, createdAt(at(ms))))
		}
	}
	return filledList{
		page: func(ctx context.Context, limit int, cursor string) ([]uuid.UUID, string, error) {
			p, err := s.ListUngroupedChannels(ctx, org.ID, grouping.ListChannelsOptions{Limit: limit, Cursor: cursor})
			return pageIDs(p, err, channelID)
		},
		remove: func(t *testing.T, id uuid.UUID) { mustDeleteChannel(t, s, org.ID, id) },
	}
}

func fillDiscoverable(t *testing.T, s grouping.Store, n int) filledList {
	is := is.New(t)
	org := mustOrg(t, s)
	user := uuid.New()
	for i, ms := range shuffledTimes(n, 8) {
		mustChannel(t, s, org.ID, createdAt(at(ms)), members(uuid.New()))
		if i%4 == 0 {
			mustChannel(t, s, org.ID, createdAt(at(ms)), members(user))
		}
	}
	return filledList{
		page: func(ctx context.Context, limit int, cursor string) ([]uuid.UUID, string, error) {
			p, err := s.ListDiscoverableChannels(ctx, org.ID, user, grouping.ListChannelsOptions{Limit: limit, Cursor: cursor})
			return pageIDs(p, err, channelID)
		},
		remove: func(t *testing.T, id uuid.UUID) {
			is.NoErr(s.AddChannelMember(t.Context(), org.ID, id, user)) // join: no longer discoverable
		},
	}
}

func fillChannelGroups(platformID string) func(t *testing.T, s grouping.Store, n int) filledList {
	return func(t *testing.T, s grouping.Store, n int) filledList {
		is := is.New(t)
		ws := uuid.New()
		for i := range n {
			mustAttach(t, s, ws, uuid.New(), "whatsapp", fmt.Sprintf("acct-%02d", i), "n")
			if platformID != "" && i%4 == 0 {
				mustAttach(t, s, ws, uuid.New(), "telegram", fmt.Sprintf("acct-%02d", i), "n")
			}
		}
		return filledList{
			page: func(ctx context.Context, limit int, cursor string) ([]uuid.UUID, string, error) {
				p, err := s.ListChannelGroups(ctx, ws, grouping.ListChannelGroupsOptions{PlatformID: platformID, Limit: limit, Cursor: cursor})
				return pageIDs(p, err, channelGroupID)
			},
			remove: func(t *testing.T, id uuid.UUID) {
				is.NoErr(s.DeleteChannelGroup(t.Context(), ws, id)) // delete channel group
			},
		}
	}
}

// paginationTests walk every list in pages of several sizes and feed it bad
// limits and cursors.
func paginationTests() tree {
	lists := pagedLists()
	var children []tree
	for _, l := range lists {
		var foreign pagedList
		for _, f := range lists {
			if f.kind != l.kind {
				foreign = f
				break
			}
		}
		var leaves []tree
		for _, limit := range []int{1, 2, 7, pageItems - 1, pageItems, grouping.MaxLimit, 0} {
			name := fmt.Sprintf("Limit%d", limit)
			if limit == 0 {
				name = "DefaultLimit"
			}
			leaves = append(leaves, leaf(name, func(t *testing.T, s grouping.Store) { testWalk(t, l.fill(t, s, pageItems), limit) }))
		}
		leaves = append(leaves,
			leaf("InvalidLimit", func(t *testing.T, s grouping.Store) { testInvalidLimit(t, l.fill(t, s, 3)) }),
			leaf("GarbageCursor", func(t *testing.T, s grouping.Store) { testGarbageCursor(t, l.fill(t, s, 3)) }),
			leaf("CursorOfAnotherList", func(t *testing.T, s grouping.Store) {
				testForeignCursor(t, l.fill(t, s, 3), foreign.fill(t, s, 3))
			}),
			leaf("CursorOfAnotherTenant", func(t *testing.T, s grouping.Store) {
				testForeignCursor(t, l.fill(t, s, 3), l.fill(t, s, 3)) // the same list of another organisation or workspace
			}),
			leaf("CursorSurvivesRemoval", func(t *testing.T, s grouping.Store) { testCursorRemoval(t, l.fill(t, s, pageItems)) }),
		)
		children = append(children, branch(l.name, leaves...))
	}
	children = append(children, leaf("CursorOfOtherFilters", testCursorFilters))
	return branch("Pagination", children...)
}

// testCursorFilters checks that a cursor is bound to the filters of the list
// that made it: with other filters the same position means something else.
func testCursorFilters(t *testing.T, s grouping.Store) {
	is := is.New(t)
	org := mustOrg(t, s)
	g := mustGroup(t, s, org.ID, "Live")
	mustGroup(t, s, org.ID, "Also live")
	page, err := s.ListGroups(t.Context(), org.ID, grouping.ListGroupsOptions{Archived: ptr(false), Limit: 1})
	is.NoErr(err)                  // first page of the unarchived groups
	is.True(page.NextCursor != "") // there is a next page
	_, err = s.ListGroups(t.Context(), org.ID, grouping.ListGroupsOptions{Limit: 1, Cursor: page.NextCursor})
	wantInvalid(t, err, "cursor")
	c1, c2 := mustChannel(t, s, org.ID), mustChannel(t, s, org.ID)
	mustAssign(t, s, org.ID, g.ID, c1, c2)
	chans, err := s.ListGroupChannels(t.Context(), org.ID, g.ID, grouping.ListChannelsOptions{Limit: 1})
	is.NoErr(err)                   // first page of the group's channels
	is.True(chans.NextCursor != "") // there is a next page
	_, err = s.ListGroupChannels(t.Context(), org.ID, g.ID, grouping.ListChannelsOptions{Limit: 1, IncludeArchived: true, Cursor: chans.NextCursor})
	wantInvalid(t, err, "cursor")
}

// walk reads the whole list in pages of limit items and checks the shape
// of every page.
func walk(t *testing.T, l filledList, limit int) []uuid.UUID {
	t.Helper()
	is := is.New(t)
	is.Helper()
	size := limit
	if size == 0 {
		size = grouping.DefaultLimit
	}
	var all []uuid.UUID
	cursor := ""
	for range maxPages {
		page, next, err := l.page(t.Context(), limit, cursor)
		is.NoErr(err)              // list page
		is.True(len(page) <= size) // a page holds at most limit items
		if cursor != "" {
			is.True(len(page) > 0) // a cursor never leads to an empty page: the page before it was the last
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		is.Equal(len(page), size) // a page that is not the last is full
		cursor = next
	}
	t.Fatalf("list did not end after %d pages", maxPages)
	return nil
}

func testWalk(t *testing.T, l filledList, limit int) {
	is := is.New(t)
	whole, next, err := l.page(t.Context(), grouping.MaxLimit, "")
	is.NoErr(err)                                                          // list in one page
	is.Equal(next, "")                                                     // one page holds the whole list
	is.Equal(len(whole), pageItems)                                        // every item and nothing else
	is.Equal(len(sortedIDs(whole)), len(slices.Compact(sortedIDs(whole)))) // no item twice

	got := walk(t, l, limit)
	is.Equal(got, whole) // walking the pages yields the whole list, in order, without gaps or repeats
}

func testInvalidLimit(t *testing.T, l filledList) {
	for _, limit := range []int{-1, grouping.MaxLimit + 1, math.MinInt, math.MaxInt} {
		_, _, err := l.page(t.Context(), limit, "")
		wantInvalid(t, err, "limit")
	}
}

func testGarbageCursor(t *testing.T, l filledList) {
	is := is.New(t)
	_, valid, err := l.page(t.Context(), 1, "")
	is.NoErr(err)        // first page
	is.True(valid != "") // there is a next page
	for _, c := range []string{"not a cursor", "%%%", "AAAA", "////////////////////////////", valid[:len(valid)/2], valid + "AAAA", "\x00"} {
		_, _, err := l.page(t.Context(), 1, c)
		if grouping.ErrorCode(err) != grouping.Invalid {
			t.Logf("cursor %q", c)
		}
		wantInvalid(t, err, "cursor")
	}
}

func testForeignCursor(t *testing.T, l, foreign filledList) {
	is := is.New(t)
	_, c, err := foreign.page(t.Context(), 1, "")
	is.NoErr(err)    // first page of another list
	is.True(c != "") // there is a next page
	_, _, err = l.page(t.Context(), 1, c)
	wantInvalid(t, err, "cursor")
}

func testCursorRemoval(t *testing.T, l filledList) {
	is := is.New(t)
	whole := walk(t, l, 0)
	first, cursor, err := l.page(t.Context(), 5, "")
	is.NoErr(err)              // first page
	is.Equal(first, whole[:5]) // the first page starts the list
	// Remove the item the cursor points after, and the next one.
	l.remove(t, whole[4])
	l.remove(t, whole[5])
	var rest []uuid.UUID
	for range maxPages {
		page, next, err := l.page(t.Context(), 5, cursor)
		is.NoErr(err) // next page
		rest = append(rest, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	is.Equal(rest, whole[6:]) // the walk continues after the removed item, skipping nothing
}
