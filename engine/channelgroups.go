package engine

import (
	"context"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// AttachChannel implements [grouping.Store]. Linking a channel to a channel
// group, or unlinking it, bumps that channel group's UpdatedAt, as does a
// new name.
func (s *Store) AttachChannel(ctx context.Context, workspace, channel uuid.UUID, a grouping.ChannelGroupAttach) (grouping.ChannelGroup, error) {
	if err := s.begin(ctx); err != nil {
		return grouping.ChannelGroup{}, err
	}
	a, err := a.Validate()
	if err != nil {
		return grouping.ChannelGroup{}, err
	}
	// The attach is validated before the IDs, so that its errors come first.
	if err := checkIDs(workspaceID(workspace), wsChannelID(channel)); err != nil {
		return grouping.ChannelGroup{}, err
	}
	return write(ctx, s, func(tx driver.Tx, now time.Time) (grouping.ChannelGroup, error) {
		at, err := tx.Attachment(ctx, workspace, channel, a.PlatformID, a.PlatformGroupID)
		if err != nil {
			return grouping.ChannelGroup{}, err
		}
		cg, created := at.Account, at.Account == nil
		if created {
			cg = &grouping.ChannelGroup{
				ID:                uuid.New(),
				WorkspaceID:       workspace,
				PlatformID:        a.PlatformID,
				PlatformGroupID:   a.PlatformGroupID,
				PlatformGroupName: a.PlatformGroupName,
				CreatedAt:         now,
				UpdatedAt:         now,
			}
			if err := tx.InsertChannelGroup(ctx, *cg); err != nil {
				return grouping.ChannelGroup{}, err
			}
		}
		changed := a.PlatformGroupName != "" && a.PlatformGroupName != cg.PlatformGroupName
		if at.Current != cg.ID {
			if at.Current != uuid.Nil {
				// The channel leaves its channel group, whose content changes.
				if _, err := tx.UnlinkChannel(ctx, workspace, channel); err != nil {
					return grouping.ChannelGroup{}, err
				}
				if err := tx.TouchChannelGroup(ctx, at.Current, now); err != nil {
					return grouping.ChannelGroup{}, err
				}
			}
			if err := tx.LinkChannel(ctx, workspace, channel, cg.ID, at.MaxPosition+1); err != nil {
				return grouping.ChannelGroup{}, err
			}
			changed = true
		}
		if changed && !created {
			name := cg.PlatformGroupName
			if a.PlatformGroupName != "" {
				name = a.PlatformGroupName
			}
			if err := tx.UpdateChannelGroup(ctx, cg.ID, name, now); err != nil {
				return grouping.ChannelGroup{}, err
			}
		}
		out, err := tx.ChannelGroup(ctx, workspace, cg.ID)
		if err != nil {
			return grouping.ChannelGroup{}, err
		}
		if out == nil {
			return grouping.ChannelGroup{}, internal("attach channel", errNotReadBack)
		}
		return *out, nil
	})
}

// DetachChannel implements [grouping.Store].
func (s *Store) DetachChannel(ctx context.Context, workspace, channel uuid.UUID) error {
	if err := s.begin(ctx, workspaceID(workspace), wsChannelID(channel)); err != nil {
		return err
	}
	return do(ctx, s, func(tx driver.Tx, now time.Time) error {
		from, err := tx.UnlinkChannel(ctx, workspace, channel)
		switch {
		case err != nil:
			return err
		case from == uuid.Nil:
			return errChannelNotAttached
		}
		return tx.TouchChannelGroup(ctx, from, now)
	})
}

// GetChannelGroup implements [grouping.Store].
func (s *Store) GetChannelGroup(ctx context.Context, workspace, channelGroup uuid.UUID) (grouping.ChannelGroup, error) {
	if err := s.begin(ctx, workspaceID(workspace), channelGroupID(channelGroup)); err != nil {
		return grouping.ChannelGroup{}, err
	}
	cg, err := s.d.ChannelGroup(ctx, workspace, channelGroup)
	switch {
	case err != nil:
		return grouping.ChannelGroup{}, internal("get channel group", err)
	case cg == nil:
		return grouping.ChannelGroup{}, errChannelGroupNotFound
	}
	return *cg, nil
}

// ListChannelGroups implements [grouping.Store].
func (s *Store) ListChannelGroups(ctx context.Context, workspace uuid.UUID, opts grouping.ListChannelGroupsOptions) (grouping.Page[grouping.ChannelGroup], error) {
	if err := s.begin(ctx, workspaceID(workspace)); err != nil {
		return grouping.Page[grouping.ChannelGroup]{}, err
	}
	if opts.PlatformID != "" {
		if err := grouping.ValidatePlatformID(opts.PlatformID); err != nil {
			return grouping.Page[grouping.ChannelGroup]{}, err
		}
	}
	sc := channelGroupsScope(workspace, opts.PlatformID)
	p, err := sc.page(opts.Limit, opts.Cursor)
	if err != nil {
		return grouping.Page[grouping.ChannelGroup]{}, err
	}
	l, err := s.d.ListChannelGroups(ctx, driver.ChannelGroupsQuery{WorkspaceID: workspace, PlatformID: opts.PlatformID, Page: p})
	if err != nil {
		return grouping.Page[grouping.ChannelGroup]{}, internal("list channel groups", err)
	}
	// Workspaces have no registry: an unknown one has an empty list.
	return result(sc, l), nil
}

// DeleteChannelGroup implements [grouping.Store].
func (s *Store) DeleteChannelGroup(ctx context.Context, workspace, channelGroup uuid.UUID) error {
	if err := s.begin(ctx, workspaceID(workspace), channelGroupID(channelGroup)); err != nil {
		return err
	}
	return do(ctx, s, func(tx driver.Tx, _ time.Time) error {
		deleted, err := tx.DeleteChannelGroup(ctx, workspace, channelGroup)
		if err == nil && !deleted {
			err = errChannelGroupNotFound
		}
		return err
	})
}
