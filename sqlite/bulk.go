package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"

	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

var (
	_ driver.BulkTx       = (*sqlTx)(nil)
	_ driver.BulkChangeTx = (*sqlTx)(nil)
)

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
	var (
		groups []uuid.UUID // the groups the channels are in, each once
		// The row's columns, and the facts of all the channels, are
		// allocated once for the call rather than once for each row.
		id       uuid.UUID
		archived bool
		group    uuid.NullUUID
		rowid    int64
		facts    = make([]driver.ChannelFacts, 0, len(channelIDs))
	)
	for rows.Next() {
		if err := rows.Scan(&id, &archived, &group, &rowid); err != nil {
			return driver.BulkPlacement{}, err
		}
		if t.rowids == nil {
			t.rowids = make(map[uuid.UUID]int64, len(channelIDs))
		}
		t.rowids[id] = rowid
		if len(facts) == cap(facts) { // more rows than IDs: not from this statement
			facts = make([]driver.ChannelFacts, 0, len(channelIDs))
		}
		facts = append(facts, driver.ChannelFacts{OrganisationID: orgID, Archived: archived, GroupID: group.UUID})
		bp.Channels[id] = &facts[len(facts)-1]
		if group.Valid && !slices.Contains(groups, group.UUID) {
			groups = append(groups, group.UUID)
		}
	}
	if err := rows.Err(); err != nil {
		return driver.BulkPlacement{}, err
	}
	rows.Close()
	if len(groups) == 0 {
		return bp, nil
	}
	// The channels' group names, in one more statement, only when some
	// channels are in groups.
	names := make(map[uuid.UUID]string, len(groups))
	nrows, err := query(ctx, t, sqlGroupNames, sql.Named("ids", idArray(groups)))
	if err != nil {
		return driver.BulkPlacement{}, err
	}
	defer nrows.Close()
	var name string
	for nrows.Next() {
		if err := nrows.Scan(&id, &name); err != nil {
			return driver.BulkPlacement{}, err
		}
		names[id] = name
	}
	for _, f := range bp.Channels {
		f.GroupName = names[f.GroupID]
	}
	return bp, nrows.Err()
}

// PlaceChannels implements driver.BulkTx in one statement, which finds the
// channels by the rowids Placements read when it read them all.
func (t *sqlTx) PlaceChannels(ctx context.Context, groupID uuid.UUID, channelIDs []uuid.UUID, firstPos int64) error {
	var err error
	if rows, ok := t.rowArray(channelIDs); ok {
		_, err = execStmt(ctx, t, sqlPlaceChannelRows, sql.Named("group", groupID), sql.Named("first", firstPos), sql.Named("rows", rows))
	} else {
		_, err = execStmt(ctx, t, sqlPlaceChannels, sql.Named("group", groupID), sql.Named("first", firstPos), sql.Named("ids", idArray(channelIDs)))
	}
	return err
}

// UnplaceChannels implements driver.BulkTx in one statement, by rowid as
// PlaceChannels.
func (t *sqlTx) UnplaceChannels(ctx context.Context, channelIDs []uuid.UUID) error {
	var err error
	if rows, ok := t.rowArray(channelIDs); ok {
		_, err = execStmt(ctx, t, sqlUnplaceChannelRows, rows)
	} else {
		_, err = execStmt(ctx, t, sqlUnplaceChannels, idArray(channelIDs))
	}
	return err
}

// rowArray returns the rowids of the channels, as Placements read them in
// this transaction, in a JSON array; ok is false when it did not read them
// all. A rowid stays the channel's for the whole transaction: the store
// never deletes a channel's row, nor changes its rowid.
func (t *sqlTx) rowArray(channelIDs []uuid.UUID) (string, bool) {
	b := make([]byte, 0, 2+len(channelIDs)*8)
	b = append(b, '[')
	for i, id := range channelIDs {
		rowid, ok := t.rowids[id]
		if !ok {
			return "", false
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, rowid, 10)
	}
	return string(append(b, ']')), true
}

// AssignUngrouped implements driver.BulkChangeTx in one statement.
func (t *sqlTx) AssignUngrouped(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) (int64, bool, error) {
	rows, err := query(ctx, t, sqlAssignUngrouped, sql.Named("group", groupID), sql.Named("org", orgID),
		sql.Named("ids", idArray(channelIDs)), sql.Named("n", len(channelIDs)))
	if err != nil {
		return 0, false, err
	}
	defer rows.Close()
	var (
		first, pos int64
		n          int
	)
	for rows.Next() {
		if err := rows.Scan(&pos); err != nil {
			return 0, false, err
		}
		if n == 0 || pos < first {
			first = pos
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, false, err
	}
	if n != 0 && n != len(channelIDs) {
		return 0, false, fmt.Errorf("sqlite: assigned %d of %d channels", n, len(channelIDs))
	}
	return first, n != 0, nil
}

// RemoveGrouped implements driver.BulkChangeTx in one statement.
func (t *sqlTx) RemoveGrouped(ctx context.Context, orgID, groupID uuid.UUID, channelIDs []uuid.UUID) (bool, error) {
	n, err := affectedRows(execStmt(ctx, t, sqlRemoveGrouped, sql.Named("group", groupID), sql.Named("org", orgID),
		sql.Named("ids", idArray(channelIDs)), sql.Named("n", len(channelIDs))))
	switch {
	case err != nil:
		return false, err
	case n != 0 && n != int64(len(channelIDs)):
		return false, fmt.Errorf("sqlite: removed %d of %d channels", n, len(channelIDs))
	}
	return n != 0, nil
}
