package memstore

import (
	"slices"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// data is everything the store holds.
type data struct {
	orgs          map[uuid.UUID]*organisation
	channels      map[uuid.UUID]*channel // every organisation's, by ID
	groups        map[uuid.UUID]*group   // every organisation's, deleted ones too
	channelGroups map[uuid.UUID]*channelGroup
	// attached maps a workspace's channel to the channel group holding it.
	attached map[attachKey]*channelGroup
	// accounts maps a platform account to its channel group.
	accounts map[accountKey]*channelGroup
}

type organisation struct {
	grouping.Organisation
	groups   map[uuid.UUID]*group // live groups
	channels map[uuid.UUID]*channel
}

type channel struct {
	driver.ChannelRecord
	deletedAt *time.Time
	members   map[uuid.UUID]struct{}
	group     *group
	groupPos  int64
}

type group struct {
	grouping.Group // Channels is kept below instead
	nameKey        string
	channels       []*channel // in group order
}

type channelGroup struct {
	grouping.ChannelGroup        // ChannelIDs is kept below instead
	links                 []link // in attach order
}

// link is a channel's place in a channel group.
type link struct {
	channel uuid.UUID
	pos     int64
}

type attachKey struct{ workspace, channel uuid.UUID }

type accountKey struct {
	workspace                   uuid.UUID
	platformID, platformGroupID string
}

// liveChannel returns the organisation's channel when it is not deleted.
func (d *data) liveChannel(orgID, channelID uuid.UUID) *channel {
	c := d.channels[channelID]
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
// withUsers is set.
func (c *channel) out(withUsers bool) grouping.Channel {
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
		id := c.group.ID
		ch.GroupID = &id
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

// facts returns what writes decide on about c.
func (c *channel) facts() *driver.ChannelFacts {
	f := &driver.ChannelFacts{OrganisationID: c.OrganisationID, Deleted: c.deletedAt != nil, Archived: c.Archived}
	if c.group != nil {
		f.GroupID, f.GroupName = c.group.ID, c.group.Name
	}
	return f
}

// out returns a copy of g as callers see it, with its live, unarchived
// channels when withChannels is set.
func (g *group) out(withChannels bool) grouping.Group {
	gr := g.Group
	if g.DeletedAt != nil {
		t := *g.DeletedAt
		gr.DeletedAt = &t
	}
	if withChannels {
		gr.Channels = make([]grouping.Channel, 0, len(g.channels))
		for _, c := range g.channels {
			if !c.Archived {
				gr.Channels = append(gr.Channels, c.out(false))
			}
		}
	}
	return gr
}

// out returns a copy of cg as callers see it.
func (cg *channelGroup) out() grouping.ChannelGroup {
	g := cg.ChannelGroup
	g.ChannelIDs = make([]uuid.UUID, len(cg.links))
	for i, l := range cg.links {
		g.ChannelIDs[i] = l.channel
	}
	return g
}

// maxPos returns the position of the last channel of g, or -1.
func (g *group) maxPos() int64 {
	if len(g.channels) == 0 {
		return -1
	}
	return g.channels[len(g.channels)-1].groupPos
}

// without returns s without the first element equal to v, in a new slice.
func without[T comparable](s []T, v T) []T {
	i := slices.Index(s, v)
	if i < 0 {
		return s
	}
	return slices.Concat(s[:i], s[i+1:])
}
