package sqlite

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Why a gate: SQLite runs inside the process, as Go code, so every call of
// a Store is work for the Go scheduler, which cannot tell the write that
// others queue behind (the holder of sqlDriver.turn) from a read. With more
// calls running than processors, that write shares the processors with
// every read in flight and takes many times as long as it does alone, and
// every write queued behind it waits for all of that: under 16 goroutines
// reading and writing, a move of 150 µs of work took 5 ms at the median.
// And calls that do run side by side contend for locks that all the
// connections of a process share (the page cache's and the memory
// allocator's, in this build of SQLite); a write that finds one taken
// sleeps and then waits for a processor, hundreds of microseconds each
// time.
//
// So the gate lets at most as many calls run SQLite as there are
// processors (and at least two) and queues the others, first come first
// served, so that a call waiting costs no processor time. The write that
// holds the turn goes before every read waiting at the gate: it waits for
// one call to leave, at most. While it runs, no read is admitted, so it
// contends at most with the reads already in flight when it came in, and
// they only until they end. When it leaves, the reads that waited are
// admitted, as many as there are free slots, but for one slot kept for the
// next write when one waits for the turn, so that it does not wait for
// those reads. A write never waits for more than one read to end, so long
// reads do not hold writes up any more than in SQLite itself, and reads
// always get slots between writes, so a stream of writes cannot starve
// them.

// gate admits at most n calls at a time: the write that holds the turn
// first and alone with the reads already running, then reads in the order
// they came.
type gate struct {
	mu      sync.Mutex
	free    int         // slots no call holds
	writer  *gateWaiter // the write waiting for a slot, or nil
	writing bool        // a write holds a slot: no read is admitted until it leaves
	pending int         // writes to come: waiting for the turn, or holding it and not yet entered
	// first and last are the ends of the queue of reads waiting for a
	// slot, first come first.
	first, last *gateWaiter
}

// gateWaiter is one call waiting at the gate. granted receives a value
// when the call is given a slot; prev and next link the reads' queue.
type gateWaiter struct {
	granted    chan struct{}
	prev, next *gateWaiter
	queued     bool
}

var waiterPool = sync.Pool{New: func() any { return &gateWaiter{granted: make(chan struct{}, 1)} }}

// newGate returns a gate of n slots, at least two: one for the write,
// one at least for reads.
func newGate(n int) *gate { return &gate{free: max(n, 2)} }

// enter waits for a slot for a read, until ctx is done. When it returns nil
// the caller holds a slot and must call leave. On a nil gate it returns nil
// at once.
func (g *gate) enter(ctx context.Context) error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	if g.free > 0 && !g.writing && g.writer == nil && g.first == nil {
		g.free--
		g.mu.Unlock()
		return nil
	}
	w := waiterPool.Get().(*gateWaiter)
	w.queued, w.prev = true, g.last
	if g.last != nil {
		g.last.next = w
	} else {
		g.first = w
	}
	g.last = w
	g.mu.Unlock()
	return g.wait(ctx, w, false, nil)
}

// enterWrite waits for a slot for the write that holds the turn, before any
// read, until ctx is done or the deadline passes (then it returns errBusy).
// The write no longer counts as one to come (see pend). When it returns nil
// the caller holds a slot and must call leaveWrite. On a nil gate it
// returns nil at once.
func (g *gate) enterWrite(ctx context.Context, deadline time.Time) error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	g.pending--
	if g.free > 0 {
		g.free--
		g.writing = true
		g.mu.Unlock()
		return nil
	}
	w := waiterPool.Get().(*gateWaiter)
	w.queued = true
	g.writer = w
	g.mu.Unlock()
	expiry := time.NewTimer(time.Until(deadline))
	defer expiry.Stop()
	return g.wait(ctx, w, true, expiry.C)
}

// wait waits for w's slot, the end of ctx or a value from expired (then it
// returns errBusy).
func (g *gate) wait(ctx context.Context, w *gateWaiter, write bool, expired <-chan time.Time) error {
	var failure error = errBusy
	select {
	case <-w.granted:
		waiterPool.Put(w)
		return nil
	case <-ctx.Done():
		failure = fmt.Errorf("sqlite: waiting for the database: %w", ctx.Err())
	case <-expired:
	}
	g.mu.Lock()
	queued := w.queued
	if queued {
		g.unqueue(w)
	}
	g.mu.Unlock()
	if !queued {
		// The slot came as ctx ended: take it and hand it on.
		<-w.granted
		if write {
			g.leaveWrite()
		} else {
			g.leave()
		}
	}
	waiterPool.Put(w)
	return failure
}

// unqueue takes w, which is queued, out of the queue. g.mu is held.
func (g *gate) unqueue(w *gateWaiter) {
	w.queued = false
	if g.writer == w {
		g.writer = nil
		return
	}
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		g.first = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		g.last = w.prev
	}
	w.prev, w.next = nil, nil
}

// leave gives back the slot of a read. It is a no-op on a nil gate.
func (g *gate) leave() {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.free++
	g.admit(0)
}

// leaveWrite gives back the slot of the write that holds the turn. It is a
// no-op on a nil gate.
func (g *gate) leaveWrite() {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.writing = false
	g.free++
	keep := 0
	if g.pending > 0 {
		keep = 1 // for the next write, so that it does not wait for the reads admitted now
	}
	g.admit(keep)
}

// pend counts a write to come (+1): one that waits for the turn, or holds
// it and has yet to enter; enterWrite uncounts it, and so does pend(-1),
// for a write that ends before it enters. When a write leaves while
// another is to come, one slot is kept free for that one. It is a no-op on
// a nil gate.
func (g *gate) pend(n int) {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.pending += n
	g.mu.Unlock()
}

// admit gives the free slots to the calls that wait for them: to the
// waiting write first; then, unless a write holds a slot, to the reads
// that waited longest, all but keep of them. It unlocks g.mu, which the
// caller holds, and then wakes the calls admitted.
func (g *gate) admit(keep int) {
	var first, last *gateWaiter // the calls admitted, linked through next
	add := func(w *gateWaiter) {
		g.unqueue(w)
		g.free--
		if last != nil {
			last.next = w
		} else {
			first = w
		}
		last = w
	}
	if g.writer != nil && g.free > 0 {
		g.writing = true
		add(g.writer)
	}
	for !g.writing && g.free > keep && g.first != nil {
		add(g.first)
	}
	g.mu.Unlock()
	for first != nil {
		w := first
		first, w.next = w.next, nil
		w.granted <- struct{}{}
	}
}
