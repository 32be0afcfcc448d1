package engine

import (
	"context"
	"slices"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// AssignChannel implements [grouping.Store].
func (s *Store) AssignChannel(ctx context.Context, org, group, channel uuid.UUID) error {
	return s.put(ctx, org, group, channel, false)
}

// MoveChannel implements [grouping.Store].
func (s *Store) MoveChannel(ctx context.Context, org, group, channel uuid.UUID) error {
	return s.put(ctx, org, group, channel, true)
}

// put assigns (move false) or moves (move true) a channel to the end of a
// group. A channel already in the group stays where it is.
func (s *Store) put(ctx context.Context, org, group, channel uuid.UUID, move bool) error {
	if err := s.begin(ctx, orgID(org), groupID(group), channelID(channel)); err != nil {
		return err
	}
	return do(ctx, s, grouping.OrganisationOf(org), func(w *txn) error {
		g, ch, err := placement(ctx, w, org, group, channel)
		if err != nil {
			return err
		}
		switch {
		case ch.GroupID == group:
			return nil // already there: nothing changes
		case g.Archived:
			return errGroupArchived
		case ch.GroupID != uuid.Nil && !move:
			return inOtherGroup(ch.GroupName)
		}
		pos := g.MaxChannelPosition + 1
		if err := w.PlaceChannel(ctx, channel, group, pos); err != nil {
			return err
		}
		w.emitPlaced(channel, group, ch.GroupID, pos)
		return nil
	})
}

// emitPlaced emits channel.assigned, or channel.moved when the channel
// was in group from before.
func (w *txn) emitPlaced(channel, group, from uuid.UUID, pos int64) {
	d := grouping.ChannelPlacementData{ChannelID: channel, GroupID: group, Position: &pos}
	if from == uuid.Nil {
		w.emit(grouping.EventChannelAssigned, d.AppendJSON(w.dataBuf()))
		return
	}
	d.FromGroupID = &from
	w.emit(grouping.EventChannelMoved, d.AppendJSON(w.dataBuf()))
}

// emitRemoved emits channel.removed.
func (w *txn) emitRemoved(channel, group uuid.UUID) {
	w.emit(grouping.EventChannelRemoved, grouping.ChannelPlacementData{ChannelID: channel, GroupID: group}.AppendJSON(w.dataBuf()))
}

// placement reads the facts of a placement and returns the NotFound error
// of the first of organisation, group and channel that is missing.
func placement(ctx context.Context, tx driver.Tx, org, group, channel uuid.UUID) (*driver.PlacementGroup, *driver.ChannelFacts, error) {
	p, err := tx.Placement(ctx, org, group, channel)
	switch {
	case err != nil:
		return nil, nil, err
	case !p.OrganisationFound && p.Group == nil && p.Channel == nil:
		return nil, nil, errOrganisationNotFound
	case p.Group == nil:
		return nil, nil, errGroupNotFound
	case p.Channel == nil:
		return nil, nil, errChannelNotFound
	}
	return p.Group, p.Channel, nil
}

// RemoveChannel implements [grouping.Store].
func (s *Store) RemoveChannel(ctx context.Context, org, group, channel uuid.UUID) error {
	if err := s.begin(ctx, orgID(org), groupID(group), channelID(channel)); err != nil {
		return err
	}
	return do(ctx, s, grouping.OrganisationOf(org), func(w *txn) error {
		_, ch, err := placement(ctx, w, org, group, channel)
		if err != nil {
			return err
		}
		if ch.GroupID != group {
			return errChannelNotInGroup
		}
		if err := w.UnplaceChannel(ctx, channel); err != nil {
			return err
		}
		w.emitRemoved(channel, group)
		return nil
	})
}

// ReorderGroupChannels implements [grouping.Store].
func (s *Store) ReorderGroupChannels(ctx context.Context, org, group uuid.UUID, channelIDs []uuid.UUID) error {
	if err := s.begin(ctx, orgID(org), groupID(group)); err != nil {
		return err
	}
	return do(ctx, s, grouping.OrganisationOf(org), func(w *txn) error {
		gc, err := w.GroupChannelIDs(ctx, org, group)
		switch {
		case err != nil:
			return err
		case !gc.OrganisationFound && !gc.GroupFound:
			return errOrganisationNotFound
		case !gc.GroupFound:
			return errGroupNotFound
		}
		if err := grouping.ValidateIDList(fieldChannelIDs, channelIDs, gc.ChannelIDs); err != nil {
			return err
		}
		if slices.Equal(channelIDs, gc.ChannelIDs) {
			return nil // already in this order: nothing changes
		}
		if err := w.SetChannelPositions(ctx, group, channelIDs); err != nil {
			return err
		}
		w.emit(grouping.EventGroupChannelsReordered, grouping.GroupChannelsReorderedData{GroupID: group, ChannelIDs: channelIDs}.AppendJSON(w.dataBuf()))
		return nil
	})
}

// ListGroupChannels implements [grouping.Store].
func (s *Store) ListGroupChannels(ctx context.Context, org, group uuid.UUID, opts grouping.ListChannelsOptions) (grouping.Page[grouping.Channel], error) {
	if err := s.begin(ctx, orgID(org), groupID(group)); err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	sc := groupChannelsScope(org, group, opts.IncludeArchived)
	p, err := sc.page(opts.Limit, opts.Cursor)
	if err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	l, err := s.d.ListGroupChannels(ctx, driver.ChannelsQuery{OrganisationID: org, GroupID: group, IncludeArchived: opts.IncludeArchived, Page: p})
	// A group that has channels exists; an empty page may belong to a group
	// that does not.
	return listResult(ctx, s, sc, l, err, org, func() error {
		g, err := s.d.Group(ctx, org, group, false)
		switch {
		case err != nil:
			return internal("find group", err)
		case g == nil:
			return errGroupNotFound
		}
		return nil
	})
}

// ListUngroupedChannels implements [grouping.Store].
func (s *Store) ListUngroupedChannels(ctx context.Context, org uuid.UUID, opts grouping.ListChannelsOptions) (grouping.Page[grouping.Channel], error) {
	if err := s.begin(ctx, orgID(org)); err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	sc := ungroupedScope(org, opts.IncludeArchived)
	p, err := sc.page(opts.Limit, opts.Cursor)
	if err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	l, err := s.d.ListUngroupedChannels(ctx, driver.ChannelsQuery{OrganisationID: org, IncludeArchived: opts.IncludeArchived, Page: p})
	return listResult(ctx, s, sc, l, err, org, nil)
}

// ListDiscoverableChannels implements [grouping.Store].
func (s *Store) ListDiscoverableChannels(ctx context.Context, org, user uuid.UUID, opts grouping.ListChannelsOptions) (grouping.Page[grouping.Channel], error) {
	if err := s.begin(ctx, userID(user), orgID(org)); err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	sc := discoverableScope(org, user, opts.IncludeArchived)
	p, err := sc.page(opts.Limit, opts.Cursor)
	if err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	l, err := s.d.ListDiscoverableChannels(ctx, driver.ChannelsQuery{OrganisationID: org, UserID: user, IncludeArchived: opts.IncludeArchived, Page: p})
	return listResult(ctx, s, sc, l, err, org, nil)
}
