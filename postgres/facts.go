package postgres

import (
	"context"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Each fact is read with one statement (see statements.go), in the same
// round trip as the lock of the transaction's tenant.

// ChannelState implements driver.Tx.
func (t *pgTx) ChannelState(ctx context.Context, orgID, channelID uuid.UUID) (driver.ChannelState, error) {
	var (
		st                driver.ChannelState
		org, group        *uuid.UUID
		deleted, archived *bool
		groupName         *string
	)
	err := t.lockedQuery(ctx, sqlLockOrganisation, grouping.OrganisationOf(orgID), sqlChannelState, []any{orgID, channelID}, func(rows pgx.Rows) error {
		return rows.Scan(&st.OrganisationFound, &org, &deleted, &archived, &group, &groupName)
	})
	if err != nil || org == nil {
		return st, err
	}
	st.Channel = &driver.ChannelFacts{
		OrganisationID: *org,
		Deleted:        *deleted,
		Archived:       *archived,
		GroupID:        orNil(group),
		GroupName:      orEmpty(groupName),
	}
	return st, nil
}

// GroupState implements driver.Tx.
func (t *pgTx) GroupState(ctx context.Context, orgID, groupID uuid.UUID, nameKey string) (driver.GroupState, error) {
	var (
		st     driver.GroupState
		found  bool
		g      nullGroup
		holder *uuid.UUID
	)
	err := t.lockedQuery(ctx, sqlLockOrganisation, grouping.OrganisationOf(orgID), sqlGroupState, []any{orgID, groupID, nameKey}, func(rows pgx.Rows) error {
		dest := append([]any{&st.OrganisationFound, &found}, g.dest()...)
		return rows.Scan(append(dest, &holder, &st.MaxPosition)...)
	})
	if err != nil {
		return driver.GroupState{}, err
	}
	if found {
		st.Group = g.group()
	}
	st.NameHolder = orNil(holder)
	t.names = nameFact{org: orgID, key: nameKey, holder: st.NameHolder, known: true}
	return st, nil
}

// nullGroup receives the groupColumns of a group that may be missing.
type nullGroup struct {
	id, org                    *uuid.UUID
	name, description          *string
	archived                   *bool
	position, version          *int64
	created, updated, deleted_ *time.Time
}

func (g *nullGroup) dest() []any {
	return []any{&g.id, &g.org, &g.name, &g.description, &g.archived,
		&g.position, &g.version, &g.created, &g.updated, &g.deleted_}
}

// group returns the group that was found.
func (g *nullGroup) group() *grouping.Group {
	return &grouping.Group{
		ID:             *g.id,
		OrganisationID: *g.org,
		Name:           *g.name,
		Description:    *g.description,
		Archived:       *g.archived,
		Position:       int(*g.position),
		Version:        *g.version,
		CreatedAt:      fromDB(*g.created),
		UpdatedAt:      fromDB(*g.updated),
		DeletedAt:      fromNullDB(g.deleted_),
	}
}

// Placement implements driver.Tx.
func (t *pgTx) Placement(ctx context.Context, orgID, groupID, channelID uuid.UUID) (driver.Placement, error) {
	var (
		p                              driver.Placement
		groupFound, channelFound       bool
		groupName, channelGroupName    *string
		groupArchived, channelArchived *bool
		maxPos                         int64
		channelGroup                   *uuid.UUID
	)
	err := t.lockedQuery(ctx, sqlLockOrganisation, grouping.OrganisationOf(orgID), sqlPlacement, []any{orgID, groupID, channelID}, func(rows pgx.Rows) error {
		return rows.Scan(&p.OrganisationFound, &groupFound, &groupName, &groupArchived, &maxPos,
			&channelFound, &channelArchived, &channelGroup, &channelGroupName)
	})
	if err != nil {
		return driver.Placement{}, err
	}
	if groupFound {
		p.Group = &driver.PlacementGroup{Name: *groupName, Archived: *groupArchived, MaxChannelPosition: maxPos}
	}
	if channelFound {
		p.Channel = &driver.ChannelFacts{
			OrganisationID: orgID,
			Archived:       *channelArchived,
			GroupID:        orNil(channelGroup),
			GroupName:      orEmpty(channelGroupName),
		}
	}
	return p, nil
}

// GroupIDs implements driver.Tx.
func (t *pgTx) GroupIDs(ctx context.Context, orgID uuid.UUID) (bool, []uuid.UUID, error) {
	var (
		found bool
		ids   []uuid.UUID
	)
	err := t.lockedQuery(ctx, sqlLockOrganisation, grouping.OrganisationOf(orgID), sqlGroupIDs, []any{orgID}, func(rows pgx.Rows) error {
		var id *uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return err
		}
		found = true
		if id != nil {
			ids = append(ids, *id)
		}
		return nil
	})
	if err != nil {
		return false, nil, err
	}
	return found, ids, nil
}

// GroupChannelIDs implements driver.Tx.
func (t *pgTx) GroupChannelIDs(ctx context.Context, orgID, groupID uuid.UUID) (driver.GroupChannels, error) {
	var gc driver.GroupChannels
	err := t.lockedQuery(ctx, sqlLockOrganisation, grouping.OrganisationOf(orgID), sqlGroupChannelIDs, []any{orgID, groupID}, func(rows pgx.Rows) error {
		var id *uuid.UUID
		if err := rows.Scan(&gc.OrganisationFound, &gc.GroupFound, &id); err != nil {
			return err
		}
		if id != nil {
			gc.ChannelIDs = append(gc.ChannelIDs, *id)
		}
		return nil
	})
	if err != nil {
		return driver.GroupChannels{}, err
	}
	return gc, nil
}

// Attachment implements driver.Tx. It makes the workspace's lock row on
// the first attach.
func (t *pgTx) Attachment(ctx context.Context, workspaceID, channelID uuid.UUID, platformID, platformGroupID string) (driver.Attachment, error) {
	var (
		at                      driver.Attachment
		found                   bool
		id, ws, current         *uuid.UUID
		platform, account, name *string
		created, updated        *time.Time
		channels                []uuid.UUID
	)
	err := t.lockedQuery(ctx, sqlLockNewWorkspace, grouping.WorkspaceOf(workspaceID), sqlAttachment, []any{workspaceID, channelID, platformID, platformGroupID}, func(rows pgx.Rows) error {
		return rows.Scan(&found, &id, &ws, &platform, &account, &name, &created, &updated, &channels, &at.MaxPosition, &current)
	})
	if err != nil {
		return driver.Attachment{}, err
	}
	if found {
		if channels == nil {
			channels = []uuid.UUID{}
		}
		at.Account = &grouping.ChannelGroup{
			ID:                *id,
			WorkspaceID:       *ws,
			PlatformID:        *platform,
			PlatformGroupID:   *account,
			PlatformGroupName: *name,
			ChannelIDs:        channels,
			CreatedAt:         fromDB(*created),
			UpdatedAt:         fromDB(*updated),
		}
	}
	at.Current = orNil(current)
	t.link = linkFact{workspace: workspaceID, channel: channelID, group: at.Current, known: true}
	return at, nil
}

// The point reads of a transaction lock their tenant first, as the fact
// reads do: the engine may decide on what they return (UpsertChannel reads
// the channel it updates), so no other write of the tenant may commit
// between them and the transaction's commit.

// Channel implements driver.Reader in a transaction.
func (t *pgTx) Channel(ctx context.Context, orgID, channelID uuid.UUID) (*grouping.Channel, error) {
	var ch *grouping.Channel
	err := t.lockedQuery(ctx, sqlLockOrganisation, grouping.OrganisationOf(orgID), sqlFindChannel, []any{orgID, channelID}, func(rows pgx.Rows) error {
		var users []uuid.UUID
		c, _, err := scanChannel(rows, &users)
		if err != nil {
			return err
		}
		c.Users = users
		if c.Users == nil {
			c.Users = []uuid.UUID{}
		}
		ch = &c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ch, nil
}

// Group implements driver.Reader in a transaction.
func (t *pgTx) Group(ctx context.Context, orgID, groupID uuid.UUID, withChannels bool) (*grouping.Group, error) {
	var g *grouping.Group
	err := t.lockedQuery(ctx, sqlLockOrganisation, grouping.OrganisationOf(orgID), sqlFindGroup, []any{orgID, groupID}, func(rows pgx.Rows) error {
		got, err := scanGroup(rows)
		g = &got
		return err
	})
	if err != nil || g == nil || !withChannels {
		return g, err
	}
	return g, t.fillGroupChannels(ctx, t.tx, []*grouping.Group{g})
}

// ChannelGroup implements driver.Reader in a transaction.
func (t *pgTx) ChannelGroup(ctx context.Context, workspaceID, id uuid.UUID) (*grouping.ChannelGroup, error) {
	var cg *grouping.ChannelGroup
	err := t.lockedQuery(ctx, sqlLockWorkspace, grouping.WorkspaceOf(workspaceID), sqlFindChannelGroup, []any{workspaceID, id}, func(rows pgx.Rows) error {
		got, err := scanChannelGroup(rows)
		cg = &got
		return err
	})
	if err != nil {
		return nil, err
	}
	return cg, nil
}

// orNil returns *id, or uuid.Nil for a NULL.
func orNil(id *uuid.UUID) uuid.UUID {
	if id == nil {
		return uuid.Nil
	}
	return *id
}

// orEmpty returns *s, or "" for a NULL.
func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
