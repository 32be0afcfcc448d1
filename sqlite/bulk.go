package sqlite

import (
	"context"
	"database/sql"

	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

var _ driver.BulkTx = (*sqlTx)(nil)

// Placements implements driver.BulkTx with two statements: the group's
// facts, then the channels'.
func (t *sqlTx) Placements(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) (driver.BulkPlacement, error) {
	p, err := t.Placement(ctx, orgID, groupID, uuid.Nil)
	if err != nil {
		return driver.BulkPlacement{}, err
	}
	bp := driver.BulkPlacement{OrganisationFound: p.OrganisationFound, Group: p.Group, Channels: make(map[uuid.UUID]*driver.ChannelFacts, len(channelIDs))}
	rows, err := query(ctx, t, sqlBulkChannels, sql.Named("ids", idArray(channelIDs)), sql.Named("org", orgID))
	if err != nil {
		return driver.BulkPlacement{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id        uuid.UUID
			archived  bool
			group     uuid.NullUUID
			groupName sql.NullString
		)
		if err := rows.Scan(&id, &archived, &group, &groupName); err != nil {
			return driver.BulkPlacement{}, err
		}
		bp.Channels[id] = &driver.ChannelFacts{OrganisationID: orgID, Archived: archived, GroupID: group.UUID, GroupName: groupName.String}
	}
	return bp, rows.Err()
}

// PlaceChannels implements driver.BulkTx in one statement.
func (t *sqlTx) PlaceChannels(ctx context.Context, groupID uuid.UUID, channelIDs []uuid.UUID, firstPos int64) error {
	_, err := execStmt(ctx, t, sqlPlaceChannels, sql.Named("group", groupID), sql.Named("first", firstPos), sql.Named("ids", idArray(channelIDs)))
	return err
}

// UnplaceChannels implements driver.BulkTx in one statement.
func (t *sqlTx) UnplaceChannels(ctx context.Context, channelIDs []uuid.UUID) error {
	_, err := execStmt(ctx, t, sqlUnplaceChannels, idArray(channelIDs))
	return err
}
