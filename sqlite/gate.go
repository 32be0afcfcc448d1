package sqlite

import (
	"context"
	"fmt"
	"sync"
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
// So the gate lets at most as many reads run SQLite as there are
// processors and queues the others, first come first served, so that a
// read waiting costs no processor time. The write that holds the turn
// never waits at the gate: it starts at once, beside the reads already in
// flight, and no read is admitted while it runs, so it shares the
// processors with those reads only until they end. When it leaves, the
// reads that waited are admitted, as many as there are free slots, so a
// stream of writes cannot starve reads. (A write that waited for a read to
// end before it started took about 1.5 times as long, at the median and at
// the 99th percentile, under a mix of nine reads to one write: see
// PERFORMANCE.md in the repository.)

// gate admits at most n reads at a time, in the order they came, and none
// while a write runs.
type gate struct {
	mu      sync.Mutex
	free    int  // read slots no call holds
	writing bool // a write runs: no read is admitted until it leaves
	// first and last are the ends of the queue of reads waiting for a
	// slot, first come first.
	first, last *gateWaiter
}

// gateWaiter is one read waiting at the gate. granted receives a value
// when the read is given a slot; prev and next link the queue.
type gateWaiter struct {
	granted    chan struct{}
	prev, next *gateWaiter
	queued     bool
}

var waiterPool = sync.Pool{New: func() any { return &gateWaiter{granted: make(chan struct{}, 1)} }}

// newGate returns a gate of n read slots, at least one.
func newGate(n int) *gate { return &gate{free: max(n, 1)} }

// enter waits for a slot for a read, until ctx is done. When it returns nil
// the caller holds a slot and must call leave. On a nil gate it returns nil
// at once.
func (g *gate) enter(ctx context.Context) error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	if g.free > 0 && !g.writing && g.first == nil {
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
	return g.wait(ctx, w)
}

// wait waits for w's slot or the end of ctx.
func (g *gate) wait(ctx context.Context, w *gateWaiter) error {
	select {
	case <-w.granted:
		waiterPool.Put(w)
		return nil
	case <-ctx.Done():
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
		g.leave()
	}
	waiterPool.Put(w)
	return fmt.Errorf("sqlite: waiting for the database: %w", ctx.Err())
}

// unqueue takes w, which is queued, out of the queue. g.mu is held.
func (g *gate) unqueue(w *gateWaiter) {
	w.queued = false
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
	g.admit()
}

// enterWrite marks the start of the write that holds the turn: it takes no
// slot and does not wait, but no read is admitted until leaveWrite. It is a
// no-op on a nil gate.
func (g *gate) enterWrite() {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.writing = true
	g.mu.Unlock()
}

// leaveWrite marks the end of the write and admits the reads that waited
// for it. It is a no-op on a nil gate.
func (g *gate) leaveWrite() {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.writing = false
	g.admit()
}

// admit gives the free slots, unless a write runs, to the reads that
// waited longest. It unlocks g.mu, which the caller holds, and then wakes
// the reads admitted.
func (g *gate) admit() {
	var first, last *gateWaiter // the reads admitted, linked through next
	for !g.writing && g.free > 0 && g.first != nil {
		w := g.first
		g.unqueue(w)
		g.free--
		if last != nil {
			last.next = w
		} else {
			first = w
		}
		last = w
	}
	g.mu.Unlock()
	for first != nil {
		w := first
		first, w.next = w.next, nil
		w.granted <- struct{}{}
	}
}
