package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// takeUntil takes batches from s until it has the event numbered last, and
// returns their sequences.
func takeUntil(t *testing.T, s *subscriber, last int64) []int64 {
	t.Helper()
	var got []int64
	timeout := time.After(10 * time.Second)
	for len(got) == 0 || got[len(got)-1] < last {
		select {
		case <-s.wake:
		case <-timeout:
			t.Fatalf("the subscriber has %v, and is waiting for %d", got, last)
		}
		batches, err := s.take()
		if err != nil {
			t.Fatalf("the subscriber was let go: %v", err)
		}
		for _, b := range batches {
			for _, f := range b {
				got = append(got, f.seq)
			}
		}
	}
	return got
}

// TestFeedHandsEveryBatchToEverySubscriber checks the feed alone: two
// subscribers of one tenant get every event after the feed's position once,
// in order; a subscriber that takes nothing is let go when its buffer would
// overflow, and the other keeps getting events; the feed stops when its
// last subscriber leaves.
func TestFeedHandsEveryBatchToEverySubscriber(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	store := memstore.New()
	org := uuid.New()
	_, err := store.UpsertOrganisation(ctx, grouping.Organisation{ID: org, Name: "Feed"})
	is.NoErr(err) // event 1
	h := newStreamHub(store, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Hour, 4)
	defer h.close()
	tenant := grouping.OrganisationOf(org)
	st := func() *stream { return &stream{live: false} } // never kicked: no connection

	fast, joined, err := h.subscribe(st(), tenant, 1)
	is.NoErr(err)              // the first subscriber starts the feed
	is.Equal(joined, int64(1)) // at its own position
	slow, joined, err := h.subscribe(st(), tenant, 0)
	is.NoErr(err)              // the second joins it
	is.Equal(joined, int64(1)) // at the feed's position, not its own
	is.Equal(len(h.feeds), 1)  // one feed for both

	for i := range 3 {
		_, err := store.CreateGroup(ctx, org, grouping.NewGroup{Name: "g" + string(rune('a'+i))})
		is.NoErr(err) // events 2, 3, 4
	}
	is.Equal(takeUntil(t, fast, 4), []int64{2, 3, 4}) // every event after the feed's position, once, in order

	for i := range 4 {
		_, err := store.CreateGroup(ctx, org, grouping.NewGroup{Name: "h" + string(rune('a'+i))})
		is.NoErr(err) // events 5 to 8
		takeUntil(t, fast, int64(5+i))
	}
	// The slow subscriber held 3 events, took none, and was handed more:
	// the second took it over its buffer of 4, so it was let go, and only
	// it.
	_, err = slow.take()
	is.True(errors.Is(err, errTooSlow)) // let go as too slow
	h.mu.Lock()
	f := h.feeds[tenant]
	h.mu.Unlock()
	f.mu.Lock()
	_, kept := f.subs[fast]
	_, dropped := f.subs[slow]
	f.mu.Unlock()
	is.True(kept && !dropped) // the feed keeps the fast one only

	h.unsubscribe(slow)
	is.Equal(len(h.feeds), 1) // the feed runs while a subscriber is left
	h.unsubscribe(fast)
	is.Equal(len(h.feeds), 0) // and stops with the last
	stopped := make(chan struct{})
	go func() { h.feedWG.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("the feed's goroutine did not end after its last subscriber left")
	}
}

// failingReader is an EventReader whose WaitEvents fails once told to.
type failingReader struct {
	grouping.EventReader
	fail chan struct{}
}

func (r *failingReader) WaitEvents(ctx context.Context, t grouping.Tenant, after int64, limit int) (grouping.EventPage, error) {
	select {
	case <-r.fail:
		return grouping.EventPage{}, &grouping.Error{Code: grouping.Unavailable, Message: "database gone"}
	case <-ctx.Done():
		return grouping.EventPage{}, ctx.Err()
	}
}

// TestFeedFailureEndsItsSubscribers checks that a feed whose store fails
// lets its subscribers go with the error and is forgotten, so that the
// next stream starts a new feed.
func TestFeedFailureEndsItsSubscribers(t *testing.T) {
	is := is.New(t)
	r := &failingReader{EventReader: memstore.New(), fail: make(chan struct{})}
	h := newStreamHub(r, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Hour, 10)
	defer h.close()
	tenant := grouping.WorkspaceOf(uuid.New())
	sub, _, err := h.subscribe(&stream{}, tenant, 0)
	is.NoErr(err) // subscribed
	close(r.fail)
	select {
	case <-sub.wake:
	case <-time.After(10 * time.Second):
		t.Fatal("the subscriber was not told of the failure")
	}
	_, err = sub.take()
	is.Equal(grouping.ErrorCode(err), grouping.Unavailable) // the store's error
	h.mu.Lock()
	_, running := h.feeds[tenant]
	h.mu.Unlock()
	is.True(!running) // the failed feed is forgotten
	h.unsubscribe(sub)
}

// TestCloseStreamsStopsFeeds checks that CloseStreams stops every feed,
// refuses new subscribers, and may be called twice.
func TestCloseStreamsStopsFeeds(t *testing.T) {
	is := is.New(t)
	h := newStreamHub(memstore.New(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Hour, 10)
	for range 3 {
		_, _, err := h.subscribe(&stream{}, grouping.WorkspaceOf(uuid.New()), 0)
		is.NoErr(err) // a feed per tenant
	}
	done := make(chan struct{})
	go func() { h.close(); h.close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("CloseStreams did not return")
	}
	_, _, err := h.subscribe(&stream{}, grouping.WorkspaceOf(uuid.New()), 0)
	is.Equal(grouping.ErrorCode(err), grouping.Unavailable) // no stream starts after CloseStreams
}
