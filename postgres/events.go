package postgres

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The events of a tenant are rows of events numbered by its row of
// event_counters (see migrations/0003_events.sql and sqlAppendEvents).

// Events implements driver.Reader, in one statement.
func (r reads) Events(ctx context.Context, q driver.EventsQuery) ([]grouping.Event, error) {
	rows, err := r.q.Query(ctx, r.d.sql[sqlEvents.index], int16(q.Tenant.Kind), q.Tenant.ID, q.After, q.Limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []grouping.Event
	for rows.Next() {
		e := grouping.Event{Tenant: q.Tenant}
		var data []byte // a copy of its own: pgx copies into []byte
		if err := rows.Scan(&e.Sequence, &e.ID, &e.Type, &e.Time, &data); err != nil {
			return nil, err
		}
		e.Time, e.Data = fromDB(e.Time), json.RawMessage(data)
		out = append(out, e)
	}
	return out, rows.Err()
}

// EventConsumer implements driver.Reader.
func (r reads) EventConsumer(ctx context.Context, name string, tenant grouping.Tenant) (*grouping.EventConsumer, error) {
	c := grouping.EventConsumer{Name: name, Tenant: tenant}
	err := r.q.QueryRow(ctx, r.d.sql[sqlEventConsumer.index], int16(tenant.Kind), tenant.ID, name).
		Scan(&c.Position, &c.Active, &c.UpdatedAt)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, err
	}
	c.UpdatedAt = fromDB(c.UpdatedAt)
	return &c, nil
}

// AppendEvents implements driver.Tx with one statement that advances the
// tenant's counter and inserts the events (sqlAppendEvent for one, with
// plain parameters; sqlAppendEvents for several, as arrays). It is
// deferred: it goes to the server with COMMIT, or with the transaction's
// next statement, so that appending costs no round trip of its own, and
// the events get their numbers when its result comes back. The counter's
// row stays locked from then until the transaction ends: another
// transaction of the tenant that appends waits for this one to commit or
// roll back, then numbers its events after whatever this one left, so that
// the numbers are gapless and in commit order. Unless LISTEN/NOTIFY is
// off, the notifier tells the listeners of the schema's channel once the
// transaction has committed (see notifier).
func (t *pgTx) AppendEvents(ctx context.Context, tenant grouping.Tenant, events []grouping.Event) error {
	n := len(events)
	if n == 0 {
		return nil
	}
	t.appended = append(t.appended, tenant)
	var q *pgx.QueuedQuery
	if n == 1 {
		e := &events[0]
		q = t.tx.deferStatement(t.d.sql[sqlAppendEvent.index], int16(tenant.Kind), tenant.ID, e.ID, string(e.Type), e.Time, eventData(e.Data))
	} else {
		ids := make([]uuid.UUID, n)
		types := make([]string, n)
		times := make([]time.Time, n)
		data := make([][]byte, n)
		for i, e := range events {
			ids[i], types[i], times[i], data[i] = e.ID, string(e.Type), e.Time, eventData(e.Data)
		}
		q = t.tx.deferStatement(t.d.sql[sqlAppendEvents.index], int16(tenant.Kind), tenant.ID, ids, types, times, data)
	}
	q.QueryRow(func(row pgx.Row) error {
		var last int64
		if err := row.Scan(&last); errors.Is(err, pgx.ErrNoRows) {
			// Not to be taken for a read that found nothing.
			return errors.New("postgres: the append of events returned no row")
		} else if err != nil {
			return err
		}
		number(tenant, events, last)
		return nil
	})
	return nil
}

// eventData is the data column of an event: NOT NULL, and the engine always
// gives JSON.
func eventData(data []byte) []byte {
	if data == nil {
		return []byte("null")
	}
	return data
}

// number gives events the numbers up to last, and their tenant.
func number(tenant grouping.Tenant, events []grouping.Event, last int64) {
	for i := range events {
		events[i].Sequence = last - int64(len(events)) + 1 + int64(i)
		events[i].Tenant = tenant
	}
}

// PutEventConsumer implements driver.Tx.
func (t *pgTx) PutEventConsumer(ctx context.Context, c grouping.EventConsumer) error {
	_, err := t.exec(ctx, sqlPutEventConsumer, int16(c.Tenant.Kind), c.Tenant.ID, c.Name, c.Position, c.Active, c.UpdatedAt)
	return err
}

// DeleteEventConsumer implements driver.Tx.
func (t *pgTx) DeleteEventConsumer(ctx context.Context, name string, tenant grouping.Tenant) (bool, error) {
	return affected(t.exec(ctx, sqlDeleteEventConsumer, int16(tenant.Kind), tenant.ID, name))
}

// PruneEvents implements driver.Tx, in one statement (see sqlPruneEvents).
// Each call starts from the tenant where the previous call of the store
// stopped, so that a long pruning in batches reads each tenant about once
// rather than once per batch.
func (t *pgTx) PruneEvents(ctx context.Context, q driver.PruneQuery) (int64, error) {
	var old *time.Time // NULL: no event is too old
	if !q.Before.IsZero() {
		old = &q.Before
	}
	t.d.pruneMu.Lock()
	from := t.d.pruneFrom
	t.d.pruneMu.Unlock()
	rows, err := t.tx.Query(ctx, t.d.sql[sqlPruneEvents.index], old, q.Keep, q.Limit, int16(from.Kind), from.ID)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	// The tenants from from on were read first, then those before it: the
	// last one read is the greatest of the latter, if any, or else of the
	// former.
	var (
		n             int64
		after, before *grouping.Tenant
	)
	for rows.Next() {
		var (
			tn   grouping.Tenant
			kind int16
		)
		if err := rows.Scan(&kind, &tn.ID); err != nil {
			return 0, err
		}
		tn.Kind = grouping.TenantKind(kind)
		n++
		greatest := &after
		if tenantLess(tn, from) {
			greatest = &before
		}
		if *greatest == nil || tenantLess(**greatest, tn) {
			*greatest = &tn
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if last := cmp.Or(before, after); last != nil {
		t.d.pruneMu.Lock()
		t.d.pruneFrom = *last
		t.d.pruneMu.Unlock()
	}
	return n, nil
}

// tenantLess orders tenants as the primary key of event_counters does.
func tenantLess(a, b grouping.Tenant) bool {
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	return bytes.Compare(a.ID[:], b.ID[:]) < 0 // as PostgreSQL compares uuid
}
