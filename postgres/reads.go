package postgres

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// reads implements driver.Reader on a querier: the pool, each call on its
// own, or a transaction. snapshot runs several queries on one snapshot.
type reads struct {
	d        *pgDriver
	q        querier
	snapshot func(ctx context.Context, fn func(querier) error) error
}

// OrganisationExists implements driver.Reader.
func (r reads) OrganisationExists(ctx context.Context, orgID uuid.UUID) (bool, error) {
	var ok bool
	err := r.q.QueryRow(ctx, r.d.sql[sqlOrganisationExists.index], orgID).Scan(&ok)
	return ok, err
}

// Channel implements driver.Reader, in one statement.
func (r reads) Channel(ctx context.Context, orgID, channelID uuid.UUID) (*grouping.Channel, error) {
	var users []uuid.UUID
	ch, _, err := scanChannel(r.q.QueryRow(ctx, r.d.sql[sqlFindChannel.index], orgID, channelID), &users)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, err
	}
	ch.Users = users
	if ch.Users == nil {
		ch.Users = []uuid.UUID{}
	}
	return &ch, nil
}

// Group implements driver.Reader: one statement, or two on one snapshot
// with the channels.
func (r reads) Group(ctx context.Context, orgID, groupID uuid.UUID, withChannels bool) (*grouping.Group, error) {
	var g *grouping.Group
	find := func(q querier) error {
		got, err := scanGroup(q.QueryRow(ctx, r.d.sql[sqlFindGroup.index], orgID, groupID))
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return nil
		case err != nil:
			return err
		}
		g = &got
		if !withChannels {
			return nil
		}
		return r.fillGroupChannels(ctx, q, []*grouping.Group{g})
	}
	if !withChannels {
		return g, find(r.q)
	}
	return g, r.snapshot(ctx, find)
}

// ChannelGroup implements driver.Reader, in one statement.
func (r reads) ChannelGroup(ctx context.Context, workspaceID, id uuid.UUID) (*grouping.ChannelGroup, error) {
	cg, err := scanChannelGroup(r.q.QueryRow(ctx, r.d.sql[sqlFindChannelGroup.index], workspaceID, id))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &cg, nil
}

// ListGroups implements driver.Reader: one statement, or two on one
// snapshot with the channels.
func (r reads) ListGroups(ctx context.Context, q driver.GroupsQuery) (driver.List[grouping.Group], error) {
	var l driver.List[grouping.Group]
	list := func(qr querier) error {
		var err error
		st, args := sqlListGroups, []any{q.OrganisationID}
		if q.Archived != nil {
			st, args = sqlListGroupsArchived, append(args, *q.Archived)
		}
		l, err = readList(ctx, qr, r.d.sql[st.index], q.Page, posTimeID, func(sc pgx.Row) (grouping.Group, driver.Key, error) {
			g, err := scanGroup(sc)
			return g, driver.GroupKey(&g), err
		}, args...)
		if err != nil || !q.WithChannels {
			return err
		}
		groups := make([]*grouping.Group, len(l.Items))
		for i := range l.Items {
			groups[i] = &l.Items[i]
		}
		return r.fillGroupChannels(ctx, qr, groups)
	}
	if !q.WithChannels {
		return l, list(r.q)
	}
	return l, r.snapshot(ctx, list)
}

// fillGroupChannels sets the Channels of every group to its live,
// unarchived channels in group order, with one query for all of them.
func (r reads) fillGroupChannels(ctx context.Context, q querier, groups []*grouping.Group) error {
	if len(groups) == 0 {
		return nil
	}
	index := make(map[uuid.UUID]*grouping.Group, len(groups))
	ids := make([]uuid.UUID, len(groups))
	for i, g := range groups {
		g.Channels = []grouping.Channel{}
		index[g.ID] = g
		ids[i] = g.ID
	}
	rows, err := q.Query(ctx, r.d.sql[sqlGroupsChannels.index], ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		ch, _, err := scanChannel(rows)
		if err != nil {
			return err
		}
		g := index[*ch.GroupID]
		g.Channels = append(g.Channels, ch)
	}
	return rows.Err()
}

// ListGroupChannels implements driver.Reader.
func (r reads) ListGroupChannels(ctx context.Context, q driver.ChannelsQuery) (driver.List[grouping.Channel], error) {
	return readList(ctx, r.q, r.d.sql[sqlListGroupChannels.index], q.Page, posID, func(sc pgx.Row) (grouping.Channel, driver.Key, error) {
		ch, pos, err := scanChannel(sc)
		return ch, driver.GroupChannelKey(pos, ch.ID), err
	}, q.OrganisationID, q.GroupID, q.IncludeArchived)
}

// ListUngroupedChannels implements driver.Reader.
func (r reads) ListUngroupedChannels(ctx context.Context, q driver.ChannelsQuery) (driver.List[grouping.Channel], error) {
	return readList(ctx, r.q, r.d.sql[sqlListUngroupedChannels.index], q.Page, timeID, scanChannelByCreation,
		q.OrganisationID, q.IncludeArchived)
}

// ListDiscoverableChannels implements driver.Reader.
func (r reads) ListDiscoverableChannels(ctx context.Context, q driver.ChannelsQuery) (driver.List[grouping.Channel], error) {
	return readList(ctx, r.q, r.d.sql[sqlListDiscoverableChannels.index], q.Page, timeID, scanChannelByCreation,
		q.OrganisationID, q.IncludeArchived, q.UserID)
}

func scanChannelByCreation(sc pgx.Row) (grouping.Channel, driver.Key, error) {
	ch, _, err := scanChannel(sc)
	return ch, driver.CreationKey(ch.CreatedAt, ch.ID), err
}

// ListChannelGroups implements driver.Reader, in one statement.
func (r reads) ListChannelGroups(ctx context.Context, q driver.ChannelGroupsQuery) (driver.List[grouping.ChannelGroup], error) {
	st, args := sqlListChannelGroups, []any{q.WorkspaceID}
	if q.PlatformID != "" {
		st, args = sqlListPlatformChannelGroups, append(args, q.PlatformID)
	}
	return readList(ctx, r.q, r.d.sql[st.index], q.Page, timeID, func(sc pgx.Row) (grouping.ChannelGroup, driver.Key, error) {
		cg, err := scanChannelGroup(sc)
		return cg, driver.CreationKey(cg.CreatedAt, cg.ID), err
	}, args...)
}

// keyColumns names the columns of a list's key, in the order its statement
// takes them after its own arguments.
type keyColumns int

const (
	posTimeID keyColumns = iota // ListGroups
	posID                       // ListGroupChannels
	timeID                      // the lists in creation order
)

// readList runs a list statement for page p: it reads up to p.Limit+1 rows
// and keeps p.Limit, noting whether more follow. args are the statement's
// own arguments; the page's start, in the columns cols, and limit follow
// them.
func readList[T any](ctx context.Context, q querier, sql string, p driver.Page, cols keyColumns, scan func(pgx.Row) (T, driver.Key, error), args ...any) (driver.List[T], error) {
	rows, err := q.Query(ctx, sql, append(args, pageArgs(p, cols)...)...)
	if err != nil {
		return driver.List[T]{}, err
	}
	defer rows.Close()
	l := driver.List[T]{Items: make([]T, 0, min(p.Limit, 64))}
	for rows.Next() {
		if len(l.Items) == p.Limit {
			l.More = true
			break
		}
		v, k, err := scan(rows)
		if err != nil {
			return driver.List[T]{}, err
		}
		l.Items, l.Last = append(l.Items, v), k
	}
	return l, rows.Err()
}

// pageArgs returns the start of page p in the columns cols, then the row
// limit. The first page starts after a key below every row: positions are
// at least math.MinInt64, times after -infinity, and every ID sorts after
// or with the nil UUID.
func pageArgs(p driver.Page, cols keyColumns) []any {
	pos, at, id := int64(math.MinInt64), pgtype.Timestamptz{InfinityModifier: pgtype.NegativeInfinity, Valid: true}, uuid.Nil
	if p.After != nil {
		pos, id = p.After.Pos, p.After.ID
		at = pgtype.Timestamptz{Time: time.UnixMilli(p.After.Time).UTC(), Valid: true}
	}
	limit := p.Limit + 1 // one more row says whether more follow
	switch cols {
	case posTimeID:
		return []any{pos, at, id, limit}
	case posID:
		return []any{pos, id, limit}
	default:
		return []any{at, id, limit}
	}
}

// scanChannel reads the channelColumns of one row, and into extra the
// columns that follow them. It also returns the channel's position in its
// group (0 when it is in none).
func scanChannel(sc pgx.Row, extra ...any) (grouping.Channel, int64, error) {
	var (
		ch       grouping.Channel
		position *int64
		deleted  *time.Time
	)
	dest := append([]any{&ch.ID, &ch.OrganisationID, &ch.Name, &ch.Description, &ch.OwnerID,
		&ch.UserCount, &ch.MessageCount, &ch.Archived, &ch.GroupID, &position,
		&ch.CreatedAt, &deleted}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return grouping.Channel{}, 0, err
	}
	ch.CreatedAt = fromDB(ch.CreatedAt)
	ch.DeletedAt = fromNullDB(deleted)
	if position == nil {
		return ch, 0, nil
	}
	return ch, *position, nil
}

// scanGroup reads the groupColumns of one row.
func scanGroup(sc pgx.Row) (grouping.Group, error) {
	var (
		g       grouping.Group
		deleted *time.Time
	)
	err := sc.Scan(&g.ID, &g.OrganisationID, &g.Name, &g.Description, &g.Archived,
		&g.Position, &g.Version, &g.CreatedAt, &g.UpdatedAt, &deleted)
	if err != nil {
		return grouping.Group{}, err
	}
	g.CreatedAt, g.UpdatedAt, g.DeletedAt = fromDB(g.CreatedAt), fromDB(g.UpdatedAt), fromNullDB(deleted)
	return g, nil
}

// scanChannelGroup reads the channelGroupColumns of one row.
func scanChannelGroup(sc pgx.Row) (grouping.ChannelGroup, error) {
	var cg grouping.ChannelGroup
	err := sc.Scan(&cg.ID, &cg.WorkspaceID, &cg.PlatformID, &cg.PlatformGroupID,
		&cg.PlatformGroupName, &cg.CreatedAt, &cg.UpdatedAt, &cg.ChannelIDs)
	if err != nil {
		return grouping.ChannelGroup{}, err
	}
	cg.CreatedAt, cg.UpdatedAt = fromDB(cg.CreatedAt), fromDB(cg.UpdatedAt)
	if cg.ChannelIDs == nil {
		cg.ChannelIDs = []uuid.UUID{}
	}
	return cg, nil
}
