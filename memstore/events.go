package memstore

import (
	"bytes"
	"context"
	"slices"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
)

// eventLog is one tenant's events, in blocks of eventBlock events, so
// that appending never copies the log: the events kept are the n that
// start at index off of blocks[0], in sequence order, the last of them
// numbered last.
type eventLog struct {
	last   int64
	off, n int
	blocks [][]grouping.Event
	// arena is the chunk the events' data is copied into, end to end:
	// one allocation for many events, and memory without pointers, which
	// the garbage collector does not scan.
	arena []byte
}

// Sizes of the chunks of an eventLog's arena, which grow up to
// arenaChunk: data larger than maxArenaData gets memory of its own.
const (
	arenaChunk   = 16 << 10
	maxArenaData = 4 << 10
)

// keep returns a copy of data for the log to keep.
func (l *eventLog) keep(data []byte) []byte {
	if len(data) > maxArenaData {
		return bytes.Clone(data)
	}
	if cap(l.arena)-len(l.arena) < len(data) {
		// Chunks grow from small, so that the many tenants with few
		// events do not each hold a large one.
		l.arena = make([]byte, 0, min(max(2*cap(l.arena), 4*len(data), 512), arenaChunk))
	}
	start := len(l.arena)
	l.arena = append(l.arena, data...)
	return l.arena[start:len(l.arena):len(l.arena)]
}

// eventBlock is how many events one block of a log holds.
const eventBlock = 512

// at returns the kept event at index i (0 is the oldest).
func (l *eventLog) at(i int) *grouping.Event {
	i += l.off
	return &l.blocks[i/eventBlock][i%eventBlock]
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
	if l == nil || q.After >= l.last {
		return nil, nil
	}
	first := l.last - int64(l.n) + 1 // the oldest kept
	i := int(max(q.After+1, first) - first)
	n := min(l.n-i, q.Limit)
	if n <= 0 {
		return nil, nil
	}
	out := make([]grouping.Event, n)
	for j := range out {
		out[j] = copyEvent(*l.at(i + j))
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

// AppendEvents implements driver.Tx. The log keeps a copy of the events'
// Data, and hands out copies of it on reading.
func (t *tx) AppendEvents(_ context.Context, tenant grouping.Tenant, events []grouping.Event) error {
	l := t.events[tenant]
	if l == nil {
		l = &eventLog{}
		put(t, t.events, tenant, l)
	}
	// The counter, the count and the list of blocks come back on undo;
	// what was written past the count is then unreachable.
	set(t, &l.last, l.last)
	set(t, &l.n, l.n)
	set(t, &l.blocks, l.blocks)
	set(t, &l.arena, l.arena)
	for i := range events {
		l.last++
		events[i].Sequence = l.last
		events[i].Tenant = tenant
		if end := l.off + l.n; end == len(l.blocks)*eventBlock {
			l.blocks = append(l.blocks, make([]grouping.Event, eventBlock))
		}
		e := events[i]
		e.Data = l.keep(e.Data)
		*l.at(l.n) = e
		l.n++
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
		for cut < l.n && removed < int64(q.Limit) {
			e := l.at(cut)
			old := !q.Before.IsZero() && e.Time.Before(q.Before)
			many := q.Keep > 0 && l.n-cut > q.Keep
			if p, ok := held[tenant]; (!old && !many) || (ok && e.Sequence > p) {
				break
			}
			cut++
			removed++
		}
		if cut == 0 {
			continue
		}
		set(t, &l.off, l.off+cut)
		set(t, &l.n, l.n-cut)
		// Whole blocks before the first kept event go.
		if drop := l.off / eventBlock; drop > 0 {
			set(t, &l.blocks, slices.Clone(l.blocks[drop:]))
			set(t, &l.off, l.off-drop*eventBlock)
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
