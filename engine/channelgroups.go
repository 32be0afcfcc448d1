package engine

import (
	"context"
	"slices"

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
	return write(ctx, s, grouping.WorkspaceOf(workspace), func(w *txn) (grouping.ChannelGroup, error) {
		at, err := w.Attachment(ctx, workspace, channel, a.PlatformID, a.PlatformGroupID)
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
				CreatedAt:         w.now,
				UpdatedAt:         w.now,
			}
			if err := w.InsertChannelGroup(ctx, *cg); err != nil {
				return grouping.ChannelGroup{}, err
			}
		}
		renamed := !created && a.PlatformGroupName != "" && a.PlatformGroupName != cg.PlatformGroupName
		linked := at.Current != cg.ID
		if linked {
			if at.Current != uuid.Nil {
				// The channel leaves its channel group, whose content changes.
				if _, err := w.UnlinkChannel(ctx, workspace, channel); err != nil {
					return grouping.ChannelGroup{}, err
				}
				if err := w.TouchChannelGroup(ctx, at.Current, w.now); err != nil {
					return grouping.ChannelGroup{}, err
				}
			}
			if err := w.LinkChannel(ctx, workspace, channel, cg.ID, at.MaxPosition+1); err != nil {
				return grouping.ChannelGroup{}, err
			}
		}
		if (linked || renamed) && !created {
			name := cg.PlatformGroupName
			if renamed {
				name = a.PlatformGroupName
			}
			if err := w.UpdateChannelGroup(ctx, cg.ID, name, w.now); err != nil {
				return grouping.ChannelGroup{}, err
			}
		}
		// The result is built from the facts read and the writes made, so
		// that the attach needs no read after its writes.
		out := *cg
		if linked {
			// The link's position is past every other: the channel comes last.
			out.ChannelIDs = append(slices.Clip(out.ChannelIDs), channel)
		}
		if renamed {
			out.PlatformGroupName = a.PlatformGroupName
		}
		if linked || renamed {
			out.UpdatedAt = w.now
		}
		if linked {
			d := grouping.ChannelGroupAttachedData{ChannelID: channel, ChannelGroup: out}
			if at.Current != uuid.Nil {
				d.FromChannelGroupID = &at.Current
			}
			w.emit(grouping.EventChannelGroupAttached, d.AppendJSON(w.dataBuf()))
		}
		if renamed {
			w.emit(grouping.EventChannelGroupRenamed, grouping.ChannelGroupRenamedData{ChannelGroup: out, PreviousName: cg.PlatformGroupName}.AppendJSON(w.dataBuf()))
		}
		return out, nil
	})
}

// DetachChannel implements [grouping.Store].
func (s *Store) DetachChannel(ctx context.Context, workspace, channel uuid.UUID) error {
	if err := s.begin(ctx, workspaceID(workspace), wsChannelID(channel)); err != nil {
		return err
	}
	return do(ctx, s, grouping.WorkspaceOf(workspace), func(w *txn) error {
		from, err := w.UnlinkChannel(ctx, workspace, channel)
		switch {
		case err != nil:
			return err
		case from == uuid.Nil:
			return errChannelNotAttached
		}
		if err := w.TouchChannelGroup(ctx, from, w.now); err != nil {
			return err
		}
		w.emit(grouping.EventChannelGroupDetached, grouping.ChannelGroupDetachedData{ChannelID: channel, ChannelGroupID: from}.AppendJSON(w.dataBuf()))
		return nil
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
	return do(ctx, s, grouping.WorkspaceOf(workspace), func(w *txn) error {
		deleted, err := w.DeleteChannelGroup(ctx, workspace, channelGroup)
		switch {
		case err != nil:
			return err
		case !deleted:
			return errChannelGroupNotFound
		}
		w.emit(grouping.EventChannelGroupDeleted, grouping.ChannelGroupDeletedData{ChannelGroupID: channelGroup}.AppendJSON(w.dataBuf()))
		return nil
	})
}
