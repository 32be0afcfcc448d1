package engine

import (
	"context"
	"errors"
	"slices"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// CreateGroup implements [grouping.Store].
func (s *Store) CreateGroup(ctx context.Context, org uuid.UUID, ng grouping.NewGroup) (grouping.Group, error) {
	if err := s.begin(ctx, orgID(org)); err != nil {
		return grouping.Group{}, err
	}
	ng, err := ng.Validate()
	if err != nil {
		return grouping.Group{}, err
	}
	key := grouping.FoldName(ng.Name)
	return write(ctx, s, grouping.OrganisationOf(org), func(w *txn) (grouping.Group, error) {
		st, err := w.GroupState(ctx, org, uuid.Nil, key)
		switch {
		case err != nil:
			return grouping.Group{}, err
		case !st.OrganisationFound:
			return grouping.Group{}, errOrganisationNotFound
		case st.NameHolder != uuid.Nil:
			return grouping.Group{}, groupNameTaken(ng.Name)
		}
		g := grouping.Group{
			ID:             uuid.New(),
			Name:           ng.Name,
			Description:    ng.Description,
			OrganisationID: org,
			Position:       int(st.MaxPosition + 1), // the end of the order
			Version:        1,
			CreatedAt:      w.now,
			UpdatedAt:      w.now,
		}
		if err := nameWrite(w.InsertGroup(ctx, g, key), g.Name); err != nil {
			return grouping.Group{}, err
		}
		w.emit(grouping.EventGroupCreated, grouping.GroupEventData{Group: g}.AppendJSON(w.dataBuf()))
		return g, nil
	})
}

// nameWrite turns the driver's ErrNameTaken into the conflict of a taken
// name.
func nameWrite(err error, name string) error {
	if errors.Is(err, driver.ErrNameTaken) {
		return groupNameTaken(name)
	}
	return err
}

// GetGroup implements [grouping.Store].
func (s *Store) GetGroup(ctx context.Context, org, group uuid.UUID, opts grouping.GetGroupOptions) (grouping.Group, error) {
	if err := s.begin(ctx, orgID(org), groupID(group)); err != nil {
		return grouping.Group{}, err
	}
	g, err := s.d.Group(ctx, org, group, opts.IncludeChannels)
	switch {
	case err != nil:
		return grouping.Group{}, internal("get group", err)
	case g == nil:
		return grouping.Group{}, s.orgMissing(ctx, s.d, org, errGroupNotFound)
	}
	return *g, nil
}

// ListGroups implements [grouping.Store].
func (s *Store) ListGroups(ctx context.Context, org uuid.UUID, opts grouping.ListGroupsOptions) (grouping.Page[grouping.Group], error) {
	if err := s.begin(ctx, orgID(org)); err != nil {
		return grouping.Page[grouping.Group]{}, err
	}
	sc := groupsScope(org, opts.Archived)
	p, err := sc.page(opts.Limit, opts.Cursor)
	if err != nil {
		return grouping.Page[grouping.Group]{}, err
	}
	l, err := s.d.ListGroups(ctx, driver.GroupsQuery{OrganisationID: org, Archived: opts.Archived, WithChannels: opts.IncludeChannels, Page: p})
	return listResult(ctx, s, sc, l, err, org, nil)
}

// listResult finishes a list of an organisation: it reports a driver error
// as Internal and, when the page is empty, the NotFound of the organisation
// (or, when scopeMissing is given and the organisation exists, the error it
// returns) instead of an empty page.
func listResult[T any](ctx context.Context, s *Store, sc scope, l driver.List[T], err error, org uuid.UUID, scopeMissing func() error) (grouping.Page[T], error) {
	if err != nil {
		return grouping.Page[T]{}, internal("list", err)
	}
	if len(l.Items) == 0 {
		if err := s.orgMissing(ctx, s.d, org, nil); err != nil {
			return grouping.Page[T]{}, err
		}
		if scopeMissing != nil {
			if err := scopeMissing(); err != nil {
				return grouping.Page[T]{}, err
			}
		}
	}
	return result(sc, l), nil
}

// UpdateGroup implements [grouping.Store].
func (s *Store) UpdateGroup(ctx context.Context, org, group uuid.UUID, u grouping.GroupUpdate) (grouping.Group, error) {
	if err := s.begin(ctx, orgID(org), groupID(group)); err != nil {
		return grouping.Group{}, err
	}
	u, err := u.Validate()
	if err != nil {
		return grouping.Group{}, err
	}
	var key string
	if u.Name != nil {
		key = grouping.FoldName(*u.Name)
	}
	return write(ctx, s, grouping.OrganisationOf(org), func(w *txn) (grouping.Group, error) {
		st, err := w.GroupState(ctx, org, group, key)
		if err != nil {
			return grouping.Group{}, err
		}
		g, err := liveGroup(st, u.IfVersion)
		if err != nil {
			return grouping.Group{}, err
		}
		prev := g
		if u.Name != nil {
			if st.NameHolder != uuid.Nil && st.NameHolder != group {
				return grouping.Group{}, groupNameTaken(*u.Name)
			}
			g.Name = *u.Name
		}
		if u.Description != nil {
			g.Description = *u.Description
		}
		if u.Archived != nil {
			g.Archived = *u.Archived
		}
		g.Version++
		g.UpdatedAt = w.now
		// key is empty unless the name changes: the stored key stays.
		if err := nameWrite(w.UpdateGroup(ctx, g, key), g.Name); err != nil {
			return grouping.Group{}, err
		}
		typ := grouping.EventGroupUpdated
		switch {
		case g.Archived && !prev.Archived:
			typ = grouping.EventGroupArchived
		case !g.Archived && prev.Archived:
			typ = grouping.EventGroupUnarchived
		}
		w.emit(typ, grouping.GroupEventData{Group: g, Previous: &prev}.AppendJSON(w.dataBuf()))
		return g, nil
	})
}

// liveGroup returns the group of st, or the NotFound error of what is
// missing, or PreconditionFailed when ifVersion is set and stale.
func liveGroup(st driver.GroupState, ifVersion int64) (grouping.Group, error) {
	switch {
	case st.Group != nil && ifVersion != 0 && ifVersion != st.Group.Version:
		return grouping.Group{}, errVersionMismatch
	case st.Group != nil:
		g := *st.Group
		g.Channels = nil
		return g, nil
	case !st.OrganisationFound:
		return grouping.Group{}, errOrganisationNotFound
	}
	return grouping.Group{}, errGroupNotFound
}

// DeleteGroup implements [grouping.Store].
func (s *Store) DeleteGroup(ctx context.Context, org, group uuid.UUID, ifVersion int64) error {
	if err := s.begin(ctx, orgID(org), groupID(group)); err != nil {
		return err
	}
	if err := grouping.ValidateVersion(ifVersion); err != nil {
		return err
	}
	return do(ctx, s, grouping.OrganisationOf(org), func(w *txn) error {
		st, err := w.GroupState(ctx, org, group, "")
		if err != nil {
			return err
		}
		g, err := liveGroup(st, ifVersion)
		if err != nil {
			return err
		}
		// Its channels become ungrouped in the same step.
		if err := w.UngroupChannels(ctx, group); err != nil {
			return err
		}
		if err := w.MarkGroupDeleted(ctx, group, w.now); err != nil {
			return err
		}
		g.UpdatedAt, g.DeletedAt = w.now, &w.now
		w.emit(grouping.EventGroupDeleted, grouping.GroupEventData{Group: g}.AppendJSON(w.dataBuf()))
		return nil
	})
}

// ReorderGroups implements [grouping.Store].
func (s *Store) ReorderGroups(ctx context.Context, org uuid.UUID, groupIDs []uuid.UUID) error {
	if err := s.begin(ctx, orgID(org)); err != nil {
		return err
	}
	return do(ctx, s, grouping.OrganisationOf(org), func(w *txn) error {
		found, live, err := w.GroupIDs(ctx, org)
		switch {
		case err != nil:
			return err
		case !found:
			return errOrganisationNotFound
		}
		if err := grouping.ValidateIDList(fieldGroupIDs, groupIDs, live); err != nil {
			return err
		}
		if slices.Equal(groupIDs, live) {
			return nil // already in this order: nothing changes
		}
		if err := w.SetGroupPositions(ctx, groupIDs); err != nil {
			return err
		}
		w.emit(grouping.EventGroupsReordered, grouping.GroupsReorderedData{GroupIDs: groupIDs}.AppendJSON(w.dataBuf()))
		return nil
	})
}
