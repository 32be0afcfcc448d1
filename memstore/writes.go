package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// UpsertOrganisation implements driver.Tx.
func (t *tx) UpsertOrganisation(_ context.Context, org grouping.Organisation, createdAt time.Time) (grouping.Organisation, bool, error) {
	o := t.orgs[org.ID]
	if o == nil {
		o = &organisation{
			Organisation: grouping.Organisation{ID: org.ID, Name: org.Name, CreatedAt: createdAt},
			names:        make(map[string]*group),
			memberships:  make(map[uuid.UUID]*btree[ckey]),
		}
		put(t, t.orgs, org.ID, o)
		return grouping.Organisation{}, false, nil
	}
	prev := o.Organisation
	set(t, &o.Name, org.Name)
	return prev, true, nil
}

// InsertChannel implements driver.Tx.
func (t *tx) InsertChannel(_ context.Context, rec driver.ChannelRecord) error {
	if old, had := t.channels[rec.ID]; had { // not from the engine, which inserts new channels only
		t.onUndo(func() { t.channels[rec.ID] = old })
	}
	c := t.slab.alloc()
	c.ChannelRecord = rec
	t.channels[rec.ID] = c.ref
	t.undo = append(t.undo, undoStep{kind: undoNewChannel, c: c})
	t.indexChannel(c, true)
	return nil
}

// UpdateChannel implements driver.Tx.
func (t *tx) UpdateChannel(_ context.Context, rec driver.ChannelRecord) error {
	c := t.channel(rec.ID)
	if c == nil {
		return nil
	}
	if rec.CreatedAt.IsZero() {
		rec.CreatedAt = c.CreatedAt
	}
	// Only the creation key, the organisation and the archived state
	// place a channel in the indexes.
	rekey := rec.CreatedAt.UnixMilli() != c.CreatedAt.UnixMilli() || rec.OrganisationID != c.OrganisationID
	moves := rekey || rec.Archived != c.Archived
	if moves {
		t.indexChannel(c, false)
	}
	if rekey {
		t.indexMembers(c, false)
	}
	set(t, &c.ChannelRecord, rec)
	if rekey {
		t.indexMembers(c, true)
	}
	if moves {
		t.indexChannel(c, true)
	}
	return nil
}

// SetMembers implements driver.Tx.
func (t *tx) SetMembers(_ context.Context, channelID uuid.UUID, users []uuid.UUID) error {
	c := t.channel(channelID)
	if c == nil {
		return nil
	}
	var members map[uuid.UUID]struct{}
	if len(users) > 0 {
		members = make(map[uuid.UUID]struct{}, len(users))
		for _, u := range users {
			members[u] = struct{}{}
		}
	}
	if o := t.orgs[c.OrganisationID]; o != nil && c.deletedAt == nil {
		k := creationKey(c)
		for u := range c.members {
			if _, stays := members[u]; !stays {
				t.indexMembership(o, u, k, false)
			}
		}
		for u := range members {
			if _, was := c.members[u]; !was {
				t.indexMembership(o, u, k, true)
			}
		}
	}
	set(t, &c.members, members)
	return nil
}

// AddMember implements driver.Tx.
func (t *tx) AddMember(_ context.Context, channelID, userID uuid.UUID) (bool, error) {
	c := t.channel(channelID)
	if c == nil {
		return false, nil
	}
	if _, ok := c.members[userID]; ok {
		return false, nil
	}
	if c.members == nil {
		set(t, &c.members, make(map[uuid.UUID]struct{}, 1))
	}
	put(t, c.members, userID, struct{}{})
	if o := t.orgs[c.OrganisationID]; o != nil && c.deletedAt == nil {
		t.indexMembership(o, userID, creationKey(c), true)
	}
	return true, nil
}

// RemoveMember implements driver.Tx.
func (t *tx) RemoveMember(_ context.Context, channelID, userID uuid.UUID) (bool, error) {
	c := t.channel(channelID)
	if c == nil {
		return false, nil
	}
	if _, ok := c.members[userID]; !ok {
		return false, nil
	}
	del(t, c.members, userID)
	if o := t.orgs[c.OrganisationID]; o != nil && c.deletedAt == nil {
		t.indexMembership(o, userID, creationKey(c), false)
	}
	return true, nil
}

// MarkChannelDeleted implements driver.Tx.
func (t *tx) MarkChannelDeleted(_ context.Context, channelID uuid.UUID, at time.Time) error {
	c := t.channel(channelID)
	if c == nil {
		return nil
	}
	t.indexChannel(c, false)
	t.indexMembers(c, false)
	set(t, &c.deletedAt, &at)
	t.indexChannel(c, true)
	return nil
}

// InsertGroup implements driver.Tx.
func (t *tx) InsertGroup(_ context.Context, g grouping.Group, nameKey string) error {
	o := t.orgs[g.OrganisationID]
	if o == nil {
		return nil
	}
	if o.names[nameKey] != nil {
		return driver.ErrNameTaken
	}
	g.Channels = nil
	ng := &group{Group: g, nameKey: nameKey}
	put(t, t.groups, g.ID, ng)
	put(t, o.names, nameKey, ng)
	t.insertGroup(&o.groupOrder[side(g.Archived)], groupOrder(ng))
	return nil
}

// liveOrg returns the organisation of g when g is live, and nil otherwise:
// only live groups are in their organisation's indexes.
func (t *tx) liveOrg(g *group) *organisation {
	if g.DeletedAt != nil {
		return nil
	}
	return t.orgs[g.OrganisationID]
}

// UpdateGroup implements driver.Tx.
func (t *tx) UpdateGroup(_ context.Context, g grouping.Group, nameKey string) error {
	cur := t.groups[g.ID]
	if cur == nil {
		return nil
	}
	o := t.liveOrg(cur)
	if nameKey != "" {
		if o != nil {
			if holder := o.names[nameKey]; holder != nil && holder != cur {
				return driver.ErrNameTaken
			}
			if o.names[cur.nameKey] == cur {
				del(t, o.names, cur.nameKey)
			}
			put(t, o.names, nameKey, cur)
		}
	}
	if o != nil && g.Archived != cur.Archived {
		t.removeGroup(&o.groupOrder[side(cur.Archived)], groupOrder(cur))
		t.insertGroup(&o.groupOrder[side(g.Archived)], groupOrder(cur))
	}
	t.saveGroup(cur)
	if nameKey != "" {
		cur.nameKey = nameKey
	}
	cur.Name, cur.Description, cur.Archived = g.Name, g.Description, g.Archived
	cur.Version, cur.UpdatedAt = g.Version, g.UpdatedAt
	return nil
}

// saveGroup records how to undo any change of g's fields, with one step
// rather than one per field.
func (t *tx) saveGroup(g *group) {
	pushStep(t, &t.groupUndoSaves, undoGroupSave, groupSave{g: g, old: g.Group, oldKey: g.nameKey})
}

// MarkGroupDeleted implements driver.Tx.
func (t *tx) MarkGroupDeleted(_ context.Context, groupID uuid.UUID, at time.Time) error {
	g := t.groups[groupID]
	if g == nil || g.DeletedAt != nil {
		return nil
	}
	if o := t.orgs[g.OrganisationID]; o != nil {
		t.removeGroup(&o.groupOrder[side(g.Archived)], groupOrder(g))
		if o.names[g.nameKey] == g {
			del(t, o.names, g.nameKey)
		}
	}
	t.saveGroup(g)
	g.DeletedAt, g.UpdatedAt = &at, at
	return nil
}

// SetGroupPositions implements driver.Tx.
func (t *tx) SetGroupPositions(_ context.Context, groupIDs []uuid.UUID) error {
	if done, err := t.reorderAllGroups(groupIDs); done || err != nil {
		return err
	}
	for i, id := range groupIDs {
		g := t.groups[id]
		if g == nil {
			continue
		}
		o := t.liveOrg(g)
		if o != nil {
			t.removeGroup(&o.groupOrder[side(g.Archived)], groupOrder(g))
		}
		set(t, &g.Position, i)
		if o != nil {
			t.insertGroup(&o.groupOrder[side(g.Archived)], groupOrder(g))
		}
	}
	return nil
}

// reorderAllGroups gives groupIDs[i] the position i when groupIDs are every
// live group of one organisation, as in a reorder (the engine checks that
// they are, each once; an ID given twice is an error), and reports whether
// they were. The organisation's
// trees of groups are then built anew in the new order, each group added at
// the end, rather than each group taken out of them and put back where it
// now sorts.
func (t *tx) reorderAllGroups(groupIDs []uuid.UUID) (bool, error) {
	if len(groupIDs) < 2 {
		return false, nil
	}
	first := t.groups[groupIDs[0]]
	if first == nil {
		return false, nil
	}
	o := t.liveOrg(first)
	if o == nil || o.groupOrder[0].Len()+o.groupOrder[1].Len() != len(groupIDs) {
		return false, nil
	}
	// The groups, each looked up once: in a buffer on the stack for the
	// usual few.
	var buf [32]*group
	groups := buf[:0]
	if len(groupIDs) > len(buf) {
		groups = make([]*group, 0, len(groupIDs))
	}
	for _, id := range groupIDs {
		g := t.groups[id]
		if g == nil || g.OrganisationID != first.OrganisationID || g.DeletedAt != nil {
			return false, nil
		}
		groups = append(groups, g)
	}
	for i, g := range groups {
		set(t, &g.Position, i)
	}
	var sides [2][]groupEntry
	for i := range sides {
		sides[i] = make([]groupEntry, 0, o.groupOrder[i].Len())
	}
	for i, g := range groups {
		if g.Position != i { // given again at a later index
			return false, fmt.Errorf("memstore: SetGroupPositions: group %s given twice", g.ID)
		}
		s := side(g.Archived)
		if len(sides[s]) == cap(sides[s]) { // more of this side than it had
			return false, fmt.Errorf("memstore: SetGroupPositions: group %s given twice", g.ID)
		}
		sides[s] = append(sides[s], groupOrder(g))
	}
	for i, entries := range sides {
		t.replaceGroupTree(&o.groupOrder[i], sortedTree(entries))
	}
	return true, nil
}

// PlaceChannel implements driver.Tx.
func (t *tx) PlaceChannel(_ context.Context, channelID, groupID uuid.UUID, pos int64) error {
	c, g := t.channel(channelID), t.groups[groupID]
	if c == nil || g == nil {
		return nil
	}
	t.place(c, g, pos)
	return nil
}

// place puts c in g at pos, or in no group when g is nil.
func (t *tx) place(c *channel, g *group, pos int64) {
	t.indexPlacement(c, false)
	set(t, &c.group, g)
	set(t, &c.groupPos, pos)
	t.indexPlacement(c, true)
}

// UnplaceChannel implements driver.Tx.
func (t *tx) UnplaceChannel(_ context.Context, channelID uuid.UUID) error {
	if c := t.channel(channelID); c != nil && c.group != nil {
		t.place(c, nil, 0)
	}
	return nil
}

// UngroupChannels implements driver.Tx.
func (t *tx) UngroupChannels(_ context.Context, groupID uuid.UUID) error {
	g := t.groups[groupID]
	if g == nil {
		return nil
	}
	var cs []*channel // the index changes under the loop below
	for i := range g.channels {
		for e := range g.channels[i].all() {
			cs = append(cs, t.slab.at(e.c))
		}
	}
	for _, c := range cs {
		t.place(c, nil, 0)
	}
	return nil
}

// SetChannelPositions implements driver.Tx.
func (t *tx) SetChannelPositions(_ context.Context, groupID uuid.UUID, channelIDs []uuid.UUID) error {
	g := t.groups[groupID]
	if g == nil {
		return nil
	}
	for i, id := range channelIDs {
		if c := t.channel(id); c != nil && c.group == g {
			t.place(c, g, int64(i))
		}
	}
	return nil
}

// InsertChannelGroup implements driver.Tx.
func (t *tx) InsertChannelGroup(_ context.Context, in grouping.ChannelGroup) error {
	in.ChannelIDs = nil
	cg := &channelGroup{ChannelGroup: in}
	put(t, t.channelGroups, cg.ID, cg)
	put(t, t.accounts, accountKey{in.WorkspaceID, in.PlatformID, in.PlatformGroupID}, cg)
	ws := t.workspaces[in.WorkspaceID]
	if ws == nil {
		ws = &workspace{platforms: make(map[string]*btree[cgEntry])}
		put(t, t.workspaces, in.WorkspaceID, ws)
	}
	platform := ws.platforms[in.PlatformID]
	if platform == nil {
		platform = new(btree[cgEntry])
		put(t, ws.platforms, in.PlatformID, platform)
	}
	insertInto(t, &ws.all, channelGroupOrder(cg))
	insertInto(t, platform, channelGroupOrder(cg))
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
	t.updateKey(&cg.links, ckey{pos, channelID}, true)
	put(t, t.attached, attachKey{workspaceID, channelID}, attachment{cg.ID, pos})
	return nil
}

// UnlinkChannel implements driver.Tx.
func (t *tx) UnlinkChannel(_ context.Context, workspaceID, channelID uuid.UUID) (uuid.UUID, error) {
	ak := attachKey{workspaceID, channelID}
	a, ok := t.attached[ak]
	if !ok {
		return uuid.Nil, nil
	}
	t.updateKey(&t.channelGroups[a.cg].links, ckey{a.pos, channelID}, false)
	del(t, t.attached, ak)
	return a.cg, nil
}

// DeleteChannelGroup implements driver.Tx.
func (t *tx) DeleteChannelGroup(_ context.Context, workspaceID, id uuid.UUID) (bool, error) {
	cg := t.workspaceGroup(workspaceID, id)
	if cg == nil {
		return false, nil
	}
	for l := range cg.links.all() {
		del(t, t.attached, attachKey{workspaceID, l.id})
	}
	if ws := t.workspaces[workspaceID]; ws != nil {
		removeFrom(t, &ws.all, channelGroupOrder(cg))
		if platform := ws.platforms[cg.PlatformID]; platform != nil {
			removeFrom(t, platform, channelGroupOrder(cg))
		}
	}
	del(t, t.accounts, accountKey{workspaceID, cg.PlatformID, cg.PlatformGroupID})
	del(t, t.channelGroups, id)
	return true, nil
}
