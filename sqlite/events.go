package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	sqlite3 "modernc.org/sqlite/lib"
)

// The events of a write are stored by the transaction that makes the change
// (see package driver, "Events"). The writer's single BEGIN IMMEDIATE
// transaction, across processes too, is what makes sequence numbers gapless
// and increasing in commit order: the transaction that takes a tenant's
// number n holds the write lock until it commits or rolls back, and a
// rolled-back transaction leaves nothing behind, its events included. The
// last number a tenant used is its newest event's, or the number its events
// were pruned up to (see sqlLastSequence), so a number is never used twice.
// Tenants are numbered in event_tenants at their first event; events refer
// to their tenant by that number.

// Events implements driver.Reader, in one statement: the tenant's number,
// then a range of its events in events_tenant.
func (r reads) Events(ctx context.Context, q driver.EventsQuery) ([]grouping.Event, error) {
	if err := r.g.enter(ctx); err != nil {
		return nil, err
	}
	defer r.g.leave()
	rows, err := query(ctx, r.q, sqlEvents, int64(q.Tenant.Kind), q.Tenant.ID.String(), q.After, q.Limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		evs  []grouping.Event
		slab []byte // the page's data, end to end: one allocation for most pages
		data sql.RawBytes
		typ  string
	)
	for rows.Next() {
		e := grouping.Event{Tenant: q.Tenant}
		var created int64
		if err := rows.Scan(&e.Sequence, &e.ID, &typ, &created, &data); err != nil {
			return nil, err
		}
		if evs == nil {
			evs = make([]grouping.Event, 0, min(q.Limit, 64))
		}
		if cap(slab)-len(slab) < len(data) {
			slab = make([]byte, 0, max(4096, 2*cap(slab), 2*len(data)))
		}
		start := len(slab)
		slab = append(slab, data...)
		e.Data = slab[start:len(slab):len(slab)] // appending to one event's data never overwrites the next
		e.Type = grouping.EventType(typ)
		e.Time = fromMillis(created)
		evs = append(evs, e)
	}
	return evs, rows.Err()
}

// EventConsumer implements driver.Reader, in one statement.
func (r reads) EventConsumer(ctx context.Context, name string, tenant grouping.Tenant) (*grouping.EventConsumer, error) {
	if err := r.g.enter(ctx); err != nil {
		return nil, err
	}
	defer r.g.leave()
	c := grouping.EventConsumer{Name: name, Tenant: tenant}
	var updated int64
	err := queryRow(ctx, r.q, sqlEventConsumer, int64(tenant.Kind), tenant.ID.String(), name).
		Scan(&c.Position, &c.Active, &updated)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, err
	}
	c.UpdatedAt = fromMillis(updated)
	return &c, nil
}

// AppendEvents implements driver.Tx. A single event of a tenant this
// driver has appended to before is written with one statement, which checks
// that the number the driver expects is the tenant's next (see
// sqlInsertNextEvent). Otherwise, or when the check fails (another process
// appended meanwhile), it takes two: one reads the tenant's number and the
// last sequence number it used, the other writes the events (one row, or
// all of them at once). A tenant's first event numbers the tenant first.
func (t *sqlTx) AppendEvents(ctx context.Context, tenant grouping.Tenant, events []grouping.Event) error {
	if len(events) == 0 {
		return nil
	}
	for i := range events {
		events[i].Tenant = tenant
	}
	if len(events) == 1 && t.d != nil {
		if s, ok := t.d.seqs[tenant]; ok {
			e := &events[0]
			_, err := execStmt(ctx, t, sqlInsertNextEvent, s.num, s.last+1, t.id(e.ID), string(e.Type), e.Time.UnixMilli(), eventData(e))
			switch {
			case err == nil:
				e.Sequence = s.last + 1
				t.appended = append(t.appended, appended{tenant, tenantSeq{s.num, e.Sequence}})
				return nil
			case resultCode(err) != sqlite3.SQLITE_CONSTRAINT_NOTNULL:
				return fmt.Errorf("insert event: %w", err)
			}
			// Not the next number: read it.
		}
	}
	var num, last int64
	err := queryRow(ctx, t, sqlLastSequence, int64(tenant.Kind), t.id(tenant.ID)).Scan(&num, &last)
	if errors.Is(err, sql.ErrNoRows) {
		num, err = lastInsertID(execStmt(ctx, t, sqlAddEventTenant, int64(tenant.Kind), t.id(tenant.ID)))
	}
	if err != nil {
		return fmt.Errorf("read event sequence: %w", err)
	}
	first := last + 1
	for i := range events {
		events[i].Sequence = first + int64(i)
	}
	if len(events) == 1 {
		e := &events[0]
		_, err = execStmt(ctx, t, sqlInsertEvent, num, first, t.id(e.ID), string(e.Type), e.Time.UnixMilli(), eventData(e))
	} else if meta, data, ok := eventRows(events); ok {
		_, err = execStmt(ctx, t, sqlInsertEvents, num, first, meta, data, len(events))
	} else {
		for i := range events {
			e := &events[i]
			if _, err = execStmt(ctx, t, sqlInsertEvent, num, e.Sequence, t.id(e.ID), string(e.Type), e.Time.UnixMilli(), eventData(e)); err != nil {
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("insert events: %w", err)
	}
	t.appended = append(t.appended, appended{tenant, tenantSeq{num, first + int64(len(events)) - 1}})
	return nil
}

// tenantSeq is a tenant's number and the last sequence number it used.
type tenantSeq struct{ num, last int64 }

// appended is the last sequence a write transaction gave a tenant.
type appended struct {
	tenant grouping.Tenant
	seq    tenantSeq
}

// maxCachedTenants bounds sqlDriver.seqs: beyond it, the cache starts
// again empty.
const maxCachedTenants = 4096

// committed notes in the driver's cache the sequences a committed write
// transaction gave. Only once committed: a tenant numbered by a transaction
// that rolled back has no number, and the number may go to another tenant.
func (d *sqlDriver) committed(tx *sqlTx) {
	for _, a := range tx.appended {
		if len(d.seqs) >= maxCachedTenants {
			clear(d.seqs)
		}
		d.seqs[a.tenant] = a.seq
	}
}

// eventData is the data of e as a statement argument: its bytes, or an
// empty string for none, which a nil slice would not be (it binds as NULL).
func eventData(e *grouping.Event) any {
	if len(e.Data) == 0 {
		return ""
	}
	return []byte(e.Data)
}

// lastInsertID returns the rowid a statement inserted.
func lastInsertID(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// eventRecord is the width of an event's record in the layout of
// eventRows: its ID (36 bytes), its type padded with spaces (32), its
// creation time in Unix milliseconds (16 digits), and the offset (1-based)
// and length of its data (10 digits each).
const eventRecord = 36 + maxEventType + 16 + 10 + 10

// maxEventType is the longest event type eventRows lays out.
const maxEventType = 32

// eventRows lays out events for sqlInsertEvents: one fixed-width record per
// event in one blob, which the statement cuts with substr at byte offsets,
// and the events' data end to end. ok is false when an event does not fit
// the layout (a type over 32 bytes, a time before 1970 or past the 16
// digits); the caller then inserts the events one by one.
func eventRows(events []grouping.Event) (meta, data []byte, ok bool) {
	size := 0
	for i := range events {
		size += len(events[i].Data)
	}
	data = make([]byte, 0, size)
	meta = make([]byte, 0, len(events)*eventRecord)
	for i := range events {
		e := &events[i]
		ms := e.Time.UnixMilli()
		if len(e.Type) > maxEventType || ms < 0 || ms > 9_999_999_999_999_999 || int64(len(data))+1+int64(len(e.Data)) > 9_999_999_999 {
			return nil, nil, false
		}
		meta = appendUUID(meta, e.ID)
		meta = append(meta, e.Type...)
		for range maxEventType - len(e.Type) {
			meta = append(meta, ' ')
		}
		meta = appendPadded(meta, ms, 16)
		meta = appendPadded(meta, int64(len(data)+1), 10)
		meta = appendPadded(meta, int64(len(e.Data)), 10)
		data = append(data, e.Data...)
	}
	return meta, data, true
}

// appendPadded appends n, not negative, in width decimal digits.
func appendPadded(b []byte, n int64, width int) []byte {
	var d [20]byte
	s := strconv.AppendInt(d[:0], n, 10)
	for range width - len(s) {
		b = append(b, '0')
	}
	return append(b, s...)
}

// appendUUID appends the canonical text form of id.
func appendUUID(b []byte, id uuid.UUID) []byte {
	var s [36]byte
	hex.Encode(s[0:8], id[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], id[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], id[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], id[8:10])
	s[23] = '-'
	hex.Encode(s[24:], id[10:])
	return append(b, s[:]...)
}

// PutEventConsumer implements driver.Tx.
func (t *sqlTx) PutEventConsumer(ctx context.Context, c grouping.EventConsumer) error {
	_, err := execStmt(ctx, t, sqlPutEventConsumer, int64(c.Tenant.Kind), c.Tenant.ID.String(), c.Name,
		c.Position, c.Active, c.UpdatedAt.UnixMilli())
	return err
}

// DeleteEventConsumer implements driver.Tx.
func (t *sqlTx) DeleteEventConsumer(ctx context.Context, name string, tenant grouping.Tenant) (bool, error) {
	return affected(execStmt(ctx, t, sqlDeleteEventConsumer, int64(tenant.Kind), tenant.ID.String(), name))
}

// PruneEvents implements driver.Tx. Each tenant loses a prefix of its
// events: from its oldest, every event that is old or beyond the count it
// keeps, up to the first that is neither, and never past the position of an
// active consumer. Tenants are visited in the order of their numbers, from
// where the last call stopped, going round (see sqlDriver.pruneFrom). One
// statement lists the tenants with something to prune; each of them then
// takes two statements, to record how far its events are pruned and to
// remove them, and one more to find where its old events end when there is
// an age limit.
func (t *sqlTx) PruneEvents(ctx context.Context, q driver.PruneQuery) (int64, error) {
	if q.Limit < 1 {
		return 0, nil
	}
	var before sql.NullInt64
	if !q.Before.IsZero() {
		before = sql.NullInt64{Int64: q.Before.UnixMilli(), Valid: true}
	}
	keep := int64(max(q.Keep, 0))
	limit := int64(q.Limit)
	var from int64
	if t.d != nil {
		from = t.d.pruneFrom
	}
	var removed int64
	for _, st := range []*statement{sqlPruneCandidatesFrom, sqlPruneCandidatesBefore} {
		if st == sqlPruneCandidatesBefore && from == 0 {
			break // the first pass started at the beginning
		}
		cands, err := pruneCandidates(ctx, t, st, from, before, keep, limit-removed)
		if err != nil {
			return removed, err
		}
		for _, c := range cands {
			n, err := t.pruneTenant(ctx, c, before, keep, limit-removed)
			if err != nil {
				return removed, err
			}
			removed += n
			if removed == limit {
				if t.d != nil {
					t.d.pruneFrom = c.num
				}
				return removed, nil
			}
		}
	}
	if t.d != nil {
		t.d.pruneFrom = 0
	}
	return removed, nil
}

// pruneCandidate is a tenant with events to prune.
type pruneCandidate struct {
	num         int64         // its number in event_tenants
	first, last int64         // its oldest and newest events
	hold        sql.NullInt64 // the lowest position of its active consumers
}

// pruneCandidates lists at most limit tenants with events to prune, in
// the range of st. Each has at least one, so no more are needed.
func pruneCandidates(ctx context.Context, t *sqlTx, st *statement, from int64, before sql.NullInt64, keep, limit int64) ([]pruneCandidate, error) {
	rows, err := query(ctx, t, st, from, before, keep, limit)
	if err != nil {
		return nil, fmt.Errorf("list tenants to prune: %w", err)
	}
	defer rows.Close()
	var cands []pruneCandidate
	for rows.Next() {
		var c pruneCandidate
		if err := rows.Scan(&c.num, &c.first, &c.last, &c.hold); err != nil {
			return nil, err
		}
		cands = append(cands, c)
	}
	return cands, rows.Err()
}

// pruneTenant removes at most limit of the tenant's oldest events that may
// go, and returns how many it removed.
func (t *sqlTx) pruneTenant(ctx context.Context, c pruneCandidate, before sql.NullInt64, keep, limit int64) (int64, error) {
	end := min(c.last, c.first+limit-1) // the last event this call may remove
	if c.hold.Valid {
		end = min(end, c.hold.Int64)
	}
	cut := c.first - 1 // the last event to remove
	if keep > 0 {
		cut = max(cut, c.last-keep) // the events beyond the count kept
	}
	if before.Valid && cut < end {
		// Then the old events that follow, up to the first recent one.
		var recent int64
		err := queryRow(ctx, t, sqlFirstRecentEvent, c.num, cut+1, end, before.Int64).Scan(&recent)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			cut = end
		case err != nil:
			return 0, fmt.Errorf("find recent event: %w", err)
		default:
			cut = recent - 1
		}
	}
	cut = min(cut, end)
	if cut < c.first {
		return 0, nil
	}
	if _, err := execStmt(ctx, t, sqlSetPrunedSequence, c.num, cut); err != nil {
		return 0, fmt.Errorf("record pruned sequence: %w", err)
	}
	n, err := affectedRows(execStmt(ctx, t, sqlPruneEvents, c.num, cut))
	if err != nil {
		return 0, fmt.Errorf("prune events: %w", err)
	}
	return n, nil
}

// affectedRows returns how many rows a statement changed.
func affectedRows(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
