package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/internal/storeutil"
	"github.com/google/uuid"
)

// AttachChannel puts the channel into the workspace's channel group for the
// platform account in a, creating that channel group if needed, refreshing
// its name, and taking the channel out of any other channel group of the
// workspace.
func (s *Store) AttachChannel(ctx context.Context, workspaceID, channelID uuid.UUID, a grouping.ChannelGroupAttach) (grouping.ChannelGroup, error) {
	a, err := a.Validate()
	if err != nil {
		return grouping.ChannelGroup{}, err
	}
	if err := storeutil.CheckIDs(storeutil.WorkspaceID(workspaceID), storeutil.WSChannelID(channelID)); err != nil {
		return grouping.ChannelGroup{}, err
	}
	return inTx(ctx, s.beginWrite, uuid.Nil, func(tx *tx) (grouping.ChannelGroup, error) { return attachChannel(ctx, tx, workspaceID, channelID, a) })
}

func attachChannel(ctx context.Context, tx *tx, workspaceID, channelID uuid.UUID, a grouping.ChannelGroupAttach) (grouping.ChannelGroup, error) {
	cg, err := scanChannelGroup(tx.queryRow(ctx, sqlFindAccount, workspaceID, a.PlatformID, a.PlatformGroupID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		now := fromMillis(tx.now)
		cg = grouping.ChannelGroup{
			ID:                uuid.New(),
			WorkspaceID:       workspaceID,
			PlatformID:        a.PlatformID,
			PlatformGroupID:   a.PlatformGroupID,
			PlatformGroupName: a.PlatformGroupName,
			CreatedAt:         now,
			UpdatedAt:         now,
		}
		_, err = tx.exec(ctx, sqlInsertChannelGroup,
			cg.ID, workspaceID, a.PlatformID, a.PlatformGroupID, a.PlatformGroupName, tx.now, tx.now)
		if err != nil {
			return grouping.ChannelGroup{}, internal("insert channel group", err)
		}
	case err != nil:
		return grouping.ChannelGroup{}, internal("find channel group", err)
	}
	if a.PlatformGroupName == "" {
		a.PlatformGroupName = cg.PlatformGroupName // no name given: keep the stored one
	}
	changed := cg.PlatformGroupName != a.PlatformGroupName

	var current uuid.UUID
	err = tx.queryRow(ctx, sqlAttachedTo, workspaceID, channelID).Scan(&current)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if err := linkChannel(ctx, tx, workspaceID, channelID, cg.ID); err != nil {
			return grouping.ChannelGroup{}, err
		}
		changed = true
	case err != nil:
		return grouping.ChannelGroup{}, internal("find channel group link", err)
	case current != cg.ID:
		// Moving the channel changes the content of the group it leaves too.
		if _, err := tx.exec(ctx, sqlUnlinkChannel, workspaceID, channelID); err != nil {
			return grouping.ChannelGroup{}, internal("move channel", err)
		}
		if err := touchChannelGroup(ctx, tx, current); err != nil {
			return grouping.ChannelGroup{}, err
		}
		if err := linkChannel(ctx, tx, workspaceID, channelID, cg.ID); err != nil {
			return grouping.ChannelGroup{}, err
		}
		changed = true
	}
	if changed {
		cg.PlatformGroupName = a.PlatformGroupName
		cg.UpdatedAt = fromMillis(tx.now)
		if _, err := tx.exec(ctx, sqlRenameChannelGroup, cg.PlatformGroupName, tx.now, cg.ID); err != nil {
			return grouping.ChannelGroup{}, internal("update channel group", err)
		}
	}
	groups := []grouping.ChannelGroup{cg}
	if err := fillChannelIDs(ctx, tx, workspaceID, groups); err != nil {
		return grouping.ChannelGroup{}, err
	}
	return groups[0], nil
}

// linkChannel puts the channel at the end of the channel group.
func linkChannel(ctx context.Context, tx *tx, workspaceID, channelID, channelGroupID uuid.UUID) error {
	_, err := tx.exec(ctx, sqlLinkChannel, workspaceID, channelID, channelGroupID)
	return internal("attach channel", err)
}

// touchChannelGroup sets a channel group's UpdatedAt to now.
func touchChannelGroup(ctx context.Context, tx *tx, channelGroupID uuid.UUID) error {
	_, err := tx.exec(ctx, sqlTouchChannelGroup, tx.now, channelGroupID)
	return internal("update channel group", err)
}

// DetachChannel takes the channel out of its channel group.
func (s *Store) DetachChannel(ctx context.Context, workspaceID, channelID uuid.UUID) error {
	if err := storeutil.CheckIDs(storeutil.WorkspaceID(workspaceID), storeutil.WSChannelID(channelID)); err != nil {
		return err
	}
	return s.write(ctx, uuid.Nil, func(tx *tx) error { return detachChannel(ctx, tx, workspaceID, channelID) })
}

func detachChannel(ctx context.Context, tx *tx, workspaceID, channelID uuid.UUID) error {
	var current uuid.UUID
	err := tx.queryRow(ctx, sqlDetachChannel, workspaceID, channelID).Scan(&current)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return storeutil.ErrChannelNotAttached
	case err != nil:
		return internal("detach channel", err)
	}
	return touchChannelGroup(ctx, tx, current)
}

// GetChannelGroup returns one of the workspace's channel groups.
func (s *Store) GetChannelGroup(ctx context.Context, workspaceID, channelGroupID uuid.UUID) (grouping.ChannelGroup, error) {
	if err := storeutil.CheckIDs(storeutil.WorkspaceID(workspaceID), storeutil.ChannelGroupID(channelGroupID)); err != nil {
		return grouping.ChannelGroup{}, err
	}
	return inTx(ctx, s.beginRead, uuid.Nil, func(tx *tx) (grouping.ChannelGroup, error) {
		return getChannelGroup(ctx, tx, workspaceID, channelGroupID)
	})
}

func getChannelGroup(ctx context.Context, tx *tx, workspaceID, channelGroupID uuid.UUID) (grouping.ChannelGroup, error) {
	cg, err := scanChannelGroup(tx.queryRow(ctx, sqlFindChannelGroup, channelGroupID, workspaceID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return grouping.ChannelGroup{}, storeutil.ErrChannelGroupNotFound
	case err != nil:
		return grouping.ChannelGroup{}, internal("find channel group", err)
	}
	groups := []grouping.ChannelGroup{cg}
	if err := fillChannelIDs(ctx, tx, workspaceID, groups); err != nil {
		return grouping.ChannelGroup{}, err
	}
	return groups[0], nil
}

// ListChannelGroups lists the workspace's channel groups by creation time,
// then ID.
func (s *Store) ListChannelGroups(ctx context.Context, workspaceID uuid.UUID, opts grouping.ListChannelGroupsOptions) (grouping.Page[grouping.ChannelGroup], error) {
	if err := storeutil.CheckIDs(storeutil.WorkspaceID(workspaceID)); err != nil {
		return grouping.Page[grouping.ChannelGroup]{}, err
	}
	if opts.PlatformID != "" {
		if err := grouping.ValidatePlatformID(opts.PlatformID); err != nil {
			return grouping.Page[grouping.ChannelGroup]{}, err
		}
	}
	p, err := newPager(storeutil.ChannelGroupsScope(workspaceID, opts.PlatformID), opts.Limit, opts.Cursor)
	if err != nil {
		return grouping.Page[grouping.ChannelGroup]{}, err
	}
	return inTx(ctx, s.beginRead, uuid.Nil, func(tx *tx) (grouping.Page[grouping.ChannelGroup], error) {
		return listChannelGroups(ctx, tx, p, workspaceID, opts.PlatformID)
	})
}

func listChannelGroups(ctx context.Context, tx *tx, p pager, workspaceID uuid.UUID, platformID string) (grouping.Page[grouping.ChannelGroup], error) {
	query, args := sqlListChannelGroups, []any{sql.Named("ws", workspaceID)}
	if platformID != "" {
		query, args = sqlListPlatformChannelGroups, append(args, sql.Named("platform", platformID))
	}
	rows, err := tx.query(ctx, query, append(args, p.args()...)...)
	if err != nil {
		return grouping.Page[grouping.ChannelGroup]{}, internal("list channel groups", err)
	}
	defer rows.Close()
	page := grouping.Page[grouping.ChannelGroup]{Items: make([]grouping.ChannelGroup, 0, min(p.Limit, 64))}
	for rows.Next() {
		if len(page.Items) == p.Limit {
			last := page.Items[len(page.Items)-1]
			page.NextCursor = p.Next(storeutil.Key{Time: last.CreatedAt.UnixMilli(), ID: last.ID})
			break
		}
		cg, err := scanChannelGroup(rows)
		if err != nil {
			return grouping.Page[grouping.ChannelGroup]{}, internal("list channel groups", err)
		}
		page.Items = append(page.Items, cg)
	}
	if err := rows.Err(); err != nil {
		return grouping.Page[grouping.ChannelGroup]{}, internal("list channel groups", err)
	}
	rows.Close()
	if err := fillChannelIDs(ctx, tx, workspaceID, page.Items); err != nil {
		return grouping.Page[grouping.ChannelGroup]{}, err
	}
	return page, nil
}

// fillChannelIDs sets the ChannelIDs of every channel group in groups, with
// one query for all of them.
func fillChannelIDs(ctx context.Context, tx *tx, workspaceID uuid.UUID, groups []grouping.ChannelGroup) error {
	index := make(map[uuid.UUID]int, len(groups))
	ids := make([]uuid.UUID, len(groups))
	for i := range groups {
		groups[i].ChannelIDs = []uuid.UUID{}
		index[groups[i].ID] = i
		ids[i] = groups[i].ID
	}
	if len(groups) == 0 {
		return nil
	}
	rows, err := tx.query(ctx, sqlChannelGroupsChannels, sql.Named("ws", workspaceID), sql.Named("groups", idArray(ids)))
	if err != nil {
		return internal("list channel group channels", err)
	}
	defer rows.Close()
	for rows.Next() {
		var groupID, channelID uuid.UUID
		if err := rows.Scan(&groupID, &channelID); err != nil {
			return internal("list channel group channels", err)
		}
		i := index[groupID]
		groups[i].ChannelIDs = append(groups[i].ChannelIDs, channelID)
	}
	return internal("list channel group channels", rows.Err())
}

// DeleteChannelGroup removes a channel group and its channel links.
func (s *Store) DeleteChannelGroup(ctx context.Context, workspaceID, channelGroupID uuid.UUID) error {
	if err := storeutil.CheckIDs(storeutil.WorkspaceID(workspaceID), storeutil.ChannelGroupID(channelGroupID)); err != nil {
		return err
	}
	return s.write(ctx, uuid.Nil, func(tx *tx) error { return deleteChannelGroup(ctx, tx, workspaceID, channelGroupID) })
}

func deleteChannelGroup(ctx context.Context, tx *tx, workspaceID, channelGroupID uuid.UUID) error {
	// The links go with it: ON DELETE CASCADE.
	res, err := tx.exec(ctx, sqlDeleteChannelGroup, channelGroupID, workspaceID)
	if err != nil {
		return internal("delete channel group", err)
	}
	return oneRow(res, storeutil.ErrChannelGroupNotFound, "delete channel group")
}

// scanChannelGroup reads the channelGroupColumns of one row.
func scanChannelGroup(sc scanner) (grouping.ChannelGroup, error) {
	var (
		cg               grouping.ChannelGroup
		created, updated int64
	)
	err := sc.Scan(&cg.ID, &cg.WorkspaceID, &cg.PlatformID, &cg.PlatformGroupID,
		&cg.PlatformGroupName, &created, &updated)
	if err != nil {
		return grouping.ChannelGroup{}, err
	}
	cg.CreatedAt = fromMillis(created)
	cg.UpdatedAt = fromMillis(updated)
	return cg, nil
}
