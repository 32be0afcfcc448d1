package memstore

import (
	"context"
	"slices"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// UpsertOrganisation implements driver.Tx.
func (t *tx) UpsertOrganisation(_ context.Context, org grouping.Organisation, createdAt time.Time) (time.Time, error) {
	o := t.orgs[org.ID]
	if o == nil {
		o = &organisation{
			Organisation: grouping.Organisation{ID: org.ID, CreatedAt: createdAt},
			groups:       make(map[uuid.UUID]*group),
			channels:     make(map[uuid.UUID]*channel),
		}
		put(t, t.orgs, org.ID, o)
	}
	set(t, &o.Name, org.Name)
	return o.CreatedAt, nil
}

// InsertChannel implements driver.Tx.
func (t *tx) InsertChannel(_ context.Context, rec driver.ChannelRecord) error {
	c := &channel{ChannelRecord: rec, members: make(map[uuid.UUID]struct{})}
	put(t, t.channels, rec.ID, c)
	if o := t.orgs[rec.OrganisationID]; o != nil {
		put(t, o.channels, rec.ID, c)
	}
	return nil
}

// UpdateChannel implements driver.Tx.
func (t *tx) UpdateChannel(_ context.Context, rec driver.ChannelRecord) error {
	c := t.channels[rec.ID]
	if c == nil {
		return nil
	}
	if rec.CreatedAt.IsZero() {
		rec.CreatedAt = c.CreatedAt
	}
	set(t, &c.ChannelRecord, rec)
	return nil
}

// SetMembers implements driver.Tx.
func (t *tx) SetMembers(_ context.Context, channelID uuid.UUID, users []uuid.UUID) error {
	c := t.channels[channelID]
	if c == nil {
		return nil
	}
	members := make(map[uuid.UUID]struct{}, len(users))
	for _, u := range users {
		members[u] = struct{}{}
	}
	set(t, &c.members, members)
	return nil
}

// AddMember implements driver.Tx.
func (t *tx) AddMember(_ context.Context, channelID, userID uuid.UUID) (bool, error) {
	c := t.channels[channelID]
	if c == nil {
		return false, nil
	}
	if _, ok := c.members[userID]; ok {
		return false, nil
	}
	put(t, c.members, userID, struct{}{})
	return true, nil
}

// RemoveMember implements driver.Tx.
func (t *tx) RemoveMember(_ context.Context, channelID, userID uuid.UUID) (bool, error) {
	c := t.channels[channelID]
	if c == nil {
		return false, nil
	}
	if _, ok := c.members[userID]; !ok {
		return false, nil
	}
	del(t, c.members, userID)
	return true, nil
}

// MarkChannelDeleted implements driver.Tx.
func (t *tx) MarkChannelDeleted(_ context.Context, channelID uuid.UUID, at time.Time) error {
	if c := t.channels[channelID]; c != nil {
		set(t, &c.deletedAt, &at)
	}
	return nil
}

// InsertGroup implements driver.Tx.
func (t *tx) InsertGroup(_ context.Context, g grouping.Group, nameKey string) error {
	o := t.orgs[g.OrganisationID]
	if o == nil {
		return nil
	}
	if holder := t.nameHolder(o, nameKey); holder != nil {
		return driver.ErrNameTaken
	}
	g.Channels = nil
	ng := &group{Group: g, nameKey: nameKey}
	put(t, t.groups, g.ID, ng)
	put(t, o.groups, g.ID, ng)
	return nil
}

// nameHolder returns the live group of o whose name key is key.
func (t *tx) nameHolder(o *organisation, key string) *group {
	for _, g := range o.groups {
		if g.nameKey == key {
			return g
		}
	}
	return nil
}

// UpdateGroup implements driver.Tx.
func (t *tx) UpdateGroup(_ context.Context, g grouping.Group, nameKey string) error {
	cur := t.groups[g.ID]
	if cur == nil {
		return nil
	}
	if nameKey != "" {
		if o := t.orgs[cur.OrganisationID]; cur.DeletedAt == nil && o != nil {
			if holder := t.nameHolder(o, nameKey); holder != nil && holder != cur {
				return driver.ErrNameTaken
			}
		}
		set(t, &cur.nameKey, nameKey)
	}
	set(t, &cur.Name, g.Name)
	set(t, &cur.Description, g.Description)
	set(t, &cur.Archived, g.Archived)
	set(t, &cur.Version, g.Version)
	set(t, &cur.UpdatedAt, g.UpdatedAt)
	return nil
}

// MarkGroupDeleted implements driver.Tx.
func (t *tx) MarkGroupDeleted(_ context.Context, groupID uuid.UUID, at time.Time) error {
	g := t.groups[groupID]
	if g == nil || g.DeletedAt != nil {
		return nil
	}
	set(t, &g.DeletedAt, &at)
	set(t, &g.UpdatedAt, at)
	if o := t.orgs[g.OrganisationID]; o != nil {
		del(t, o.groups, groupID)
	}
	return nil
}

// SetGroupPositions implements driver.Tx.
func (t *tx) SetGroupPositions(_ context.Context, groupIDs []uuid.UUID) error {
	for i, id := range groupIDs {
		if g := t.groups[id]; g != nil {
			set(t, &g.Position, i)
		}
	}
	return nil
}

// PlaceChannel implements driver.Tx.
func (t *tx) PlaceChannel(ctx context.Context, channelID, groupID uuid.UUID, pos int64) error {
	c, g := t.channels[channelID], t.groups[groupID]
	if c == nil || g == nil {
		return nil
	}
	t.unplace(c)
	set(t, &c.group, g)
	set(t, &c.groupPos, pos)
	set(t, &g.channels, sortedInsert(g.channels, c, groupChannelOrder))
	return nil
}

// UnplaceChannel implements driver.Tx.
func (t *tx) UnplaceChannel(_ context.Context, channelID uuid.UUID) error {
	if c := t.channels[channelID]; c != nil {
		t.unplace(c)
	}
	return nil
}

// unplace takes c out of its group, if any.
func (t *tx) unplace(c *channel) {
	g := c.group
	if g == nil {
		return
	}
	set(t, &g.channels, without(g.channels, c))
	set(t, &c.group, nil)
	set(t, &c.groupPos, 0)
}

// UngroupChannels implements driver.Tx.
func (t *tx) UngroupChannels(_ context.Context, groupID uuid.UUID) error {
	g := t.groups[groupID]
	if g == nil {
		return nil
	}
	for _, c := range g.channels {
		set(t, &c.group, nil)
		set(t, &c.groupPos, 0)
	}
	set(t, &g.channels, nil)
	return nil
}

// SetChannelPositions implements driver.Tx.
func (t *tx) SetChannelPositions(_ context.Context, groupID uuid.UUID, channelIDs []uuid.UUID) error {
	g := t.groups[groupID]
	if g == nil {
		return nil
	}
	for i, id := range channelIDs {
		if c := t.channels[id]; c != nil && c.group == g {
			set(t, &c.groupPos, int64(i))
		}
	}
	order := slices.Clone(g.channels)
	slices.SortFunc(order, func(a, b *channel) int { return groupChannelOrder(a).Compare(groupChannelOrder(b)) })
	set(t, &g.channels, order)
	return nil
}

// InsertChannelGroup implements driver.Tx.
func (t *tx) InsertChannelGroup(_ context.Context, in grouping.ChannelGroup) error {
	in.ChannelIDs = nil
	cg := &channelGroup{ChannelGroup: in}
	put(t, t.channelGroups, cg.ID, cg)
	put(t, t.accounts, accountKey{in.WorkspaceID, in.PlatformID, in.PlatformGroupID}, cg)
	return nil
}

// UpdateChannelGroup implements driver.Tx.
func (t *tx) UpdateChannelGroup(_ context.Context, id uuid.UUID, name string, updatedAt time.Time) error {
	if cg := t.channelGroups[id]; cg != nil {
		set(t, &cg.PlatformGroupName, name)
		set(t, &cg.UpdatedAt, updatedAt)
	}
	return nil
}

// TouchChannelGroup implements driver.Tx.
func (t *tx) TouchChannelGroup(_ context.Context, id uuid.UUID, updatedAt time.Time) error {
	if cg := t.channelGroups[id]; cg != nil {
		set(t, &cg.UpdatedAt, updatedAt)
	}
	return nil
}

// LinkChannel implements driver.Tx.
func (t *tx) LinkChannel(_ context.Context, workspaceID, channelID, channelGroupID uuid.UUID, pos int64) error {
	cg := t.workspaceGroup(workspaceID, channelGroupID)
	if cg == nil {
		return nil
	}
	l := link{channel: channelID, pos: pos}
	set(t, &cg.links, sortedInsert(cg.links, l, func(l link) driver.Key { return driver.Key{Pos: l.pos} }))
	put(t, t.attached, attachKey{workspaceID, channelID}, cg)
	return nil
}

// UnlinkChannel implements driver.Tx.
func (t *tx) UnlinkChannel(_ context.Context, workspaceID, channelID uuid.UUID) (uuid.UUID, error) {
	ak := attachKey{workspaceID, channelID}
	cg := t.attached[ak]
	if cg == nil {
		return uuid.Nil, nil
	}
	i := slices.IndexFunc(cg.links, func(l link) bool { return l.channel == channelID })
	if i >= 0 {
		set(t, &cg.links, slices.Concat(cg.links[:i], cg.links[i+1:]))
	}
	del(t, t.attached, ak)
	return cg.ID, nil
}

// DeleteChannelGroup implements driver.Tx.
func (t *tx) DeleteChannelGroup(_ context.Context, workspaceID, id uuid.UUID) (bool, error) {
	cg := t.workspaceGroup(workspaceID, id)
	if cg == nil {
		return false, nil
	}
	for _, l := range cg.links {
		del(t, t.attached, attachKey{workspaceID, l.channel})
	}
	del(t, t.accounts, accountKey{workspaceID, cg.PlatformID, cg.PlatformGroupID})
	del(t, t.channelGroups, id)
	return true, nil
}
