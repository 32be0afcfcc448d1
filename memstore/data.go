package memstore

import (
	"cmp"
	"encoding/binary"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// data is everything the store holds. Besides the maps by ID, every list
// and every fact the engine asks for has an ordered index (a btree), kept
// up to date by each write, so that no read walks more than it returns.
type data struct {
	orgs map[uuid.UUID]*organisation
	// channels maps every organisation's channels, by ID, to their slots
	// in slab, which holds them.
	channels      map[uuid.UUID]cref
	slab          slab
	groups        map[uuid.UUID]*group // every organisation's, deleted ones too
	channelGroups map[uuid.UUID]*channelGroup
	workspaces    map[uuid.UUID]*workspace
	// attached maps a workspace's channel to its place in a channel group.
	attached map[attachKey]attachment
	// accounts maps a platform account to its channel group.
	accounts map[accountKey]*channelGroup
	// events holds each tenant's events; consumers the positions of their
	// readers.
	events    map[grouping.Tenant]*eventLog
	consumers map[consumerKey]grouping.EventConsumer
	// lastLog is the log appended to last, which the next append, most
	// often of the same tenant, finds without a look-up; logs stay in
	// events once made.
	lastLog    *eventLog
	eventTypes eventTypes
	// spare is the memory of pruned events, used again by appends.
	spare spareMemory
}

// The indexes that a state splits in two are pairs: [active] holds what is
// listed by default, [archived] what is listed only on request.
const (
	active   = 0
	archived = 1
)

// side returns the half of a pair of indexes that an item belongs to.
func side(isArchived bool) int {
	if isArchived {
		return archived
	}
	return active
}

type organisation struct {
	grouping.Organisation
	// groupOrder holds the live groups by GroupKey, split by their
	// archived state.
	groupOrder [2]btree[groupEntry]
	// names maps a name key to the live group holding it.
	names map[string]*group
	// live holds the live (not deleted) channels by creation, split by
	// their archived state; ungrouped the live channels in no group.
	live, ungrouped [2]btree[chanEntry]
	// memberships holds, for each user, the creation keys of the live
	// channels of which the user is a member, in the order of live, so
	// that a list can walk both side by side.
	memberships map[uuid.UUID]*btree[ckey]
}

type channel struct {
	driver.ChannelRecord
	deletedAt *time.Time
	members   map[uuid.UUID]struct{} // nil when there is none
	group     *group
	groupPos  int64
	ref       cref // the channel's slot
}

// cref is the slot of a channel in the slab: the indexes and the map by ID
// refer to channels by slot rather than by pointer, so that none of them
// holds a pointer per channel for the garbage collector to follow, and
// the channels themselves lie in a few large blocks, not a million small
// objects.
type cref uint32

// slabChunk is how many channels one block of the slab holds.
const slabChunk = 1 << 10

// slab holds the channels in blocks that never move, so that a *channel
// stays valid while the channel is stored. Slots freed by a rolled-back
// insert are used again.
type slab struct {
	chunks []*[slabChunk]channel
	used   int    // slots handed out so far
	free   []cref // slots handed out and given back
}

// at returns the channel in slot r.
func (s *slab) at(r cref) *channel { return &s.chunks[r/slabChunk][r%slabChunk] }

// alloc returns an empty slot.
func (s *slab) alloc() *channel {
	var r cref
	if n := len(s.free); n > 0 {
		r = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		if s.used == len(s.chunks)*slabChunk {
			s.chunks = append(s.chunks, new([slabChunk]channel))
		}
		r = cref(s.used)
		s.used++
	}
	c := s.at(r)
	c.ref = r
	return c
}

// release empties c's slot and makes it free.
func (s *slab) release(c *channel) {
	r := c.ref
	*c = channel{}
	s.free = append(s.free, r)
}

type group struct {
	grouping.Group // Channels is kept below instead
	nameKey        string
	// channels holds the group's channels by (position, ID): [active]
	// those that are live and not archived, [archived] the others.
	channels [2]btree[chanEntry]
}

type channelGroup struct {
	grouping.ChannelGroup // ChannelIDs is kept below instead
	// links holds the channel group's channels by (position, ID).
	links btree[ckey]
}

// workspace holds a workspace's channel groups by creation: all of them,
// and those of each platform.
type workspace struct {
	all       btree[cgEntry]
	platforms map[string]*btree[cgEntry]
}

// attachment is a channel's place in a channel group: the channel
// group's ID rather than a pointer, so that the map holds no pointer.
type attachment struct {
	cg  uuid.UUID
	pos int64
}

type attachKey struct{ workspace, channel uuid.UUID }

type accountKey struct {
	workspace                   uuid.UUID
	platformID, platformGroupID string
}

// ckey is a sort key (n, ID): a creation time in Unix milliseconds or a
// position, then an ID compared as bytes, as driver.Key does.
type ckey struct {
	n  int64
	id uuid.UUID
}

func (k ckey) rank() int64 { return k.n }

func (k ckey) compare(o ckey) int {
	if k.n != o.n {
		return cmp.Compare(k.n, o.n)
	}
	return compareIDs(k.id, o.id)
}

// compareIDs compares two IDs as bytes.
func compareIDs(a, b uuid.UUID) int {
	if x, y := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8]); x != y {
		return cmp.Compare(x, y)
	}
	return cmp.Compare(binary.BigEndian.Uint64(a[8:]), binary.BigEndian.Uint64(b[8:]))
}

// creationKey is the key of c in the lists by creation.
func creationKey(c *channel) ckey { return ckey{c.CreatedAt.UnixMilli(), c.ID} }

// positionKey is the key of c in its group.
func positionKey(c *channel) ckey { return ckey{c.groupPos, c.ID} }

// chanEntry is a channel in an index, under its key there.
type chanEntry struct {
	key ckey
	c   cref
}

func (e chanEntry) compare(o chanEntry) int { return e.key.compare(o.key) }
func (e chanEntry) rank() int64             { return e.key.n }

// groupEntry is a group in its organisation's order.
type groupEntry struct {
	key driver.Key
	g   *group
}

func (e groupEntry) compare(o groupEntry) int { return e.key.Compare(o.key) }
func (e groupEntry) rank() int64              { return e.key.Pos }

func groupOrder(g *group) groupEntry { return groupEntry{driver.GroupKey(&g.Group), g} }

// cgEntry is a channel group in its workspace's order.
type cgEntry struct {
	key ckey
	cg  *channelGroup
}

func (e cgEntry) compare(o cgEntry) int { return e.key.compare(o.key) }
func (e cgEntry) rank() int64           { return e.key.n }

func channelGroupOrder(cg *channelGroup) cgEntry {
	return cgEntry{ckey{cg.CreatedAt.UnixMilli(), cg.ID}, cg}
}

// The keys of the lists as the driver reports them.

func creationListKey(e chanEntry) driver.Key   { return driver.Key{Time: e.key.n, ID: e.key.id} }
func positionListKey(e chanEntry) driver.Key   { return driver.Key{Pos: e.key.n, ID: e.key.id} }
func groupListKey(e groupEntry) driver.Key     { return e.key }
func channelGroupListKey(e cgEntry) driver.Key { return driver.Key{Time: e.key.n, ID: e.key.id} }

// channel returns the channel with the ID, or nil.
func (d *data) channel(id uuid.UUID) *channel {
	r, ok := d.channels[id]
	if !ok {
		return nil
	}
	return d.slab.at(r)
}

// liveChannel returns the organisation's channel when it is not deleted.
func (d *data) liveChannel(orgID, channelID uuid.UUID) *channel {
	c := d.channel(channelID)
	if c == nil || c.OrganisationID != orgID || c.deletedAt != nil {
		return nil
	}
	return c
}

// liveGroup returns the organisation's group when it is not deleted.
func (d *data) liveGroup(orgID, groupID uuid.UUID) *group {
	g := d.groups[groupID]
	if g == nil || g.OrganisationID != orgID || g.DeletedAt != nil {
		return nil
	}
	return g
}

// workspaceGroup returns the workspace's channel group.
func (d *data) workspaceGroup(workspaceID, id uuid.UUID) *channelGroup {
	cg := d.channelGroups[id]
	if cg == nil || cg.WorkspaceID != workspaceID {
		return nil
	}
	return cg
}

// out returns a copy of c as callers see it, with its members when
// withUsers is set. Its GroupID comes from ids when ids is not nil.
func (c *channel) out(withUsers bool, ids *idBlock) grouping.Channel {
	ch := grouping.Channel{
		ID:             c.ID,
		Name:           c.Name,
		Description:    c.Description,
		OrganisationID: c.OrganisationID,
		OwnerID:        c.OwnerID,
		UserCount:      len(c.members),
		MessageCount:   c.MessageCount,
		Archived:       c.Archived,
		CreatedAt:      c.CreatedAt,
	}
	if c.group != nil {
		ch.GroupID = ids.copyOf(c.group.ID)
	}
	if c.deletedAt != nil {
		t := *c.deletedAt
		ch.DeletedAt = &t
	}
	if withUsers {
		ch.Users = make([]uuid.UUID, 0, len(c.members))
		for u := range c.members {
			ch.Users = append(ch.Users, u)
		}
	}
	return ch
}

// idBlock hands out copies of IDs from blocks of a few dozen, so that a
// page of channels does not allocate each channel's GroupID on its own.
// The copies belong to the caller: they alias nothing the store keeps.
type idBlock []uuid.UUID

// copyOf returns a pointer to a copy of id; a nil b allocates it alone.
func (b *idBlock) copyOf(id uuid.UUID) *uuid.UUID {
	if b == nil {
		p := new(uuid.UUID) // not &id, which would move every id to the heap
		*p = id
		return p
	}
	if len(*b) == cap(*b) {
		*b = make([]uuid.UUID, 0, 64)
	}
	*b = append(*b, id)
	return &(*b)[len(*b)-1]
}

// facts returns what writes decide on about c.
func (c *channel) facts() *driver.ChannelFacts {
	f := &driver.ChannelFacts{OrganisationID: c.OrganisationID, Deleted: c.deletedAt != nil, Archived: c.Archived}
	if c.group != nil {
		f.GroupID, f.GroupName = c.group.ID, c.group.Name
	}
	return f
}

// out returns a copy of g as callers see it, with its live, unarchived
// channels, read from d, when withChannels is set.
func (g *group) out(d *data, withChannels bool) grouping.Group {
	gr := g.Group
	if g.DeletedAt != nil {
		t := *g.DeletedAt
		gr.DeletedAt = &t
	}
	if withChannels {
		gr.Channels = make([]grouping.Channel, 0, g.channels[active].Len())
		ids := make(idBlock, 0, g.channels[active].Len())
		for e := range g.channels[active].all() {
			gr.Channels = append(gr.Channels, d.slab.at(e.c).out(false, &ids))
		}
	}
	return gr
}

// maxPos returns the largest position of a channel in g, or -1.
func (g *group) maxPos() int64 {
	pos := int64(-1)
	for i := range g.channels {
		if e, ok := g.channels[i].max(); ok {
			pos = max(pos, e.key.n)
		}
	}
	return pos
}

// out returns a copy of cg as callers see it.
func (cg *channelGroup) out() grouping.ChannelGroup { return cg.outWith(nil) }

// outWith is out with ChannelIDs taken from the free room of *block when
// there is enough, or from a new block of at least 256 IDs otherwise, so
// that a page of channel groups allocates their IDs together. The slice is
// capped at its length: appending to it copies it instead of reaching into
// another channel group's IDs.
func (cg *channelGroup) outWith(block *[]uuid.UUID) grouping.ChannelGroup {
	g := cg.ChannelGroup
	n := cg.links.Len()
	var ids []uuid.UUID
	switch {
	case n == 0:
		ids = []uuid.UUID{} // never nil
	case block == nil:
		ids = make([]uuid.UUID, 0, n)
	default:
		if cap(*block)-len(*block) < n {
			*block = make([]uuid.UUID, 0, max(n, 256))
		}
		ids = (*block)[len(*block):len(*block)]
		*block = (*block)[:len(*block)+n]
	}
	for l := range cg.links.all() {
		ids = append(ids, l.id)
	}
	g.ChannelIDs = ids[:n:n]
	return g
}

// maxPos returns the largest position of a link in cg, or -1.
func (cg *channelGroup) maxPos() int64 {
	if l, ok := cg.links.max(); ok {
		return l.n
	}
	return -1
}
