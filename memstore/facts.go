package memstore

import (
	"context"

	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// ChannelState implements driver.Tx.
func (t *tx) ChannelState(_ context.Context, orgID, channelID uuid.UUID) (driver.ChannelState, error) {
	st := driver.ChannelState{OrganisationFound: t.orgs[orgID] != nil}
	if c := t.channel(channelID); c != nil {
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
		out := g.out(t.data, false)
		st.Group = &out
	}
	if holder := o.names[nameKey]; nameKey != "" && holder != nil {
		st.NameHolder = holder.ID
	}
	for i := range o.groupOrder {
		if e, ok := o.groupOrder[i].max(); ok {
			st.MaxPosition = max(st.MaxPosition, e.key.Pos)
		}
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
	ids := make([]uuid.UUID, 0, o.groupOrder[active].Len()+o.groupOrder[archived].Len())
	walkPair(&o.groupOrder, func(e groupEntry) { ids = append(ids, e.g.ID) })
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
	gc.ChannelIDs = make([]uuid.UUID, 0, g.channels[active].Len()+g.channels[archived].Len())
	walkPair(&g.channels, func(e chanEntry) { gc.ChannelIDs = append(gc.ChannelIDs, t.slab.at(e.c).ID) })
	return gc, nil
}

// Attachment implements driver.Tx.
func (t *tx) Attachment(_ context.Context, workspaceID, channelID uuid.UUID, platformID, platformGroupID string) (driver.Attachment, error) {
	at := driver.Attachment{MaxPosition: -1}
	if cg := t.accounts[accountKey{workspaceID, platformID, platformGroupID}]; cg != nil {
		g := cg.out()
		at.Account = &g
		at.MaxPosition = cg.maxPos()
	}
	if a, ok := t.attached[attachKey{workspaceID, channelID}]; ok {
		at.Current = a.cg
	}
	return at, nil
}
