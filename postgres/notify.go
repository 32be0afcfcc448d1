package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/channelgrouping/grouping"
)

// notifyDelay is how long the notifier lets commits gather after one wakes
// it: what a reader in another process may wait for a commit beyond the
// notification's own way. Sent one by one, a notification per commit
// costs each write a statement of the server's time, about as much as a
// small write's own on a 2-core machine.
const notifyDelay = 5 * time.Millisecond

// notifier sends the notifications of a store's commits that appended
// events, after those commits and outside their transactions.
//
// PostgreSQL queues a transaction's notifications under a server-wide lock
// that it holds until the transaction's commit is done, so that notifying
// transactions commit one at a time, their WAL flushes included. Writes
// therefore do not notify: once one that appended events has committed, the
// notifier waits notifyDelay for more commits, then sends one notification
// per tenant that committed, in one statement and a transaction of its own,
// so that a stream of writes costs a notification every few milliseconds
// rather than a serialised commit each, or a statement each. A
// notification lost to a crash between a commit and its notification is
// covered by the readers' polling (WithEventPoll).
type notifier struct {
	d       *pgDriver
	mu      sync.Mutex
	pending map[grouping.Tenant]struct{}
	wake    chan struct{} // holds one token while tenants are pending
	stop    context.CancelFunc
	done    chan struct{}
}

func startNotifier(d *pgDriver) *notifier {
	ctx, cancel := context.WithCancel(context.Background())
	n := &notifier{d: d, pending: map[grouping.Tenant]struct{}{}, wake: make(chan struct{}, 1), stop: cancel, done: make(chan struct{})}
	go n.run(ctx)
	return n
}

// committed records that a transaction of tenant that appended events has
// committed.
func (n *notifier) committed(tenants []grouping.Tenant) {
	n.mu.Lock()
	for _, t := range tenants {
		n.pending[t] = struct{}{}
	}
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default: // a notification is on its way and will take these tenants
	}
}

func (n *notifier) run(ctx context.Context) {
	defer close(n.done)
	for {
		select {
		case <-ctx.Done():
			// The last round, for the commits made before Close.
			last, cancel := context.WithTimeout(context.Background(), time.Second)
			n.flush(last)
			cancel()
			return
		case <-n.wake:
			select {
			case <-ctx.Done(): // flushed by the last round
			case <-time.After(notifyDelay):
				n.flush(ctx)
			}
		}
	}
}

// flush sends a notification for each pending tenant, in one statement.
// It tries once more after a pause. Tenants it could not notify, because
// the server failed or ctx ended (Close, while the statement was on its
// way), are pending again, for the next flush: Close's last round, or the
// round after the next commit; until then the readers' polling covers them.
func (n *notifier) flush(ctx context.Context) {
	n.mu.Lock()
	tenants := make([]grouping.Tenant, 0, len(n.pending))
	payloads := make([]string, 0, len(n.pending))
	for t := range n.pending {
		tenants = append(tenants, t)
		payloads = append(payloads, t.String())
	}
	clear(n.pending)
	n.mu.Unlock()
	if len(payloads) == 0 {
		return
	}
	for attempt := 0; attempt < 2 && ctx.Err() == nil; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				continue
			case <-time.After(100 * time.Millisecond):
			}
		}
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := n.d.pool.Exec(sctx, n.d.sql[sqlNotify.index], n.d.channel, payloads)
		cancel()
		if err == nil {
			return
		}
	}
	n.mu.Lock()
	for _, t := range tenants {
		n.pending[t] = struct{}{}
	}
	n.mu.Unlock()
}

// close sends what is pending and stops the notifier.
func (n *notifier) close() {
	n.stop()
	<-n.done
}
