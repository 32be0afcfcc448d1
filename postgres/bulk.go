package postgres

import (
	"context"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

var _ driver.BulkTx = (*pgTx)(nil)

// Placements implements driver.BulkTx: the group's facts and every
// channel's in one statement, sent with the organisation's lock, where the
// methods of Tx would take a round trip for each channel.
func (t *pgTx) Placements(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) (driver.BulkPlacement, error) {
	bp := driver.BulkPlacement{Channels: make(map[uuid.UUID]*driver.ChannelFacts, len(channelIDs))}
	var (
		groupFound                     bool
		groupName, channelGroupName    *string
		groupArchived, channelArchived *bool
		maxPos                         int64
		channel, channelGroup          *uuid.UUID
		facts                          = make([]driver.ChannelFacts, 0, len(channelIDs))
	)
	err := t.lockedQuery(ctx, sqlLockOrganisation, grouping.OrganisationOf(orgID), sqlBulkPlacement, []any{orgID, groupID, channelIDs}, func(rows pgx.Rows) error {
		if err := rows.Scan(&bp.OrganisationFound, &groupFound, &groupName, &groupArchived, &maxPos,
			&channel, &channelArchived, &channelGroup, &channelGroupName); err != nil {
			return err
		}
		if groupFound && bp.Group == nil {
			bp.Group = &driver.PlacementGroup{Name: *groupName, Archived: *groupArchived, MaxChannelPosition: maxPos}
		}
		if channel == nil {
			return nil // no channel found
		}
		if len(facts) == cap(facts) { // more rows than IDs: keep the facts already pointed to
			facts = make([]driver.ChannelFacts, 0, len(channelIDs))
		}
		facts = append(facts, driver.ChannelFacts{
			OrganisationID: orgID,
			Archived:       *channelArchived,
			GroupID:        orNil(channelGroup),
			GroupName:      orEmpty(channelGroupName),
		})
		bp.Channels[*channel] = &facts[len(facts)-1]
		return nil
	})
	if err != nil {
		return driver.BulkPlacement{}, err
	}
	return bp, nil
}

// PlaceChannels implements driver.BulkTx in one statement, sent with
// COMMIT.
func (t *pgTx) PlaceChannels(ctx context.Context, groupID uuid.UUID, channelIDs []uuid.UUID, firstPos int64) error {
	t.later(sqlPlaceChannels, groupID, channelIDs, firstPos)
	return nil
}

// UnplaceChannels implements driver.BulkTx in one statement, sent with
// COMMIT.
func (t *pgTx) UnplaceChannels(ctx context.Context, channelIDs []uuid.UUID) error {
	t.later(sqlUnplaceChannels, channelIDs)
	return nil
}
