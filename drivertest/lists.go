package drivertest

import (
	"slices"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// listTests check every list: order, filters, tenant scoping and paging.
func listTests() node {
	return set("Lists",
		set("ListGroups",
			leaf("OrderAndPaging", testListGroups(nil)),
			leaf("ArchivedOnly", testListGroups(ptr(true))),
			leaf("UnarchivedOnly", testListGroups(ptr(false))),
			leaf("WithChannels", testListGroupsWithChannels),
		),
		set("ListGroupChannels",
			leaf("OrderAndPaging", testListGroupChannels(false)),
			leaf("IncludeArchived", testListGroupChannels(true)),
			leaf("OtherGroupsAndOrganisations", testListGroupChannelsScope),
		),
		set("ListUngroupedChannels",
			leaf("OrderAndPaging", testListChannels(ungroupedList(false))),
			leaf("IncludeArchived", testListChannels(ungroupedList(true))),
		),
		set("ListDiscoverableChannels",
			leaf("OrderAndPaging", testListChannels(discoverableList(false))),
			leaf("IncludeArchived", testListChannels(discoverableList(true))),
		),
		set("ListChannelGroups",
			leaf("OrderAndPaging", testListChannelGroups("")),
			leaf("PlatformFilter", testListChannelGroups("whatsapp")),
		),
		set("UnknownTenant",
			leaf("EmptyLists", testListsUnknownTenant),
		),
	)
}

// paged is a filled list and what it must return.
type paged[T any] struct {
	list func(r driver.Reader, p driver.Page) (driver.List[T], error)
	id   func(T) uuid.UUID
	want []uuid.UUID  // the listed items' IDs, in list order
	keys []driver.Key // their keys
}

func itemIDs[T any](items []T, id func(T) uuid.UUID) []uuid.UUID {
	out := []uuid.UUID{}
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}

// check reads the list with several page sizes, walking from page to page
// with After = Last, and from after each item's key.
func (p paged[T]) check(t *testing.T, r driver.Reader) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	n := len(p.want)
	for _, limit := range []int{1, 2, 3, n, n + 1} {
		if limit < 1 {
			continue
		}
		var after *driver.Key
		for start, pages := 0, 0; ; pages++ {
			if pages > n {
				t.Fatalf("limit %d: the list does not end after %d pages", limit, pages)
			}
			l, err := p.list(r, driver.Page{After: after, Limit: limit})
			is.NoErr(err) // list a page
			end := min(start+limit, n)
			got, want := itemIDs(l.Items, p.id), append([]uuid.UUID{}, p.want[start:end]...)
			if !slices.Equal(got, want) {
				t.Logf("limit %d, page %d: got %v, want %v", limit, pages, got, want)
			}
			is.Equal(got, want)       // a page holds the next items in order, as many as the limit allows
			is.Equal(l.More, end < n) // More reports exactly whether items follow
			if end == start {
				break
			}
			is.Equal(l.Last, p.keys[end-1]) // Last is the key of the page's last item
			if !l.More {
				break
			}
			start, after = end, &l.Last
		}
	}
	for i := range p.want {
		l, err := p.list(r, driver.Page{After: &p.keys[i], Limit: n})
		is.NoErr(err)                                                            // list after an item
		is.Equal(itemIDs(l.Items, p.id), append([]uuid.UUID{}, p.want[i+1:]...)) // the list starts strictly after the key
		is.True(!l.More)                                                         // nothing follows the rest
	}
}

// run fills the list, checks it (inside the filling transaction, outside
// any and in a new one) against what expect returns once fill has run, and
// then checks afterRemoved with remove.
func (p paged[T]) run(t *testing.T, d driver.Driver, fill func(tx driver.Tx), expect func() ([]uuid.UUID, []driver.Key), remove func(tx driver.Tx, id uuid.UUID)) {
	t.Helper()
	written(t, d, fill, func(r driver.Reader) {
		p.want, p.keys = expect()
		p.check(t, r)
	})
	p.afterRemoved(t, d, remove)
}

// afterRemoved checks that a list asked to start after the key of an item
// that has left it starts with the items that followed that item.
func (p paged[T]) afterRemoved(t *testing.T, d driver.Driver, remove func(tx driver.Tx, id uuid.UUID)) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	if len(p.want) < 3 {
		t.Fatal("afterRemoved needs a list of three items or more")
	}
	commit(t, d, func(tx driver.Tx) { remove(tx, p.want[1]) })
	l, err := p.list(d, driver.Page{After: &p.keys[1], Limit: len(p.want)})
	is.NoErr(err)                                                          // list after the removed item's key
	is.Equal(itemIDs(l.Items, p.id), append([]uuid.UUID{}, p.want[2:]...)) // the list goes on after where the item was
}

// sortByKey sorts items by their keys and returns their IDs and keys.
func sortByKey[T any](items []T, id func(T) uuid.UUID, key func(T) driver.Key) ([]uuid.UUID, []driver.Key) {
	items = slices.Clone(items)
	slices.SortFunc(items, func(a, b T) int { return key(a).Compare(key(b)) })
	ids, keys := []uuid.UUID{}, []driver.Key{}
	for _, it := range items {
		ids, keys = append(ids, id(it)), append(keys, key(it))
	}
	return ids, keys
}

// ---- groups ----

func groupID(g grouping.Group) uuid.UUID { return g.ID }

func groupKey(g grouping.Group) driver.Key { return driver.GroupKey(&g) }

func testListGroups(archived *bool) func(t *testing.T, d driver.Driver) {
	return func(t *testing.T, d driver.Driver) {
		is := is.New(t)
		var org uuid.UUID
		var listed []grouping.Group
		fill := func(tx driver.Tx) {
			org = addOrg(t, tx)
			other := addOrg(t, tx)
			// Positions and creation times repeat so that every part of the
			// key decides somewhere.
			for i, pos := range []int{2, 0, 1, 1, 1, 3, 0, 1} {
				var opts []option[grouping.Group]
				opts = append(opts, groupCreated(at(i%3)))
				if i%3 == 1 {
					opts = append(opts, archivedGroup)
				}
				g := addGroup(t, tx, org, "Group "+string(rune('A'+i)), pos, opts...)
				if archived == nil || *archived == g.Archived {
					listed = append(listed, g)
				}
				addGroup(t, tx, other, "Group "+string(rune('A'+i)), pos, opts...)
			}
			gone := addGroup(t, tx, org, "Gone", 1)
			is.NoErr(tx.MarkGroupDeleted(t.Context(), gone.ID, at(1))) // delete group
		}
		p := paged[grouping.Group]{
			list: func(r driver.Reader, pg driver.Page) (driver.List[grouping.Group], error) {
				l, err := r.ListGroups(t.Context(), driver.GroupsQuery{OrganisationID: org, Archived: archived, Page: pg})
				for _, g := range l.Items {
					is.True(g.Channels == nil)      // without WithChannels, Channels is nil
					is.Equal(g.OrganisationID, org) // only the organisation's groups are listed
				}
				return l, err
			},
			id: groupID,
		}
		p.run(t, d, fill, func() ([]uuid.UUID, []driver.Key) {
			return sortByKey(listed, groupID, groupKey)
		}, func(tx driver.Tx, id uuid.UUID) {
			is.NoErr(tx.MarkGroupDeleted(t.Context(), id, at(2))) // delete a listed group
		})
	}
}

func testListGroupsWithChannels(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var p placed
	written(t, d, func(tx driver.Tx) { p = addPlaced(t, tx) }, func(r driver.Reader) {
		l, err := r.ListGroups(t.Context(), driver.GroupsQuery{OrganisationID: p.org, WithChannels: true, Page: driver.Page{Limit: 10}})
		is.NoErr(err)                                                                    // list groups with channels
		is.Equal(groupIDs(l.Items), groupIDs([]grouping.Group{p.sales, p.empty, p.old})) // the live groups, in order
		is.Equal(channelIDs(l.Items[0].Channels), recordIDs(p.inSales, p.late))          // a group's channels that are not archived, in group order
		checkChannel(t, &l.Items[0].Channels[1], p.late, p.sales.ID)                     // each with its fields
		for _, g := range l.Items[1:] {
			is.True(g.Channels != nil)   // Channels is never nil when asked for
			is.Equal(len(g.Channels), 0) // and empty for an empty group
		}
	})
}

// ---- channels ----

// entry is a channel of the channel lists' fixture, with what the lists
// decide on.
type entry struct {
	rec     driver.ChannelRecord
	group   uuid.UUID
	pos     int64
	member  bool // of the fixture's user
	deleted bool
}

// channelWorld is an organisation with channels in every state the channel
// lists filter on, and another organisation with channels like them.
type channelWorld struct {
	org, user uuid.UUID
	g         grouping.Group // holds several channels, positions repeating
	entries   []entry
}

func addChannelWorld(t *testing.T, tx driver.Tx) channelWorld {
	t.Helper()
	is := is.New(t)
	is.Helper()
	w := channelWorld{org: addOrg(t, tx), user: uuid.New()}
	other := addOrg(t, tx)
	w.g = addGroup(t, tx, w.org, "Sales", 0)
	h := addGroup(t, tx, w.org, "Other", 1)
	foreign := addGroup(t, tx, other, "Sales", 0)
	for i := range 14 {
		e := entry{}
		var opts []option[driver.ChannelRecord]
		opts = append(opts, created(at(i/3))) // creation times repeat in threes
		if i == 3 || i == 4 || i == 9 || i == 11 {
			opts = append(opts, archivedChannel)
		}
		e.rec = addChannel(t, tx, w.org, opts...)
		switch i {
		case 1, 4, 5, 9, 12:
			e.group, e.pos = w.g.ID, int64(i/4) // positions 0, 1, 1, 2, 3
		case 6:
			e.group = h.ID
		}
		if e.group != uuid.Nil {
			is.NoErr(tx.PlaceChannel(t.Context(), e.rec.ID, e.group, e.pos)) // place channel
		}
		if i%3 == 0 {
			e.member = true
			is.NoErr(tx.SetMembers(t.Context(), e.rec.ID, []uuid.UUID{w.user, uuid.New()})) // make the user a member
		}
		if i == 10 || i == 13 {
			e.deleted = true
			is.NoErr(tx.MarkChannelDeleted(t.Context(), e.rec.ID, at(50))) // delete channel
		}
		w.entries = append(w.entries, e)
		// A channel of the other organisation like it, which no list of
		// the first shows.
		twin := addChannel(t, tx, other, opts...)
		if e.group != uuid.Nil {
			is.NoErr(tx.PlaceChannel(t.Context(), twin.ID, foreign.ID, e.pos)) // place the twin
		}
	}
	return w
}

// expect returns the IDs and keys of the entries that keep passes, in the
// order of key.
func (w channelWorld) expect(keep func(entry) bool, key func(entry) driver.Key) ([]uuid.UUID, []driver.Key) {
	var kept []entry
	for _, e := range w.entries {
		if keep(e) {
			kept = append(kept, e)
		}
	}
	return sortByKey(kept, func(e entry) uuid.UUID { return e.rec.ID }, key)
}

func (w channelWorld) find(id uuid.UUID) entry {
	for _, e := range w.entries {
		if e.rec.ID == id {
			return e
		}
	}
	return entry{}
}

func creationKey(e entry) driver.Key { return driver.CreationKey(e.rec.CreatedAt, e.rec.ID) }

func channelID(ch grouping.Channel) uuid.UUID { return ch.ID }

// checkListed checks the fields of a channel in a list.
func (w channelWorld) checkListed(t *testing.T, ch grouping.Channel) {
	t.Helper()
	is := is.New(t)
	is.Helper()
	e := w.find(ch.ID)
	checkChannel(t, &ch, e.rec, e.group)
	is.True(ch.Users == nil) // lists leave Users nil
	want := 0
	if e.member {
		want = 2
	}
	is.Equal(ch.UserCount, want) // lists count the members
}

// channelList is one of the channel lists ordered by creation.
type channelList struct {
	// keep reports whether the list shows the entry.
	keep func(e entry, includeArchived bool) bool
	list func(t *testing.T, r driver.Reader, q driver.ChannelsQuery) (driver.List[grouping.Channel], error)
	// remove takes a listed channel out of the list.
	remove          func(t *testing.T, tx driver.Tx, w channelWorld, id uuid.UUID)
	includeArchived bool
}

func ungroupedList(includeArchived bool) channelList {
	return channelList{
		keep: func(e entry, incl bool) bool {
			return !e.deleted && e.group == uuid.Nil && (incl || !e.rec.Archived)
		},
		list: func(t *testing.T, r driver.Reader, q driver.ChannelsQuery) (driver.List[grouping.Channel], error) {
			return r.ListUngroupedChannels(t.Context(), q)
		},
		remove: func(t *testing.T, tx driver.Tx, w channelWorld, id uuid.UUID) {
			is.New(t).NoErr(tx.PlaceChannel(t.Context(), id, w.g.ID, 9)) // group a listed channel
		},
		includeArchived: includeArchived,
	}
}

func discoverableList(includeArchived bool) channelList {
	return channelList{
		keep: func(e entry, incl bool) bool {
			return !e.deleted && !e.member && (incl || !e.rec.Archived)
		},
		list: func(t *testing.T, r driver.Reader, q driver.ChannelsQuery) (driver.List[grouping.Channel], error) {
			return r.ListDiscoverableChannels(t.Context(), q)
		},
		remove: func(t *testing.T, tx driver.Tx, w channelWorld, id uuid.UUID) {
			added, err := tx.AddMember(t.Context(), id, w.user)
			is.New(t).NoErr(err)  // make the user a member of a listed channel
			is.New(t).True(added) // the user was no member
		},
		includeArchived: includeArchived,
	}
}

func testListChannels(cl channelList) func(t *testing.T, d driver.Driver) {
	return func(t *testing.T, d driver.Driver) {
		var w channelWorld
		p := paged[grouping.Channel]{
			list: func(r driver.Reader, pg driver.Page) (driver.List[grouping.Channel], error) {
				q := driver.ChannelsQuery{OrganisationID: w.org, UserID: w.user, IncludeArchived: cl.includeArchived, Page: pg}
				l, err := cl.list(t, r, q)
				for _, ch := range l.Items {
					w.checkListed(t, ch)
				}
				return l, err
			},
			id: channelID,
		}
		p.run(t, d, func(tx driver.Tx) { w = addChannelWorld(t, tx) }, func() ([]uuid.UUID, []driver.Key) {
			return w.expect(func(e entry) bool { return cl.keep(e, cl.includeArchived) }, creationKey)
		}, func(tx driver.Tx, id uuid.UUID) { cl.remove(t, tx, w, id) })
	}
}

func testListGroupChannels(includeArchived bool) func(t *testing.T, d driver.Driver) {
	return func(t *testing.T, d driver.Driver) {
		is := is.New(t)
		var w channelWorld
		p := paged[grouping.Channel]{
			list: func(r driver.Reader, pg driver.Page) (driver.List[grouping.Channel], error) {
				q := driver.ChannelsQuery{OrganisationID: w.org, GroupID: w.g.ID, IncludeArchived: includeArchived, Page: pg}
				l, err := r.ListGroupChannels(t.Context(), q)
				for _, ch := range l.Items {
					w.checkListed(t, ch)
				}
				return l, err
			},
			id: channelID,
		}
		p.run(t, d, func(tx driver.Tx) { w = addChannelWorld(t, tx) }, func() ([]uuid.UUID, []driver.Key) {
			return w.expect(func(e entry) bool {
				return e.group == w.g.ID && (includeArchived || !e.rec.Archived)
			}, func(e entry) driver.Key { return driver.GroupChannelKey(e.pos, e.rec.ID) })
		}, func(tx driver.Tx, id uuid.UUID) {
			is.NoErr(tx.UnplaceChannel(t.Context(), id)) // take a listed channel out of the group
		})
	}
}

func testListGroupChannelsScope(t *testing.T, d driver.Driver) {
	var p placed
	commit(t, d, func(tx driver.Tx) { p = addPlaced(t, tx) })
	tests := []struct {
		name       string
		org, group uuid.UUID
		want       []uuid.UUID
	}{
		{"OwnGroup", p.org, p.sales.ID, recordIDs(p.inSales, p.late)},
		{"OtherGroup", p.org, p.empty.ID, nil},
		{"OtherOrganisationsGroup", p.org, p.foreign.ID, nil},
		{"AskedThroughOtherOrganisation", p.other, p.sales.ID, nil},
		{"UnknownGroup", p.org, uuid.New(), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			l, err := d.ListGroupChannels(t.Context(), driver.ChannelsQuery{OrganisationID: tc.org, GroupID: tc.group, Page: driver.Page{Limit: 10}})
			is.NoErr(err)                                                    // list group channels
			is.Equal(channelIDs(l.Items), append([]uuid.UUID{}, tc.want...)) // only that group's channels, of that organisation
			is.True(!l.More)                                                 // and nothing more
		})
	}
}

// ---- channel groups ----

func channelGroupID(cg grouping.ChannelGroup) uuid.UUID { return cg.ID }

func channelGroupKey(cg grouping.ChannelGroup) driver.Key {
	return driver.CreationKey(cg.CreatedAt, cg.ID)
}

func testListChannelGroups(platform string) func(t *testing.T, d driver.Driver) {
	return func(t *testing.T, d driver.Driver) {
		is := is.New(t)
		ws := uuid.New()
		byID := map[uuid.UUID]grouping.ChannelGroup{}
		var listed []grouping.ChannelGroup
		fill := func(tx driver.Tx) {
			other := uuid.New()
			for i := range 9 {
				platformID := []string{"whatsapp", "telegram"}[i%2]
				cg := addChannelGroup(t, tx, ws, platformID, "account-"+string(rune('a'+i)), at(i/3))
				addChannelGroup(t, tx, other, platformID, "account-"+string(rune('a'+i)), at(i/3))
				for range i % 3 {
					cg.ChannelIDs = append(cg.ChannelIDs, uuid.New())
				}
				link(t, tx, ws, cg.ID, cg.ChannelIDs...)
				byID[cg.ID] = cg
				if platform == "" || platform == platformID {
					listed = append(listed, cg)
				}
			}
		}
		p := paged[grouping.ChannelGroup]{
			list: func(r driver.Reader, pg driver.Page) (driver.List[grouping.ChannelGroup], error) {
				l, err := r.ListChannelGroups(t.Context(), driver.ChannelGroupsQuery{WorkspaceID: ws, PlatformID: platform, Page: pg})
				for i := range l.Items {
					checkChannelGroup(t, &l.Items[i], byID[l.Items[i].ID]) // a listed channel group has every field and its channels
				}
				return l, err
			},
			id: channelGroupID,
		}
		p.run(t, d, fill, func() ([]uuid.UUID, []driver.Key) {
			return sortByKey(listed, channelGroupID, channelGroupKey)
		}, func(tx driver.Tx, id uuid.UUID) {
			deleted, err := tx.DeleteChannelGroup(t.Context(), ws, id)
			is.NoErr(err)    // delete a listed channel group
			is.True(deleted) // it existed
		})
	}
}

// ---- tenants ----

func testListsUnknownTenant(t *testing.T, d driver.Driver) {
	is := is.New(t)
	var w channelWorld
	commit(t, d, func(tx driver.Tx) {
		w = addChannelWorld(t, tx)
		addChannelGroup(t, tx, uuid.New(), "whatsapp", "account", epoch)
	})
	org, pg := uuid.New(), driver.Page{Limit: 10}
	q := driver.ChannelsQuery{OrganisationID: org, GroupID: w.g.ID, UserID: w.user, IncludeArchived: true, Page: pg}
	gl, err := d.ListGroups(t.Context(), driver.GroupsQuery{OrganisationID: org, Page: pg})
	is.NoErr(err)                           // list groups of an unknown organisation
	is.True(len(gl.Items) == 0 && !gl.More) // an unknown organisation has no groups
	for name, list := range map[string]func() (driver.List[grouping.Channel], error){
		"ListGroupChannels":        func() (driver.List[grouping.Channel], error) { return d.ListGroupChannels(t.Context(), q) },
		"ListUngroupedChannels":    func() (driver.List[grouping.Channel], error) { return d.ListUngroupedChannels(t.Context(), q) },
		"ListDiscoverableChannels": func() (driver.List[grouping.Channel], error) { return d.ListDiscoverableChannels(t.Context(), q) },
	} {
		l, err := list()
		is.NoErr(err) // list channels of an unknown organisation
		if len(l.Items) != 0 {
			t.Logf("%s listed %d channels", name, len(l.Items))
		}
		is.True(len(l.Items) == 0 && !l.More) // an unknown organisation has no channels
	}
	cl, err := d.ListChannelGroups(t.Context(), driver.ChannelGroupsQuery{WorkspaceID: uuid.New(), Page: pg})
	is.NoErr(err)                           // list channel groups of an unknown workspace
	is.True(len(cl.Items) == 0 && !cl.More) // an unknown workspace has no channel groups
}
