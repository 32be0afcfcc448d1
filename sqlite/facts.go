package sqlite

import (
	"context"
	"database/sql"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// Each fact is read with one statement (see statements.go).

// ChannelState implements driver.Tx.
func (t *sqlTx) ChannelState(ctx context.Context, orgID, channelID uuid.UUID) (driver.ChannelState, error) {
	var (
		st    driver.ChannelState
		found bool
		f     driver.ChannelFacts
	)
	err := queryRow(ctx, t, sqlChannelState, t.id(orgID), t.id(channelID)).
		Scan(&st.OrganisationFound, &found, &f.OrganisationID, &f.Deleted, &f.Archived, &f.GroupID, &f.GroupName)
	if err != nil || !found {
		return st, err
	}
	st.Channel = &f
	return st, nil
}

// GroupState implements driver.Tx.
func (t *sqlTx) GroupState(ctx context.Context, orgID, groupID uuid.UUID, nameKey string) (driver.GroupState, error) {
	var (
		st     driver.GroupState
		found  bool
		g      nullGroup
		holder uuid.NullUUID
	)
	dest := append([]any{&st.OrganisationFound, &found}, g.dest()...)
	err := queryRow(ctx, t, sqlGroupState, t.id(orgID), t.id(groupID), nameKey).
		Scan(append(dest, &holder, &st.MaxPosition)...)
	if err != nil {
		return driver.GroupState{}, err
	}
	if found {
		st.Group = g.group()
	}
	st.NameHolder = holder.UUID
	return st, nil
}

// nullGroup receives the groupColumns of a group that may be missing.
type nullGroup struct {
	id, org                                  uuid.NullUUID
	name, description                        sql.NullString
	archived                                 sql.NullBool
	position, version, created, updated, del sql.NullInt64
}

func (g *nullGroup) dest() []any {
	return []any{&g.id, &g.org, &g.name, &g.description, &g.archived,
		&g.position, &g.version, &g.created, &g.updated, &g.del}
}

func (g *nullGroup) group() *grouping.Group {
	return &grouping.Group{
		ID:             g.id.UUID,
		OrganisationID: g.org.UUID,
		Name:           g.name.String,
		Description:    g.description.String,
		Archived:       g.archived.Bool,
		Position:       int(g.position.Int64),
		Version:        g.version.Int64,
		CreatedAt:      fromMillis(g.created.Int64),
		UpdatedAt:      fromMillis(g.updated.Int64),
		DeletedAt:      fromNullMillis(g.del),
	}
}

// Placement implements driver.Tx.
func (t *sqlTx) Placement(ctx context.Context, orgID, groupID, channelID uuid.UUID) (driver.Placement, error) {
	var (
		p                        driver.Placement
		groupFound, channelFound bool
		g                        driver.PlacementGroup
		c                        = driver.ChannelFacts{OrganisationID: orgID}
	)
	err := queryRow(ctx, t, sqlPlacement, t.id(orgID), t.id(groupID), t.id(channelID)).
		Scan(&p.OrganisationFound, &groupFound, &g.Name, &g.Archived, &g.MaxChannelPosition,
			&channelFound, &c.Archived, &c.GroupID, &c.GroupName)
	if err != nil {
		return driver.Placement{}, err
	}
	if groupFound {
		p.Group = &g
	}
	if channelFound {
		p.Channel = &c
	}
	return p, nil
}

// GroupIDs implements driver.Tx.
func (t *sqlTx) GroupIDs(ctx context.Context, orgID uuid.UUID) (bool, []uuid.UUID, error) {
	rows, err := query(ctx, t, sqlGroupIDs, t.id(orgID))
	if err != nil {
		return false, nil, err
	}
	defer rows.Close()
	var (
		found bool
		ids   []uuid.UUID
	)
	for rows.Next() {
		var id uuid.NullUUID
		if err := rows.Scan(&id); err != nil {
			return false, nil, err
		}
		found = true
		if id.Valid {
			ids = append(ids, id.UUID)
		}
	}
	return found, ids, rows.Err()
}

// GroupChannelIDs implements driver.Tx.
func (t *sqlTx) GroupChannelIDs(ctx context.Context, orgID, groupID uuid.UUID) (driver.GroupChannels, error) {
	rows, err := query(ctx, t, sqlGroupChannelIDs, t.id(groupID), t.id(orgID))
	if err != nil {
		return driver.GroupChannels{}, err
	}
	defer rows.Close()
	var gc driver.GroupChannels
	for rows.Next() {
		var id uuid.NullUUID
		if err := rows.Scan(&gc.GroupFound, &id); err != nil {
			return driver.GroupChannels{}, err
		}
		gc.OrganisationFound = true
		if id.Valid {
			gc.ChannelIDs = append(gc.ChannelIDs, id.UUID)
		}
	}
	return gc, rows.Err()
}

// Attachment implements driver.Tx.
func (t *sqlTx) Attachment(ctx context.Context, workspaceID, channelID uuid.UUID, platformID, platformGroupID string) (driver.Attachment, error) {
	var (
		at                      driver.Attachment
		found                   bool
		id, ws, current         uuid.NullUUID
		platform, account, name sql.NullString
		created, updated        sql.NullInt64
		channels                sql.NullString
	)
	err := queryRow(ctx, t, sqlAttachment, t.id(workspaceID), t.id(channelID), platformID, platformGroupID).
		Scan(&found, &id, &ws, &platform, &account, &name, &created, &updated, &channels, &at.MaxPosition, &current)
	if err != nil {
		return driver.Attachment{}, err
	}
	if found {
		ids, err := splitIDs(channels.String)
		if err != nil {
			return driver.Attachment{}, err
		}
		at.Account = &grouping.ChannelGroup{
			ID:                id.UUID,
			WorkspaceID:       ws.UUID,
			PlatformID:        platform.String,
			PlatformGroupID:   account.String,
			PlatformGroupName: name.String,
			ChannelIDs:        ids,
			CreatedAt:         fromMillis(created.Int64),
			UpdatedAt:         fromMillis(updated.Int64),
		}
	}
	at.Current = current.UUID
	return at, nil
}
