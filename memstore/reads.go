package memstore

import (
	"context"
	"slices"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// The Reader methods of data run under whatever lock the caller holds: the
// write lock inside a transaction, the read lock for memDriver's.

func (d *data) OrganisationExists(_ context.Context, orgID uuid.UUID) (bool, error) {
	return d.orgs[orgID] != nil, nil
}

func (d *data) Channel(_ context.Context, orgID, channelID uuid.UUID) (*grouping.Channel, error) {
	c := d.liveChannel(orgID, channelID)
	if c == nil {
		return nil, nil
	}
	out := c.out(true)
	return &out, nil
}

func (d *data) Group(_ context.Context, orgID, groupID uuid.UUID, withChannels bool) (*grouping.Group, error) {
	g := d.liveGroup(orgID, groupID)
	if g == nil {
		return nil, nil
	}
	out := g.out(withChannels)
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
	var gs []*group
	for _, g := range o.groups {
		if q.Archived == nil || *q.Archived == g.Archived {
			gs = append(gs, g)
		}
	}
	return page(q.Page, gs, groupOrder, func(g *group) grouping.Group { return g.out(q.WithChannels) }), nil
}

func (d *data) ListGroupChannels(_ context.Context, q driver.ChannelsQuery) (driver.List[grouping.Channel], error) {
	g := d.liveGroup(q.OrganisationID, q.GroupID)
	if g == nil {
		return driver.List[grouping.Channel]{}, nil
	}
	cs := make([]*channel, 0, len(g.channels))
	for _, c := range g.channels {
		if q.IncludeArchived || !c.Archived {
			cs = append(cs, c)
		}
	}
	return page(q.Page, cs, groupChannelOrder, channelInList), nil
}

func (d *data) ListUngroupedChannels(_ context.Context, q driver.ChannelsQuery) (driver.List[grouping.Channel], error) {
	return d.listChannels(q, func(c *channel) bool { return c.group == nil }), nil
}

func (d *data) ListDiscoverableChannels(_ context.Context, q driver.ChannelsQuery) (driver.List[grouping.Channel], error) {
	return d.listChannels(q, func(c *channel) bool {
		_, member := c.members[q.UserID]
		return !member
	}), nil
}

// listChannels lists the organisation's live channels that keep passes, by
// creation time and ID.
func (d *data) listChannels(q driver.ChannelsQuery, keep func(*channel) bool) driver.List[grouping.Channel] {
	o := d.orgs[q.OrganisationID]
	if o == nil {
		return driver.List[grouping.Channel]{}
	}
	var cs []*channel
	for _, c := range o.channels {
		if c.deletedAt == nil && (q.IncludeArchived || !c.Archived) && keep(c) {
			cs = append(cs, c)
		}
	}
	return page(q.Page, cs, creationOrder, channelInList)
}

func (d *data) ListChannelGroups(_ context.Context, q driver.ChannelGroupsQuery) (driver.List[grouping.ChannelGroup], error) {
	var cgs []*channelGroup
	for _, cg := range d.channelGroups {
		if cg.WorkspaceID == q.WorkspaceID && (q.PlatformID == "" || cg.PlatformID == q.PlatformID) {
			cgs = append(cgs, cg)
		}
	}
	return page(q.Page, cgs, channelGroupOrder, (*channelGroup).out), nil
}

func channelInList(c *channel) grouping.Channel { return c.out(false) }

// page sorts items by key and returns the page p asks for, converted with
// out.
func page[T, V any](p driver.Page, items []T, key func(T) driver.Key, out func(T) V) driver.List[V] {
	slices.SortFunc(items, func(a, b T) int { return key(a).Compare(key(b)) })
	if p.After != nil {
		i, _ := slices.BinarySearchFunc(items, *p.After, func(it T, k driver.Key) int {
			if key(it).Compare(k) <= 0 {
				return -1
			}
			return 1
		})
		items = items[i:]
	}
	var l driver.List[V]
	n := min(len(items), p.Limit)
	l.Items = make([]V, n)
	for i, it := range items[:n] {
		l.Items[i] = out(it)
	}
	if n > 0 {
		l.Last, l.More = key(items[n-1]), len(items) > n
	}
	return l
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
