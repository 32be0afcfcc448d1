package memstore

import (
	"bytes"
	"context"
	"slices"
	"sort"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
)

// eventLog is one tenant's events: evs in sequence order (pruned from the
// front) and the last sequence handed out.
type eventLog struct {
	last int64
	evs  []grouping.Event
}

type consumerKey struct {
	name   string
	tenant grouping.Tenant
}

// copyEvent returns e with Data in memory of its own.
func copyEvent(e grouping.Event) grouping.Event {
	e.Data = bytes.Clone(e.Data)
	return e
}

// Events implements driver.Reader.
func (d *data) Events(_ context.Context, q driver.EventsQuery) ([]grouping.Event, error) {
	l := d.events[q.Tenant]
	if l == nil {
		return nil, nil
	}
	i := sort.Search(len(l.evs), func(i int) bool { return l.evs[i].Sequence > q.After })
	n := min(len(l.evs)-i, q.Limit)
	if n <= 0 {
		return nil, nil
	}
	out := make([]grouping.Event, n)
	for j := range out {
		out[j] = copyEvent(l.evs[i+j])
	}
	return out, nil
}

// EventConsumer implements driver.Reader.
func (d *data) EventConsumer(_ context.Context, name string, tenant grouping.Tenant) (*grouping.EventConsumer, error) {
	c, ok := d.consumers[consumerKey{name, tenant}]
	if !ok {
		return nil, nil
	}
	return &c, nil
}

// AppendEvents implements driver.Tx.
func (t *tx) AppendEvents(_ context.Context, tenant grouping.Tenant, events []grouping.Event) error {
	l := t.events[tenant]
	if l == nil {
		l = &eventLog{}
		put(t, t.events, tenant, l)
	}
	// The counter and the length of the log come back on undo; what was
	// appended past that length is then unreachable.
	set(t, &l.last, l.last)
	set(t, &l.evs, l.evs)
	for i := range events {
		l.last++
		events[i].Sequence = l.last
		events[i].Tenant = tenant
		l.evs = append(l.evs, copyEvent(events[i]))
	}
	return nil
}

// PutEventConsumer implements driver.Tx.
func (t *tx) PutEventConsumer(_ context.Context, c grouping.EventConsumer) error {
	put(t, t.consumers, consumerKey{c.Name, c.Tenant}, c)
	return nil
}

// DeleteEventConsumer implements driver.Tx.
func (t *tx) DeleteEventConsumer(_ context.Context, name string, tenant grouping.Tenant) (bool, error) {
	k := consumerKey{name, tenant}
	if _, ok := t.consumers[k]; !ok {
		return false, nil
	}
	del(t, t.consumers, k)
	return true, nil
}

// PruneEvents implements driver.Tx. Each tenant's log loses a prefix.
func (t *tx) PruneEvents(_ context.Context, q driver.PruneQuery) (int64, error) {
	// The position up to which each tenant's events may go.
	held := map[grouping.Tenant]int64{}
	for k, c := range t.consumers {
		if p, ok := held[k.tenant]; c.Active && (!ok || c.Position < p) {
			held[k.tenant] = c.Position
		}
	}
	var removed int64
	for tenant, l := range t.events {
		cut := 0
		for cut < len(l.evs) && removed < int64(q.Limit) {
			e := l.evs[cut]
			old := !q.Before.IsZero() && e.Time.Before(q.Before)
			many := q.Keep > 0 && len(l.evs)-cut > q.Keep
			if p, ok := held[tenant]; (!old && !many) || (ok && e.Sequence > p) {
				break
			}
			cut++
			removed++
		}
		if cut > 0 {
			set(t, &l.evs, slices.Clone(l.evs[cut:]))
		}
	}
	return removed, nil
}

// The event reads of memDriver read under the read lock.

func (d *memDriver) Events(ctx context.Context, q driver.EventsQuery) ([]grouping.Event, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.data.Events(ctx, q)
}

func (d *memDriver) EventConsumer(ctx context.Context, name string, tenant grouping.Tenant) (*grouping.EventConsumer, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.data.EventConsumer(ctx, name, tenant)
}
