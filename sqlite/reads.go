package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strings"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// reads implements driver.Reader on a querier: the read pool, each call on
// its own, or a transaction. snapshot runs several queries on one snapshot.
// g is the gate that calls on the read pool pass (see gate); nil in a
// transaction.
type reads struct {
	q        querier
	snapshot func(ctx context.Context, fn func(querier) error) error
	g        *gate
}

// OrganisationExists implements driver.Reader.
func (r reads) OrganisationExists(ctx context.Context, orgID uuid.UUID) (bool, error) {
	if err := r.g.enter(ctx); err != nil {
		return false, err
	}
	defer r.g.leave()
	var ok bool
	err := queryRow(ctx, r.q, sqlOrganisationExists, sql.Named("org", orgID)).Scan(&ok)
	return ok, err
}

// Channel implements driver.Reader, in one statement.
func (r reads) Channel(ctx context.Context, orgID, channelID uuid.UUID) (*grouping.Channel, error) {
	if err := r.g.enter(ctx); err != nil {
		return nil, err
	}
	defer r.g.leave()
	var users sql.NullString
	ch, _, err := scanChannel(queryRow(ctx, r.q, sqlFindChannel, r.q.id(channelID), r.q.id(orgID)), &users)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, err
	}
	if ch.Users, err = splitIDs(users.String); err != nil {
		return nil, err
	}
	return &ch, nil
}

// Group implements driver.Reader: one statement, or two on one snapshot
// with the channels.
func (r reads) Group(ctx context.Context, orgID, groupID uuid.UUID, withChannels bool) (*grouping.Group, error) {
	if err := r.g.enter(ctx); err != nil {
		return nil, err
	}
	defer r.g.leave()
	var g *grouping.Group
	find := func(q querier) error {
		got, err := scanGroup(queryRow(ctx, q, sqlFindGroup, q.id(groupID), q.id(orgID)))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return err
		}
		g = &got
		if !withChannels {
			return nil
		}
		return fillGroupChannels(ctx, q, nil, g)
	}
	if !withChannels {
		return g, find(r.q)
	}
	return g, r.snapshot(ctx, find)
}

// ChannelGroup implements driver.Reader, in one statement.
func (r reads) ChannelGroup(ctx context.Context, workspaceID, id uuid.UUID) (*grouping.ChannelGroup, error) {
	if err := r.g.enter(ctx); err != nil {
		return nil, err
	}
	defer r.g.leave()
	cg, err := scanChannelGroup(queryRow(ctx, r.q, sqlFindChannelGroup, r.q.id(id), r.q.id(workspaceID)))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &cg, nil
}

// ListGroups implements driver.Reader: one statement, or two on one
// snapshot with the channels.
func (r reads) ListGroups(ctx context.Context, q driver.GroupsQuery) (driver.List[grouping.Group], error) {
	if err := r.g.enter(ctx); err != nil {
		return driver.List[grouping.Group]{}, err
	}
	defer r.g.leave()
	var archived sql.NullBool
	if q.Archived != nil {
		archived = sql.NullBool{Bool: *q.Archived, Valid: true}
	}
	var l driver.List[grouping.Group]
	list := func(qr querier) error {
		var (
			err error
			row groupRow
		)
		l, err = readList(ctx, qr, sqlListGroups, q.Page, func(sc scanner) (grouping.Group, driver.Key, error) {
			g, err := row.scan(sc)
			return g, driver.GroupKey(&g), err
		}, sql.Named("org", q.OrganisationID), sql.Named("archived", archived))
		if err != nil || !q.WithChannels {
			return err
		}
		return fillGroupChannels(ctx, qr, l.Items, nil)
	}
	if !q.WithChannels {
		return l, list(r.q)
	}
	return l, r.snapshot(ctx, list)
}

// fillGroupChannels sets the Channels of every group in groups (and of one,
// when not nil) to its live, unarchived channels in group order, with one
// query for all of them.
func fillGroupChannels(ctx context.Context, q querier, groups []grouping.Group, one *grouping.Group) error {
	index := make(map[uuid.UUID]*grouping.Group, len(groups)+1)
	ids := make([]uuid.UUID, 0, len(groups)+1)
	for _, g := range append(pointers(groups), one) {
		if g != nil {
			g.Channels = []grouping.Channel{}
			index[g.ID] = g
			ids = append(ids, g.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := query(ctx, q, sqlGroupsChannels, sql.Named("groups", idArray(ids)))
	if err != nil {
		return err
	}
	defer rows.Close()
	var row channelRow
	for rows.Next() {
		ch, _, err := row.scan(rows)
		if err != nil {
			return err
		}
		g := index[*ch.GroupID]
		g.Channels = append(g.Channels, ch)
	}
	return rows.Err()
}

func pointers[T any](s []T) []*T {
	ps := make([]*T, len(s))
	for i := range s {
		ps[i] = &s[i]
	}
	return ps
}

// ListGroupChannels implements driver.Reader.
func (r reads) ListGroupChannels(ctx context.Context, q driver.ChannelsQuery) (driver.List[grouping.Channel], error) {
	if err := r.g.enter(ctx); err != nil {
		return driver.List[grouping.Channel]{}, err
	}
	defer r.g.leave()
	var row channelRow
	return readList(ctx, r.q, sqlListGroupChannels, q.Page, func(sc scanner) (grouping.Channel, driver.Key, error) {
		ch, pos, err := row.scan(sc)
		return ch, driver.GroupChannelKey(pos, ch.ID), err
	}, sql.Named("group", q.GroupID), sql.Named("org", q.OrganisationID), sql.Named("archived", q.IncludeArchived))
}

// ListUngroupedChannels implements driver.Reader.
func (r reads) ListUngroupedChannels(ctx context.Context, q driver.ChannelsQuery) (driver.List[grouping.Channel], error) {
	if err := r.g.enter(ctx); err != nil {
		return driver.List[grouping.Channel]{}, err
	}
	defer r.g.leave()
	var row channelRow
	return readList(ctx, r.q, sqlListUngroupedChannels, q.Page, row.scanByCreation,
		sql.Named("org", q.OrganisationID), sql.Named("archived", q.IncludeArchived))
}

// ListDiscoverableChannels implements driver.Reader.
func (r reads) ListDiscoverableChannels(ctx context.Context, q driver.ChannelsQuery) (driver.List[grouping.Channel], error) {
	if err := r.g.enter(ctx); err != nil {
		return driver.List[grouping.Channel]{}, err
	}
	defer r.g.leave()
	var row channelRow
	return readList(ctx, r.q, sqlListDiscoverableChannels, q.Page, row.scanByCreation,
		sql.Named("org", q.OrganisationID), sql.Named("user", q.UserID), sql.Named("archived", q.IncludeArchived))
}

// scanByCreation reads a channel of a list in creation order, with its key.
func (r *channelRow) scanByCreation(sc scanner) (grouping.Channel, driver.Key, error) {
	ch, _, err := r.scan(sc)
	return ch, driver.CreationKey(ch.CreatedAt, ch.ID), err
}

// ListChannelGroups implements driver.Reader, in one statement.
func (r reads) ListChannelGroups(ctx context.Context, q driver.ChannelGroupsQuery) (driver.List[grouping.ChannelGroup], error) {
	if err := r.g.enter(ctx); err != nil {
		return driver.List[grouping.ChannelGroup]{}, err
	}
	defer r.g.leave()
	st, args := sqlListChannelGroups, []any{sql.Named("ws", q.WorkspaceID)}
	if q.PlatformID != "" {
		st, args = sqlListPlatformChannelGroups, append(args, sql.Named("platform", q.PlatformID))
	}
	return readList(ctx, r.q, st, q.Page, func(sc scanner) (grouping.ChannelGroup, driver.Key, error) {
		cg, err := scanChannelGroup(sc)
		return cg, driver.CreationKey(cg.CreatedAt, cg.ID), err
	}, args...)
}

// readList runs a list statement for page p: it reads up to p.Limit+1 rows
// and keeps p.Limit, noting whether more follow.
func readList[T any](ctx context.Context, q querier, st *statement, p driver.Page, scan func(scanner) (T, driver.Key, error), args ...any) (driver.List[T], error) {
	rows, err := query(ctx, q, st, append(args, pageArgs(p)...)...)
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

// pageArgs returns the named arguments :pos, :time, :id and :limit of the
// list statements. The first page starts after a key below every row:
// positions and times are at least math.MinInt64, and every ID sorts after
// "".
func pageArgs(p driver.Page) []any {
	pos, time, id := int64(math.MinInt64), int64(math.MinInt64), ""
	if p.After != nil {
		pos, time, id = p.After.Pos, p.After.Time, p.After.ID.String()
	}
	return []any{
		sql.Named("pos", pos),
		sql.Named("time", time),
		sql.Named("id", id),
		sql.Named("limit", p.Limit+1), // one more row says whether more follow
	}
}

// idArray returns ids as a JSON array of strings, for json_each.
func idArray(ids []uuid.UUID) string {
	b := make([]byte, 0, 2+len(ids)*39)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = appendUUID(b, id)
		b = append(b, '"')
	}
	return string(append(b, ']'))
}

// splitIDs parses IDs joined by commas, as group_concat makes them; an
// empty string gives an empty, non-nil slice.
func splitIDs(s string) ([]uuid.UUID, error) {
	if s == "" {
		return []uuid.UUID{}, nil
	}
	ids := make([]uuid.UUID, 0, strings.Count(s, ",")+1)
	for part := range strings.SplitSeq(s, ",") {
		id, err := uuid.Parse(part)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// scanner is a row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// scanChannel reads the channelColumns of one row, and into extra the
// columns that follow them. It also returns the channel's position in its
// group (0 when it has none).
func scanChannel(sc scanner, extra ...any) (grouping.Channel, int64, error) {
	var r channelRow
	return r.scan(sc, extra...)
}

// channelRow receives the channelColumns of rows, one row after the other,
// into the same variables, so that a page of channels allocates no
// variables per row, only the values.
type channelRow struct {
	ch       grouping.Channel
	groupID  uuid.NullUUID
	position sql.NullInt64
	created  int64
	deleted  sql.NullInt64
	dest     []any
}

// scan reads one row, as scanChannel does.
func (r *channelRow) scan(sc scanner, extra ...any) (grouping.Channel, int64, error) {
	if r.dest == nil {
		r.dest = []any{&r.ch.ID, &r.ch.OrganisationID, &r.ch.Name, &r.ch.Description, &r.ch.OwnerID,
			&r.ch.UserCount, &r.ch.MessageCount, &r.ch.Archived, &r.groupID, &r.position,
			&r.created, &r.deleted}
	}
	dest := r.dest
	for _, e := range extra {
		if e != nil {
			dest = append(dest[:len(dest):len(dest)], e)
		}
	}
	if err := sc.Scan(dest...); err != nil {
		return grouping.Channel{}, 0, err
	}
	ch := r.ch
	if r.groupID.Valid {
		id := r.groupID.UUID
		ch.GroupID = &id
	}
	ch.CreatedAt = fromMillis(r.created)
	ch.DeletedAt = fromNullMillis(r.deleted)
	return ch, r.position.Int64, nil
}

// scanGroup reads the groupColumns of one row.
func scanGroup(sc scanner) (grouping.Group, error) {
	var r groupRow
	return r.scan(sc)
}

// groupRow receives the groupColumns of rows, one row after the other, as
// channelRow does.
type groupRow struct {
	g                grouping.Group
	created, updated int64
	deleted          sql.NullInt64
	dest             []any
}

// scan reads one row, as scanGroup does.
func (r *groupRow) scan(sc scanner) (grouping.Group, error) {
	if r.dest == nil {
		r.dest = []any{&r.g.ID, &r.g.OrganisationID, &r.g.Name, &r.g.Description, &r.g.Archived,
			&r.g.Position, &r.g.Version, &r.created, &r.updated, &r.deleted}
	}
	if err := sc.Scan(r.dest...); err != nil {
		return grouping.Group{}, err
	}
	g := r.g
	g.CreatedAt = fromMillis(r.created)
	g.UpdatedAt = fromMillis(r.updated)
	g.DeletedAt = fromNullMillis(r.deleted)
	return g, nil
}

// scanChannelGroup reads the channelGroupColumns of one row.
func scanChannelGroup(sc scanner) (grouping.ChannelGroup, error) {
	var (
		cg               grouping.ChannelGroup
		created, updated int64
		channels         sql.NullString
	)
	err := sc.Scan(&cg.ID, &cg.WorkspaceID, &cg.PlatformID, &cg.PlatformGroupID,
		&cg.PlatformGroupName, &created, &updated, &channels)
	if err != nil {
		return grouping.ChannelGroup{}, err
	}
	cg.CreatedAt = fromMillis(created)
	cg.UpdatedAt = fromMillis(updated)
	cg.ChannelIDs, err = splitIDs(channels.String)
	return cg, err
}
