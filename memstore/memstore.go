// Package memstore is an in-memory grouping.Store.
//
// It keeps everything in maps behind one sync.RWMutex, so every method is
// atomic and the store is safe for concurrent use. Values go in and come out
// as copies: nothing a caller holds aliases the store's memory. It behaves
// exactly like the sqlite store (both pass package storetest) and suits
// tests and short-lived programs; nothing survives the process.
package memstore

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/internal/storeutil"
	"github.com/google/uuid"
)

// Store is an in-memory grouping.Store. The zero value is not usable; call
// New.
type Store struct {
	clock grouping.Clock

	mu            sync.RWMutex
	orgs          map[uuid.UUID]*organisation
	channels      map[uuid.UUID]*channel // every organisation's, by ID
	channelGroups map[uuid.UUID]*channelGroup
	// attached maps a workspace's channel to the channel group holding it.
	attached map[attachKey]*channelGroup
	// accounts maps a platform account to its channel group.
	accounts map[accountKey]*channelGroup
}

var _ grouping.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithClock makes the store read the time from c instead of time.Now.
func WithClock(c grouping.Clock) Option {
	return func(s *Store) { s.clock = c }
}

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{
		clock:         time.Now,
		orgs:          make(map[uuid.UUID]*organisation),
		channels:      make(map[uuid.UUID]*channel),
		channelGroups: make(map[uuid.UUID]*channelGroup),
		attached:      make(map[attachKey]*channelGroup),
		accounts:      make(map[accountKey]*channelGroup),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Close implements grouping.Store. It does nothing.
func (s *Store) Close() error { return nil }

func (s *Store) now() time.Time { return grouping.Timestamp(s.clock()) }

// live fails when ctx is done, so that a caller that gave up changes nothing
// as with any other store, and when one of ids is the nil UUID.
func live(ctx context.Context, ids ...storeutil.NamedID) error {
	if err := ctx.Err(); err != nil {
		return grouping.WrapInternal("memstore", err)
	}
	return storeutil.CheckIDs(ids...)
}

type organisation struct {
	grouping.Organisation
	groups   map[uuid.UUID]*group // including deleted groups
	channels map[uuid.UUID]*channel
	nextPos  int64 // position of the next group created
}

type channel struct {
	grouping.Channel // Users, UserCount and GroupID are kept below instead
	members          map[uuid.UUID]struct{}
	group            *group
	groupPos         int64
}

type group struct {
	grouping.Group // Channels is kept below instead
	nameKey        string
	position       int64
	channels       []*channel // in group order
	nextPos        int64      // group position of the next channel added
}

type channelGroup struct {
	grouping.ChannelGroup
	channels []uuid.UUID // in attach order
}

type attachKey struct{ workspace, channel uuid.UUID }

type accountKey struct {
	workspace                   uuid.UUID
	platformID, platformGroupID string
}

// UpsertOrganisation implements grouping.Store.
func (s *Store) UpsertOrganisation(ctx context.Context, in grouping.Organisation) (grouping.Organisation, error) {
	if err := live(ctx); err != nil {
		return grouping.Organisation{}, err
	}
	in, err := in.Validate()
	if err != nil {
		return grouping.Organisation{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orgs[in.ID]
	if !ok {
		o = &organisation{
			Organisation: grouping.Organisation{ID: in.ID, CreatedAt: s.now()},
			groups:       make(map[uuid.UUID]*group),
			channels:     make(map[uuid.UUID]*channel),
		}
		s.orgs[in.ID] = o
	}
	o.Name = in.Name
	return o.Organisation, nil
}

// org returns a known organisation.
func (s *Store) org(id uuid.UUID) (*organisation, error) {
	o, ok := s.orgs[id]
	if !ok {
		return nil, storeutil.ErrOrganisationNotFound
	}
	return o, nil
}

// liveGroup returns a group of o that is not deleted.
func (o *organisation) liveGroup(id uuid.UUID) (*group, error) {
	g, ok := o.groups[id]
	if !ok || g.DeletedAt != nil {
		return nil, storeutil.ErrGroupNotFound
	}
	return g, nil
}

// liveChannel returns a channel of o that is not deleted.
func (o *organisation) liveChannel(id uuid.UUID) (*channel, error) {
	c, ok := o.channels[id]
	if !ok || c.DeletedAt != nil {
		return nil, storeutil.ErrChannelNotFound
	}
	return c, nil
}

// orgChannel looks up an organisation and one of its live channels.
func (s *Store) orgChannel(orgID, channelID uuid.UUID) (*channel, error) {
	o, err := s.org(orgID)
	if err != nil {
		return nil, err
	}
	return o.liveChannel(channelID)
}

// orgGroup looks up an organisation and one of its live groups.
func (s *Store) orgGroup(orgID, groupID uuid.UUID) (*organisation, *group, error) {
	o, err := s.org(orgID)
	if err != nil {
		return nil, nil, err
	}
	g, err := o.liveGroup(groupID)
	if err != nil {
		return nil, nil, err
	}
	return o, g, nil
}

// UpsertChannel implements grouping.Store.
func (s *Store) UpsertChannel(ctx context.Context, in grouping.ChannelUpsert) (grouping.Channel, error) {
	if err := live(ctx); err != nil {
		return grouping.Channel{}, err
	}
	in, err := in.Validate()
	if err != nil {
		return grouping.Channel{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.org(in.OrganisationID)
	if err != nil {
		return grouping.Channel{}, err
	}
	c, ok := s.channels[in.ID]
	switch {
	case ok && c.OrganisationID != in.OrganisationID:
		return grouping.Channel{}, storeutil.ErrChannelOtherOrg
	case ok && c.DeletedAt != nil:
		return grouping.Channel{}, storeutil.ErrChannelDeleted
	case !ok:
		c = &channel{members: make(map[uuid.UUID]struct{})}
		c.ID, c.OrganisationID, c.CreatedAt = in.ID, in.OrganisationID, s.now()
		s.channels[in.ID] = c
		o.channels[in.ID] = c
	}
	c.Name, c.Description, c.OwnerID = in.Name, in.Description, in.OwnerID
	c.Archived, c.MessageCount = in.Archived, in.MessageCount
	if !in.CreatedAt.IsZero() {
		c.CreatedAt = in.CreatedAt
	}
	if in.Users != nil {
		clear(c.members)
		for _, u := range in.Users {
			c.members[u] = struct{}{}
		}
	}
	return c.out(true), nil
}

// GetChannel implements grouping.Store.
func (s *Store) GetChannel(ctx context.Context, orgID, channelID uuid.UUID) (grouping.Channel, error) {
	if err := live(ctx, storeutil.OrgID(orgID), storeutil.ChannelID(channelID)); err != nil {
		return grouping.Channel{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, err := s.orgChannel(orgID, channelID)
	if err != nil {
		return grouping.Channel{}, err
	}
	return c.out(true), nil
}

// DeleteChannel implements grouping.Store.
func (s *Store) DeleteChannel(ctx context.Context, orgID, channelID uuid.UUID) error {
	if err := live(ctx, storeutil.OrgID(orgID), storeutil.ChannelID(channelID)); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.orgChannel(orgID, channelID)
	if err != nil {
		return err
	}
	now := s.now()
	c.DeletedAt = &now
	c.leaveGroup()
	return nil
}

// AddChannelMember implements grouping.Store.
func (s *Store) AddChannelMember(ctx context.Context, orgID, channelID, userID uuid.UUID) error {
	if err := live(ctx, storeutil.OrgID(orgID), storeutil.ChannelID(channelID), storeutil.UserID(userID)); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.orgChannel(orgID, channelID)
	if err != nil {
		return err
	}
	c.members[userID] = struct{}{}
	return nil
}

// RemoveChannelMember implements grouping.Store.
func (s *Store) RemoveChannelMember(ctx context.Context, orgID, channelID, userID uuid.UUID) error {
	if err := live(ctx, storeutil.OrgID(orgID), storeutil.ChannelID(channelID), storeutil.UserID(userID)); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.orgChannel(orgID, channelID)
	if err != nil {
		return err
	}
	if _, ok := c.members[userID]; !ok {
		return storeutil.ErrMemberNotFound
	}
	delete(c.members, userID)
	return nil
}

// CreateGroup implements grouping.Store.
func (s *Store) CreateGroup(ctx context.Context, orgID uuid.UUID, in grouping.NewGroup) (grouping.Group, error) {
	if err := live(ctx, storeutil.OrgID(orgID)); err != nil {
		return grouping.Group{}, err
	}
	in, err := in.Validate()
	if err != nil {
		return grouping.Group{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.org(orgID)
	if err != nil {
		return grouping.Group{}, err
	}
	key := grouping.FoldName(in.Name)
	if err := o.checkName(key, in.Name, uuid.Nil); err != nil {
		return grouping.Group{}, err
	}
	now := s.now()
	g := &group{nameKey: key, position: o.nextPos}
	o.nextPos++
	g.ID, g.OrganisationID = uuid.New(), orgID
	g.Name, g.Description = in.Name, in.Description
	g.Version, g.CreatedAt, g.UpdatedAt = 1, now, now
	o.groups[g.ID] = g
	return g.out(false), nil
}

// checkName reports a conflict when a live group other than self is named
// key.
func (o *organisation) checkName(key, name string, self uuid.UUID) error {
	for _, g := range o.groups {
		if g.DeletedAt == nil && g.ID != self && g.nameKey == key {
			return storeutil.GroupNameTaken(name)
		}
	}
	return nil
}

// GetGroup implements grouping.Store.
func (s *Store) GetGroup(ctx context.Context, orgID, groupID uuid.UUID, opts grouping.GetGroupOptions) (grouping.Group, error) {
	if err := live(ctx, storeutil.OrgID(orgID), storeutil.GroupID(groupID)); err != nil {
		return grouping.Group{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, g, err := s.orgGroup(orgID, groupID)
	if err != nil {
		return grouping.Group{}, err
	}
	return g.out(opts.IncludeChannels), nil
}

// ListGroups implements grouping.Store.
func (s *Store) ListGroups(ctx context.Context, orgID uuid.UUID, opts grouping.ListGroupsOptions) (grouping.Page[grouping.Group], error) {
	if err := live(ctx, storeutil.OrgID(orgID)); err != nil {
		return grouping.Page[grouping.Group]{}, err
	}
	p, err := storeutil.NewPaging(storeutil.GroupsScope(orgID, opts.Archived), opts.Limit, opts.Cursor)
	if err != nil {
		return grouping.Page[grouping.Group]{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, err := s.org(orgID)
	if err != nil {
		return grouping.Page[grouping.Group]{}, err
	}
	var gs []*group
	for _, g := range o.groups {
		if g.DeletedAt == nil && (opts.Archived == nil || *opts.Archived == g.Archived) {
			gs = append(gs, g)
		}
	}
	return paginate(p, gs, (*group).key, func(g *group) grouping.Group {
		return g.out(opts.IncludeChannels)
	}), nil
}

// UpdateGroup implements grouping.Store.
func (s *Store) UpdateGroup(ctx context.Context, orgID, groupID uuid.UUID, u grouping.GroupUpdate) (grouping.Group, error) {
	if err := live(ctx, storeutil.OrgID(orgID), storeutil.GroupID(groupID)); err != nil {
		return grouping.Group{}, err
	}
	u, err := u.Validate()
	if err != nil {
		return grouping.Group{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, g, err := s.orgGroup(orgID, groupID)
	if err != nil {
		return grouping.Group{}, err
	}
	if u.IfVersion != 0 && u.IfVersion != g.Version {
		return grouping.Group{}, storeutil.ErrVersionMismatch
	}
	if u.Name != nil {
		key := grouping.FoldName(*u.Name)
		if err := o.checkName(key, *u.Name, g.ID); err != nil {
			return grouping.Group{}, err
		}
		g.Name, g.nameKey = *u.Name, key
	}
	if u.Description != nil {
		g.Description = *u.Description
	}
	if u.Archived != nil {
		g.Archived = *u.Archived
	}
	g.Version++
	g.UpdatedAt = s.now()
	return g.out(false), nil
}

// DeleteGroup implements grouping.Store.
func (s *Store) DeleteGroup(ctx context.Context, orgID, groupID uuid.UUID, ifVersion int64) error {
	if err := live(ctx, storeutil.OrgID(orgID), storeutil.GroupID(groupID)); err != nil {
		return err
	}
	if err := grouping.ValidateVersion(ifVersion); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, g, err := s.orgGroup(orgID, groupID)
	if err != nil {
		return err
	}
	if ifVersion != 0 && ifVersion != g.Version {
		return storeutil.ErrVersionMismatch
	}
	now := s.now()
	g.DeletedAt, g.UpdatedAt = &now, now
	for _, c := range g.channels {
		c.group = nil
	}
	g.channels = nil
	return nil
}

// ReorderGroups implements grouping.Store.
func (s *Store) ReorderGroups(ctx context.Context, orgID uuid.UUID, groupIDs []uuid.UUID) error {
	if err := live(ctx, storeutil.OrgID(orgID)); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.org(orgID)
	if err != nil {
		return err
	}
	var live []uuid.UUID
	for id, g := range o.groups {
		if g.DeletedAt == nil {
			live = append(live, id)
		}
	}
	if err := grouping.ValidateIDList("group_ids", groupIDs, live); err != nil {
		return err
	}
	for i, id := range groupIDs {
		o.groups[id].position = int64(i)
	}
	o.nextPos = int64(len(groupIDs))
	return nil
}

// groupChannel looks up an organisation with one of its live groups and
// one of its live channels, reporting what is missing in that order.
func (s *Store) groupChannel(orgID, groupID, channelID uuid.UUID) (*group, *channel, error) {
	o, g, err := s.orgGroup(orgID, groupID)
	if err != nil {
		return nil, nil, err
	}
	c, err := o.liveChannel(channelID)
	if err != nil {
		return nil, nil, err
	}
	return g, c, nil
}

// AssignChannel implements grouping.Store.
func (s *Store) AssignChannel(ctx context.Context, orgID, groupID, channelID uuid.UUID) error {
	if err := live(ctx, storeutil.OrgID(orgID), storeutil.GroupID(groupID), storeutil.ChannelID(channelID)); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.put(orgID, groupID, channelID, false)
}

// RemoveChannel implements grouping.Store.
func (s *Store) RemoveChannel(ctx context.Context, orgID, groupID, channelID uuid.UUID) error {
	if err := live(ctx, storeutil.OrgID(orgID), storeutil.GroupID(groupID), storeutil.ChannelID(channelID)); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, c, err := s.groupChannel(orgID, groupID, channelID)
	if err != nil {
		return err
	}
	if c.group != g {
		return storeutil.ErrChannelNotInGroup
	}
	c.leaveGroup()
	return nil
}

// MoveChannel implements grouping.Store.
func (s *Store) MoveChannel(ctx context.Context, orgID, groupID, channelID uuid.UUID) error {
	if err := live(ctx, storeutil.OrgID(orgID), storeutil.GroupID(groupID), storeutil.ChannelID(channelID)); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.put(orgID, groupID, channelID, true)
}

// put assigns (move false) or moves (move true) a channel to the end of a
// group. A channel already in the group stays where it is.
func (s *Store) put(orgID, groupID, channelID uuid.UUID, move bool) error {
	g, c, err := s.groupChannel(orgID, groupID, channelID)
	if err != nil {
		return err
	}
	switch {
	case c.group == g:
		return nil
	case g.Archived:
		return storeutil.ErrGroupArchived
	case c.group != nil && !move:
		return storeutil.InOtherGroup(c.group.Name)
	}
	c.leaveGroup()
	g.add(c)
	return nil
}

// ReorderGroupChannels implements grouping.Store.
func (s *Store) ReorderGroupChannels(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) error {
	if err := live(ctx, storeutil.OrgID(orgID), storeutil.GroupID(groupID)); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, g, err := s.orgGroup(orgID, groupID)
	if err != nil {
		return err
	}
	current := make([]uuid.UUID, len(g.channels))
	byID := make(map[uuid.UUID]*channel, len(g.channels))
	for i, c := range g.channels {
		current[i] = c.ID
		byID[c.ID] = c
	}
	if err := grouping.ValidateIDList("channel_ids", channelIDs, current); err != nil {
		return err
	}
	for i, id := range channelIDs {
		c := byID[id]
		c.groupPos = int64(i)
		g.channels[i] = c
	}
	g.nextPos = int64(len(channelIDs))
	return nil
}

// ListGroupChannels implements grouping.Store.
func (s *Store) ListGroupChannels(ctx context.Context, orgID, groupID uuid.UUID, opts grouping.ListChannelsOptions) (grouping.Page[grouping.Channel], error) {
	if err := live(ctx, storeutil.OrgID(orgID), storeutil.GroupID(groupID)); err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	p, err := storeutil.NewPaging(storeutil.GroupChannelsScope(orgID, groupID, opts.IncludeArchived), opts.Limit, opts.Cursor)
	if err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, g, err := s.orgGroup(orgID, groupID)
	if err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	var cs []*channel
	for _, c := range g.channels {
		if opts.IncludeArchived || !c.Archived {
			cs = append(cs, c)
		}
	}
	return paginate(p, cs, (*channel).groupKey, channelInList), nil
}

// ListUngroupedChannels implements grouping.Store.
func (s *Store) ListUngroupedChannels(ctx context.Context, orgID uuid.UUID, opts grouping.ListChannelsOptions) (grouping.Page[grouping.Channel], error) {
	if err := live(ctx); err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	return s.listChannels(orgID, storeutil.UngroupedScope(orgID, opts.IncludeArchived), opts, func(c *channel) bool {
		return c.group == nil
	})
}

// ListDiscoverableChannels implements grouping.Store.
func (s *Store) ListDiscoverableChannels(ctx context.Context, orgID, userID uuid.UUID, opts grouping.ListChannelsOptions) (grouping.Page[grouping.Channel], error) {
	if err := live(ctx, storeutil.UserID(userID)); err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	return s.listChannels(orgID, storeutil.DiscoverableScope(orgID, userID, opts.IncludeArchived), opts, func(c *channel) bool {
		_, member := c.members[userID]
		return !member
	})
}

// listChannels lists an organisation's live channels that keep passes, by
// creation time and ID.
func (s *Store) listChannels(orgID uuid.UUID, scope storeutil.Scope, opts grouping.ListChannelsOptions, keep func(*channel) bool) (grouping.Page[grouping.Channel], error) {
	if err := storeutil.CheckIDs(storeutil.OrgID(orgID)); err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	p, err := storeutil.NewPaging(scope, opts.Limit, opts.Cursor)
	if err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, err := s.org(orgID)
	if err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	var cs []*channel
	for _, c := range o.channels {
		if c.DeletedAt == nil && (opts.IncludeArchived || !c.Archived) && keep(c) {
			cs = append(cs, c)
		}
	}
	return paginate(p, cs, (*channel).createdKey, channelInList), nil
}

// AttachChannel implements grouping.Store.
func (s *Store) AttachChannel(ctx context.Context, workspaceID, channelID uuid.UUID, a grouping.ChannelGroupAttach) (grouping.ChannelGroup, error) {
	if err := live(ctx); err != nil {
		return grouping.ChannelGroup{}, err
	}
	a, err := a.Validate()
	if err != nil {
		return grouping.ChannelGroup{}, err
	}
	if err := storeutil.CheckIDs(storeutil.WorkspaceID(workspaceID), storeutil.WSChannelID(channelID)); err != nil {
		return grouping.ChannelGroup{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	acct := accountKey{workspaceID, a.PlatformID, a.PlatformGroupID}
	cg, ok := s.accounts[acct]
	if !ok {
		cg = &channelGroup{}
		cg.ID, cg.WorkspaceID = uuid.New(), workspaceID
		cg.PlatformID, cg.PlatformGroupID, cg.PlatformGroupName = a.PlatformID, a.PlatformGroupID, a.PlatformGroupName
		cg.CreatedAt, cg.UpdatedAt = now, now
		s.accounts[acct] = cg
		s.channelGroups[cg.ID] = cg
	}
	if a.PlatformGroupName != "" && cg.PlatformGroupName != a.PlatformGroupName {
		cg.PlatformGroupName, cg.UpdatedAt = a.PlatformGroupName, now
	}
	ak := attachKey{workspaceID, channelID}
	if old := s.attached[ak]; old != cg {
		if old != nil {
			old.remove(channelID, now)
		}
		cg.channels = append(cg.channels, channelID)
		cg.UpdatedAt = now
		s.attached[ak] = cg
	}
	return cg.out(), nil
}

// DetachChannel implements grouping.Store.
func (s *Store) DetachChannel(ctx context.Context, workspaceID, channelID uuid.UUID) error {
	if err := live(ctx, storeutil.WorkspaceID(workspaceID), storeutil.WSChannelID(channelID)); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ak := attachKey{workspaceID, channelID}
	cg, ok := s.attached[ak]
	if !ok {
		return storeutil.ErrChannelNotAttached
	}
	cg.remove(channelID, s.now())
	delete(s.attached, ak)
	return nil
}

// GetChannelGroup implements grouping.Store.
func (s *Store) GetChannelGroup(ctx context.Context, workspaceID, channelGroupID uuid.UUID) (grouping.ChannelGroup, error) {
	if err := live(ctx, storeutil.WorkspaceID(workspaceID), storeutil.ChannelGroupID(channelGroupID)); err != nil {
		return grouping.ChannelGroup{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	cg, err := s.channelGroup(workspaceID, channelGroupID)
	if err != nil {
		return grouping.ChannelGroup{}, err
	}
	return cg.out(), nil
}

func (s *Store) channelGroup(workspaceID, id uuid.UUID) (*channelGroup, error) {
	cg, ok := s.channelGroups[id]
	if !ok || cg.WorkspaceID != workspaceID {
		return nil, storeutil.ErrChannelGroupNotFound
	}
	return cg, nil
}

// ListChannelGroups implements grouping.Store.
func (s *Store) ListChannelGroups(ctx context.Context, workspaceID uuid.UUID, opts grouping.ListChannelGroupsOptions) (grouping.Page[grouping.ChannelGroup], error) {
	if err := live(ctx, storeutil.WorkspaceID(workspaceID)); err != nil {
		return grouping.Page[grouping.ChannelGroup]{}, err
	}
	if opts.PlatformID != "" {
		if err := grouping.ValidatePlatformID(opts.PlatformID); err != nil {
			return grouping.Page[grouping.ChannelGroup]{}, err
		}
	}
	p, err := storeutil.NewPaging(storeutil.ChannelGroupsScope(workspaceID, opts.PlatformID), opts.Limit, opts.Cursor)
	if err != nil {
		return grouping.Page[grouping.ChannelGroup]{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var cgs []*channelGroup
	for _, cg := range s.channelGroups {
		if cg.WorkspaceID == workspaceID && (opts.PlatformID == "" || cg.PlatformID == opts.PlatformID) {
			cgs = append(cgs, cg)
		}
	}
	return paginate(p, cgs, (*channelGroup).key, (*channelGroup).out), nil
}

// DeleteChannelGroup implements grouping.Store.
func (s *Store) DeleteChannelGroup(ctx context.Context, workspaceID, channelGroupID uuid.UUID) error {
	if err := live(ctx, storeutil.WorkspaceID(workspaceID), storeutil.ChannelGroupID(channelGroupID)); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cg, err := s.channelGroup(workspaceID, channelGroupID)
	if err != nil {
		return err
	}
	for _, ch := range cg.channels {
		delete(s.attached, attachKey{workspaceID, ch})
	}
	delete(s.accounts, accountKey{workspaceID, cg.PlatformID, cg.PlatformGroupID})
	delete(s.channelGroups, cg.ID)
	return nil
}

// paginate sorts items by key and returns the page p asks for, converted
// with out.
func paginate[T, V any](p storeutil.Paging, items []T, key func(T) storeutil.Key, out func(T) V) grouping.Page[V] {
	slices.SortFunc(items, func(a, b T) int {
		ka, kb := key(a), key(b)
		switch {
		case ka.Less(kb):
			return -1
		case kb.Less(ka):
			return 1
		}
		return 0
	})
	if p.Resume {
		i, _ := slices.BinarySearchFunc(items, p.After, func(it T, k storeutil.Key) int {
			if key(it).Less(k) || key(it) == k {
				return -1
			}
			return 1
		})
		items = items[i:]
	}
	page := grouping.Page[V]{Items: make([]V, 0, min(len(items), p.Limit))}
	for i, it := range items {
		if i == p.Limit {
			page.NextCursor = p.Next(key(items[i-1]))
			break
		}
		page.Items = append(page.Items, out(it))
	}
	return page
}

func (g *group) key() storeutil.Key {
	return storeutil.Key{Pos: g.position, Time: g.CreatedAt.UnixMilli(), ID: g.ID}
}

func (c *channel) groupKey() storeutil.Key {
	return storeutil.Key{Pos: c.groupPos, ID: c.ID}
}

func (c *channel) createdKey() storeutil.Key {
	return storeutil.Key{Time: c.CreatedAt.UnixMilli(), ID: c.ID}
}

func (cg *channelGroup) key() storeutil.Key {
	return storeutil.Key{Time: cg.CreatedAt.UnixMilli(), ID: cg.ID}
}

// add appends c to g's channel order.
func (g *group) add(c *channel) {
	c.group, c.groupPos = g, g.nextPos
	g.nextPos++
	g.channels = append(g.channels, c)
}

// leaveGroup takes c out of its group, if any.
func (c *channel) leaveGroup() {
	g := c.group
	if g == nil {
		return
	}
	g.channels = slices.DeleteFunc(g.channels, func(x *channel) bool { return x == c })
	c.group = nil
}

// remove takes a channel out of cg.
func (cg *channelGroup) remove(channelID uuid.UUID, now time.Time) {
	cg.channels = slices.DeleteFunc(cg.channels, func(id uuid.UUID) bool { return id == channelID })
	cg.UpdatedAt = now
}

// out returns a copy of c as callers see it, with its members when
// withUsers is set.
func (c *channel) out(withUsers bool) grouping.Channel {
	ch := c.Channel
	ch.UserCount = len(c.members)
	if c.group != nil {
		id := c.group.ID
		ch.GroupID = &id
	}
	if c.DeletedAt != nil {
		t := *c.DeletedAt
		ch.DeletedAt = &t
	}
	if withUsers {
		ch.Users = make([]uuid.UUID, 0, len(c.members))
		for u := range c.members {
			ch.Users = append(ch.Users, u)
		}
		slices.SortFunc(ch.Users, func(a, b uuid.UUID) int { return cmp.Compare(a.String(), b.String()) })
	}
	return ch
}

func channelInList(c *channel) grouping.Channel { return c.out(false) }

// out returns a copy of g as callers see it, with its live, unarchived
// channels when withChannels is set.
func (g *group) out(withChannels bool) grouping.Group {
	gr := g.Group
	gr.Position = int(g.position)
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
	g.ChannelIDs = slices.Clone(cg.channels)
	if g.ChannelIDs == nil {
		g.ChannelIDs = []uuid.UUID{}
	}
	return g
}
