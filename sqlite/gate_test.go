package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/driver"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// waiting returns how many reads wait at g.
func (g *gate) waiting() (reads int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for w := g.first; w != nil; w = w.next {
		reads++
	}
	return reads
}

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
	before := g.waiting()
	go func() {
		if err := g.enter(t.Context()); err != nil {
			t.Error(err)
			return
		}
		a <- name
	}()
	waitFor(t, name+" to queue", func() bool { return g.waiting() == before+1 })
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

// TestGateOrder checks that the gate admits no more reads than it has
// slots, in the order they came, that a write starts at once even when
// reads hold every slot, and that no read is admitted while it runs: the
// reads that waited are admitted, in order, when it leaves.
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
	a.none(t, "with no free slot")

	g.enterWrite() // returns at once, though no slot is free
	g.leave()
	a.none(t, "while the write runs") // a slot is free, but the write keeps reads out
	g.leave()
	a.read(t, g, "read 4")
	a.none(t, "while the write runs") // read 4 waits too, though both slots are free

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

// TestGateHoldsReadsWhileAWriteRuns checks that a read that comes while a
// write runs waits for it, though every slot is free, and starts when it
// ends.
func TestGateHoldsReadsWhileAWriteRuns(t *testing.T) {
	is := is.New(t)
	g := newGate(2)
	a := make(admissions, 1)
	g.enterWrite()
	a.read(t, g, "read") // queues: fails if admitted at once
	a.none(t, "while the write runs")
	g.leaveWrite()
	is.Equal(a.next(t), "read") // admitted when the write ends
	g.leave()
	is.Equal(g.free, 2) // every slot back
}

// TestGateCancel checks that a read whose context ends while it waits
// leaves the queue with the context's error, holding no slot, and that
// the reads behind it keep their place.
func TestGateCancel(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	g := newGate(2)
	is.NoErr(g.enter(ctx))
	is.NoErr(g.enter(ctx))

	cctx, cancel := context.WithCancel(ctx)
	errs := make(chan error, 1)
	go func() { errs <- g.enter(cctx) }()
	waitFor(t, "the read to queue", func() bool { return g.waiting() == 1 })
	admitted := make(chan struct{})
	go func() {
		if err := g.enter(ctx); err != nil {
			t.Error(err)
		}
		close(admitted)
	}()
	waitFor(t, "the second read to queue", func() bool { return g.waiting() == 2 })

	cancel()
	err := <-errs
	is.True(errors.Is(err, context.Canceled)) // the wait ends with the context's error
	is.Equal(g.waiting(), 1)                  // only the read that still waits is queued
	g.leave()                                 // frees a slot for the read that still waits
	<-admitted                                // which it gets
	is.Equal(g.free, 0)                       // and holds, with the first read
	g.leave()
	g.leave()
	is.Equal(g.free, 2) // no slot lost to the cancelled read
}

// TestGateSlotGrantedAsContextEnds checks that a read given its slot just
// as its context ends, which then returns the context's error, hands the
// slot on.
func TestGateSlotGrantedAsContextEnds(t *testing.T) {
	is := is.New(t)
	ended, cancel := context.WithCancel(t.Context())
	cancel()
	for range 40 { // the wait sees the slot or the context first, at random
		g := newGate(2)
		is.NoErr(g.enter(t.Context())) // the slot to be handed over
		is.NoErr(g.enter(t.Context()))
		w := waiterPool.Get().(*gateWaiter)
		g.mu.Lock()
		w.queued = true
		g.first, g.last = w, w
		g.mu.Unlock()
		g.leave() // w has the slot now
		if err := g.wait(ended, w); err == nil {
			g.leave()
		} else {
			is.True(errors.Is(err, context.Canceled)) // the context's error
		}
		g.leave()
		is.Equal(g.free, 2) // the slot came back
	}
}

// TestGateUnderLoad runs many goroutines through the gate, reads and
// writes, some reads giving up as they wait, and checks that no more reads
// than slots ever run at once and that every slot comes back.
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
				if rng.IntN(5) == 0 {
					writing.Lock()
					g.enterWrite()
					time.Sleep(time.Duration(rng.IntN(50)) * time.Microsecond)
					g.leaveWrite()
					writing.Unlock()
					continue
				}
				ctx, cancel := context.WithCancel(t.Context())
				if rng.IntN(4) == 0 {
					go cancel() // gives up at some point of its wait, or not at all
				}
				if err := g.enter(ctx); err == nil {
					n := running.Add(1)
					for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
					}
					time.Sleep(time.Duration(rng.IntN(50)) * time.Microsecond)
					running.Add(-1)
					g.leave()
				} else if !errors.Is(err, context.Canceled) {
					t.Error(err)
				}
				cancel()
			}
		})
	}
	wg.Wait()
	is.True(most.Load() <= slots) // never more reads than slots at once
	is.True(most.Load() > 1)      // and the slots were used side by side
	is.Equal(g.free, slots)       // every slot came back
	is.True(!g.writing)           // and no write is left running
}

// TestStoreCallsPassTheGate checks that the store's reads wait at the gate
// while it has no free slot and run once one is freed, and that its writes
// do not wait for a slot.
func TestStoreCallsPassTheGate(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t, WithBusyTimeout(time.Minute))
	org := uuid.New()
	_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Gate"})
	is.NoErr(err)

	g := s.d.gate
	held := g.free
	is.True(held >= 1) // the gate has a slot for each processor
	for range held {   // take every slot
		is.NoErr(g.enter(ctx))
	}

	read := make(chan error, 1)
	go func() {
		_, err := s.ListGroups(ctx, org, grouping.ListGroupsOptions{})
		read <- err
	}()
	waitFor(t, "the read to wait at the gate", func() bool { return g.waiting() == 1 })
	_, err = s.CreateGroup(ctx, org, grouping.NewGroup{Name: "Goes first"})
	is.NoErr(err) // the write ran while reads held every slot
	select {
	case err := <-read:
		t.Fatalf("the read ran with no free slot: %v", err)
	case <-time.After(10 * time.Millisecond):
	}

	g.leave() // one slot: the read's
	is.NoErr(<-read)
	for range held - 1 {
		g.leave()
	}
	page, err := s.ListGroups(ctx, org, grouping.ListGroupsOptions{})
	is.NoErr(err)
	is.Equal(len(page.Items), 1) // the write committed
	is.Equal(g.free, held)       // every slot back
}

// TestStoreWriteHoldsReadsBack checks that a read that comes while a store
// write runs waits for it, though slots are free, and runs when it ends.
func TestStoreWriteHoldsReadsBack(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	s := openTestStore(t)
	org := uuid.New()
	_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Held"})
	is.NoErr(err)

	inWrite, release := make(chan struct{}), make(chan struct{})
	wrote := make(chan error, 1)
	go func() {
		wrote <- s.d.Write(ctx, func(driver.Tx) error {
			close(inWrite)
			<-release
			return nil
		})
	}()
	<-inWrite
	read := make(chan error, 1)
	go func() {
		_, err := s.ListGroups(ctx, org, grouping.ListGroupsOptions{})
		read <- err
	}()
	waitFor(t, "the read to wait at the gate", func() bool { return s.d.gate.waiting() == 1 })
	select {
	case err := <-read:
		t.Fatalf("the read ran during the write: %v", err)
	case <-time.After(10 * time.Millisecond):
	}
	close(release)
	is.NoErr(<-wrote)
	is.NoErr(<-read) // runs once the write ends
}

// TestConcurrentCalls checks the number of slots of a store's gate: as
// many as GOMAXPROCS by default, as WithConcurrentCalls says otherwise,
// and a read connection for each.
func TestConcurrentCalls(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		want int
	}{
		{"default", nil, runtime.GOMAXPROCS(0)},
		{"six", []Option{WithConcurrentCalls(6)}, 6},
		{"one", []Option{WithConcurrentCalls(1)}, 1},
		{"zero", []Option{WithConcurrentCalls(0)}, runtime.GOMAXPROCS(0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			s := openTestStore(t, tc.opts...)
			is.Equal(s.d.gate.free, tc.want)                          // slots of the gate
			is.True(s.d.reader.Stats().MaxOpenConnections >= tc.want) // a read connection for each slot
		})
	}
}

// TestReadsRunWhileAWriteWaitsForTheLock checks that a write holds reads
// back only once it has SQLite's write lock: while it waits for another
// connection to the file that holds the lock (one that does not take the
// lock file, as the sqlite3 shell does not), the store's reads go on.
func TestReadsRunWhileAWriteWaitsForTheLock(t *testing.T) {
	is := is.New(t)
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "grouping.db")
	s, err := Open(ctx, path, WithBusyTimeout(time.Minute))
	is.NoErr(err)
	defer func() { is.NoErr(s.Close()) }()
	org := uuid.New()
	_, err = s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Waiting"})
	is.NoErr(err)

	other, err := sql.Open("sqlite", "file:"+path)
	is.NoErr(err)
	defer other.Close()
	lock, err := other.Conn(ctx)
	is.NoErr(err)
	defer lock.Close()
	_, err = lock.ExecContext(ctx, "BEGIN IMMEDIATE")
	is.NoErr(err) // the other connection holds the write lock

	wrote := make(chan error, 1)
	go func() {
		_, err := s.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Renamed"})
		wrote <- err
	}()
	waitFor(t, "the write to take its turn", func() bool { return len(s.d.turn) == 1 })

	// Reads one after another for 300 ms: the write reaches BEGIN
	// IMMEDIATE, which waits for the lock, microseconds after taking its
	// turn, so that on any machine most of these run while it waits there.
	for start := time.Now(); time.Since(start) < 300*time.Millisecond; time.Sleep(30 * time.Millisecond) {
		read := make(chan error, 1)
		go func() {
			_, err := s.ListGroups(ctx, org, grouping.ListGroupsOptions{})
			read <- err
		}()
		select {
		case err := <-read:
			is.NoErr(err) // the read ran while the write waited
		case <-time.After(5 * time.Second):
			t.Fatal("a read waited for the write that waits for the lock")
		}
		select {
		case err := <-wrote:
			t.Fatalf("the write ended while another connection held the lock: %v", err)
		default:
		}
	}
	_, err = lock.ExecContext(ctx, "ROLLBACK")
	is.NoErr(err)
	is.NoErr(<-wrote) // the write goes through once the lock is free
}
