// Package memstore is an in-memory grouping.Store.
//
// It is the rule engine of package engine over a driver that keeps
// everything in maps, the channels themselves in a slab of fixed blocks,
// behind one sync.RWMutex: every write call holds the write lock for its
// whole transaction, so calls are atomic and serialised, and reads run
// side by side under the read lock. Every list and every fact a write
// decides on has an ordered index (a B-tree) that the writes keep up to
// date, so an operation costs O(log n) in the size of its organisation or
// workspace and a list page O(log n + page size); the discoverable list
// also passes over the user's memberships before the page, in one walk
// beside the channels. The map of channels by ID and the channel indexes
// refer to channels by slot rather than by pointer, so that the garbage
// collector, which marks the whole heap in each cycle, has few pointers
// and objects per channel to visit, and a list page costs about the same
// in an organisation of 10k channels as in one of 1M. Values go in and
// come out as copies: nothing a caller holds aliases the store's memory.
// It behaves exactly like the sqlite store (both pass package storetest,
// and their drivers pass package drivertest) and suits tests and
// short-lived programs; nothing survives the process.
//
// Change events are kept in memory too, each tenant's in blocks of 512
// records without pointers, their data copied into 16 KiB buffers of the
// block, until PruneEvents removes them: a long-lived store that takes
// many writes prunes them from time to time (grouping.Retention), as
// examples/server does with its SQLite store.
//
// Its driver is also the simplest complete example of one: it imports only
// public packages of this module.
package memstore

import (
	"context"
	"sync"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/channelgrouping/grouping/engine"
	"github.com/google/uuid"
)

// engineStore lets Store embed the engine without exporting it as a field.
type engineStore = engine.Store

// Store is an in-memory grouping.Store. The zero value is not usable; call
// New.
type Store struct {
	*engineStore
}

var _ grouping.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*[]engine.Option)

// WithClock makes the store read the time from c instead of time.Now.
func WithClock(c grouping.Clock) Option {
	return func(opts *[]engine.Option) { *opts = append(*opts, engine.WithClock(c)) }
}

// New returns an empty store.
func New(opts ...Option) *Store {
	var eopts []engine.Option
	for _, o := range opts {
		o(&eopts)
	}
	return &Store{engine.New(newDriver(), eopts...)}
}

// NewDriver returns the driver of a Store on its own: an empty in-memory
// database. New(opts...) is engine.New(NewDriver(), …). Use it to test a
// driver wrapper (one that adds metrics or faults, say) with packages
// drivertest and storetest, or as a model of a complete driver.
func NewDriver() driver.Driver { return newDriver() }

// memDriver is the driver of Store.
type memDriver struct {
	mu   sync.RWMutex
	data data
	// tx is the write transaction, made anew for each call to Write
	// but for the memory of its undo log and event log marks, which it
	// hands on to the next under the write lock.
	tx tx
}

var _ driver.Driver = (*memDriver)(nil)

func newDriver() *memDriver {
	return &memDriver{data: data{
		orgs:          make(map[uuid.UUID]*organisation),
		channels:      make(map[uuid.UUID]cref),
		groups:        make(map[uuid.UUID]*group),
		channelGroups: make(map[uuid.UUID]*channelGroup),
		workspaces:    make(map[uuid.UUID]*workspace),
		attached:      make(map[attachKey]attachment),
		accounts:      make(map[accountKey]*channelGroup),
		events:        make(map[grouping.Tenant]*eventLog),
		consumers:     make(map[consumerKey]grouping.EventConsumer),
	}}
}

// Close does nothing: the data goes with the garbage collector.
func (d *memDriver) Close() error { return nil }

// Write runs fn under the write lock. Every change fn makes records how to
// undo it; when fn fails or panics, the changes are undone in reverse
// order, so that nothing of a failed transaction remains.
func (d *memDriver) Write(ctx context.Context, fn func(driver.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	t := &d.tx
	t.data = &d.data
	committed := false
	defer func() {
		if committed {
			t.spare.keep(t.dropped) // no log refers to them any more
		} else { // fn failed or panicked
			t.rollback()
		}
		t.reset()
	}()
	if err := fn(t); err != nil {
		return err
	}
	committed = true
	return nil
}

// maxKeptUndo is the largest undo log whose memory the next transaction
// reuses; the log of a larger transaction goes with it.
const maxKeptUndo = 1 << 10

// tx is a write transaction: the data, and how to undo what it changed:
// the undo log, and the state of each event log before the transaction
// changed it.
type tx struct {
	*data
	undo  []undoStep
	marks []logMark
	// groupUndo holds the undo steps of trees of groups (see groupTreeStep).
	groupUndo []groupTreeStep
	// recordUndo holds the channel records that updates replaced, to put
	// back (see undoRecord); timeUndo the times (undoTime), groupUndoSaves
	// the groups' records (undoGroupSave).
	recordUndo     []recordStep
	timeUndo       []timeStep
	groupUndoSaves []groupSave
	// maps and cgTrees hold the undo steps of the maps and trees that
	// writes change most (see put and insertInto).
	maps    mapSteps
	cgTrees []treeStep[cgEntry]
	// dropped are the event blocks that pruning took out of their logs.
	dropped []*eventBlock
}

var _ driver.Tx = (*tx)(nil)

// rollback undoes the changes of t, the last first.
func (t *tx) rollback() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i].run(t)
	}
	for i := len(t.marks) - 1; i >= 0; i-- {
		t.marks[i].l.restore(t.marks[i].state)
	}
}

// reset empties t's logs for the next transaction, keeping their memory
// unless it grew large.
func (t *tx) reset() {
	resetLog(&t.undo) // each lets go of what its log refers to
	resetLog(&t.marks)
	resetLog(&t.dropped)
	resetLog(&t.groupUndo)
	resetLog(&t.recordUndo)
	resetLog(&t.timeUndo)
	resetLog(&t.groupUndoSaves)
	resetLog(&t.cgTrees)
	t.maps.reset()
	t.data = nil
}

// resetLog empties a log, letting go of what it refers to, and keeps its
// memory for the next transaction unless it grew large.
func resetLog[S any](log *[]S) {
	clear(*log)
	*log = (*log)[:0]
	if cap(*log) > maxKeptUndo {
		*log = nil
	}
}

// pushStep appends s to log, and to the undo log the step that refers to
// it by kind and index.
func pushStep[S any](t *tx, log *[]S, kind undoKind, s S) {
	*log = append(*log, s)
	t.undo = append(t.undo, undoStep{kind: kind, n: int64(len(*log) - 1)})
}

// onUndo records how to undo a change.
func (t *tx) onUndo(f func()) { t.undo = append(t.undo, undoStep{kind: undoFunc, fn: f}) }

// set assigns v to *p and records how to undo it. Fields of the types
// that writes change most often are recorded without a closure.
func set[T any](t *tx, p *T, v T) {
	switch q := any(p).(type) {
	case *int64:
		t.undo = append(t.undo, undoStep{kind: undoInt64, i64: q, n: *q})
	case **group:
		t.undo = append(t.undo, undoStep{kind: undoGroup, gp: q, g: *q})
	case *string:
		t.undo = append(t.undo, undoStep{kind: undoString, sp: q, str: *q})
	case *int:
		t.undo = append(t.undo, undoStep{kind: undoInt, ip: q, n: int64(*q)})
	case *driver.ChannelRecord:
		pushStep(t, &t.recordUndo, undoRecord, recordStep{p: q, old: *q})
	case *time.Time:
		pushStep(t, &t.timeUndo, undoTime, timeStep{p: q, old: *q})
	default:
		old := *p
		t.onUndo(func() { *p = old })
	}
	*p = v
}

// put adds m[k] = v and records how to undo it.
func put[K comparable, V any](t *tx, m map[K]V, k K, v V) {
	old, had := m[k]
	m[k] = v
	recordMap(t, mapStep[K, V]{m, k, old, had})
}

// del deletes m[k] and records how to undo it.
func del[K comparable, V any](t *tx, m map[K]V, k K) {
	old, had := m[k]
	if !had {
		return
	}
	delete(m, k)
	recordMap(t, mapStep[K, V]{m, k, old, true})
}

// recordMap records s, how to undo a change of a map: as data in the log
// of its map's type for the maps that writes change most, which costs no
// allocation once the log's memory has grown, and as a closure for the
// others.
func recordMap[K comparable, V any](t *tx, s mapStep[K, V]) {
	switch step := any(s).(type) {
	case mapStep[uuid.UUID, *group]:
		pushStep(t, &t.maps.groups, undoGroupsMap, step)
	case mapStep[string, *group]:
		pushStep(t, &t.maps.names, undoNamesMap, step)
	case mapStep[uuid.UUID, *channelGroup]:
		pushStep(t, &t.maps.channelGroups, undoChannelGroupsMap, step)
	case mapStep[accountKey, *channelGroup]:
		pushStep(t, &t.maps.accounts, undoAccountsMap, step)
	case mapStep[attachKey, attachment]:
		pushStep(t, &t.maps.attached, undoAttachedMap, step)
	case mapStep[uuid.UUID, struct{}]:
		pushStep(t, &t.maps.members, undoMembersMap, step)
	default:
		t.onUndo(s.undo)
	}
}
