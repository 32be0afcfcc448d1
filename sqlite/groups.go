package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/internal/storeutil"
	"github.com/google/uuid"
)

// CreateGroup creates a group at the end of the organisation's order.
func (s *Store) CreateGroup(ctx context.Context, orgID uuid.UUID, ng grouping.NewGroup) (grouping.Group, error) {
	if err := storeutil.CheckIDs(storeutil.OrgID(orgID)); err != nil {
		return grouping.Group{}, err
	}
	ng, err := ng.Validate()
	if err != nil {
		return grouping.Group{}, err
	}
	return inTx(ctx, s.beginWrite, orgID, func(tx *tx) (grouping.Group, error) { return createGroup(ctx, tx, orgID, ng) })
}

func createGroup(ctx context.Context, tx *tx, orgID uuid.UUID, ng grouping.NewGroup) (grouping.Group, error) {
	if err := checkNameFree(ctx, tx, orgID, uuid.Nil, ng.Name); err != nil {
		return grouping.Group{}, err
	}
	var next int
	err := tx.queryRow(ctx, sqlNextGroupPosition, orgID).Scan(&next)
	if err != nil {
		return grouping.Group{}, internal("create group", err)
	}
	now := fromMillis(tx.now)
	g := grouping.Group{
		ID:             uuid.New(),
		Name:           ng.Name,
		Description:    ng.Description,
		OrganisationID: orgID,
		Position:       next,
		Version:        1,
		CreatedAt:      now,
		UpdatedAt:      now,
	}
	if err := insertGroup(ctx, tx, g); err != nil {
		return grouping.Group{}, err
	}
	return g, nil
}

// insertGroup writes a new group. The unique index on the folded name of
// live groups is the last word on duplicates: should a duplicate get past
// checkNameFree, the insert still fails, with Conflict.
func insertGroup(ctx context.Context, tx *tx, g grouping.Group) error {
	_, err := tx.exec(ctx, sqlInsertGroup,
		g.ID, g.OrganisationID, g.Name, grouping.FoldName(g.Name), g.Description, g.Archived,
		g.Position, g.Version, g.CreatedAt.UnixMilli(), g.UpdatedAt.UnixMilli())
	if isUniqueViolation(err) {
		return storeutil.GroupNameTaken(g.Name)
	}
	return internal("insert group", err)
}

// checkNameFree returns Conflict when a live group of the organisation other
// than except has a name equal to name after folding.
func checkNameFree(ctx context.Context, tx *tx, orgID, except uuid.UUID, name string) error {
	var one int
	err := tx.queryRow(ctx, sqlGroupNameTaken, orgID, grouping.FoldName(name), except).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return internal("check group name", err)
	}
	return storeutil.GroupNameTaken(name)
}

// findGroup returns a live group of the organisation, or NotFound.
func findGroup(ctx context.Context, tx *tx, orgID, groupID uuid.UUID) (grouping.Group, error) {
	g, err := scanGroup(tx.queryRow(ctx, sqlFindGroup, groupID, orgID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return grouping.Group{}, storeutil.ErrGroupNotFound
	case err != nil:
		return grouping.Group{}, internal("find group", err)
	}
	return g, nil
}

// GetGroup returns a group that is not deleted.
func (s *Store) GetGroup(ctx context.Context, orgID, groupID uuid.UUID, opts grouping.GetGroupOptions) (grouping.Group, error) {
	if err := storeutil.CheckIDs(storeutil.OrgID(orgID), storeutil.GroupID(groupID)); err != nil {
		return grouping.Group{}, err
	}
	return inTx(ctx, s.beginRead, orgID, func(tx *tx) (grouping.Group, error) {
		g, err := findGroup(ctx, tx, orgID, groupID)
		if err != nil || !opts.IncludeChannels {
			return g, err
		}
		groups := []grouping.Group{g}
		err = fillGroupChannels(ctx, tx, groups)
		return groups[0], err
	})
}

// ListGroups lists the organisation's live groups by position, then creation
// time, then ID.
func (s *Store) ListGroups(ctx context.Context, orgID uuid.UUID, opts grouping.ListGroupsOptions) (grouping.Page[grouping.Group], error) {
	if err := storeutil.CheckIDs(storeutil.OrgID(orgID)); err != nil {
		return grouping.Page[grouping.Group]{}, err
	}
	p, err := newPager(storeutil.GroupsScope(orgID, opts.Archived), opts.Limit, opts.Cursor)
	if err != nil {
		return grouping.Page[grouping.Group]{}, err
	}
	return inTx(ctx, s.beginRead, orgID, func(tx *tx) (grouping.Page[grouping.Group], error) { return listGroups(ctx, tx, p, orgID, opts) })
}

func listGroups(ctx context.Context, tx *tx, p pager, orgID uuid.UUID, opts grouping.ListGroupsOptions) (grouping.Page[grouping.Group], error) {
	var archived sql.NullBool
	if opts.Archived != nil {
		archived = sql.NullBool{Bool: *opts.Archived, Valid: true}
	}
	args := append([]any{sql.Named("org", orgID), sql.Named("archived", archived)}, p.args()...)
	rows, err := tx.query(ctx, sqlListGroups, args...)
	if err != nil {
		return grouping.Page[grouping.Group]{}, internal("list groups", err)
	}
	defer rows.Close()
	page := grouping.Page[grouping.Group]{Items: make([]grouping.Group, 0, min(p.Limit, 64))}
	for rows.Next() {
		if len(page.Items) == p.Limit {
			last := page.Items[len(page.Items)-1]
			page.NextCursor = p.Next(storeutil.Key{Pos: int64(last.Position), Time: last.CreatedAt.UnixMilli(), ID: last.ID})
			break
		}
		g, err := scanGroup(rows)
		if err != nil {
			return grouping.Page[grouping.Group]{}, internal("list groups", err)
		}
		page.Items = append(page.Items, g)
	}
	if err := rows.Err(); err != nil {
		return grouping.Page[grouping.Group]{}, internal("list groups", err)
	}
	rows.Close()
	if opts.IncludeChannels {
		if err := fillGroupChannels(ctx, tx, page.Items); err != nil {
			return grouping.Page[grouping.Group]{}, err
		}
	}
	return page, nil
}

// fillGroupChannels sets the Channels of every group in groups to its live,
// unarchived channels in group order, with one query for all of them.
func fillGroupChannels(ctx context.Context, tx *tx, groups []grouping.Group) error {
	index := make(map[uuid.UUID]int, len(groups))
	ids := make([]uuid.UUID, len(groups))
	for i := range groups {
		groups[i].Channels = []grouping.Channel{}
		index[groups[i].ID] = i
		ids[i] = groups[i].ID
	}
	if len(groups) == 0 {
		return nil
	}
	rows, err := tx.query(ctx, sqlGroupsChannels, sql.Named("groups", idArray(ids)))
	if err != nil {
		return internal("list group channels", err)
	}
	defer rows.Close()
	for rows.Next() {
		ch, _, err := scanChannel(rows)
		if err != nil {
			return internal("list group channels", err)
		}
		i := index[*ch.GroupID]
		groups[i].Channels = append(groups[i].Channels, ch)
	}
	return internal("list group channels", rows.Err())
}

// UpdateGroup changes the fields of u that are set, bumps UpdatedAt and
// Version, and returns the group as updated.
func (s *Store) UpdateGroup(ctx context.Context, orgID, groupID uuid.UUID, u grouping.GroupUpdate) (grouping.Group, error) {
	if err := storeutil.CheckIDs(storeutil.OrgID(orgID), storeutil.GroupID(groupID)); err != nil {
		return grouping.Group{}, err
	}
	u, err := u.Validate()
	if err != nil {
		return grouping.Group{}, err
	}
	return inTx(ctx, s.beginWrite, orgID, func(tx *tx) (grouping.Group, error) { return updateGroup(ctx, tx, orgID, groupID, u) })
}

func updateGroup(ctx context.Context, tx *tx, orgID, groupID uuid.UUID, u grouping.GroupUpdate) (grouping.Group, error) {
	g, err := findGroup(ctx, tx, orgID, groupID)
	if err != nil {
		return grouping.Group{}, err
	}
	if u.IfVersion != 0 && u.IfVersion != g.Version {
		return grouping.Group{}, storeutil.ErrVersionMismatch
	}
	if u.Name != nil {
		if err := checkNameFree(ctx, tx, orgID, groupID, *u.Name); err != nil {
			return grouping.Group{}, err
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
	g.UpdatedAt = fromMillis(tx.now)
	_, err = tx.exec(ctx, sqlUpdateGroup,
		g.Name, grouping.FoldName(g.Name), g.Description, g.Archived, g.Version, tx.now, g.ID)
	if isUniqueViolation(err) {
		return grouping.Group{}, storeutil.GroupNameTaken(g.Name)
	}
	if err != nil {
		return grouping.Group{}, internal("update group", err)
	}
	return g, nil
}

// DeleteGroup soft-deletes a group and ungroups its channels.
func (s *Store) DeleteGroup(ctx context.Context, orgID, groupID uuid.UUID, ifVersion int64) error {
	if err := storeutil.CheckIDs(storeutil.OrgID(orgID), storeutil.GroupID(groupID)); err != nil {
		return err
	}
	if err := grouping.ValidateVersion(ifVersion); err != nil {
		return err
	}
	return s.write(ctx, orgID, func(tx *tx) error { return deleteGroup(ctx, tx, orgID, groupID, ifVersion) })
}

func deleteGroup(ctx context.Context, tx *tx, orgID, groupID uuid.UUID, ifVersion int64) error {
	g, err := findGroup(ctx, tx, orgID, groupID)
	if err != nil {
		return err
	}
	if ifVersion != 0 && ifVersion != g.Version {
		return storeutil.ErrVersionMismatch
	}
	if _, err := tx.exec(ctx, sqlUngroupChannels, groupID); err != nil {
		return internal("delete group", err)
	}
	if _, err := tx.exec(ctx, sqlDeleteGroup, tx.now, groupID); err != nil {
		return internal("delete group", err)
	}
	return nil
}

// ReorderGroups sets the organisation's group order.
func (s *Store) ReorderGroups(ctx context.Context, orgID uuid.UUID, groupIDs []uuid.UUID) error {
	if err := storeutil.CheckIDs(storeutil.OrgID(orgID)); err != nil {
		return err
	}
	return s.write(ctx, orgID, func(tx *tx) error { return reorderGroups(ctx, tx, orgID, groupIDs) })
}

func reorderGroups(ctx context.Context, tx *tx, orgID uuid.UUID, groupIDs []uuid.UUID) error {
	live, err := queryIDs(ctx, tx, sqlLiveGroupIDs, orgID)
	if err != nil {
		return internal("reorder groups", err)
	}
	if err := grouping.ValidateIDList(fieldGroupIDs, groupIDs, live); err != nil {
		return err
	}
	stmt, err := tx.stmt(ctx, sqlSetGroupPosition)
	if err != nil {
		return internal("reorder groups", err)
	}
	for i, id := range groupIDs {
		if _, err := stmt.ExecContext(ctx, i, id, i); err != nil {
			return internal("reorder groups", err)
		}
	}
	_, err = tx.exec(ctx, sqlSetNextGroupPosition, len(groupIDs), orgID)
	return internal("reorder groups", err)
}

// AssignChannel puts an ungrouped channel at the end of the group.
func (s *Store) AssignChannel(ctx context.Context, orgID, groupID, channelID uuid.UUID) error {
	if err := storeutil.CheckIDs(storeutil.OrgID(orgID), storeutil.GroupID(groupID), storeutil.ChannelID(channelID)); err != nil {
		return err
	}
	return s.write(ctx, orgID, func(tx *tx) error { return putChannel(ctx, tx, orgID, groupID, channelID, false) })
}

// MoveChannel puts a channel at the end of the group, from whichever group
// it was in or from none.
func (s *Store) MoveChannel(ctx context.Context, orgID, groupID, channelID uuid.UUID) error {
	if err := storeutil.CheckIDs(storeutil.OrgID(orgID), storeutil.GroupID(groupID), storeutil.ChannelID(channelID)); err != nil {
		return err
	}
	return s.write(ctx, orgID, func(tx *tx) error { return putChannel(ctx, tx, orgID, groupID, channelID, true) })
}

// putChannel assigns (move false) or moves (move true) a channel to the end
// of a group.
func putChannel(ctx context.Context, tx *tx, orgID, groupID, channelID uuid.UUID, move bool) error {
	g, err := findGroup(ctx, tx, orgID, groupID)
	if err != nil {
		return err
	}
	ch, err := findChannel(ctx, tx, orgID, channelID)
	if err != nil {
		return err
	}
	switch {
	case ch.GroupID != nil && *ch.GroupID == groupID:
		return nil // already there: nothing to do
	case g.Archived:
		return storeutil.ErrGroupArchived
	case ch.GroupID != nil && !move:
		var name string
		err := tx.queryRow(ctx, sqlGroupName, *ch.GroupID).Scan(&name)
		if err != nil {
			return internal("assign channel", err)
		}
		return storeutil.InOtherGroup(name)
	}
	_, err = tx.exec(ctx, sqlPutChannel, groupID, channelID)
	return internal("assign channel", err)
}

// RemoveChannel takes a channel out of the group, leaving it ungrouped.
func (s *Store) RemoveChannel(ctx context.Context, orgID, groupID, channelID uuid.UUID) error {
	if err := storeutil.CheckIDs(storeutil.OrgID(orgID), storeutil.GroupID(groupID), storeutil.ChannelID(channelID)); err != nil {
		return err
	}
	return s.write(ctx, orgID, func(tx *tx) error { return removeChannel(ctx, tx, orgID, groupID, channelID) })
}

func removeChannel(ctx context.Context, tx *tx, orgID, groupID, channelID uuid.UUID) error {
	if _, err := findGroup(ctx, tx, orgID, groupID); err != nil {
		return err
	}
	ch, err := findChannel(ctx, tx, orgID, channelID)
	if err != nil {
		return err
	}
	if ch.GroupID == nil || *ch.GroupID != groupID {
		return storeutil.ErrChannelNotInGroup
	}
	_, err = tx.exec(ctx, sqlRemoveChannel, channelID)
	return internal("remove channel", err)
}

// ReorderGroupChannels sets the order of the group's channels.
func (s *Store) ReorderGroupChannels(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) error {
	if err := storeutil.CheckIDs(storeutil.OrgID(orgID), storeutil.GroupID(groupID)); err != nil {
		return err
	}
	return s.write(ctx, orgID, func(tx *tx) error { return reorderGroupChannels(ctx, tx, orgID, groupID, channelIDs) })
}

func reorderGroupChannels(ctx context.Context, tx *tx, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) error {
	if _, err := findGroup(ctx, tx, orgID, groupID); err != nil {
		return err
	}
	members, err := queryIDs(ctx, tx, sqlGroupChannelIDs, groupID)
	if err != nil {
		return internal("reorder group channels", err)
	}
	if err := grouping.ValidateIDList(fieldChannelIDs, channelIDs, members); err != nil {
		return err
	}
	stmt, err := tx.stmt(ctx, sqlSetChannelPosition)
	if err != nil {
		return internal("reorder group channels", err)
	}
	for i, id := range channelIDs {
		if _, err := stmt.ExecContext(ctx, i, id, i); err != nil {
			return internal("reorder group channels", err)
		}
	}
	return nil
}

// ListGroupChannels lists the group's channels in group order.
func (s *Store) ListGroupChannels(ctx context.Context, orgID, groupID uuid.UUID, opts grouping.ListChannelsOptions) (grouping.Page[grouping.Channel], error) {
	if err := storeutil.CheckIDs(storeutil.OrgID(orgID), storeutil.GroupID(groupID)); err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	p, err := newPager(storeutil.GroupChannelsScope(orgID, groupID, opts.IncludeArchived), opts.Limit, opts.Cursor)
	if err != nil {
		return grouping.Page[grouping.Channel]{}, err
	}
	return inTx(ctx, s.beginRead, orgID, func(tx *tx) (grouping.Page[grouping.Channel], error) {
		if _, err := findGroup(ctx, tx, orgID, groupID); err != nil {
			return grouping.Page[grouping.Channel]{}, err
		}
		return listChannels(ctx, tx, p, sqlListGroupChannels, byGroupPosition,
			sql.Named("group", groupID), sql.Named("archived", opts.IncludeArchived))
	})
}

// The names of the reorder inputs in Invalid errors.
const (
	fieldGroupIDs   = "group_ids"
	fieldChannelIDs = "channel_ids"
)

// queryIDs returns the IDs the query selects.
func queryIDs(ctx context.Context, tx *tx, query *statement, args ...any) ([]uuid.UUID, error) {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// scanGroup reads the groupColumns of one row.
func scanGroup(sc scanner) (grouping.Group, error) {
	var (
		g                grouping.Group
		created, updated int64
		deleted          sql.NullInt64
	)
	err := sc.Scan(&g.ID, &g.OrganisationID, &g.Name, &g.Description, &g.Archived,
		&g.Position, &g.Version, &created, &updated, &deleted)
	if err != nil {
		return grouping.Group{}, err
	}
	g.CreatedAt = fromMillis(created)
	g.UpdatedAt = fromMillis(updated)
	g.DeletedAt = fromNullMillis(deleted)
	return g, nil
}
