package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The writes run after the fact read that locked the tenant, except those
// that can come first in a transaction (UpsertOrganisation, UnlinkChannel,
// DeleteChannelGroup), which lock it themselves.

// UpsertOrganisation implements driver.Tx, in one round trip: the insert
// of a new organisation, then the rename of an existing one, which locks its
// row and reads what it was (see sqlInsertOrganisation), then the read of
// its event counter. When the insert made the row, the rename finds the
// transaction's own row, and its result is not needed.
func (t *pgTx) UpsertOrganisation(ctx context.Context, org grouping.Organisation, createdAt time.Time) (prev *grouping.Organisation, err error) {
	tn := grouping.OrganisationOf(org.ID)
	b := &pgx.Batch{}
	b.Queue(t.d.sql[sqlInsertOrganisation.index], org.ID, org.Name, createdAt)
	b.Queue(t.d.sql[sqlRenameOrganisation.index], org.ID, org.Name)
	b.Queue(t.d.sql[sqlEventCounter.index], int16(tn.Kind), tn.ID)
	br := t.tx.SendBatch(ctx, b)
	defer func() { err = errors.Join(err, br.Close()) }()
	var created time.Time
	inserted := true
	if err := br.QueryRow().Scan(&created); errors.Is(err, pgx.ErrNoRows) {
		inserted = false
	} else if err != nil {
		return nil, err
	}
	old := grouping.Organisation{ID: org.ID}
	if err := br.QueryRow().Scan(&old.Name, &old.CreatedAt); err != nil {
		return nil, err
	}
	if !slices.Contains(t.locked, tn) {
		if err := t.readCounter(br, tn, true); err != nil {
			return nil, err
		}
	}
	if inserted {
		return nil, nil
	}
	old.CreatedAt = fromDB(old.CreatedAt)
	return &old, nil
}

// InsertChannel implements driver.Tx. The organisation's lock does not
// cover a channel ID that another organisation's transaction inserts at
// the same moment; the primary key catches it, and the retry reads that
// channel.
func (t *pgTx) InsertChannel(ctx context.Context, ch driver.ChannelRecord) error {
	_, err := t.exec(ctx, sqlInsertChannel, ch.ID, ch.OrganisationID, ch.Name, ch.Description, ch.OwnerID,
		ch.Archived, ch.MessageCount, ch.CreatedAt)
	if constraint(err) == "channels_pkey" {
		return fmt.Errorf("%w: %w", driver.ErrRetry, err)
	}
	return err
}

// UpdateChannel implements driver.Tx.
func (t *pgTx) UpdateChannel(ctx context.Context, ch driver.ChannelRecord) error {
	var created *time.Time // NULL keeps the stored creation time
	if !ch.CreatedAt.IsZero() {
		created = &ch.CreatedAt
	}
	_, err := t.exec(ctx, sqlUpdateChannel, ch.ID, ch.Name, ch.Description, ch.OwnerID, ch.Archived, ch.MessageCount, created)
	return err
}

// SetMembers implements driver.Tx, in one round trip.
func (t *pgTx) SetMembers(ctx context.Context, channelID uuid.UUID, users []uuid.UUID) error {
	if users == nil {
		users = []uuid.UUID{}
	}
	b := &pgx.Batch{}
	b.Queue(t.d.sql[sqlDeleteOtherMembers.index], channelID, users)
	b.Queue(t.d.sql[sqlInsertMembers.index], channelID, users)
	return t.tx.SendBatch(ctx, b).Close()
}

// AddMember implements driver.Tx.
func (t *pgTx) AddMember(ctx context.Context, channelID, userID uuid.UUID) (bool, error) {
	return affected(t.exec(ctx, sqlAddMember, channelID, userID))
}

// RemoveMember implements driver.Tx.
func (t *pgTx) RemoveMember(ctx context.Context, channelID, userID uuid.UUID) (bool, error) {
	return affected(t.exec(ctx, sqlRemoveMember, channelID, userID))
}

// affected reports whether a statement changed a row.
func affected(tag pgconn.CommandTag, err error) (bool, error) {
	return err == nil && tag.RowsAffected() > 0, err
}

// MarkChannelDeleted implements driver.Tx.
func (t *pgTx) MarkChannelDeleted(ctx context.Context, channelID uuid.UUID, at time.Time) error {
	_, err := t.exec(ctx, sqlMarkChannelDeleted, channelID, at)
	return err
}

// InsertGroup implements driver.Tx. The unique index on the name key of
// live groups is the last word on duplicates.
func (t *pgTx) InsertGroup(ctx context.Context, g grouping.Group, nameKey string) error {
	_, err := t.exec(ctx, sqlInsertGroup,
		g.ID, g.OrganisationID, g.Name, nameKey, g.Description, g.Archived,
		g.Position, g.Version, g.CreatedAt, g.UpdatedAt)
	return nameKeyError(err)
}

// UpdateGroup implements driver.Tx.
func (t *pgTx) UpdateGroup(ctx context.Context, g grouping.Group, nameKey string) error {
	_, err := t.exec(ctx, sqlUpdateGroup,
		g.ID, g.Name, nameKey, g.Description, g.Archived, g.Version, g.UpdatedAt)
	return nameKeyError(err)
}

// nameKeyError reports a violation of the unique name key index as
// driver.ErrNameTaken.
func nameKeyError(err error) error {
	if constraint(err) == "groups_name_key" {
		return fmt.Errorf("%w: %w", driver.ErrNameTaken, err)
	}
	return err
}

// constraint returns the name of the unique constraint or index that err
// reports violated, or "".
func constraint(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == pgUniqueViolation {
		return pe.ConstraintName
	}
	return ""
}

// MarkGroupDeleted implements driver.Tx.
func (t *pgTx) MarkGroupDeleted(ctx context.Context, groupID uuid.UUID, at time.Time) error {
	_, err := t.exec(ctx, sqlMarkGroupDeleted, groupID, at)
	return err
}

// SetGroupPositions implements driver.Tx, in one statement. Groups already
// in place are not written.
func (t *pgTx) SetGroupPositions(ctx context.Context, groupIDs []uuid.UUID) error {
	_, err := t.exec(ctx, sqlSetGroupPositions, groupIDs)
	return err
}

// PlaceChannel implements driver.Tx.
func (t *pgTx) PlaceChannel(ctx context.Context, channelID, groupID uuid.UUID, pos int64) error {
	_, err := t.exec(ctx, sqlPlaceChannel, channelID, groupID, pos)
	return err
}

// UnplaceChannel implements driver.Tx.
func (t *pgTx) UnplaceChannel(ctx context.Context, channelID uuid.UUID) error {
	_, err := t.exec(ctx, sqlUnplaceChannel, channelID)
	return err
}

// UngroupChannels implements driver.Tx.
func (t *pgTx) UngroupChannels(ctx context.Context, groupID uuid.UUID) error {
	_, err := t.exec(ctx, sqlUngroupChannels, groupID)
	return err
}

// SetChannelPositions implements driver.Tx, in one statement. Channels
// already in place are not written.
func (t *pgTx) SetChannelPositions(ctx context.Context, groupID uuid.UUID, channelIDs []uuid.UUID) error {
	_, err := t.exec(ctx, sqlSetChannelPositions, groupID, channelIDs)
	return err
}

// InsertChannelGroup implements driver.Tx.
func (t *pgTx) InsertChannelGroup(ctx context.Context, cg grouping.ChannelGroup) error {
	// The engine has locked the workspace with its Attachment read, which
	// also makes the workspace's row; a caller that did not gets both here.
	if tn := grouping.WorkspaceOf(cg.WorkspaceID); !slices.Contains(t.locked, tn) {
		if _, err := t.exec(ctx, sqlLockNewWorkspace, cg.WorkspaceID); err != nil {
			return err
		}
		t.locked = append(t.locked, tn)
	}
	_, err := t.exec(ctx, sqlInsertChannelGroup, cg.ID, cg.WorkspaceID, cg.PlatformID, cg.PlatformGroupID,
		cg.PlatformGroupName, cg.CreatedAt, cg.UpdatedAt)
	return err
}

// UpdateChannelGroup implements driver.Tx.
func (t *pgTx) UpdateChannelGroup(ctx context.Context, id uuid.UUID, name string, updatedAt time.Time) error {
	_, err := t.exec(ctx, sqlRenameChannelGroup, id, name, updatedAt)
	return err
}

// TouchChannelGroup implements driver.Tx.
func (t *pgTx) TouchChannelGroup(ctx context.Context, id uuid.UUID, updatedAt time.Time) error {
	_, err := t.exec(ctx, sqlTouchChannelGroup, id, updatedAt)
	return err
}

// LinkChannel implements driver.Tx.
func (t *pgTx) LinkChannel(ctx context.Context, workspaceID, channelID, channelGroupID uuid.UUID, pos int64) error {
	_, err := t.exec(ctx, sqlLinkChannel, workspaceID, channelID, channelGroupID, pos)
	return err
}

// UnlinkChannel implements driver.Tx; it locks the workspace first.
func (t *pgTx) UnlinkChannel(ctx context.Context, workspaceID, channelID uuid.UUID) (uuid.UUID, error) {
	var from uuid.UUID
	err := t.lockedQuery(ctx, sqlLockWorkspace, grouping.WorkspaceOf(workspaceID), sqlUnlinkChannel, []any{workspaceID, channelID}, func(rows pgx.Rows) error {
		return rows.Scan(&from)
	})
	return from, err
}

// DeleteChannelGroup implements driver.Tx; it locks the workspace first.
// The links go with it: ON DELETE CASCADE.
func (t *pgTx) DeleteChannelGroup(ctx context.Context, workspaceID, id uuid.UUID) (bool, error) {
	var deleted bool
	err := t.lockedQuery(ctx, sqlLockWorkspace, grouping.WorkspaceOf(workspaceID), sqlDeleteChannelGroup, []any{workspaceID, id}, func(rows pgx.Rows) error {
		deleted = true
		return nil
	})
	return deleted, err
}
