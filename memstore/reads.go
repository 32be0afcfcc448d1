package memstore

import (
	"context"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// The Reader methods of data run under whatever lock the caller holds: the
// write lock inside a transaction, the read lock for memDriver's. Each list
// seeks its index to the page's start and walks it for as many items as
// the page takes, so a page costs the same however long the list is.

func (d *data) OrganisationExists(_ context.Context, orgID uuid.UUID) (bool, error) {
	return d.orgs[orgID] != nil, nil
}

func (d *data) Channel(_ context.Context, orgID, channelID uuid.UUID) (*grouping.Channel, error) {
	c := d.liveChannel(orgID, channelID)
	if c == nil {
		return nil, nil
	}
	out := c.out(true, nil)
	return &out, nil
}

func (d *data) Group(_ context.Context, orgID, groupID uuid.UUID, withChannels bool) (*grouping.Group, error) {
	g := d.liveGroup(orgID, groupID)
	if g == nil {
		return nil, nil
	}
	out := g.out(d, withChannels)
	return &out, nil
}

func (d *data) ChannelGroup(_ context.Context, workspaceID, id uuid.UUID) (*grouping.ChannelGroup, error) {
	cg := d.workspaceGroup(workspaceID, id)
	if cg == nil {
		return nil, nil
	}
	out := cg.out()
	return &out, nil
}

func (d *data) ListGroups(_ context.Context, q driver.GroupsQuery) (driver.List[grouping.Group], error) {
	o := d.orgs[q.OrganisationID]
	if o == nil {
		return driver.List[grouping.Group]{}, nil
	}
	var after *groupEntry
	if q.After != nil {
		after = &groupEntry{key: *q.After}
	}
	out := func(e groupEntry) grouping.Group { return e.g.out(d, q.WithChannels) }
	return page(q.Page, pairOf(&o.groupOrder, q.Archived, after), groupListKey, out), nil
}

func (d *data) ListGroupChannels(_ context.Context, q driver.ChannelsQuery) (driver.List[grouping.Channel], error) {
	g := d.liveGroup(q.OrganisationID, q.GroupID)
	if g == nil {
		return driver.List[grouping.Channel]{}, nil
	}
	var after *chanEntry
	if q.After != nil {
		after = &chanEntry{key: ckey{q.After.Pos, q.After.ID}}
	}
	items := pairOf(&g.channels, onlyActive(q.IncludeArchived), after)
	if q.IncludeArchived {
		// The archived half also holds deleted channels, which the engine
		// takes out of their group first: skip any left there.
		items = &notDeleted{items, &d.slab}
	}
	return page(q.Page, items, positionListKey, d.channelsInList()), nil
}

func (d *data) ListUngroupedChannels(_ context.Context, q driver.ChannelsQuery) (driver.List[grouping.Channel], error) {
	o := d.orgs[q.OrganisationID]
	if o == nil {
		return driver.List[grouping.Channel]{}, nil
	}
	items := pairOf(&o.ungrouped, onlyActive(q.IncludeArchived), creationAfter(q.After))
	return page(q.Page, items, creationListKey, d.channelsInList()), nil
}

func (d *data) ListDiscoverableChannels(_ context.Context, q driver.ChannelsQuery) (driver.List[grouping.Channel], error) {
	o := d.orgs[q.OrganisationID]
	if o == nil {
		return driver.List[grouping.Channel]{}, nil
	}
	after := creationAfter(q.After)
	items := pairOf(&o.live, onlyActive(q.IncludeArchived), after)
	if mine := o.memberships[q.UserID]; mine != nil {
		// Both indexes are in creation order: walk the user's memberships
		// alongside the channels and leave out those that match.
		var from *ckey
		if after != nil {
			from = &after.key
		}
		items = &notIn{items: items, skip: mine.after(from)}
	}
	return page(q.Page, items, creationListKey, d.channelsInList()), nil
}

func (d *data) ListChannelGroups(_ context.Context, q driver.ChannelGroupsQuery) (driver.List[grouping.ChannelGroup], error) {
	ws := d.workspaces[q.WorkspaceID]
	if ws == nil {
		return driver.List[grouping.ChannelGroup]{}, nil
	}
	tr := &ws.all
	if q.PlatformID != "" {
		if tr = ws.platforms[q.PlatformID]; tr == nil {
			return driver.List[grouping.ChannelGroup]{}, nil
		}
	}
	var after *cgEntry
	if q.After != nil {
		after = &cgEntry{key: ckey{q.After.Time, q.After.ID}}
	}
	c := tr.after(after)
	return page(q.Page, &c, channelGroupListKey, channelGroupsInList()), nil
}

// channelsInList returns the conversion of the channels of one page.
func (d *data) channelsInList() func(chanEntry) grouping.Channel {
	var ids idBlock
	return func(e chanEntry) grouping.Channel { return d.slab.at(e.c).out(false, &ids) }
}

// channelGroupsInList returns the conversion of the channel groups of one
// page.
func channelGroupsInList() func(cgEntry) grouping.ChannelGroup {
	var block []uuid.UUID
	return func(e cgEntry) grouping.ChannelGroup { return e.cg.outWith(&block) }
}

// creationAfter returns the entry a list by creation starts after.
func creationAfter(k *driver.Key) *chanEntry {
	if k == nil {
		return nil
	}
	return &chanEntry{key: ckey{k.Time, k.ID}}
}

// onlyActive returns the filter of a pair of indexes that keeps the active
// half alone unless archived items are included.
func onlyActive(includeArchived bool) *bool {
	if includeArchived {
		return nil
	}
	no := false
	return &no
}

// items is what a list walks: the items of one index, or of several
// merged, in list order.
type items[T any] interface {
	next() (T, bool)
}

// pairOf returns the items after the entry after (from the start when it
// is nil) of a pair of indexes: when archivedState is set, only those
// of the half of that state, otherwise both halves merged.
func pairOf[T ordered[T]](pair *[2]btree[T], archivedState *bool, after *T) items[T] {
	if archivedState == nil {
		if s, ok := soleSide(pair); ok {
			archivedState = &s // the other half is empty: nothing to merge
		}
	}
	if archivedState != nil {
		c := pair[side(*archivedState)].after(after)
		return &c
	}
	m := mergedOf(pair, after)
	return &m
}

// soleSide reports whether at most one half of a pair of indexes holds
// items, and if so which: archived when only that one does.
func soleSide[T ordered[T]](pair *[2]btree[T]) (isArchived, ok bool) {
	switch {
	case pair[archived].Len() == 0:
		return false, true
	case pair[active].Len() == 0:
		return true, true
	}
	return false, false
}

// walkPair calls f with every item of both halves of a pair of indexes,
// in order: along the one that holds items when the other is empty, as
// it most often is, and through mergedOf otherwise.
func walkPair[T ordered[T]](pair *[2]btree[T], f func(T)) {
	if s, ok := soleSide(pair); ok {
		for e := range pair[side(s)].all() {
			f(e)
		}
		return
	}
	it := mergedOf(pair, nil)
	for e, ok := it.next(); ok; e, ok = it.next() {
		f(e)
	}
}

// mergedOf returns both halves of a pair of indexes merged, after the
// entry after (from the start when it is nil). A caller that walks it in
// place, not as items, keeps its two cursors off the heap.
func mergedOf[T ordered[T]](pair *[2]btree[T], after *T) merged[T] {
	return merged[T]{a: pair[active].after(after), b: pair[archived].after(after)}
}

// merged walks two disjoint indexes as one.
type merged[T ordered[T]] struct{ a, b cursor[T] }

func (m *merged[T]) next() (T, bool) {
	x, okx := m.a.peek()
	y, oky := m.b.peek()
	if okx && (!oky || x.compare(y) < 0) {
		return m.a.next()
	}
	return m.b.next()
}

// notDeleted leaves out the deleted channels of items.
type notDeleted struct {
	items items[chanEntry]
	slab  *slab
}

func (l *notDeleted) next() (chanEntry, bool) {
	for {
		e, ok := l.items.next()
		if !ok || l.slab.at(e.c).deletedAt == nil {
			return e, ok
		}
	}
}

// notIn leaves out of items, which are in creation order, the channels
// whose keys skip holds, in the same order: each key of skip is passed
// once, so a page costs its items plus the keys before its last one.
type notIn struct {
	items items[chanEntry]
	skip  cursor[ckey]
}

func (n *notIn) next() (chanEntry, bool) {
	for {
		e, ok := n.items.next()
		if !ok {
			return e, false
		}
		for {
			k, ok := n.skip.peek()
			if !ok {
				return e, true
			}
			c := k.compare(e.key)
			if c > 0 {
				return e, true
			}
			n.skip.next()
			if c == 0 {
				break // a member: not listed
			}
		}
	}
}

// page reads a page of p.Limit items, and whether more follow, converted
// with out.
func page[T, V any](p driver.Page, it items[T], key func(T) driver.Key, out func(T) V) driver.List[V] {
	var l driver.List[V]
	for {
		e, ok := it.next()
		if !ok {
			return l
		}
		if len(l.Items) == p.Limit {
			l.More = true
			return l
		}
		if l.Items == nil {
			l.Items = make([]V, 0, min(p.Limit, 64))
		}
		l.Items = append(l.Items, out(e))
		l.Last = key(e)
	}
}

// The Reader methods of memDriver read under the read lock.

func (d *memDriver) OrganisationExists(ctx context.Context, orgID uuid.UUID) (bool, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.data.OrganisationExists(ctx, orgID)
}

func (d *memDriver) Channel(ctx context.Context, orgID, channelID uuid.UUID) (*grouping.Channel, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.data.Channel(ctx, orgID, channelID)
}

func (d *memDriver) Group(ctx context.Context, orgID, groupID uuid.UUID, withChannels bool) (*grouping.Group, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.data.Group(ctx, orgID, groupID, withChannels)
}

func (d *memDriver) ChannelGroup(ctx context.Context, workspaceID, id uuid.UUID) (*grouping.ChannelGroup, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.data.ChannelGroup(ctx, workspaceID, id)
}

func (d *memDriver) ListGroups(ctx context.Context, q driver.GroupsQuery) (driver.List[grouping.Group], error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.data.ListGroups(ctx, q)
}

func (d *memDriver) ListGroupChannels(ctx context.Context, q driver.ChannelsQuery) (driver.List[grouping.Channel], error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.data.ListGroupChannels(ctx, q)
}

func (d *memDriver) ListUngroupedChannels(ctx context.Context, q driver.ChannelsQuery) (driver.List[grouping.Channel], error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.data.ListUngroupedChannels(ctx, q)
}

func (d *memDriver) ListDiscoverableChannels(ctx context.Context, q driver.ChannelsQuery) (driver.List[grouping.Channel], error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.data.ListDiscoverableChannels(ctx, q)
}

func (d *memDriver) ListChannelGroups(ctx context.Context, q driver.ChannelGroupsQuery) (driver.List[grouping.ChannelGroup], error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.data.ListChannelGroups(ctx, q)
}
