package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// UpsertOrganisation implements driver.Tx: it reads the organisation, then
// inserts it, renames it, or, when the name is the one it has, writes
// nothing.
func (t *sqlTx) UpsertOrganisation(ctx context.Context, org grouping.Organisation, createdAt time.Time) (grouping.Organisation, bool, error) {
	prev := grouping.Organisation{ID: org.ID}
	var created int64
	err := queryRow(ctx, t, sqlFindOrganisation, t.id(org.ID)).Scan(&prev.Name, &created)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err := execStmt(ctx, t, sqlInsertOrganisation, t.id(org.ID), org.Name, createdAt.UnixMilli())
		return grouping.Organisation{}, false, err
	case err != nil:
		return grouping.Organisation{}, false, err
	}
	prev.CreatedAt = fromMillis(created)
	if prev.Name != org.Name {
		if _, err := execStmt(ctx, t, sqlRenameOrganisation, org.Name, t.id(org.ID)); err != nil {
			return grouping.Organisation{}, false, err
		}
	}
	return prev, true, nil
}

// InsertChannel implements driver.Tx.
func (t *sqlTx) InsertChannel(ctx context.Context, ch driver.ChannelRecord) error {
	_, err := execStmt(ctx, t, sqlInsertChannel, t.id(ch.ID), t.id(ch.OrganisationID), ch.Name, ch.Description, t.id(ch.OwnerID),
		ch.Archived, ch.MessageCount, ch.CreatedAt.UnixMilli())
	return err
}

// UpdateChannel implements driver.Tx.
func (t *sqlTx) UpdateChannel(ctx context.Context, ch driver.ChannelRecord) error {
	if ch.CreatedAt.IsZero() { // keep the stored creation time
		_, err := execStmt(ctx, t, sqlUpdateChannel, ch.Name, ch.Description, t.id(ch.OwnerID), ch.Archived, ch.MessageCount, t.id(ch.ID))
		return err
	}
	_, err := execStmt(ctx, t, sqlUpdateChannelCreated, ch.Name, ch.Description, t.id(ch.OwnerID), ch.Archived, ch.MessageCount, ch.CreatedAt.UnixMilli(), t.id(ch.ID))
	return err
}

// SetMembers implements driver.Tx.
func (t *sqlTx) SetMembers(ctx context.Context, channelID uuid.UUID, users []uuid.UUID) error {
	if _, err := execStmt(ctx, t, sqlDeleteOtherMembers, t.id(channelID), idArray(users)); err != nil {
		return err
	}
	_, err := execStmt(ctx, t, sqlInsertMembers, t.id(channelID), idArray(users))
	return err
}

// AddMember implements driver.Tx.
func (t *sqlTx) AddMember(ctx context.Context, channelID, userID uuid.UUID) (bool, error) {
	return affected(execStmt(ctx, t, sqlAddMember, t.id(channelID), t.id(userID)))
}

// RemoveMember implements driver.Tx.
func (t *sqlTx) RemoveMember(ctx context.Context, channelID, userID uuid.UUID) (bool, error) {
	return affected(execStmt(ctx, t, sqlRemoveMember, t.id(channelID), t.id(userID)))
}

var _ driver.MemberTx = (*sqlTx)(nil)

// AddLiveMember implements driver.MemberTx.
func (t *sqlTx) AddLiveMember(ctx context.Context, orgID, channelID, userID uuid.UUID) (bool, error) {
	return affected(execStmt(ctx, t, sqlAddLiveMember, t.id(channelID), t.id(userID), t.id(orgID)))
}

// RemoveLiveMember implements driver.MemberTx.
func (t *sqlTx) RemoveLiveMember(ctx context.Context, orgID, channelID, userID uuid.UUID) (bool, error) {
	return affected(execStmt(ctx, t, sqlRemoveLiveMember, t.id(channelID), t.id(userID), t.id(orgID)))
}

// affected reports whether a statement changed a row.
func affected(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// MarkChannelDeleted implements driver.Tx.
func (t *sqlTx) MarkChannelDeleted(ctx context.Context, channelID uuid.UUID, at time.Time) error {
	_, err := execStmt(ctx, t, sqlMarkChannelDeleted, at.UnixMilli(), t.id(channelID))
	return err
}

// InsertGroup implements driver.Tx. The unique index on the name key of
// live groups is the last word on duplicates.
func (t *sqlTx) InsertGroup(ctx context.Context, g grouping.Group, nameKey string) error {
	_, err := execStmt(ctx, t, sqlInsertGroup,
		t.id(g.ID), t.id(g.OrganisationID), g.Name, nameKey, g.Description, g.Archived,
		g.Position, g.Version, g.CreatedAt.UnixMilli(), g.UpdatedAt.UnixMilli())
	return nameKeyError(err)
}

// UpdateGroup implements driver.Tx.
func (t *sqlTx) UpdateGroup(ctx context.Context, g grouping.Group, nameKey string) error {
	if nameKey == "" { // the key stays
		_, err := execStmt(ctx, t, sqlUpdateGroup, g.Name, g.Description, g.Archived, g.Version, g.UpdatedAt.UnixMilli(), t.id(g.ID))
		return err
	}
	_, err := execStmt(ctx, t, sqlRenameGroup,
		g.Name, nameKey, g.Description, g.Archived, g.Version, g.UpdatedAt.UnixMilli(), t.id(g.ID))
	return nameKeyError(err)
}

// nameKeyError reports a violation of the unique name key index as
// driver.ErrNameTaken.
func nameKeyError(err error) error {
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: %w", driver.ErrNameTaken, err)
	}
	return err
}

// MarkGroupDeleted implements driver.Tx.
func (t *sqlTx) MarkGroupDeleted(ctx context.Context, groupID uuid.UUID, at time.Time) error {
	_, err := execStmt(ctx, t, sqlMarkGroupDeleted, at.UnixMilli(), t.id(groupID))
	return err
}

// SetGroupPositions implements driver.Tx. Groups already in place are not
// written.
func (t *sqlTx) SetGroupPositions(ctx context.Context, groupIDs []uuid.UUID) error {
	stmt, err := t.stmt(ctx, sqlSetGroupPosition)
	if err != nil {
		return err
	}
	for i, id := range groupIDs {
		if _, err := stmt.ExecContext(ctx, i, t.id(id), i); err != nil {
			return err
		}
	}
	return nil
}

// PlaceChannel implements driver.Tx.
func (t *sqlTx) PlaceChannel(ctx context.Context, channelID, groupID uuid.UUID, pos int64) error {
	_, err := execStmt(ctx, t, sqlPlaceChannel, t.id(groupID), pos, t.id(channelID))
	return err
}

// UnplaceChannel implements driver.Tx.
func (t *sqlTx) UnplaceChannel(ctx context.Context, channelID uuid.UUID) error {
	_, err := execStmt(ctx, t, sqlUnplaceChannel, t.id(channelID))
	return err
}

// UngroupChannels implements driver.Tx.
func (t *sqlTx) UngroupChannels(ctx context.Context, groupID uuid.UUID) error {
	_, err := execStmt(ctx, t, sqlUngroupChannels, t.id(groupID))
	return err
}

// SetChannelPositions implements driver.Tx. Channels already in place are
// not written.
func (t *sqlTx) SetChannelPositions(ctx context.Context, groupID uuid.UUID, channelIDs []uuid.UUID) error {
	stmt, err := t.stmt(ctx, sqlSetChannelPosition)
	if err != nil {
		return err
	}
	for i, id := range channelIDs {
		if _, err := stmt.ExecContext(ctx, i, t.id(id), t.id(groupID), i); err != nil {
			return err
		}
	}
	return nil
}

// InsertChannelGroup implements driver.Tx.
func (t *sqlTx) InsertChannelGroup(ctx context.Context, cg grouping.ChannelGroup) error {
	_, err := execStmt(ctx, t, sqlInsertChannelGroup, t.id(cg.ID), t.id(cg.WorkspaceID), cg.PlatformID, cg.PlatformGroupID,
		cg.PlatformGroupName, cg.CreatedAt.UnixMilli(), cg.UpdatedAt.UnixMilli())
	return err
}

// UpdateChannelGroup implements driver.Tx.
func (t *sqlTx) UpdateChannelGroup(ctx context.Context, id uuid.UUID, name string, updatedAt time.Time) error {
	_, err := execStmt(ctx, t, sqlRenameChannelGroup, name, updatedAt.UnixMilli(), t.id(id))
	return err
}

// TouchChannelGroup implements driver.Tx.
func (t *sqlTx) TouchChannelGroup(ctx context.Context, id uuid.UUID, updatedAt time.Time) error {
	_, err := execStmt(ctx, t, sqlTouchChannelGroup, updatedAt.UnixMilli(), t.id(id))
	return err
}

// LinkChannel implements driver.Tx.
func (t *sqlTx) LinkChannel(ctx context.Context, workspaceID, channelID, channelGroupID uuid.UUID, pos int64) error {
	_, err := execStmt(ctx, t, sqlLinkChannel, t.id(workspaceID), t.id(channelID), t.id(channelGroupID), pos)
	return err
}

// UnlinkChannel implements driver.Tx.
func (t *sqlTx) UnlinkChannel(ctx context.Context, workspaceID, channelID uuid.UUID) (uuid.UUID, error) {
	var from uuid.UUID
	err := queryRow(ctx, t, sqlUnlinkChannel, t.id(workspaceID), t.id(channelID)).Scan(&from)
	if err == sql.ErrNoRows {
		return uuid.Nil, nil
	}
	return from, err
}

// DeleteChannelGroup implements driver.Tx. The links go with it: ON DELETE
// CASCADE.
func (t *sqlTx) DeleteChannelGroup(ctx context.Context, workspaceID, id uuid.UUID) (bool, error) {
	return affected(execStmt(ctx, t, sqlDeleteChannelGroup, t.id(id), t.id(workspaceID)))
}
