package sqlite

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// waiting returns how many reads wait at g, and whether a write does.
func (g *gate) waiting() (reads int, write bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for w := g.first; w != nil; w = w.next {
		reads++
	}
	return reads, g.writer != nil
}

// later is a deadline that no test reaches.
func later() time.Time { return time.Now().Add(time.Hour) }

// waitFor polls cond until it holds, failing the test after a while.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// admissions receives the name of each call of a test once the gate
// admits it.
type admissions chan string

// read starts a read named name that reports to a once admitted, and waits
// until it queues at g.
func (a admissions) read(t *testing.T, g *gate, name string) {
	t.Helper()
	before, _ := g.waiting()
	go func() {
		if err := g.enter(t.Context()); err != nil {
			t.Error(err)
			return
		}
		a <- name
	}()
	waitFor(t, name+" to queue", func() bool { n, _ := g.waiting(); return n == before+1 })
}

// next returns the name of the next call admitted.
func (a admissions) next(t *testing.T) string {
	t.Helper()
	select {
	case name := <-a:
		return name
	case <-time.After(10 * time.Second):
		t.Fatal("no call admitted")
		return ""
	}
}

// none checks that no call is admitted for a while.
func (a admissions) none(t *testing.T, when string) {
	t.Helper()
	select {
	case name := <-a:
		t.Fatalf("%s admitted %s", name, when)
	case <-time.After(10 * time.Millisecond):
	}
}

// TestGateOrder checks that the gate admits no more calls than it has
// slots, that the write goes before the reads that wait, and that no read
// is admitted while a write holds a slot: the reads that waited are
// admitted, in the order they came, when the write leaves.
func TestGateOrder(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	g := newGate(2)
	is.NoErr(g.enter(ctx)) // both slots held by reads
	is.NoErr(g.enter(ctx))

	a := make(admissions, 5)
	a.read(t, g, "read 1")
	a.read(t, g, "read 2")
	a.read(t, g, "read 3")
	go func() {
		g.pend(1)
		if err := g.enterWrite(ctx, later()); err != nil {
			t.Error(err)
			return
		}
		a <- "write"
	}()
	waitFor(t, "the write to queue", func() bool { _, w := g.waiting(); return w })

	g.leave()
	is.Equal(a.next(t), "write") // the first slot freed goes to the write, before the reads that came first
	a.none(t, "with no free slot")
	g.leave()
	a.none(t, "while the write holds a slot") // a slot is free, but the write runs alone
	a.read(t, g, "read 4")
	a.none(t, "while the write holds a slot") // read 4 waits too, though a slot is free

	g.leaveWrite()
	got := []string{a.next(t), a.next(t)} // two slots free: two reads admitted at once
	slices.Sort(got)
	is.Equal(got, []string{"read 1", "read 2"}) // the two that came first
	a.none(t, "with no free slot")
	g.leave()
	is.Equal(a.next(t), "read 3")
	g.leave()
	is.Equal(a.next(t), "read 4")
	g.leave()
	g.leave()
	is.Equal(g.free, 2) // every slot back
}

// TestGateKeepsASlotForTheNextWrite checks that when a write leaves while
// another is to come, the reads that waited leave one slot free for it,
// and that the slot goes to reads again if that write gives up.
func TestGateKeepsASlotForTheNextWrite(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	g := newGate(2)
	a := make(admissions, 4)

	g.pend(1)
	is.NoErr(g.enterWrite(ctx, later())) // write A runs
	g.pend(1)                            // write B waits for the turn
	a.read(t, g, "read 1")
	a.read(t, g, "read 2")
	g.leaveWrite()                         // A ends: two slots free, one kept for B
	is.Equal(a.next(t), "read 1")          // the first read is admitted
	a.none(t, "into the slot kept")        // the second is not
	a.none(t, "as write B takes the turn") // B still counts as to come
	is.NoErr(g.enterWrite(ctx, later()))
	is.Equal(g.free, 0) // B took the slot kept for it at once
	g.leave()           // read 1 ends while B runs
	a.read(t, g, "read 3")
	a.none(t, "while a write runs")
	g.leaveWrite() // B ends, and no write is to come: both slots go to reads
	got := []string{a.next(t), a.next(t)}
	slices.Sort(got)
	is.Equal(got, []string{"read 2", "read 3"}) // read 2 and read 3 get a slot each
	g.leave()                                   // read 3 ends

	g.pend(1)
	is.NoErr(g.enterWrite(ctx, later())) // write C runs beside read 2
	g.pend(1)                            // write D waits for the turn
	a.read(t, g, "read 4")
	g.leaveWrite() // C ends: the free slot is kept for D
	a.none(t, "into the slot kept")
	g.pend(-1)                    // D gives up before its turn
	g.leave()                     // read 2 ends
	is.Equal(a.next(t), "read 4") // the slot goes to read 4
	g.leave()
	is.Equal(g.free, 2) // every slot back
}

// TestGateCancel checks that a call whose context ends while it waits
// leaves the queue with the context's error, holding no slot, and that
// the calls behind it keep their place.
func TestGateCancel(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	g := newGate(2)
	is.NoErr(g.enter(ctx))
	is.NoErr(g.enter(ctx))

	cctx, cancel := context.WithCancel(ctx)
	errs := make(chan error, 2)
	go func() { errs <- g.enter(cctx) }()
	waitFor(t, "the read to queue", func() bool { n, _ := g.waiting(); return n == 1 })
	g.pend(1)
	go func() { errs <- g.enterWrite(cctx, later()) }()
	waitFor(t, "the write to queue", func() bool { _, w := g.waiting(); return w })
	admitted := make(chan struct{})
	go func() {
		if err := g.enter(ctx); err != nil {
			t.Error(err)
		}
		close(admitted)
	}()
	waitFor(t, "the second read to queue", func() bool { n, _ := g.waiting(); return n == 2 })

	cancel()
	for range 2 {
		err := <-errs
		is.True(errors.Is(err, context.Canceled)) // the waits end with the context's error
	}
	n, w := g.waiting()
	is.Equal(n, 1)      // only the read that still waits is queued
	is.True(!w)         // the write left the queue
	g.leave()           // frees a slot for the read that still waits
	<-admitted          // which it gets
	is.Equal(g.free, 0) // and holds, with the first read
	g.leave()
	g.leave()
	is.Equal(g.free, 2) // no slot lost to the cancelled calls
}

// TestGateSlotGrantedAsContextEnds checks that a call given its slot just
// as its context ends, which then returns the context's error, hands the
// slot on as the call it is: a write's slot frees the reads held back.
func TestGateSlotGrantedAsContextEnds(t *testing.T) {
	is := is.New(t)
	ended, cancel := context.WithCancel(t.Context())
	cancel()
	for range 20 { // the wait sees the slot or the context first, at random
		for _, write := range []bool{false, true} {
			g := newGate(2)
			is.NoErr(g.enter(t.Context())) // the slot to be handed over
			is.NoErr(g.enter(t.Context()))
			w := waiterPool.Get().(*gateWaiter)
			g.mu.Lock()
			w.queued = true
			if write {
				g.writer = w
			} else {
				g.first, g.last = w, w
			}
			g.mu.Unlock()
			g.leave() // w has the slot now
			err := g.wait(ended, w, write, nil)
			if err == nil {
				if write {
					g.leaveWrite()
				} else {
					g.leave()
				}
			} else {
				is.True(errors.Is(err, context.Canceled)) // the context's error
			}
			g.leave()
			is.Equal(g.free, 2) // the slot came back
			is.True(!g.writing) // and no write holds one
		}
	}
}

// TestWriteWaitsForTheGateAtMostTheBusyTimeout checks that a write that
// finds no slot waits for one no longer than the store's busy timeout, and
// then fails as Unavailable, holding no slot and writing nothing.
func TestWriteWaitsForTheGateAtMostTheBusyTimeout(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t, WithBusyTimeout(100*time.Millisecond))
	org := uuid.New()
	_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Busy"})
	is.NoErr(err)
	g := s.d.gate
	held := g.free
	for range held { // reads hold every slot
		is.NoErr(g.enter(ctx))
	}
	start := time.Now()
	_, err = s.CreateGroup(ctx, org, grouping.NewGroup{Name: "Waits"})
	waited := time.Since(start)
	is.Equal(grouping.ErrorCode(err), grouping.Unavailable) // the write gives up
	is.True(waited >= 100*time.Millisecond)                 // after the busy timeout
	is.True(waited < 5*time.Second)                         // and not much later
	_, w := g.waiting()
	is.True(!w) // it left the queue
	for range held {
		g.leave()
	}
	is.Equal(g.free, held) // no slot lost
	page, err := s.ListGroups(ctx, org, grouping.ListGroupsOptions{})
	is.NoErr(err)
	is.Equal(len(page.Items), 0) // nothing written
}

// TestGateUnderLoad runs many goroutines through the gate, reads and
// writes, some giving up as they wait, and checks that no more calls than
// slots ever run at once and that every slot comes back.
func TestGateUnderLoad(t *testing.T) {
	is := is.New(t)
	const slots = 3
	g := newGate(slots)
	var running, most atomic.Int32
	var writing sync.Mutex // one write at a time, as the turn makes them
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			for range 300 {
				ctx, cancel := context.WithCancel(t.Context())
				if rng.IntN(4) == 0 {
					go cancel() // gives up at some point of its wait, or not at all
				}
				write := rng.IntN(5) == 0
				var err error
				if write {
					writing.Lock()
					g.pend(1)
					err = g.enterWrite(ctx, later())
				} else {
					err = g.enter(ctx)
				}
				if err == nil {
					n := running.Add(1)
					for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
					}
					time.Sleep(time.Duration(rng.IntN(50)) * time.Microsecond)
					running.Add(-1)
					if write {
						g.leaveWrite()
					} else {
						g.leave()
					}
				} else if !errors.Is(err, context.Canceled) {
					t.Error(err)
				}
				if write {
					writing.Unlock()
				}
				cancel()
			}
		})
	}
	wg.Wait()
	is.True(most.Load() <= slots) // never more calls than slots at once
	is.True(most.Load() > 1)      // and the slots were used side by side
	is.Equal(g.free, slots)       // every slot came back
}

// TestStoreCallsPassTheGate checks that the store's reads and writes wait
// at the gate while it has no free slot, and run once one is freed.
func TestStoreCallsPassTheGate(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	org := uuid.New()
	_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Gate"})
	is.NoErr(err)

	g := s.d.gate
	held := g.free
	is.True(held >= 2) // the gate has a slot for each processor, two at least
	for range held {   // take every slot
		is.NoErr(g.enter(ctx))
	}

	read := make(chan error, 1)
	go func() {
		_, err := s.ListGroups(ctx, org, grouping.ListGroupsOptions{})
		read <- err
	}()
	waitFor(t, "the read to wait at the gate", func() bool { n, _ := g.waiting(); return n == 1 })
	write := make(chan error, 1)
	go func() {
		_, err := s.CreateGroup(ctx, org, grouping.NewGroup{Name: "Waits"})
		write <- err
	}()
	waitFor(t, "the write to wait at the gate", func() bool { _, w := g.waiting(); return w })

	g.leave() // one slot: the write's
	is.NoErr(<-write)
	is.NoErr(<-read) // and then the read's, freed by the write
	for range held - 1 {
		g.leave()
	}
	page, err := s.ListGroups(ctx, org, grouping.ListGroupsOptions{})
	is.NoErr(err)
	is.Equal(len(page.Items), 1) // the write committed
}

// TestConcurrentCalls checks the number of slots of a store's gate: as
// many as GOMAXPROCS by default, as WithConcurrentCalls says otherwise, two
// at least, and a read connection for each.
func TestConcurrentCalls(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		want int
	}{
		{"default", nil, max(2, runtime.GOMAXPROCS(0))},
		{"six", []Option{WithConcurrentCalls(6)}, 6},
		{"one", []Option{WithConcurrentCalls(1)}, 2},
		{"zero", []Option{WithConcurrentCalls(0)}, max(2, runtime.GOMAXPROCS(0))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			s := openTestStore(t, tc.opts...)
			is.Equal(s.d.gate.free, tc.want)                          // slots of the gate
			is.True(s.d.reader.Stats().MaxOpenConnections >= tc.want) // a read connection for each slot
		})
	}
}
