package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/channelgrouping/grouping/webhook"
	"github.com/matryer/is"
)

var discard = slog.New(slog.DiscardHandler)

func TestDeliveryIsSignedAndKeepsItsIDAcrossRetries(t *testing.T) {
	is := is.New(t)
	secrets := []string{secretOf('o', 32), secretOf('n', 32)}
	attempts := 0
	rc, srv := newReceiver(t, secrets, 0, func(seq int64) action {
		attempts++
		switch {
		case seq == 2:
			return gone // so that Run ends by itself, with event 1's position saved
		case attempts <= 2:
			return fail
		}
		return accept
	})
	store := memstore.New()
	o := newOrg(store)
	o.write(t, 2)
	d, err := webhook.New(store, []webhook.Endpoint{{ID: "signed", URL: srv.URL, Tenant: o.tenant, Secrets: secrets}}, fast()...)
	is.NoErr(err) // a valid endpoint
	waitRun(t, runIn(context.Background(), d), "with its only endpoint disabled")

	page, err := store.Events(context.Background(), o.tenant, 0, 1)
	is.NoErr(err)                 // the log reads
	is.Equal(len(page.Events), 1) // event 1 is there
	ev := page.Events[0]
	want, err := ev.MarshalJSON()
	is.NoErr(err) // the event encodes

	rc.mu.Lock()
	seen := slices.Clone(rc.seen)
	problems := slices.Clone(rc.problems)
	rc.mu.Unlock()
	is.Equal(problems, []string(nil)) // every request verified and was well formed
	is.Equal(len(seen), 4)            // event 1 failed twice, then was delivered; then event 2
	for _, s := range seen[:3] {
		is.True(bytes.Equal(s.body, want))                         // the body is the event's JSON
		is.Equal(s.header.Get(webhook.HeaderID), ev.ID.String())   // webhook-id is the event's ID on every attempt
		is.Equal(s.header.Get("Content-Type"), "application/json") // JSON is declared
		ts := s.header.Get(webhook.HeaderTimestamp)
		sigs := strings.Fields(s.header.Get(webhook.HeaderSignature))
		is.Equal(len(sigs), 2) // one signature per secret
		for i, secret := range secrets {
			is.Equal(sigs[i], "v1,"+hmacOf(t, secret, ev.ID.String(), ts, s.body))      // an independent HMAC agrees
			is.NoErr(webhook.Verify([]string{secret}, s.header, s.body, 0, time.Now())) // and Verify accepts either secret
		}
	}
	is.Equal(seen[3].seq, int64(2)) // event 2 followed
	c, err := store.EventConsumer(context.Background(), "signed", o.tenant)
	is.NoErr(err)                  // the endpoint has a consumer
	is.Equal(c.Position, int64(1)) // saved past the delivered event
}

func TestChaoticReceiverGetsEveryEventInOrderAcrossARestart(t *testing.T) {
	is := is.New(t)
	const (
		total  = 150 // events written in all
		window = 25  // how far the writer runs ahead of the receiver
	)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	secrets := []string{secretOf('c', 32)}
	var rc *receiver
	var goneFrom int64 // set once the writer is done; rc.mu guards it
	rc, srv := newReceiver(t, secrets, 0, func(seq int64) action {
		// called with rc.mu held: rng needs no lock of its own
		if goneFrom > 0 && seq >= goneFrom {
			return gone
		}
		switch x := rng.Float64(); {
		case x < 0.30:
			return fail
		case x < 0.35:
			return slow
		case x < 0.42:
			return drop
		}
		return accept
	})
	store := memstore.New()
	o := newOrg(store)
	ep := webhook.Endpoint{ID: "chaos", URL: srv.URL, Tenant: o.tenant, Secrets: secrets}
	opts := fast(webhook.WithRequestTimeout(50 * time.Millisecond))

	// The writer stays at most window events ahead of the receiver, so that
	// writes go on while events are delivered, before and after the restart.
	writerDone := make(chan struct{})
	stopWriter := make(chan struct{})
	go func() {
		defer close(writerDone)
		for n := o.count(); n < total; n = o.count() {
			rc.mu.Lock()
			ahead, changed := int64(n)-rc.last, rc.changed
			rc.mu.Unlock()
			if ahead >= window {
				select {
				case <-changed:
				case <-stopWriter:
					return
				}
				continue
			}
			o.write(t, 1)
		}
	}()
	t.Cleanup(func() { close(stopWriter); <-writerDone })

	d1, err := webhook.New(store, []webhook.Endpoint{ep}, opts...)
	is.NoErr(err) // the first sender
	stop1 := run(t, d1)
	rc.waitFor(t, "a third of the events", func() bool { return rc.last >= total/3 })
	stop1()
	o.write(t, 5) // written while no sender runs

	d2, err := webhook.New(store, []webhook.Endpoint{ep}, opts...)
	is.NoErr(err) // the sender after the restart
	done2 := runIn(context.Background(), d2)
	<-writerDone
	n := int64(o.count())
	rc.waitFor(t, "every event", func() bool { return rc.last == n })
	// One more event, answered 410, ends Run once event n's position is
	// saved.
	rc.mu.Lock()
	goneFrom = n + 1
	rc.mu.Unlock()
	o.write(t, 1)
	waitRun(t, done2, "with its only endpoint disabled")

	requests, last, accepts, problems := rc.snapshot()
	is.Equal(problems, []string(nil)) // valid signatures, well-formed requests, no gap
	is.Equal(last, n)                 // every event was accepted
	var inOrder []int64
	for _, seq := range accepts {
		if len(inOrder) == 0 || seq > inOrder[len(inOrder)-1] {
			inOrder = append(inOrder, seq)
		}
	}
	want := make([]int64, n)
	for i := range want {
		want[i] = int64(i + 1)
	}
	is.Equal(inOrder, want) // the new events accepted, in acceptance order, are 1..n without a gap
	page, err := store.Events(context.Background(), o.tenant, 0, int(n))
	is.NoErr(err) // the log reads
	rc.mu.Lock()
	for _, ev := range page.Events {
		is.Equal(rc.ids[ev.Sequence], ev.ID.String()) // each sequence came with its event's ID
	}
	counts := rc.counts
	rc.mu.Unlock()
	is.True(counts[fail] > 0 && counts[slow] > 0 && counts[drop] > 0) // every kind of failure happened
	t.Logf("%d events, %d requests, %d accepted (%d duplicates), %d answered 500, %d too slow, %d dropped",
		n, requests, len(accepts), len(accepts)-int(n), counts[fail], counts[slow], counts[drop])

	c, err := store.EventConsumer(context.Background(), "chaos", o.tenant)
	is.NoErr(err)           // the consumer exists
	is.Equal(c.Position, n) // at the last event accepted, before the one answered 410
}

func TestGoneDisablesTheEndpointAndPruningPassesIt(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	secrets := []string{secretOf('g', 32)}
	goneRC, goneSrv := newReceiver(t, secrets, 0, func(seq int64) action {
		if seq >= 4 {
			return gone
		}
		return accept
	})
	liveRC, liveSrv := newReceiver(t, secrets, 0, func(int64) action { return accept })
	store := memstore.New()
	o := newOrg(store)
	o.write(t, 10)
	disabled := make(chan error, 1)
	d, err := webhook.New(store, []webhook.Endpoint{
		{ID: "gone", URL: goneSrv.URL, Tenant: o.tenant, Secrets: secrets},
		{ID: "live", URL: liveSrv.URL, Tenant: o.tenant, Secrets: secrets},
	}, fast(webhook.WithOnDisable(func(ep webhook.Endpoint, reason error) {
		if ep.ID != "gone" {
			t.Errorf("endpoint %q disabled: %v", ep.ID, reason)
			return
		}
		disabled <- reason
	}))...)
	is.NoErr(err) // two endpoints of one tenant
	stop := run(t, d)
	select {
	case reason := <-disabled:
		is.True(errors.Is(reason, webhook.ErrGone)) // disabled because of the 410
	case <-time.After(30 * time.Second):
		t.Fatal("the endpoint answering 410 was not disabled")
	}
	liveRC.waitFor(t, "every event at the live endpoint", func() bool { return liveRC.last == 10 })
	stop()

	requests, last, _, problems := goneRC.snapshot()
	is.Equal(problems, []string(nil)) // the 410 endpoint was sent valid requests
	is.Equal(requests, 4)             // events 1–3, then 4, answered 410, and nothing more
	is.Equal(last, int64(3))          // it accepted 1–3
	gc, err := store.EventConsumer(ctx, "gone", o.tenant)
	is.NoErr(err)                   // its consumer is kept
	is.True(!gc.Active)             // inactive: it holds nothing back
	is.Equal(gc.Position, int64(3)) // at the last event it accepted
	lc, err := store.EventConsumer(ctx, "live", o.tenant)
	is.NoErr(err)                                  // the live endpoint's consumer
	is.True(lc.Active)                             // is active
	is.True(lc.Position == 10 || lc.Position == 9) // at its last event, or before it when the stop cut its answer short

	o.write(t, 5) // events 11–15, which no one has received
	pruned, err := store.PruneEvents(ctx, grouping.Retention{MaxCount: 1})
	is.NoErr(err)                 // pruning works
	is.Equal(pruned, lc.Position) // everything up to the live endpoint's position went, the 410 endpoint's unread events with it
	page, err := store.Events(ctx, o.tenant, 0, 100)
	is.NoErr(err)                                                 // the log reads
	is.Equal(page.Events[0].Sequence, lc.Position+1)              // the live endpoint's unread events are kept
	is.Equal(page.Events[len(page.Events)-1].Sequence, int64(15)) // up to the newest
}

func TestDisabledEndpointStaysDisabledUnlessReenabled(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	secrets := []string{secretOf('d', 32)}
	rc, srv := newReceiver(t, secrets, 2, func(int64) action { return accept })
	store := memstore.New()
	o := newOrg(store)
	o.write(t, 5)
	is.NoErr(store.SaveEventConsumer(ctx, grouping.EventConsumer{Name: "off", Tenant: o.tenant, Position: 2})) // disabled after event 2
	ep := webhook.Endpoint{ID: "off", URL: srv.URL, Tenant: o.tenant, Secrets: secrets}

	var logs syncBuffer
	d, err := webhook.New(store, []webhook.Endpoint{ep}, fast(webhook.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))...)
	is.NoErr(err) // a valid endpoint
	// Its only endpoint being disabled, Run returns by itself.
	waitRun(t, runIn(ctx, d), "with every endpoint disabled")
	requests, _, _, _ := rc.snapshot()
	is.Equal(requests, 0)                                   // nothing was sent
	is.True(strings.Contains(logs.String(), "is disabled")) // the log says why
	c, err := store.EventConsumer(ctx, "off", o.tenant)
	is.NoErr(err)                  // the consumer is kept
	is.True(!c.Active)             // still disabled
	is.Equal(c.Position, int64(2)) // where it was

	d, err = webhook.New(store, []webhook.Endpoint{ep}, fast(webhook.WithReenable())...)
	is.NoErr(err) // the same endpoint, to be re-enabled
	stop := run(t, d)
	rc.waitFor(t, "events 3–5", func() bool { return rc.last == 5 })
	stop()
	_, _, accepts, problems := rc.snapshot()
	is.Equal(problems, []string(nil))   // valid requests, no gap
	is.Equal(accepts, []int64{3, 4, 5}) // resumed after its position
	c, err = store.EventConsumer(ctx, "off", o.tenant)
	is.NoErr(err)     // the consumer is kept
	is.True(c.Active) // and active again
}

// clock is a clock a test moves.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestRetryHorizonDisablesTheEndpoint(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	secrets := []string{secretOf('h', 32)}
	clk := &clock{now: time.Now()}
	start := clk.Now()
	var rc *receiver
	rc, srv := newReceiver(t, secrets, 0, func(int64) action {
		if rc.requests == 3 {
			clk.advance(25 * time.Hour) // the third attempt ends a day and an hour after the first
		}
		return fail
	})
	rc.now = clk.Now
	store := memstore.New()
	o := newOrg(store)
	o.write(t, 2)
	disabled := make(chan error, 1)
	d, err := webhook.New(store, []webhook.Endpoint{{ID: "down", URL: srv.URL, Tenant: o.tenant, Secrets: secrets}},
		fast(webhook.WithClock(clk.Now), webhook.WithOnDisable(func(_ webhook.Endpoint, reason error) { disabled <- reason }))...)
	is.NoErr(err) // the default horizon of 24 hours
	waitRun(t, runIn(ctx, d), "with its only endpoint disabled")

	select {
	case reason := <-disabled:
		is.True(errors.Is(reason, webhook.ErrRetryHorizon)) // disabled because the horizon passed
	default:
		t.Fatal("the endpoint was not disabled")
	}
	requests, last, _, problems := rc.snapshot()
	is.Equal(problems, []string(nil)) // valid requests
	is.Equal(requests, 3)             // no attempt after the horizon passed
	is.Equal(last, int64(0))          // nothing was delivered
	rc.mu.Lock()
	is.Equal(rc.seen[0].header.Get(webhook.HeaderTimestamp), strconvUnix(start)) // webhook-timestamp comes from the clock
	rc.mu.Unlock()
	c, err := store.EventConsumer(ctx, "down", o.tenant)
	is.NoErr(err)                  // the consumer is kept
	is.True(!c.Active)             // inactive
	is.Equal(c.Position, int64(0)) // before the event that never got through
}

func TestRunEndsPromptlyWhenItsContextEnds(t *testing.T) {
	is := is.New(t)
	secrets := []string{secretOf('r', 32)}
	rc, srv := newReceiver(t, secrets, 0, func(int64) action { return slow })
	store := memstore.New()
	o := newOrg(store)
	o.write(t, 1)
	d, err := webhook.New(store, []webhook.Endpoint{{ID: "hung", URL: srv.URL, Tenant: o.tenant, Secrets: secrets}},
		fast(webhook.WithRequestTimeout(time.Hour))...)
	is.NoErr(err) // a valid endpoint
	ctx, cancel := context.WithCancel(context.Background())
	done := runIn(ctx, d)
	rc.waitFor(t, "a request in flight", func() bool { return rc.requests == 1 })
	is.Equal(d.Run(ctx), webhook.ErrRunning) // one Run at a time

	cancel()
	select {
	case err := <-done:
		is.NoErr(err) // Run ends without an error
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not end within 5 s of its context ending, with a request in flight")
	}
	c, err := store.EventConsumer(context.Background(), "hung", o.tenant)
	is.NoErr(err)                  // the consumer was created
	is.Equal(c.Position, int64(0)) // the interrupted event was not counted as delivered
	is.True(c.Active)              // and the endpoint is not disabled

	waitRun(t, runIn(ctx, d), "when started with an ended context") // it may run again, and ends at once
}

func TestIdleDispatcherWakesForNewEvents(t *testing.T) {
	is := is.New(t)
	secrets := []string{secretOf('i', 32)}
	rc, srv := newReceiver(t, secrets, 0, func(int64) action { return accept })
	store := memstore.New()
	o := newOrg(store)
	ws := grouping.WorkspaceOf(o.tenant.ID) // a workspace with the same UUID is another tenant
	d, err := webhook.New(store, []webhook.Endpoint{
		{ID: "idle", URL: srv.URL, Tenant: o.tenant, Secrets: secrets},
		{ID: "idle", URL: srv.URL, Tenant: ws, Secrets: secrets},
	}, fast()...)
	is.NoErr(err) // one ID may serve several tenants
	stop := run(t, d)
	defer stop()
	for i := int64(1); i <= 3; i++ {
		o.write(t, 1)
		rc.waitFor(t, "the new event", func() bool { return rc.last == i }) // delivered without polling delay
	}
	_, _, accepts, problems := rc.snapshot()
	is.Equal(problems, []string(nil))   // valid requests
	is.Equal(accepts, []int64{1, 2, 3}) // each event once, in order
}

func TestNewRejectsBadEndpointsAndOptions(t *testing.T) {
	good := webhook.Endpoint{ID: "ok", URL: "https://example.com/hook", Tenant: grouping.OrganisationOf([16]byte{1}), Secrets: []string{secretOf('s', 32)}}
	with := func(f func(*webhook.Endpoint)) []webhook.Endpoint {
		e := good
		f(&e)
		return []webhook.Endpoint{e}
	}
	tests := []struct {
		name      string
		endpoints []webhook.Endpoint
		opts      []webhook.Option
		want      error
	}{
		{"empty ID", with(func(e *webhook.Endpoint) { e.ID = "" }), nil, webhook.ErrInvalidEndpoint},
		{"long ID", with(func(e *webhook.Endpoint) { e.ID = strings.Repeat("é", 256) }), nil, webhook.ErrInvalidEndpoint},
		{"ID not UTF-8", with(func(e *webhook.Endpoint) { e.ID = "\xff" }), nil, webhook.ErrInvalidEndpoint},
		{"ftp URL", with(func(e *webhook.Endpoint) { e.URL = "ftp://example.com/" }), nil, webhook.ErrInvalidEndpoint},
		{"relative URL", with(func(e *webhook.Endpoint) { e.URL = "/hook" }), nil, webhook.ErrInvalidEndpoint},
		{"URL without host", with(func(e *webhook.Endpoint) { e.URL = "https:///hook" }), nil, webhook.ErrInvalidEndpoint},
		{"URL that does not parse", with(func(e *webhook.Endpoint) { e.URL = "https://exa mple.com/%zz" }), nil, webhook.ErrInvalidEndpoint},
		{"zero tenant", with(func(e *webhook.Endpoint) { e.Tenant = grouping.Tenant{} }), nil, webhook.ErrInvalidEndpoint},
		{"nil tenant ID", with(func(e *webhook.Endpoint) { e.Tenant = grouping.WorkspaceOf([16]byte{}) }), nil, webhook.ErrInvalidEndpoint},
		{"no secret", with(func(e *webhook.Endpoint) { e.Secrets = nil }), nil, webhook.ErrInvalidSecret},
		{"bad secret", with(func(e *webhook.Endpoint) { e.Secrets = []string{"hunter2"} }), nil, webhook.ErrInvalidSecret},
		{"twice", []webhook.Endpoint{good, good}, nil, webhook.ErrInvalidEndpoint},
		{"zero backoff", nil, []webhook.Option{webhook.WithBackoff(0, time.Second)}, nil},
		{"max below initial", nil, []webhook.Option{webhook.WithBackoff(time.Second, time.Millisecond)}, nil},
		{"zero timeout", nil, []webhook.Option{webhook.WithRequestTimeout(0)}, nil},
		{"negative horizon", nil, []webhook.Option{webhook.WithRetryHorizon(-time.Hour)}, nil},
		{"nil client", nil, []webhook.Option{webhook.WithHTTPClient(nil)}, nil},
		{"nil logger", nil, []webhook.Option{webhook.WithLogger(nil)}, nil},
		{"nil clock", nil, []webhook.Option{webhook.WithClock(nil)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			d, err := webhook.New(memstore.New(), tt.endpoints, tt.opts...)
			is.True(err != nil) // refused
			is.True(d == nil)   // with no Dispatcher
			if tt.want != nil {
				is.True(errors.Is(err, tt.want)) // for the right reason
			}
		})
	}
	t.Run("valid", func(t *testing.T) {
		is := is.New(t)
		long := with(func(e *webhook.Endpoint) { e.ID = strings.Repeat("é", 255) })
		_, err := webhook.New(memstore.New(), long, webhook.WithHTTPClient(&http.Client{}), webhook.WithRetryHorizon(time.Minute))
		is.NoErr(err) // a 255-character ID and good options are accepted
		_, err = webhook.New(nil, nil)
		is.True(err != nil) // but not a nil log
	})
}

func TestForget(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	store := memstore.New()
	o := newOrg(store)
	is.NoErr(store.SaveEventConsumer(ctx, grouping.EventConsumer{Name: "old", Tenant: o.tenant, Active: true})) // an endpoint's consumer
	is.NoErr(webhook.Forget(ctx, store, "old", o.tenant))                                                       // forgotten
	_, err := store.EventConsumer(ctx, "old", o.tenant)
	is.True(errors.Is(err, grouping.ErrNotFound))                        // its consumer is gone
	is.NoErr(webhook.Forget(ctx, store, "old", o.tenant))                // forgetting it again is no error
	is.True(webhook.Forget(ctx, store, "old", grouping.Tenant{}) != nil) // a bad tenant is
}

// syncBuffer is a bytes.Buffer for a logger written from several
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
