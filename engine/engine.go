// Package engine applies the rules of grouping once, on top of any
// [driver.Driver]. Its [Store] implements [grouping.Store]: every check,
// decision and error of that interface is made here, and a driver only reads
// facts and writes changes. The stores of this module (sqlite, memstore) are
// an engine over a driver of their own; a store written elsewhere is built
// the same way, from public packages only (see package driver, "Writing a
// store").
//
// # What the engine does for every call
//
//  1. It fails at once when the store is closed or the context is done
//     (Internal, wrapping the context's error).
//  2. It checks the IDs (the nil UUID is Invalid) and validates the input
//     with the grouping package's Validate methods.
//  3. Reads go straight to the driver's [driver.Reader] methods. A missing
//     object is looked up no further than needed: a found group or channel
//     proves its organisation exists, so the organisation is only checked
//     when a lookup or a list comes back empty.
//  4. Writes run in one [driver.Driver.Write] transaction: one fact read,
//     the decision, then the writes. The clock is read once per attempt, so
//     every time a call writes is the same. A transaction that fails with
//     [driver.ErrRetry] runs again, after a jittered pause that doubles from
//     1 ms up to 50 ms; the engine calls Write at most [MaxAttempts] times
//     in all (a driver may run the transaction again within one call).
//  5. Lists validate the limit, decode the cursor (bound to the list, its
//     tenant, scoping IDs and filters), ask the driver for a page and encode
//     the cursor of the next one.
//  6. A write that changes something appends its events (see
//     grouping.Event) in the same transaction, after its other writes;
//     one that changes nothing writes nothing. Once it commits, the
//     readers waiting for the tenant's events ([Store.WaitEvents]) are
//     woken; those of other processes learn of it through the driver's
//     [driver.Watcher], or by polling ([WithEventPoll]).
package engine

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
)

// MaxAttempts is how many times the engine calls [driver.Driver.Write] at
// most for one write when the driver keeps reporting [driver.ErrRetry]. (A
// driver may run the transaction more than once in one Write call: see
// package driver.)
const MaxAttempts = 10

// Store is a [grouping.Store] over a driver. It is safe for concurrent use
// when its driver is.
type Store struct {
	d      driver.Driver
	clock  grouping.Clock
	poll   time.Duration
	hub    *hub
	closed atomic.Bool
	done   chan struct{} // closed by Close
}

var _ grouping.Store = (*Store)(nil)

// Option configures [New].
type Option func(*Store)

// WithClock makes the store read the current time from clock instead of
// time.Now. Times are normalised with [grouping.Timestamp]. A nil clock is
// ignored.
func WithClock(clock grouping.Clock) Option {
	return func(s *Store) {
		if clock != nil {
			s.clock = clock
		}
	}
}

// New returns a Store that keeps its data with d. The Store owns d: its
// Close closes d.
func New(d driver.Driver, opts ...Option) *Store {
	s := &Store{d: d, clock: time.Now, poll: DefaultEventPoll, hub: newHub(), done: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	return s
}

// errClosed is the error of every call on a closed store.
var errClosed = &grouping.Error{Code: grouping.Internal, Message: "store is closed"}

// Close closes the driver. Calls made afterwards fail with an Internal
// error, and so do the WaitEvents calls in progress; a second Close returns
// nil.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	close(s.done)
	s.stopWatch()
	return s.d.Close()
}

// now returns the current time as stores keep it.
func (s *Store) now() time.Time { return grouping.Timestamp(s.clock()) }

// begin fails when the store is closed or ctx is done, and when one of ids
// is the nil UUID.
func (s *Store) begin(ctx context.Context, ids ...namedID) error {
	if s.closed.Load() {
		return errClosed
	}
	if err := ctx.Err(); err != nil {
		return grouping.WrapInternal("engine", err)
	}
	return checkIDs(ids...)
}

// checkIDs returns the Invalid error of the first of ids that is the nil
// UUID, which is never the ID of anything.
func checkIDs(ids ...namedID) error {
	for _, n := range ids {
		if err := grouping.ValidateID(n.field, n.id); err != nil {
			return err
		}
	}
	return nil
}

// namedID is an ID argument with the wire name errors give it.
type namedID struct {
	field string
	id    uuid.UUID
}

func orgID(id uuid.UUID) namedID          { return namedID{"organisation_id", id} }
func groupID(id uuid.UUID) namedID        { return namedID{"group_id", id} }
func channelID(id uuid.UUID) namedID      { return namedID{"channel_id", id} }
func userID(id uuid.UUID) namedID         { return namedID{"user_id", id} }
func workspaceID(id uuid.UUID) namedID    { return namedID{"workspaceId", id} }
func wsChannelID(id uuid.UUID) namedID    { return namedID{"channelId", id} }
func channelGroupID(id uuid.UUID) namedID { return namedID{"channelGroupId", id} }

// write runs fn in a driver transaction, again after a pause while the
// driver reports ErrRetry, and returns what fn returned in the run that
// committed. fn is given the transaction with the time of its attempt; the
// events it emits are appended to the tenant's events in the same
// transaction, and the tenant's waiting readers are woken once it commits.
func write[T any](ctx context.Context, s *Store, tenant grouping.Tenant, fn func(w *txn) (T, error)) (T, error) {
	c := &valueCall[T]{fn: fn}
	if err := run(ctx, s, tenant, c); err != nil {
		var zero T
		return zero, err
	}
	return c.v, nil
}

// caller is the function of a write call, as the txn holds it.
type caller interface{ call(w *txn) error }

// callFunc is a function that returns nothing but an error as a caller. A
// func value fits in an interface as it is, with no allocation.
type callFunc func(w *txn) error

func (f callFunc) call(w *txn) error { return f(w) }

// valueCall is a function that returns a value as a caller, and the value
// its last run returned: one allocation for a call of write.
type valueCall[T any] struct {
	fn func(w *txn) (T, error)
	v  T
}

func (c *valueCall[T]) call(w *txn) error {
	var err error
	c.v, err = c.fn(w)
	return err
}

// do is write for calls that return nothing but an error.
func do(ctx context.Context, s *Store, tenant grouping.Tenant, fn func(w *txn) error) error {
	return run(ctx, s, tenant, callFunc(fn))
}

// run runs the write call c, its state in a pooled txn, so that a call
// allocates nothing of the engine's but what c holds.
func run(ctx context.Context, s *Store, tenant grouping.Tenant, c caller) error {
	w := txnPool.Get().(*txn)
	defer w.put()
	w.ctx, w.s, w.tenant, w.call = ctx, s, tenant, c
	delay := time.Millisecond
	for attempt := 1; ; attempt++ {
		w.appended = false
		err := s.d.Write(ctx, w.attemptFn)
		w.release()
		if err == nil {
			if w.appended {
				s.hub.committed(tenant)
			}
			return nil
		}
		if !errors.Is(err, driver.ErrRetry) || attempt == MaxAttempts {
			return internal("write", err)
		}
		pause := delay/2 + rand.N(delay/2+1)
		select {
		case <-ctx.Done():
			return internal("write", ctx.Err())
		case <-time.After(pause):
		}
		delay = min(2*delay, 50*time.Millisecond)
	}
}

// attempt is one attempt of w's call: its function in the driver's
// transaction tx, then the events it emitted.
func (w *txn) attempt(tx driver.Tx) error {
	w.release() // of an earlier attempt that the driver rolled back
	w.start(tx, w.s.now())
	if err := w.call.call(w); err != nil {
		return err
	}
	if w.appended = len(w.events) > 0; w.appended {
		w.sealEvents()
		return tx.AppendEvents(w.ctx, w.tenant, w.events)
	}
	return nil
}

// internal passes *grouping.Error values on and wraps any other error as
// Internal, naming the operation.
func internal(op string, err error) error {
	return grouping.WrapInternal("engine: "+op, err)
}

// orgMissing returns the organisation's NotFound error when it does not
// exist, and notFound otherwise.
func (s *Store) orgMissing(ctx context.Context, r driver.Reader, id uuid.UUID, notFound error) error {
	ok, err := r.OrganisationExists(ctx, id)
	switch {
	case err != nil:
		return internal("find organisation", err)
	case !ok:
		return errOrganisationNotFound
	}
	return notFound
}
