package grouping_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// checkGapless asserts that ev is numbered from..from+len-1 with no gap.
func checkGapless(is *is.I, ev []grouping.Event, from int64) {
	for i, e := range ev {
		is.Equal(e.Sequence, from+int64(i)) // gapless, in order
	}
}

// Concurrent writers to one organisation, with failing calls mixed in, give
// a gapless sequence in commit order; a reader following with WaitEvents
// never sees a gap; another tenant's numbering is unaffected.
func TestHostileConcurrentSequences(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		f := newOrg(t, s)
		other := newOrg(t, s)
		const writers, perWriter = 6, 15
		chans := make([]uuid.UUID, writers)
		for i := range chans {
			chans[i] = newChannel(t, s, f.org)
		}
		base := head(t, s, f.tenant)
		want := base + writers*perWriter*2 // each iteration: a group and an assign or move

		readerErr := make(chan error, 1)
		rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		go func() {
			after := int64(0)
			for after < want {
				p, err := s.WaitEvents(rctx, f.tenant, after, 7)
				if err != nil {
					readerErr <- err
					return
				}
				for _, e := range p.Events {
					if e.Sequence != after+1 {
						readerErr <- fmt.Errorf("reader saw %d after %d", e.Sequence, after)
						return
					}
					after = e.Sequence
				}
			}
			readerErr <- nil
		}()

		var wg sync.WaitGroup
		var failures sync.Map
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < perWriter; i++ {
					g, err := s.CreateGroup(ctx, f.org, grouping.NewGroup{Name: fmt.Sprintf("w%d-%d", w, i)})
					if err != nil {
						failures.Store(fmt.Sprint(w, i), err)
						continue
					}
					// A duplicate that must fail and take no number.
					if _, err := s.CreateGroup(ctx, f.org, grouping.NewGroup{Name: fmt.Sprintf("W%d-%d", w, i)}); !errors.Is(err, grouping.ErrConflict) {
						failures.Store(fmt.Sprint("dup", w, i), err)
					}
					if err := s.MoveChannel(ctx, f.org, g.ID, chans[w]); err != nil {
						failures.Store(fmt.Sprint("move", w, i), err)
					}
					// Another tenant gets writes too.
					if _, err := s.CreateGroup(ctx, other.org, grouping.NewGroup{Name: fmt.Sprintf("o%d-%d", w, i)}); err != nil {
						failures.Store(fmt.Sprint("other", w, i), err)
					}
				}
			}(w)
		}
		wg.Wait()
		failures.Range(func(k, v any) bool { t.Errorf("%v: %v", k, v); return true })
		is.NoErr(<-readerErr) // the reader saw every event in order

		ev := allEvents(t, s, f.tenant, 0)
		is.Equal(int64(len(ev)), want) // one event per change
		checkGapless(is, ev, 1)
		// Commit order: each created group went to the end, so positions
		// of group.created events increase with their sequence.
		last := -1
		for _, e := range ev {
			if e.Type != grouping.EventGroupCreated {
				continue
			}
			d := decode[grouping.GroupEventData](t, e)
			is.True(d.Group.Position > last) // positions follow sequence (commit order)
			last = d.Group.Position
		}
		oev := allEvents(t, s, other.tenant, 0)
		is.Equal(len(oev), 1+writers*perWriter) // the other tenant: its own numbering
		checkGapless(is, oev, 1)
	})
}

// WaitEvents returns at once when events exist, wakes on a commit, and
// ends with an Internal error wrapping the context's error.
func TestHostileWaitEvents(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		f := newOrg(t, s)
		p, err := s.WaitEvents(ctx, f.tenant, 0, 0)
		is.NoErr(err)              // events exist
		is.Equal(len(p.Events), 1) // organisation.created

		got := make(chan grouping.EventPage, 1)
		errc := make(chan error, 1)
		go func() {
			p, err := s.WaitEvents(ctx, f.tenant, 1, 0)
			errc <- err
			got <- p
		}()
		time.Sleep(100 * time.Millisecond)
		select {
		case <-errc:
			t.Fatal("WaitEvents returned without a commit")
		default:
		}
		// A failed call must not wake it with an empty page.
		_, err = s.CreateGroup(ctx, f.org, grouping.NewGroup{Name: ""})
		is.True(err != nil) // invalid
		newGroup(t, s, f.org, "G")
		select {
		case err := <-errc:
			is.NoErr(err) // woken
			p := <-got
			is.Equal(len(p.Events), 1)                             // one event
			is.Equal(p.Events[0].Type, grouping.EventGroupCreated) // the new one
		case <-time.After(10 * time.Second):
			t.Fatal("WaitEvents not woken by a commit")
		}

		// Another tenant's commit does not end the wait with an empty page.
		cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		go func() { time.Sleep(50 * time.Millisecond); newOrg(t, s) }()
		p, err = s.WaitEvents(cctx, f.tenant, 2, 0)
		is.True(err != nil)                                  // the deadline ends it
		is.Equal(grouping.ErrorCode(err), grouping.Internal) // Internal
		is.True(errors.Is(err, context.DeadlineExceeded))    // wrapping the context's error
		is.Equal(len(p.Events), 0)                           // nothing

		done, cancel2 := context.WithCancel(ctx)
		cancel2()
		_, err = s.WaitEvents(done, f.tenant, 0, 0)
		t.Logf("WaitEvents with a done context and events available: %v", err)
		_, err = s.WaitEvents(done, f.tenant, 99, 0)
		is.True(errors.Is(err, context.Canceled)) // done context, nothing to read
	})
}

// PruneEvents keeps what an active consumer has not handled, ignores
// inactive ones, and numbers are never reused.
func TestHostilePruneRespectsConsumers(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		f := newOrg(t, s)
		for i := 0; i < 9; i++ {
			newGroup(t, s, f.org, fmt.Sprint("g", i))
		}
		// 10 events. An active consumer at 4 holds back 5..10.
		is.NoErr(s.SaveEventConsumer(ctx, grouping.EventConsumer{Name: "hook", Tenant: f.tenant, Position: 4, Active: true})) // save
		c, err := s.EventConsumer(ctx, "hook", f.tenant)
		is.NoErr(err)                  // read back
		is.Equal(c.Position, int64(4)) // position kept
		is.True(c.Active)              // active
		is.True(!c.UpdatedAt.IsZero()) // updated at set
		_, err = s.EventConsumer(ctx, "hook", grouping.WorkspaceOf(f.org))
		is.True(errors.Is(err, grouping.ErrNotFound)) // per tenant
		n, err := s.PruneEvents(ctx, grouping.Retention{MaxCount: 1})
		is.NoErr(err) // prune
		ev := allEvents(t, s, f.tenant, 0)
		is.True(len(ev) > 0 && ev[0].Sequence <= 5) // 5 onward kept
		is.Equal(ev[len(ev)-1].Sequence, int64(10)) // head kept
		t.Logf("pruned %d, first kept %d", n, ev[0].Sequence)

		// An inactive consumer holds nothing back.
		is.NoErr(s.SaveEventConsumer(ctx, grouping.EventConsumer{Name: "hook", Tenant: f.tenant, Position: 4, Active: false})) // disable
		_, err = s.PruneEvents(ctx, grouping.Retention{MaxCount: 1})
		is.NoErr(err) // prune
		ev = allEvents(t, s, f.tenant, 0)
		is.Equal(len(ev), 1)                // one kept
		is.Equal(ev[0].Sequence, int64(10)) // the newest
		p, err := s.Events(ctx, f.tenant, 0, 0)
		is.NoErr(err)                             // read from start
		is.Equal(p.Events[0].Sequence, int64(10)) // from the first kept

		// MaxAge 1ns prunes everything (no active consumer); numbers go on.
		time.Sleep(5 * time.Millisecond)
		_, err = s.PruneEvents(ctx, grouping.Retention{MaxAge: time.Nanosecond})
		is.NoErr(err)                                  // prune all
		is.Equal(len(allEvents(t, s, f.tenant, 0)), 0) // gone
		newGroup(t, s, f.org, "after")
		ev = allEvents(t, s, f.tenant, 0)
		is.Equal(len(ev), 1)                // one new event
		is.Equal(ev[0].Sequence, int64(11)) // never reused

		is.NoErr(s.DeleteEventConsumer(ctx, "hook", f.tenant))                                       // delete
		is.True(errors.Is(s.DeleteEventConsumer(ctx, "hook", f.tenant), grouping.ErrNotFound))       // twice
		is.True(s.SaveEventConsumer(ctx, grouping.EventConsumer{Name: "", Tenant: f.tenant}) != nil) // empty name
		long := make([]byte, 256)
		for i := range long {
			long[i] = 'a'
		}
		is.True(s.SaveEventConsumer(ctx, grouping.EventConsumer{Name: string(long), Tenant: f.tenant}) != nil) // 256 chars
		is.NoErr(s.SaveEventConsumer(ctx, grouping.EventConsumer{Name: string(long[:255]), Tenant: f.tenant})) // 255 chars
	})
}

// An active consumer at position 0 holds back every event.
func TestHostilePruneConsumerAtZero(t *testing.T) {
	eachStore(t, func(t *testing.T, s hostileStore) {
		is := is.New(t)
		ctx := context.Background()
		f := newOrg(t, s)
		for i := 0; i < 4; i++ {
			newGroup(t, s, f.org, fmt.Sprint("g", i))
		}
		is.NoErr(s.SaveEventConsumer(ctx, grouping.EventConsumer{Name: "new", Tenant: f.tenant, Position: 0, Active: true})) // save at 0
		time.Sleep(5 * time.Millisecond)
		_, err := s.PruneEvents(ctx, grouping.Retention{MaxAge: time.Nanosecond, MaxCount: 1})
		is.NoErr(err)                                  // prune
		is.Equal(len(allEvents(t, s, f.tenant, 0)), 5) // nothing removed
		// A consumer of another tenant holds nothing back here.
		o := newOrg(t, s)
		newGroup(t, s, o.org, "x")
		time.Sleep(5 * time.Millisecond)
		_, err = s.PruneEvents(ctx, grouping.Retention{MaxCount: 1})
		is.NoErr(err)                                  // prune
		is.Equal(len(allEvents(t, s, o.tenant, 0)), 1) // o pruned to one
		is.Equal(len(allEvents(t, s, f.tenant, 0)), 5) // f still held back
	})
}
