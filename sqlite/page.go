package sqlite

import (
	"database/sql"
	"math"

	"github.com/channelgrouping/grouping/internal/storeutil"
	"github.com/google/uuid"
)

// pager holds the validated paging input of one list call.
type pager struct {
	storeutil.Paging
}

// newPager validates a list's limit and cursor for the query of scope s.
func newPager(s storeutil.Scope, limit int, cursor string) (pager, error) {
	p, err := storeutil.NewPaging(s, limit, cursor)
	if err != nil {
		return pager{}, err
	}
	return pager{Paging: p}, nil
}

// args returns the named arguments :pos, :time, :id and :limit of the list
// queries. The first page starts after a key below every row: positions and
// times are at least math.MinInt64, and every ID sorts after "".
func (p pager) args() []any {
	pos, time, id := int64(math.MinInt64), int64(math.MinInt64), ""
	if p.Resume {
		pos, time, id = p.After.Pos, p.After.Time, p.After.ID.String()
	}
	return []any{
		sql.Named("pos", pos),
		sql.Named("time", time),
		sql.Named("id", id),
		sql.Named("limit", p.Limit+1), // one more row says whether a next page exists
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
		b = append(b, id.String()...)
		b = append(b, '"')
	}
	return string(append(b, ']'))
}

// oneRow returns notFound when res affected no row.
func oneRow(res sql.Result, notFound error, op string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return internal(op, err)
	}
	if n == 0 {
		return notFound
	}
	return nil
}
