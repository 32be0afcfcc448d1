package driver

import (
	"context"
	"time"

	"github.com/channelgrouping/grouping"
)

// EventsQuery asks [Reader.Events] for a page of a tenant's events.
type EventsQuery struct {
	Tenant grouping.Tenant
	// After is the sequence the page starts after.
	After int64
	// Limit is the largest number of events to return, at least 1.
	Limit int
}

// PruneQuery asks [Tx.PruneEvents] to remove old events.
type PruneQuery struct {
	// Before, when not zero, makes every event whose Time is before it
	// prunable.
	Before time.Time
	// Keep, when above 0, makes every event of a tenant prunable but its
	// Keep newest.
	Keep int
	// Limit is the largest number of events to remove in this call, at
	// least 1.
	Limit int
}

// EventReader is the part of [Reader] that reads events and consumers.
type EventReader interface {
	// Events returns the tenant's events with a sequence greater than
	// q.After, in sequence order, at most q.Limit of them.
	Events(ctx context.Context, q EventsQuery) ([]grouping.Event, error)

	// EventConsumer returns the named consumer of the tenant's events, or
	// nil when there is none.
	EventConsumer(ctx context.Context, name string, tenant grouping.Tenant) (*grouping.EventConsumer, error)
}

// EventWriter is the part of [Tx] that writes events and consumers.
//
// The engine appends the events of a write call with AppendEvents in the
// call's own transaction, after its other writes, so that an event exists
// exactly when its change does. The sequence numbers a driver hands out are
// per tenant, start at 1, and are gapless and increasing in commit order:
// the transaction that takes number n holds the tenant's counter until it
// commits or rolls back, so no transaction of the same tenant can take n+1
// and commit first, and a rolled-back transaction leaves no hole. SQLite's
// single writer, memstore's mutex and a locked counter row in PostgreSQL
// all give this. Pruning never makes a number available again.
type EventWriter interface {
	// AppendEvents stores events, all of tenant, giving events[i] the
	// next sequence number of the tenant in order and writing it into
	// events[i].Sequence, at the latest when the transaction commits (a
	// driver that sends the append with its commit learns the numbers
	// then). Every other field is set by the engine. An event's Data
	// stays valid until the transaction ends (the driver's Write
	// returns), so a driver may write it as late as its commit; a driver
	// that keeps events beyond the transaction keeps a copy of their
	// Data, whose memory the engine then reuses.
	AppendEvents(ctx context.Context, tenant grouping.Tenant, events []grouping.Event) error

	// PutEventConsumer creates or overwrites the consumer with c's name
	// and tenant.
	PutEventConsumer(ctx context.Context, c grouping.EventConsumer) error

	// DeleteEventConsumer removes a consumer; it reports false when there
	// was none.
	DeleteEventConsumer(ctx context.Context, name string, tenant grouping.Tenant) (bool, error)

	// PruneEvents removes at most q.Limit events that q makes prunable,
	// oldest first, but never an event whose sequence is greater than the
	// Position of an active consumer of its tenant. It returns how many it
	// removed. The tenants' counters are kept: pruned numbers are not
	// handed out again.
	PruneEvents(ctx context.Context, q PruneQuery) (int64, error)
}

// Watcher is implemented by a Driver whose database other processes may
// write to, so that readers waiting for events (grouping.EventReader's
// WaitEvents) learn of commits made elsewhere. The engine wakes waiters
// itself after its own commits.
type Watcher interface {
	// Watch calls changed soon after another process, or another
	// connection of this one, commits a write, until ctx ends; it then
	// returns. It may call changed when nothing changed, never from two
	// goroutines at once, and it keeps watching through transient
	// failures (a dropped connection), calling changed once it watches
	// again, since it may have missed a commit.
	Watch(ctx context.Context, changed func())
}
