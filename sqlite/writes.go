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
func (t *sqlTx) UpsertOrganisation(ctx context.Context, org grouping.Organisation, createdAt time.Time) (*grouping.Organisation, error) {
	prev := grouping.Organisation{ID: org.ID}
	var created int64
	err := queryRow(ctx, t, sqlFindOrganisation, org.ID).Scan(&prev.Name, &created)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err := execStmt(ctx, t, sqlInsertOrganisation, org.ID, org.Name, createdAt.UnixMilli())
		return nil, err
	case err != nil:
		return nil, err
	}
	prev.CreatedAt = fromMillis(created)
	if prev.Name != org.Name {
		if _, err := execStmt(ctx, t, sqlRenameOrganisation, org.Name, org.ID); err != nil {
			return nil, err
		}
	}
	return &prev, nil
}

// InsertChannel implements driver.Tx.
func (t *sqlTx) InsertChannel(ctx context.Context, ch driver.ChannelRecord) error {
	_, err := execStmt(ctx, t, sqlInsertChannel, ch.ID, ch.OrganisationID, ch.Name, ch.Description, ch.OwnerID,
		ch.Archived, ch.MessageCount, ch.CreatedAt.UnixMilli())
	return err
}

// UpdateChannel implements driver.Tx.
func (t *sqlTx) UpdateChannel(ctx context.Context, ch driver.ChannelRecord) error {
	if ch.CreatedAt.IsZero() { // keep the stored creation time
		_, err := execStmt(ctx, t, sqlUpdateChannel, ch.Name, ch.Description, ch.OwnerID, ch.Archived, ch.MessageCount, ch.ID)
		return err
	}
	_, err := execStmt(ctx, t, sqlUpdateChannelCreated, ch.Name, ch.Description, ch.OwnerID, ch.Archived, ch.MessageCount, ch.CreatedAt.UnixMilli(), ch.ID)
	return err
}

// SetMembers implements driver.Tx.
func (t *sqlTx) SetMembers(ctx context.Context, channelID uuid.UUID, users []uuid.UUID) error {
	if _, err := execStmt(ctx, t, sqlDeleteOtherMembers, channelID, idArray(users)); err != nil {
		return err
	}
	_, err := execStmt(ctx, t, sqlInsertMembers, channelID, idArray(users))
	return err
}

// AddMember implements driver.Tx.
func (t *sqlTx) AddMember(ctx context.Context, channelID, userID uuid.UUID) (bool, error) {
	return affected(execStmt(ctx, t, sqlAddMember, channelID, userID))
}

// RemoveMember implements driver.Tx.
func (t *sqlTx) RemoveMember(ctx context.Context, channelID, userID uuid.UUID) (bool, error) {
	return affected(execStmt(ctx, t, sqlRemoveMember, channelID, userID))
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
	_, err := execStmt(ctx, t, sqlMarkChannelDeleted, at.UnixMilli(), channelID)
	return err
}

// InsertGroup implements driver.Tx. The unique index on the name key of
// live groups is the last word on duplicates.
func (t *sqlTx) InsertGroup(ctx context.Context, g grouping.Group, nameKey string) error {
	_, err := execStmt(ctx, t, sqlInsertGroup,
		g.ID, g.OrganisationID, g.Name, nameKey, g.Description, g.Archived,
		g.Position, g.Version, g.CreatedAt.UnixMilli(), g.UpdatedAt.UnixMilli())
	return nameKeyError(err)
}

// UpdateGroup implements driver.Tx.
func (t *sqlTx) UpdateGroup(ctx context.Context, g grouping.Group, nameKey string) error {
	if nameKey == "" { // the key stays
		_, err := execStmt(ctx, t, sqlUpdateGroup, g.Name, g.Description, g.Archived, g.Version, g.UpdatedAt.UnixMilli(), g.ID)
		return err
	}
	_, err := execStmt(ctx, t, sqlRenameGroup,
		g.Name, nameKey, g.Description, g.Archived, g.Version, g.UpdatedAt.UnixMilli(), g.ID)
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
	_, err := execStmt(ctx, t, sqlMarkGroupDeleted, at.UnixMilli(), groupID)
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
		if _, err := stmt.ExecContext(ctx, i, id, i); err != nil {
			return err
		}
	}
	return nil
}

// PlaceChannel implements driver.Tx.
func (t *sqlTx) PlaceChannel(ctx context.Context, channelID, groupID uuid.UUID, pos int64) error {
	_, err := execStmt(ctx, t, sqlPlaceChannel, groupID, pos, channelID)
	return err
}

// UnplaceChannel implements driver.Tx.
func (t *sqlTx) UnplaceChannel(ctx context.Context, channelID uuid.UUID) error {
	_, err := execStmt(ctx, t, sqlUnplaceChannel, channelID)
	return err
}

// UngroupChannels implements driver.Tx.
func (t *sqlTx) UngroupChannels(ctx context.Context, groupID uuid.UUID) error {
	_, err := execStmt(ctx, t, sqlUngroupChannels, groupID)
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
		if _, err := stmt.ExecContext(ctx, i, id, groupID, i); err != nil {
			return err
		}
	}
	return nil
}

// InsertChannelGroup implements driver.Tx.
func (t *sqlTx) InsertChannelGroup(ctx context.Context, cg grouping.ChannelGroup) error {
	_, err := execStmt(ctx, t, sqlInsertChannelGroup, cg.ID, cg.WorkspaceID, cg.PlatformID, cg.PlatformGroupID,
		cg.PlatformGroupName, cg.CreatedAt.UnixMilli(), cg.UpdatedAt.UnixMilli())
	return err
}

// UpdateChannelGroup implements driver.Tx.
func (t *sqlTx) UpdateChannelGroup(ctx context.Context, id uuid.UUID, name string, updatedAt time.Time) error {
	_, err := execStmt(ctx, t, sqlRenameChannelGroup, name, updatedAt.UnixMilli(), id)
	return err
}

// TouchChannelGroup implements driver.Tx.
func (t *sqlTx) TouchChannelGroup(ctx context.Context, id uuid.UUID, updatedAt time.Time) error {
	_, err := execStmt(ctx, t, sqlTouchChannelGroup, updatedAt.UnixMilli(), id)
	return err
}

// LinkChannel implements driver.Tx.
func (t *sqlTx) LinkChannel(ctx context.Context, workspaceID, channelID, channelGroupID uuid.UUID, pos int64) error {
	_, err := execStmt(ctx, t, sqlLinkChannel, workspaceID, channelID, channelGroupID, pos)
	return err
}

// UnlinkChannel implements driver.Tx.
func (t *sqlTx) UnlinkChannel(ctx context.Context, workspaceID, channelID uuid.UUID) (uuid.UUID, error) {
	var from uuid.UUID
	err := queryRow(ctx, t, sqlUnlinkChannel, workspaceID, channelID).Scan(&from)
	if err == sql.ErrNoRows {
		return uuid.Nil, nil
	}
	return from, err
}

// DeleteChannelGroup implements driver.Tx. The links go with it: ON DELETE
// CASCADE.
func (t *sqlTx) DeleteChannelGroup(ctx context.Context, workspaceID, id uuid.UUID) (bool, error) {
	return affected(execStmt(ctx, t, sqlDeleteChannelGroup, id, workspaceID))
}
