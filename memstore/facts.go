package memstore

import (
	"context"
	"slices"

	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// ChannelState implements driver.Tx.
func (t *tx) ChannelState(_ context.Context, orgID, channelID uuid.UUID) (driver.ChannelState, error) {
	st := driver.ChannelState{OrganisationFound: t.orgs[orgID] != nil}
	if c := t.channels[channelID]; c != nil {
		st.Channel = c.facts()
	}
	return st, nil
}

// GroupState implements driver.Tx.
func (t *tx) GroupState(_ context.Context, orgID, groupID uuid.UUID, nameKey string) (driver.GroupState, error) {
	o := t.orgs[orgID]
	st := driver.GroupState{OrganisationFound: o != nil, MaxPosition: -1}
	if o == nil {
		return st, nil
	}
	if g := t.liveGroup(orgID, groupID); g != nil {
		out := g.out(false)
		st.Group = &out
	}
	for _, g := range o.groups {
		if nameKey != "" && g.nameKey == nameKey {
			st.NameHolder = g.ID
		}
		st.MaxPosition = max(st.MaxPosition, int64(g.Position))
	}
	return st, nil
}

// Placement implements driver.Tx.
func (t *tx) Placement(_ context.Context, orgID, groupID, channelID uuid.UUID) (driver.Placement, error) {
	p := driver.Placement{OrganisationFound: t.orgs[orgID] != nil}
	if g := t.liveGroup(orgID, groupID); g != nil {
		p.Group = &driver.PlacementGroup{Name: g.Name, Archived: g.Archived, MaxChannelPosition: g.maxPos()}
	}
	if c := t.liveChannel(orgID, channelID); c != nil {
		p.Channel = c.facts()
	}
	return p, nil
}

// GroupIDs implements driver.Tx.
func (t *tx) GroupIDs(_ context.Context, orgID uuid.UUID) (bool, []uuid.UUID, error) {
	o := t.orgs[orgID]
	if o == nil {
		return false, nil, nil
	}
	ids := make([]uuid.UUID, 0, len(o.groups))
	for id := range o.groups {
		ids = append(ids, id)
	}
	return true, ids, nil
}

// GroupChannelIDs implements driver.Tx.
func (t *tx) GroupChannelIDs(_ context.Context, orgID, groupID uuid.UUID) (driver.GroupChannels, error) {
	gc := driver.GroupChannels{OrganisationFound: t.orgs[orgID] != nil}
	g := t.liveGroup(orgID, groupID)
	if g == nil {
		return gc, nil
	}
	gc.GroupFound = true
	gc.ChannelIDs = make([]uuid.UUID, len(g.channels))
	for i, c := range g.channels {
		gc.ChannelIDs[i] = c.ID
	}
	return gc, nil
}

// Attachment implements driver.Tx.
func (t *tx) Attachment(_ context.Context, workspaceID, channelID uuid.UUID, platformID, platformGroupID string) (driver.Attachment, error) {
	at := driver.Attachment{MaxPosition: -1}
	if cg := t.accounts[accountKey{workspaceID, platformID, platformGroupID}]; cg != nil {
		g := cg.ChannelGroup
		g.ChannelIDs = nil
		at.Account = &g
		if n := len(cg.links); n > 0 {
			at.MaxPosition = cg.links[n-1].pos
		}
	}
	if cg := t.attached[attachKey{workspaceID, channelID}]; cg != nil {
		at.Current = cg.ID
	}
	return at, nil
}

// sortedInsert returns s with v inserted before the first element that
// sorts after it by key, in a new slice.
func sortedInsert[T any](s []T, v T, key func(T) driver.Key) []T {
	k := key(v)
	i, _ := slices.BinarySearchFunc(s, k, func(e T, k driver.Key) int {
		if key(e).Compare(k) <= 0 {
			return -1
		}
		return 1
	})
	return slices.Concat(s[:i], []T{v}, s[i:])
}

// groupOrder is the key of a group in its organisation's order.
func groupOrder(g *group) driver.Key { return driver.GroupKey(&g.Group) }

// groupChannelOrder is the key of a channel in its group's order.
func groupChannelOrder(c *channel) driver.Key { return driver.GroupChannelKey(c.groupPos, c.ID) }

// creationOrder is the key of a channel in the lists by creation.
func creationOrder(c *channel) driver.Key { return driver.CreationKey(c.CreatedAt, c.ID) }

// channelGroupOrder is the key of a channel group in its workspace's list.
func channelGroupOrder(cg *channelGroup) driver.Key { return driver.CreationKey(cg.CreatedAt, cg.ID) }
