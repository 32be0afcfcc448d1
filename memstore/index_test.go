package memstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/channelgrouping/grouping/engine"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// flaky rolls back a third of the write transactions that succeed, after
// all their writes, so that undo runs on every kind of write.
type flaky struct {
	*memDriver
	rng *rand.Rand
}

var errRolledBack = errors.New("rolled back")

func (f flaky) Write(ctx context.Context, fn func(driver.Tx) error) error {
	return f.memDriver.Write(ctx, func(tx driver.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if f.rng.IntN(3) == 0 {
			return errRolledBack
		}
		return nil
	})
}

// TestIndexesFollowWrites runs random calls, a third of them rolled back
// at the end, and after each one checks every index against the maps it
// is built from, and every list, read page by page, against the same list
// computed from the maps.
func TestIndexesFollowWrites(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(7, 8))
	d := newDriver()
	s := engine.New(flaky{d, rng}, engine.WithClock(func() time.Time {
		// few distinct times, so that keys tie on time
		return time.UnixMilli(int64(rng.IntN(4))).UTC()
	}))
	pick := func(ids []uuid.UUID) uuid.UUID { return ids[rng.IntN(len(ids))] }
	ids := func(n int) []uuid.UUID {
		out := make([]uuid.UUID, n)
		for i := range out {
			out[i] = uuid.New()
		}
		return out
	}
	orgs, channels, users, workspaces := ids(2), ids(24), ids(4), ids(2)
	for _, org := range orgs {
		for {
			if _, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "org"}); err == nil {
				break
			}
		}
	}
	var groups []uuid.UUID // every group ever created
	names := []string{"a", "B", "c", "A", "d"}
	steps := 1500
	if testing.Short() {
		steps = 500
	}
	for step := range steps {
		org, ch, user, ws := pick(orgs), pick(channels), pick(users), pick(workspaces)
		var g uuid.UUID
		if len(groups) > 0 {
			g = pick(groups)
		}
		var err error
		switch op := rng.IntN(16); op {
		case 0, 1:
			up := grouping.ChannelUpsert{ID: ch, OrganisationID: org, OwnerID: user, Name: "ch", Archived: rng.IntN(3) == 0}
			if rng.IntN(2) == 0 {
				up.CreatedAt = time.UnixMilli(int64(rng.IntN(4))).UTC()
			}
			if rng.IntN(2) == 0 {
				up.Users = []uuid.UUID{}
				for _, u := range users {
					if rng.IntN(2) == 0 {
						up.Users = append(up.Users, u)
					}
				}
			}
			_, err = s.UpsertChannel(ctx, up)
		case 2:
			if rng.IntN(4) == 0 {
				err = s.DeleteChannel(ctx, org, ch)
			}
		case 3:
			err = s.AddChannelMember(ctx, org, ch, user)
		case 4:
			err = s.RemoveChannelMember(ctx, org, ch, user)
		case 5:
			var gr grouping.Group
			if gr, err = s.CreateGroup(ctx, org, grouping.NewGroup{Name: names[rng.IntN(len(names))]}); err == nil {
				groups = append(groups, gr.ID)
			}
		case 6:
			if g != uuid.Nil {
				name, archived := names[rng.IntN(len(names))], rng.IntN(2) == 0
				_, err = s.UpdateGroup(ctx, org, g, grouping.GroupUpdate{Name: &name, Archived: &archived})
			}
		case 7:
			if g != uuid.Nil && rng.IntN(3) == 0 {
				err = s.DeleteGroup(ctx, org, g, 0)
			}
		case 8:
			var live []uuid.UUID
			for _, id := range groups {
				if d.data.liveGroup(org, id) != nil {
					live = append(live, id)
				}
			}
			rng.Shuffle(len(live), func(i, j int) { live[i], live[j] = live[j], live[i] })
			err = s.ReorderGroups(ctx, org, live)
		case 9, 10:
			if g != uuid.Nil {
				err = s.AssignChannel(ctx, org, g, ch)
			}
		case 11:
			if g != uuid.Nil {
				err = s.MoveChannel(ctx, org, g, ch)
			}
		case 12:
			if g != uuid.Nil {
				err = s.RemoveChannel(ctx, org, g, ch)
			}
		case 13:
			if gr := d.data.liveGroup(org, g); gr != nil {
				var in []uuid.UUID
				for _, c := range channelsOf(&d.data) {
					if c.group == gr {
						in = append(in, c.ID)
					}
				}
				rng.Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })
				err = s.ReorderGroupChannels(ctx, org, g, in)
			}
		case 14:
			_, err = s.AttachChannel(ctx, ws, ch, grouping.ChannelGroupAttach{
				PlatformID: []string{"wa", "tg"}[rng.IntN(2)], PlatformGroupID: fmt.Sprint(rng.IntN(3)),
			})
		case 15:
			switch rng.IntN(3) {
			case 0:
				err = s.DetachChannel(ctx, ws, ch)
			case 1:
				for _, cg := range d.data.channelGroups {
					if cg.WorkspaceID == ws {
						err = s.DeleteChannelGroup(ctx, ws, cg.ID)
						break
					}
				}
			}
		}
		if err != nil && grouping.ErrorCode(err) == grouping.Internal && !errors.Is(err, errRolledBack) {
			t.Fatalf("step %d: %v", step, err)
		}
		checkIndexes(t, &d.data)
		if step%10 == 0 || step == steps-1 {
			checkLists(t, s, &d.data, orgs, users, workspaces)
		}
	}
	is.True(len(groups) > 0) // the calls made groups
}

// channelsOf returns the channels of d by ID.
func channelsOf(d *data) map[uuid.UUID]*channel {
	m := make(map[uuid.UUID]*channel, len(d.channels))
	for id, r := range d.channels {
		m[id] = d.slab.at(r)
	}
	return m
}

// checkSlab checks that the map by ID and the slab agree: every channel of
// the map is in a slot of its own that knows its number, and every other
// slot handed out is free and empty.
func checkSlab(t *testing.T, d *data) {
	t.Helper()
	inUse := make(map[cref]bool, len(d.channels))
	for id, r := range d.channels {
		c := d.slab.at(r)
		if c.ID != id || c.ref != r || inUse[r] {
			t.Fatalf("channel %v in slot %d, which holds %v (slot %d)", id, r, c.ID, c.ref)
		}
		inUse[r] = true
	}
	if len(inUse)+len(d.slab.free) != d.slab.used {
		t.Fatalf("%d slots used and %d free, of %d handed out", len(inUse), len(d.slab.free), d.slab.used)
	}
	for _, r := range d.slab.free {
		if c := d.slab.at(r); inUse[r] || c.ID != uuid.Nil || c.Name != "" || c.members != nil || c.group != nil || c.deletedAt != nil {
			t.Fatalf("free slot %d is in use or not empty", r)
		}
	}
}

// checkIndexes compares every index with the one the maps make.
func checkIndexes(t *testing.T, d *data) {
	t.Helper()
	checkSlab(t, d)
	channels := channelsOf(d)
	for _, o := range d.orgs {
		var live, ungrouped [2][]chanEntry
		members := map[uuid.UUID][]ckey{}
		for _, c := range channels {
			if c.OrganisationID != o.ID || c.deletedAt != nil {
				continue
			}
			e := chanEntry{creationKey(c), c.ref}
			live[side(c.Archived)] = append(live[side(c.Archived)], e)
			if c.group == nil {
				ungrouped[side(c.Archived)] = append(ungrouped[side(c.Archived)], e)
			}
			for u := range c.members {
				members[u] = append(members[u], e.key)
			}
		}
		var groupOrder [2][]groupEntry
		names := map[string]*group{}
		for _, g := range d.groups {
			if g.OrganisationID == o.ID && g.DeletedAt == nil {
				groupOrder[side(g.Archived)] = append(groupOrder[side(g.Archived)], groupEntry{driver.GroupKey(&g.Group), g})
				names[g.nameKey] = g
			}
		}
		for i := range 2 {
			sameIndex(t, "live channels", &o.live[i], live[i])
			sameIndex(t, "ungrouped channels", &o.ungrouped[i], ungrouped[i])
			sameIndex(t, "groups", &o.groupOrder[i], groupOrder[i])
		}
		if len(o.memberships) != len(members) {
			t.Fatalf("memberships of %d users, want %d", len(o.memberships), len(members))
		}
		for u, keys := range members {
			sameIndex(t, "memberships", o.memberships[u], keys)
		}
		if len(names) != len(o.names) {
			t.Fatalf("%d names, want %d", len(o.names), len(names))
		}
		for k, g := range names {
			if o.names[k] != g {
				t.Fatalf("name %q held by the wrong group", k)
			}
		}
	}
	for _, g := range d.groups {
		var in [2][]chanEntry
		for _, c := range channels {
			if c.group == g {
				i := side(c.deletedAt != nil || c.Archived)
				in[i] = append(in[i], chanEntry{positionKey(c), c.ref})
			}
		}
		for i := range 2 {
			sameIndex(t, "group channels", &g.channels[i], in[i])
		}
	}
	links := map[uuid.UUID][]ckey{}
	for k, a := range d.attached {
		links[a.cg] = append(links[a.cg], ckey{a.pos, k.channel})
	}
	for id, cg := range d.channelGroups {
		sameIndex(t, "links", &cg.links, links[id])
	}
	for id, ws := range d.workspaces {
		var all []cgEntry
		platforms := map[string][]cgEntry{}
		for _, cg := range d.channelGroups {
			if cg.WorkspaceID == id {
				all = append(all, channelGroupOrder(cg))
				platforms[cg.PlatformID] = append(platforms[cg.PlatformID], channelGroupOrder(cg))
			}
		}
		sameIndex(t, "channel groups", &ws.all, all)
		for p, tr := range ws.platforms {
			sameIndex(t, "platform channel groups", tr, platforms[p])
		}
	}
}

// sameIndex checks that tr holds exactly want, in any order.
func sameIndex[T interface {
	ordered[T]
	comparable
}](t *testing.T, what string, tr *btree[T], want []T) {
	t.Helper()
	if tr == nil {
		t.Fatalf("%s: no index, want %d items", what, len(want))
	}
	check(t, tr)
	slices.SortFunc(want, T.compare)
	got := slices.Collect(tr.all())
	if !slices.Equal(got, want) {
		t.Fatalf("%s: index holds %d items, want %d:\n%v\n%v", what, len(got), len(want), got, want)
	}
}

// checkLists reads every list page by page and compares it with the same
// list computed from the maps.
func checkLists(t *testing.T, s *engine.Store, d *data, orgs, users, workspaces []uuid.UUID) {
	t.Helper()
	ctx := t.Context()
	byCreation := func(a, b *channel) int { return creationKey(a).compare(creationKey(b)) }
	byPosition := func(a, b *channel) int { return positionKey(a).compare(positionKey(b)) }
	channelID := func(c grouping.Channel) uuid.UUID { return c.ID }
	no, yes := false, true
	channels := channelsOf(d)
	for _, org := range orgs {
		for _, incl := range []bool{false, true} {
			opts := func(cursor string) grouping.ListChannelsOptions {
				return grouping.ListChannelsOptions{IncludeArchived: incl, Limit: 3, Cursor: cursor}
			}
			listed := func(c *channel) bool { return c.OrganisationID == org && c.deletedAt == nil && (incl || !c.Archived) }
			got := readAll(t, func(cursor string) (grouping.Page[grouping.Channel], error) {
				return s.ListUngroupedChannels(ctx, org, opts(cursor))
			}, channelID)
			sameIDs(t, "ungrouped", got, wantIDs(channels, func(c *channel) bool { return listed(c) && c.group == nil }, byCreation))
			for _, user := range users {
				got := readAll(t, func(cursor string) (grouping.Page[grouping.Channel], error) {
					return s.ListDiscoverableChannels(ctx, org, user, opts(cursor))
				}, channelID)
				sameIDs(t, "discoverable", got, wantIDs(channels, func(c *channel) bool {
					_, member := c.members[user]
					return listed(c) && !member
				}, byCreation))
			}
			for _, g := range d.groups {
				if g.OrganisationID != org || g.DeletedAt != nil {
					continue
				}
				got := readAll(t, func(cursor string) (grouping.Page[grouping.Channel], error) {
					return s.ListGroupChannels(ctx, org, g.ID, opts(cursor))
				}, channelID)
				sameIDs(t, "group channels", got, wantIDs(channels, func(c *channel) bool { return listed(c) && c.group == g }, byPosition))
			}
		}
		for _, archived := range []*bool{nil, &no, &yes} {
			got := readAll(t, func(cursor string) (grouping.Page[grouping.Group], error) {
				return s.ListGroups(ctx, org, grouping.ListGroupsOptions{Archived: archived, Limit: 3, Cursor: cursor})
			}, func(g grouping.Group) uuid.UUID { return g.ID })
			sameIDs(t, "groups", got, wantIDs(d.groups, func(g *group) bool {
				return g.OrganisationID == org && g.DeletedAt == nil && (archived == nil || *archived == g.Archived)
			}, func(a, b *group) int { return groupOrder(a).compare(groupOrder(b)) }))
		}
	}
	for _, ws := range workspaces {
		for _, platform := range []string{"", "wa", "tg"} {
			got := readAll(t, func(cursor string) (grouping.Page[grouping.ChannelGroup], error) {
				return s.ListChannelGroups(ctx, ws, grouping.ListChannelGroupsOptions{PlatformID: platform, Limit: 3, Cursor: cursor})
			}, func(cg grouping.ChannelGroup) uuid.UUID { return cg.ID })
			sameIDs(t, "channel groups", got, wantIDs(d.channelGroups, func(cg *channelGroup) bool {
				return cg.WorkspaceID == ws && (platform == "" || cg.PlatformID == platform)
			}, func(a, b *channelGroup) int { return channelGroupOrder(a).compare(channelGroupOrder(b)) }))
		}
	}
}

// wantIDs returns the IDs of the objects of m that keep passes, in order.
func wantIDs[T any](m map[uuid.UUID]*T, keep func(*T) bool, order func(a, b *T) int) []uuid.UUID {
	var kept []*T
	var ids []uuid.UUID
	for id, v := range m {
		if keep(v) {
			kept, ids = append(kept, v), append(ids, id)
		}
	}
	pos := make(map[*T]uuid.UUID, len(kept))
	for i, v := range kept {
		pos[v] = ids[i]
	}
	slices.SortFunc(kept, order)
	out := []uuid.UUID{}
	for _, v := range kept {
		out = append(out, pos[v])
	}
	return out
}

// readAll reads a list to its end and returns the IDs of its items.
func readAll[T any](t *testing.T, list func(cursor string) (grouping.Page[T], error), id func(T) uuid.UUID) []uuid.UUID {
	t.Helper()
	out, cursor := []uuid.UUID{}, ""
	for range 1000 {
		p, err := list(cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			out = append(out, id(it))
		}
		if cursor = p.NextCursor; cursor == "" {
			return out
		}
	}
	t.Fatal("list does not end")
	return nil
}

func sameIDs(t *testing.T, what string, got, want []uuid.UUID) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s: listed %v, want %v", what, got, want)
	}
}

// TestListsHandOutCopies checks that what a page shares among its items
// (blocks of channel IDs, of group IDs) aliases neither the store nor the
// other items.
func TestListsHandOutCopies(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := New()
	ws, org := uuid.New(), uuid.New()
	for _, account := range []string{"a", "b"} {
		for range 2 {
			_, err := s.AttachChannel(ctx, ws, uuid.New(), grouping.ChannelGroupAttach{PlatformID: "wa", PlatformGroupID: account})
			is.NoErr(err) // attach
		}
	}
	p, err := s.ListChannelGroups(ctx, ws, grouping.ListChannelGroupsOptions{})
	is.NoErr(err) // list channel groups
	is.Equal(len(p.Items), 2)
	second := slices.Clone(p.Items[1].ChannelIDs)
	_ = append(p.Items[0].ChannelIDs, uuid.New())
	p.Items[0].ChannelIDs[0] = uuid.New()
	is.Equal(p.Items[1].ChannelIDs, second) // appending to one channel group's IDs leaves the next alone
	again, err := s.ListChannelGroups(ctx, ws, grouping.ListChannelGroupsOptions{})
	is.NoErr(err)                                                     // list again
	is.True(again.Items[0].ChannelIDs[0] != p.Items[0].ChannelIDs[0]) // the store kept its own IDs

	_, err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "org"})
	is.NoErr(err) // organisation
	g, err := s.CreateGroup(ctx, org, grouping.NewGroup{Name: "g"})
	is.NoErr(err) // group
	for range 2 {
		ch, err := s.UpsertChannel(ctx, grouping.ChannelUpsert{ID: uuid.New(), OrganisationID: org, OwnerID: uuid.New(), Name: "c"})
		is.NoErr(err)                                    // channel
		is.NoErr(s.AssignChannel(ctx, org, g.ID, ch.ID)) // assign
	}
	cp, err := s.ListGroupChannels(ctx, org, g.ID, grouping.ListChannelsOptions{})
	is.NoErr(err) // list group channels
	*cp.Items[0].GroupID = uuid.New()
	is.Equal(*cp.Items[1].GroupID, g.ID) // each channel's GroupID is its own
	gr, err := s.GetGroup(ctx, org, g.ID, grouping.GetGroupOptions{IncludeChannels: true})
	is.NoErr(err)                           // get group
	is.Equal(*gr.Channels[0].GroupID, g.ID) // the store kept the group's ID
}
