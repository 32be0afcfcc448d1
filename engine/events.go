package engine

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

var _ grouping.EventLog = (*Store)(nil)

// txn is a write call and its attempt under way: the driver's
// transaction, the time of the attempt, and the events the call appends
// when it succeeds.
type txn struct {
	driver.Tx
	now time.Time
	// The call: its context, store, tenant and function, and whether its
	// last attempt appended events.
	ctx      context.Context
	s        *Store
	tenant   grouping.Tenant
	call     caller
	appended bool
	// attemptFn is w.attempt, bound once for the life of the pooled txn,
	// so that handing it to the driver allocates nothing.
	attemptFn func(driver.Tx) error
	events    []grouping.Event
	// data holds the JSON of the events' data end to end; ends[i] is
	// where the data of events[i] ends. The buffer stays with the pooled
	// txn for its next calls: a driver reads the data before its
	// transaction ends (or copies it, to keep it longer).
	data []byte
	ends []int
	// buf and endBuf hold the events of a call that appends one or two,
	// the most common, without an allocation of their own.
	buf    [2]grouping.Event
	endBuf [2]int
}

// maxKeptData is the largest data buffer a txn keeps for its next calls:
// the data of a bulk call of many events is not kept for the single writes
// that follow.
const maxKeptData = 64 << 10

// dataBuf returns the call's buffer of event data, for the data of the
// next event to be appended to it (see emit).
func (w *txn) dataBuf() []byte { return w.data }

// emit adds an event of the call's tenant: data is the buffer dataBuf
// returned, with the event's JSON appended, as the data types' AppendJSON
// write it. Each call site appends the data of its own type, so that the
// compiler sees which AppendJSON runs, and data that points to the call's
// variables (an old value, a position) does not move them to the heap.
func (w *txn) emit(typ grouping.EventType, data []byte) {
	w.data = data
	w.ends = append(w.ends, len(data))
	w.events = append(w.events, grouping.Event{ID: newEventID(), Type: typ, Time: w.now})
}

// sealEvents points each event's Data at its part of the buffer, now that
// no more data is added to it.
func (w *txn) sealEvents() {
	start := 0
	for i, end := range w.ends {
		w.events[i].Data = w.data[start:end:end]
		start = end
	}
}

// txnPool holds the state of write calls between them.
var txnPool = sync.Pool{New: func() any {
	w := new(txn)
	w.attemptFn = w.attempt
	return w
}}

// start readies w for an attempt in tx at now.
func (w *txn) start(tx driver.Tx, now time.Time) {
	w.Tx, w.now = tx, now
	w.events, w.ends = w.buf[:0], w.endBuf[:0]
}

// put gives w back to txnPool, holding nothing of its call.
func (w *txn) put() {
	w.release()
	w.Tx, w.events, w.ends, w.buf = nil, nil, nil, [2]grouping.Event{}
	w.ctx, w.s, w.call = nil, nil, nil
	txnPool.Put(w)
}

// release empties the data buffer, once the driver's transaction has
// ended, and lets go of it when a large call made it large.
func (w *txn) release() {
	if cap(w.data) > maxKeptData {
		w.data = nil
	}
	w.data = w.data[:0]
}

// newEventID returns a random (version 4) UUID. The bits come from the
// runtime's generator, seeded from the operating system and unpredictable,
// but far cheaper than reading the system's random source for every event:
// an event ID needs to be unique, not secret.
func newEventID() uuid.UUID {
	var id uuid.UUID
	binary.LittleEndian.PutUint64(id[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(id[8:], rand.Uint64())
	id[6] = id[6]&0x0f | 0x40 // version 4
	id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
	return id
}

// DefaultEventPoll is how often a waiting event reader looks for new events
// when nothing woke it, a fallback for drivers whose watch can miss a
// commit made elsewhere.
const DefaultEventPoll = 5 * time.Second

// WithEventPoll sets how often waiting event readers look for new events
// when nothing woke them (default [DefaultEventPoll]). Values of 0 or less
// are ignored.
func WithEventPoll(d time.Duration) Option {
	return func(s *Store) {
		if d > 0 {
			s.poll = d
		}
	}
}

// hub wakes the readers waiting for events: those of a tenant after each
// commit of the tenant in this process, and all of them when the driver's
// watch reports a commit elsewhere.
type hub struct {
	mu sync.Mutex
	// tenants holds, for each tenant with readers waiting, the channel the
	// tenant's next commit closes and how many readers hold it; a reader
	// that stops waiting for another reason lets go of it (leave), so that
	// a tenant no one waits for any more is not kept.
	tenants map[grouping.Tenant]waitSlot
	// waiting is len(tenants), written under mu, so that a commit with no
	// reader waiting in the process takes no lock. A reader adds its
	// tenant's channel before it reads the events, and a writer loads
	// waiting after its commit: if the load misses the reader's channel,
	// the reader's read comes after the commit and sees its events.
	waiting atomic.Int64
	all     chan struct{}
	watch   sync.Once
	stop    context.CancelFunc
	stopped chan struct{}
}

// waitSlot is a tenant's wake-up channel and the number of readers that
// hold it.
type waitSlot struct {
	c       chan struct{}
	readers int
}

func newHub() *hub {
	return &hub{tenants: map[grouping.Tenant]waitSlot{}, all: make(chan struct{})}
}

// waitChans returns channels that are closed on the tenant's next commit and
// on the next change seen elsewhere. The caller gives the first back with
// leave once it no longer waits on it.
func (h *hub) waitChans(t grouping.Tenant) (tenant, all <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	w, ok := h.tenants[t]
	if !ok {
		w.c = make(chan struct{})
	}
	w.readers++
	h.tenants[t] = w
	h.waiting.Store(int64(len(h.tenants)))
	return w.c, h.all
}

// leave gives back c, a channel of tenant t that waitChans returned: when
// its last reader leaves and no commit has closed it, it is dropped.
func (h *hub) leave(t grouping.Tenant, c <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	w, ok := h.tenants[t]
	if !ok || w.c != c { // closed by a commit, and perhaps replaced since
		return
	}
	if w.readers--; w.readers > 0 {
		h.tenants[t] = w
		return
	}
	delete(h.tenants, t)
	h.waiting.Store(int64(len(h.tenants)))
}

// committed wakes the readers of tenant t.
func (h *hub) committed(t grouping.Tenant) {
	if h.waiting.Load() == 0 {
		return
	}
	h.mu.Lock()
	if w, ok := h.tenants[t]; ok {
		close(w.c)
		delete(h.tenants, t)
		h.waiting.Store(int64(len(h.tenants)))
	}
	h.mu.Unlock()
}

// changed wakes every reader.
func (h *hub) changed() {
	h.mu.Lock()
	close(h.all)
	h.all = make(chan struct{})
	h.mu.Unlock()
}

// startWatch starts the driver's watch, once, when it has one.
func (s *Store) startWatch() {
	w, ok := s.d.(driver.Watcher)
	if !ok {
		return
	}
	s.hub.watch.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		s.hub.mu.Lock()
		s.hub.stop = cancel
		s.hub.stopped = make(chan struct{})
		stopped := s.hub.stopped
		s.hub.mu.Unlock()
		go func() {
			defer close(stopped)
			w.Watch(ctx, s.hub.changed)
		}()
	})
}

// stopWatch ends the driver's watch, if it runs, and waits for it.
func (s *Store) stopWatch() {
	s.hub.watch.Do(func() {}) // no watch starts after this
	s.hub.mu.Lock()
	stop, stopped := s.hub.stop, s.hub.stopped
	s.hub.mu.Unlock()
	if stop != nil {
		stop()
		<-stopped
	}
}

// Events implements [grouping.EventReader].
func (s *Store) Events(ctx context.Context, tenant grouping.Tenant, after int64, limit int) (grouping.EventPage, error) {
	q, err := s.eventsQuery(ctx, tenant, after, limit)
	if err != nil {
		return grouping.EventPage{}, err
	}
	return s.readEvents(ctx, q)
}

// WaitEvents implements [grouping.EventReader].
func (s *Store) WaitEvents(ctx context.Context, tenant grouping.Tenant, after int64, limit int) (grouping.EventPage, error) {
	q, err := s.eventsQuery(ctx, tenant, after, limit)
	if err != nil {
		return grouping.EventPage{}, err
	}
	s.startWatch()
	var timer *time.Timer
	for {
		// The wake-up channels are taken before the read, so that a commit
		// between the read and the wait is not missed.
		mine, all := s.hub.waitChans(tenant)
		p, err := s.readEvents(ctx, q)
		if err != nil || len(p.Events) > 0 {
			s.hub.leave(tenant, mine)
			return p, err
		}
		if timer == nil {
			timer = time.NewTimer(s.poll)
			defer timer.Stop()
		} else {
			timer.Reset(s.poll)
		}
		select {
		case <-mine:
		case <-all:
		case <-timer.C:
		case <-s.done:
			err = errClosed
		case <-ctx.Done():
			err = internal("wait for events", ctx.Err())
		}
		s.hub.leave(tenant, mine) // a no-op once a commit has closed it
		if err != nil {
			return grouping.EventPage{}, err
		}
	}
}

func (s *Store) eventsQuery(ctx context.Context, tenant grouping.Tenant, after int64, limit int) (driver.EventsQuery, error) {
	if err := s.begin(ctx); err != nil {
		return driver.EventsQuery{}, err
	}
	if err := tenant.Validate(); err != nil {
		return driver.EventsQuery{}, err
	}
	if after < 0 {
		return driver.EventsQuery{}, grouping.InvalidField("after", "after must not be negative")
	}
	switch {
	case limit == 0:
		limit = grouping.DefaultEventLimit
	case limit < 0 || limit > grouping.MaxEventLimit:
		return driver.EventsQuery{}, grouping.InvalidField("limit", "limit must be between 1 and %d", grouping.MaxEventLimit)
	}
	return driver.EventsQuery{Tenant: tenant, After: after, Limit: limit}, nil
}

// readEvents reads one more event than asked for, to tell whether more
// follow.
func (s *Store) readEvents(ctx context.Context, q driver.EventsQuery) (grouping.EventPage, error) {
	limit := q.Limit
	q.Limit++
	evs, err := s.d.Events(ctx, q)
	if err != nil {
		return grouping.EventPage{}, internal("read events", err)
	}
	p := grouping.EventPage{Events: evs, Next: q.After}
	if len(evs) > limit {
		p.Events, p.More = evs[:limit], true
	}
	if p.Events == nil {
		p.Events = []grouping.Event{}
	}
	if n := len(p.Events); n > 0 {
		p.Next = p.Events[n-1].Sequence
	}
	return p, nil
}

// maxConsumerName is the longest consumer name, in characters.
const maxConsumerName = 255

func validateConsumer(name string, tenant grouping.Tenant) error {
	if name == "" || utf8.RuneCountInString(name) > maxConsumerName || !utf8.ValidString(name) {
		return grouping.InvalidField("name", "consumer name must be 1 to %d characters of UTF-8", maxConsumerName)
	}
	return tenant.Validate()
}

var errConsumerNotFound = grouping.NotFoundError("Event consumer")

// EventConsumer implements [grouping.EventLog].
func (s *Store) EventConsumer(ctx context.Context, name string, tenant grouping.Tenant) (grouping.EventConsumer, error) {
	if err := s.begin(ctx); err != nil {
		return grouping.EventConsumer{}, err
	}
	if err := validateConsumer(name, tenant); err != nil {
		return grouping.EventConsumer{}, err
	}
	c, err := s.d.EventConsumer(ctx, name, tenant)
	switch {
	case err != nil:
		return grouping.EventConsumer{}, internal("get event consumer", err)
	case c == nil:
		return grouping.EventConsumer{}, errConsumerNotFound
	}
	return *c, nil
}

// SaveEventConsumer implements [grouping.EventLog].
func (s *Store) SaveEventConsumer(ctx context.Context, c grouping.EventConsumer) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	if err := validateConsumer(c.Name, c.Tenant); err != nil {
		return err
	}
	if c.Position < 0 {
		return grouping.InvalidField("position", "position must not be negative")
	}
	return do(ctx, s, grouping.Tenant{}, func(w *txn) error {
		c.UpdatedAt = w.now
		return w.PutEventConsumer(ctx, c)
	})
}

// DeleteEventConsumer implements [grouping.EventLog].
func (s *Store) DeleteEventConsumer(ctx context.Context, name string, tenant grouping.Tenant) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	if err := validateConsumer(name, tenant); err != nil {
		return err
	}
	return do(ctx, s, grouping.Tenant{}, func(w *txn) error {
		ok, err := w.DeleteEventConsumer(ctx, name, tenant)
		if err == nil && !ok {
			err = errConsumerNotFound
		}
		return err
	})
}

// pruneBatch is how many events one pruning transaction removes at most, so
// that pruning a large backlog does not hold the writer for long.
const pruneBatch = 1000

// PruneEvents implements [grouping.EventLog]. It removes events in
// transactions of at most 1,000 events each, until none is left to remove;
// when ctx ends part-way, the events already removed stay removed.
func (s *Store) PruneEvents(ctx context.Context, r grouping.Retention) (int64, error) {
	if err := s.begin(ctx); err != nil {
		return 0, err
	}
	if r.MaxAge < 0 {
		return 0, grouping.InvalidField("max_age", "max_age must not be negative")
	}
	if r.MaxCount < 0 {
		return 0, grouping.InvalidField("max_count", "max_count must not be negative")
	}
	if r.MaxAge == 0 && r.MaxCount == 0 {
		return 0, nil
	}
	var total int64
	for {
		n, err := write(ctx, s, grouping.Tenant{}, func(w *txn) (int64, error) {
			q := driver.PruneQuery{Keep: r.MaxCount, Limit: pruneBatch}
			if r.MaxAge > 0 {
				q.Before = w.now.Add(-r.MaxAge)
			}
			return w.PruneEvents(ctx, q)
		})
		total += n
		if err != nil || n < pruneBatch {
			return total, err
		}
	}
}
