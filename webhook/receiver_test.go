package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/channelgrouping/grouping/webhook"
	"github.com/google/uuid"
)

// This file holds the test harness: an organisation that writes events, a
// receiver that answers as a test tells it and checks what it is sent, and
// helpers to run a Dispatcher.

// org writes events to one organisation's log: the first write creates the
// organisation (organisation.created), each later one renames it
// (organisation.renamed), one event per write.
type org struct {
	store  *memstore.Store
	tenant grouping.Tenant
	mu     sync.Mutex
	n      int
}

func newOrg(store *memstore.Store) *org {
	return &org{store: store, tenant: grouping.OrganisationOf(uuid.New())}
}

// write appends k events; it is safe to call from several goroutines.
func (o *org) write(t *testing.T, k int) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for range k {
		o.n++
		org := grouping.Organisation{ID: o.tenant.ID, Name: fmt.Sprintf("Organisation %d", o.n)}
		if _, err := o.store.UpsertOrganisation(context.Background(), org); err != nil {
			t.Errorf("write event %d: %v", o.n, err)
		}
	}
}

func (o *org) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n
}

// action is how a receiver answers one request.
type action int

const (
	accept action = iota // 204, after recording the event
	fail                 // 500
	slow                 // no answer until the sender gives up
	drop                 // the connection is closed without an answer
	gone                 // 410
)

// receiver is a webhook endpoint under test. It verifies every request
// (signature, timestamp, headers, body) and records the events it accepts.
// An accepted event must be the next one after the last it accepted, or
// one it accepted before (a duplicate, which at-least-once allows); any
// other sequence is recorded as a problem.
type receiver struct {
	secrets []string
	decide  func(seq int64) action
	now     func() time.Time
	stop    chan struct{} // closed at the end of the test: hung handlers return

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every request
	requests int
	counts   map[action]int
	last     int64            // the last sequence accepted in order
	ids      map[int64]string // webhook-id of each sequence accepted
	accepts  []int64          // every accepted sequence, in order, duplicates included
	problems []string
	seen     []delivery // every request that verified, in order
}

// delivery is one verified request.
type delivery struct {
	header http.Header
	body   []byte
	seq    int64
}

// newReceiver serves a receiver for the rest of the test. last is the
// sequence it has accepted already (0 for a new endpoint).
func newReceiver(t *testing.T, secrets []string, last int64, decide func(seq int64) action) (*receiver, *httptest.Server) {
	rc := &receiver{
		secrets: secrets, decide: decide, now: time.Now, stop: make(chan struct{}),
		changed: make(chan struct{}), counts: map[action]int{}, last: last, ids: map[int64]string{},
	}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(rc.stop) }) // runs first: hung handlers return before Close waits for them
	return rc, srv
}

func (rc *receiver) problem(format string, args ...any) {
	rc.problems = append(rc.problems, fmt.Sprintf(format, args...))
}

// notify wakes the waiters; rc.mu is held.
func (rc *receiver) notify() {
	close(rc.changed)
	rc.changed = make(chan struct{})
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the sender gave up
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests++
	rc.notify()       // a request arrived
	defer rc.notify() // and was answered
	if err := webhook.Verify(rc.secrets, r.Header, body, 0, rc.now()); err != nil {
		rc.problem("request %d: %v", rc.requests, err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var ev struct {
		ID       string `json:"id"`
		Sequence int64  `json:"sequence"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		rc.problem("request %d: body: %v", rc.requests, err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if got := r.Header.Get(webhook.HeaderID); got != ev.ID {
		rc.problem("event %d: webhook-id %q, body id %q", ev.Sequence, got, ev.ID)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		rc.problem("event %d: content type %q", ev.Sequence, ct)
	}
	rc.seen = append(rc.seen, delivery{header: r.Header.Clone(), body: body, seq: ev.Sequence})
	a := rc.decide(ev.Sequence)
	rc.counts[a]++
	switch a {
	case fail:
		w.WriteHeader(http.StatusInternalServerError)
	case gone:
		w.WriteHeader(http.StatusGone)
	case slow:
		rc.mu.Unlock()
		select {
		case <-r.Context().Done():
		case <-rc.stop:
		}
		rc.mu.Lock()
	case drop:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			rc.problem("hijack: %v", err)
			return
		}
		conn.Close()
	case accept:
		switch {
		case ev.Sequence <= rc.last:
			if rc.ids[ev.Sequence] != ev.ID {
				rc.problem("event %d again with webhook-id %q, first %q", ev.Sequence, ev.ID, rc.ids[ev.Sequence])
			}
		case ev.Sequence == rc.last+1:
			rc.last = ev.Sequence
			rc.ids[ev.Sequence] = ev.ID
		default:
			rc.problem("event %d after event %d: a gap", ev.Sequence, rc.last)
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		rc.accepts = append(rc.accepts, ev.Sequence)
		w.WriteHeader(http.StatusNoContent)
	}
}

// waitFor waits until cond, called with rc.mu held, is true, and fails the
// test when the receiver records a problem first or cond is not true within
// a generous bound.
func (rc *receiver) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	for {
		rc.mu.Lock()
		ok, changed, problems := cond(), rc.changed, len(rc.problems)
		state := fmt.Sprintf("requests %d, last %d, problems %v", rc.requests, rc.last, rc.problems)
		rc.mu.Unlock()
		if ok {
			return
		}
		if problems > 0 {
			t.Fatalf("waiting for %s: %s", what, state)
		}
		select {
		case <-changed:
		case <-timeout.C:
			t.Fatalf("waiting for %s: %s", what, state)
		}
	}
}

// snapshot returns a copy of what the receiver recorded.
func (rc *receiver) snapshot() (requests int, last int64, accepts []int64, problems []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.requests, rc.last, append([]int64(nil), rc.accepts...), append([]string(nil), rc.problems...)
}

// run starts d.Run and returns a function that cancels it and waits for it
// to return.
func run(t *testing.T, d *webhook.Dispatcher) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := runIn(ctx, d)
	return func() {
		t.Helper()
		cancel()
		waitRun(t, done, "after its context ended")
	}
}

// runIn starts d.Run(ctx); its result comes on the channel.
func runIn(ctx context.Context, d *webhook.Dispatcher) <-chan error {
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	return done
}

// waitRun waits for Run to return nil, failing the test when it takes
// longer than a generous bound.
func waitRun(t *testing.T, done <-chan error, when string) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("Run did not return %s", when)
	}
}

// fast are the options of a Dispatcher for tests: short waits, no logs.
func fast(more ...webhook.Option) []webhook.Option {
	return append([]webhook.Option{
		webhook.WithBackoff(time.Millisecond, 5*time.Millisecond),
		webhook.WithRequestTimeout(5 * time.Second),
		webhook.WithLogger(discard),
	}, more...)
}

// strconvUnix returns t as a webhook-timestamp.
func strconvUnix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
