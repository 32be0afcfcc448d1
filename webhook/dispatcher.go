package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/channelgrouping/grouping"
)

// Defaults of a [Dispatcher].
const (
	// DefaultRetryHorizon is how long an event is retried after its first
	// failed attempt before its endpoint is disabled.
	DefaultRetryHorizon = 24 * time.Hour
	// DefaultInitialBackoff is the longest wait before the first retry;
	// each later retry may wait twice as long as the one before.
	DefaultInitialBackoff = 5 * time.Second
	// DefaultMaxBackoff caps the wait between two attempts.
	DefaultMaxBackoff = time.Hour
	// DefaultRequestTimeout bounds one attempt, from sending the request
	// to reading the response.
	DefaultRequestTimeout = 15 * time.Second
)

const (
	// batch is how many events one read of the log returns at most.
	batch = 100
	// maxDrain is how much of a response body is read before it is closed,
	// so that the connection can be reused; the body is not looked at.
	maxDrain = 64 << 10
	// maxStoreBackoff caps the wait before a failed store call is tried
	// again, so that delivery resumes soon after the store recovers.
	maxStoreBackoff = 30 * time.Second
	// saveTimeout bounds saving a position after ctx has ended, so that a
	// delivered event is not delivered again after a restart.
	saveTimeout = 5 * time.Second
	// userAgent is sent with every request.
	userAgent = "grouping-webhook/1"
)

// Reasons an endpoint is disabled, passed to the function of
// [WithOnDisable]; the reason wraps one of them.
var (
	// ErrGone: the endpoint answered 410 Gone, which asks the sender to
	// stop.
	ErrGone = errors.New("webhook: endpoint answered 410 Gone")
	// ErrRetryHorizon: an event kept failing for longer than the retry
	// horizon.
	ErrRetryHorizon = errors.New("webhook: retry horizon passed")
)

// ErrRunning is returned by [Dispatcher.Run] when the Dispatcher is already
// running.
var ErrRunning = errors.New("webhook: dispatcher already running")

// Option configures a [Dispatcher] in [New].
type Option func(*options) error

type options struct {
	client         *http.Client
	logger         *slog.Logger
	horizon        time.Duration
	initialBackoff time.Duration
	maxBackoff     time.Duration
	timeout        time.Duration
	clock          grouping.Clock
	startAtHead    bool
	reenable       bool
	onDisable      func(Endpoint, error)
}

// WithHTTPClient sets the client that sends requests (default: one on
// http.DefaultTransport). The Dispatcher uses a copy whose CheckRedirect
// never follows a redirect: a 3xx answer is a failed attempt, as the
// Standard Webhooks specification advises; configure the final URL
// instead.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("webhook: WithHTTPClient: nil client")
		}
		o.client = c
		return nil
	}
}

// WithLogger sets the logger of failed attempts, disabled endpoints and
// store errors (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("webhook: WithLogger: nil logger")
		}
		o.logger = l
		return nil
	}
}

// WithRetryHorizon sets how long an event is retried after its first failed
// attempt before its endpoint is disabled (default DefaultRetryHorizon).
// It must be positive.
func WithRetryHorizon(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("webhook: WithRetryHorizon: %s is not positive", d)
		}
		o.horizon = d
		return nil
	}
}

// WithBackoff sets the retry schedule: before retry n (from 0) the
// Dispatcher waits a random time between 0 and min(max, initial·2ⁿ)
// ("full jitter"), or as long as a Retry-After header asks when that is
// longer, but never more than max. Defaults DefaultInitialBackoff and
// DefaultMaxBackoff; initial must be positive and max at least initial.
func WithBackoff(initial, max time.Duration) Option {
	return func(o *options) error {
		if initial <= 0 || max < initial {
			return fmt.Errorf("webhook: WithBackoff: need 0 < initial (%s) <= max (%s)", initial, max)
		}
		o.initialBackoff, o.maxBackoff = initial, max
		return nil
	}
}

// WithRequestTimeout bounds each attempt, from sending the request to
// reading the response (default DefaultRequestTimeout). An attempt that
// takes longer fails and is retried. It must be positive.
func WithRequestTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("webhook: WithRequestTimeout: %s is not positive", d)
		}
		o.timeout = d
		return nil
	}
}

// WithClock sets where the Dispatcher reads the time (default time.Now):
// the webhook-timestamp of each attempt and the retry horizon. The waits
// between attempts use the runtime's timers whatever the clock.
func WithClock(c grouping.Clock) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("webhook: WithClock: nil clock")
		}
		o.clock = c
		return nil
	}
}

// WithStartAtHead makes an endpoint that has no consumer yet start after
// the tenant's newest event, receiving only the events that follow, instead
// of at position 0, which delivers every event the log still holds.
func WithStartAtHead() Option {
	return func(o *options) error {
		o.startAtHead = true
		return nil
	}
}

// WithReenable makes the Dispatcher deliver again to the endpoints whose
// consumer it finds disabled when it starts: each resumes after its saved
// position, the event that disabled it first. Events pruned meanwhile are
// missed (the Dispatcher logs the gap). Without it a disabled endpoint
// stays disabled.
func WithReenable() Option {
	return func(o *options) error {
		o.reenable = true
		return nil
	}
}

// WithOnDisable sets a function called when the Dispatcher disables an
// endpoint, after saving its consumer as inactive, with a reason wrapping
// [ErrGone] or [ErrRetryHorizon] (or, never expected, the error of an
// event that cannot be encoded as JSON): a hook to tell the endpoint's
// owner by other means. It runs on the endpoint's goroutine and should return soon.
func WithOnDisable(f func(ep Endpoint, reason error)) Option {
	return func(o *options) error {
		o.onDisable = f
		return nil
	}
}

// Dispatcher delivers tenants' change events to webhook endpoints. Make one
// with [New] and call [Dispatcher.Run].
type Dispatcher struct {
	log       grouping.EventLog
	endpoints []endpoint
	o         options
	client    *http.Client
	running   atomic.Bool
}

// New returns a Dispatcher of the events of log to endpoints. It returns an
// error wrapping [ErrInvalidEndpoint] when an endpoint is invalid (see
// [Endpoint.Validate]) or two have the same ID and tenant, and an error
// for a bad option. Endpoints may be empty; Run then returns at once.
func New(log grouping.EventLog, endpoints []Endpoint, opts ...Option) (*Dispatcher, error) {
	if log == nil {
		return nil, errors.New("webhook: New: nil event log")
	}
	o := options{
		logger:         slog.Default(),
		horizon:        DefaultRetryHorizon,
		initialBackoff: DefaultInitialBackoff,
		maxBackoff:     DefaultMaxBackoff,
		timeout:        DefaultRequestTimeout,
		clock:          time.Now,
	}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	d := &Dispatcher{log: log, o: o}
	type key struct {
		id     string
		tenant grouping.Tenant
	}
	seen := map[key]bool{}
	for _, e := range endpoints {
		ep, err := e.parse()
		if err != nil {
			return nil, err
		}
		k := key{e.ID, e.Tenant}
		if seen[k] {
			return nil, fmt.Errorf("%w %q: listed twice for %s", ErrInvalidEndpoint, e.ID, e.Tenant)
		}
		seen[k] = true
		d.endpoints = append(d.endpoints, ep)
	}
	client := &http.Client{}
	if o.client != nil {
		*client = *o.client
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	d.client = client
	return d, nil
}

// Run delivers events until ctx ends, with one goroutine per endpoint,
// and returns once every goroutine has returned: the requests in flight
// are cancelled with ctx and waited for. It also returns, nil, once every
// endpoint is disabled (or when there are none). It returns [ErrRunning]
// when the Dispatcher is running already; it may run again after it
// returns.
func (d *Dispatcher) Run(ctx context.Context) error {
	if !d.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer d.running.Store(false)
	var wg sync.WaitGroup
	for i := range d.endpoints {
		wg.Go(func() { d.serve(ctx, &d.endpoints[i]) })
	}
	wg.Wait()
	return nil
}

// serve delivers the events of one endpoint until ctx ends or the endpoint
// is disabled.
func (d *Dispatcher) serve(ctx context.Context, ep *endpoint) {
	log := d.o.logger.With("endpoint", ep.ID, "tenant", ep.Tenant.String())
	pos, ok := d.open(ctx, ep, log)
	if !ok {
		return
	}
	for fails := 0; ; {
		page, err := d.log.WaitEvents(ctx, ep.Tenant, pos, batch)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Warn("webhook: cannot read events", "err", err)
			if !sleep(ctx, d.storeBackoff(fails)) {
				return
			}
			fails++
			continue
		}
		fails = 0
		for _, ev := range page.Events {
			if ev.Sequence > pos+1 {
				log.Warn("webhook: events were pruned before they were delivered", "first_missed", pos+1, "last_missed", ev.Sequence-1)
			}
			switch err := d.deliver(ctx, ep, ev, log); {
			case errors.Is(err, errStopped):
				return
			case err != nil:
				d.disable(ctx, ep, pos, err, log)
				return
			}
			if !d.save(ctx, ep, ev.Sequence, true, log) {
				return
			}
			pos = ev.Sequence
		}
	}
}

// open returns the endpoint's position, creating its consumer when it has
// none, and false when the endpoint is disabled or ctx ended.
func (d *Dispatcher) open(ctx context.Context, ep *endpoint, log *slog.Logger) (int64, bool) {
	for fails := 0; ; fails++ {
		c, err := d.log.EventConsumer(ctx, ep.ID, ep.Tenant)
		switch {
		case err == nil && c.Active:
			return c.Position, true
		case err == nil && !d.o.reenable:
			log.Warn("webhook: endpoint is disabled; not delivering to it (a Dispatcher made WithReenable resumes it)", "position", c.Position, "disabled_at", c.UpdatedAt)
			return 0, false
		case err == nil:
			if !d.save(ctx, ep, c.Position, true, log) {
				return 0, false
			}
			log.Info("webhook: endpoint re-enabled", "position", c.Position)
			return c.Position, true
		case errors.Is(err, grouping.ErrNotFound):
			var pos int64
			if d.o.startAtHead {
				if pos, err = head(ctx, d.log, ep.Tenant); err != nil {
					break
				}
			}
			if !d.save(ctx, ep, pos, true, log) {
				return 0, false
			}
			log.Info("webhook: new endpoint", "position", pos)
			return pos, true
		}
		if ctx.Err() != nil {
			return 0, false
		}
		log.Warn("webhook: cannot open the endpoint's consumer", "err", err)
		if !sleep(ctx, d.storeBackoff(fails)) {
			return 0, false
		}
	}
}

// head returns the sequence of the tenant's newest event, 0 when it has
// none: an exponential search then a binary one, about 2·log₂(n) reads of
// one event each.
func head(ctx context.Context, log grouping.EventReader, tenant grouping.Tenant) (int64, error) {
	// after reports whether the tenant has an event after n.
	after := func(n int64) (bool, error) {
		p, err := log.Events(ctx, tenant, n, 1)
		return len(p.Events) > 0, err
	}
	p, err := log.Events(ctx, tenant, 0, 1)
	if err != nil || len(p.Events) == 0 {
		return 0, err
	}
	// Events after lo exist; none after hi.
	lo, hi := p.Events[0].Sequence-1, int64(0)
	for step := int64(1); ; step *= 2 {
		if step > math.MaxInt64/4 {
			return 0, errors.New("webhook: the event log has no end")
		}
		hi = lo + step
		more, err := after(hi)
		if err != nil {
			return 0, err
		}
		if !more {
			break
		}
		lo = hi
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		more, err := after(mid)
		if err != nil {
			return 0, err
		}
		if more {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi, nil
}

// errStopped ends a delivery because ctx ended.
var errStopped = errors.New("webhook: stopped")

// deliver sends ev until the endpoint accepts it. It returns nil once it
// has, errStopped when ctx ends first, and the reason to disable the
// endpoint when it answers 410 or the retry horizon passes.
func (d *Dispatcher) deliver(ctx context.Context, ep *endpoint, ev grouping.Event, log *slog.Logger) error {
	body, err := ev.MarshalJSON()
	if err != nil {
		// Never expected: the engine writes valid JSON. The event cannot be
		// skipped, so delivery stops here.
		return fmt.Errorf("webhook: event %d cannot be encoded: %w", ev.Sequence, err)
	}
	id := ev.ID.String()
	var first time.Time // of the first failed attempt
	for n := 0; ; n++ {
		a := d.attempt(ctx, ep, id, body)
		switch {
		case a.err == nil:
			return nil
		case ctx.Err() != nil:
			return errStopped
		case a.status == http.StatusGone:
			return fmt.Errorf("%w (event %d)", ErrGone, ev.Sequence)
		}
		now := d.o.clock()
		if first.IsZero() {
			first = now
		}
		if failing := now.Sub(first); failing >= d.o.horizon {
			return fmt.Errorf("%w: event %d failed %d times over %s; last: %w", ErrRetryHorizon, ev.Sequence, n+1, failing.Truncate(time.Second), a.err)
		}
		wait := d.backoff(n, a.retryAfter)
		log.Warn("webhook: delivery failed; retrying", "sequence", ev.Sequence, "attempt", n+1, "err", a.err, "retry_in", wait)
		if !sleep(ctx, wait) {
			return errStopped
		}
	}
}

// outcome is the result of one attempt: err is nil for a 2xx answer.
type outcome struct {
	status     int
	retryAfter time.Duration
	err        error
}

// attempt POSTs one event once, signed at the current time.
func (d *Dispatcher) attempt(ctx context.Context, ep *endpoint, id string, body []byte) outcome {
	ctx, cancel := context.WithTimeout(ctx, d.o.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return outcome{err: err}
	}
	now := d.o.clock()
	ts := strconv.FormatInt(now.Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set(HeaderID, id)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, signature(ep.keys, id, ts, body))
	resp, err := d.client.Do(req)
	if err != nil {
		// The error names the URL, user information redacted by net/http.
		return outcome{err: err}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return outcome{status: resp.StatusCode}
	}
	return outcome{
		status:     resp.StatusCode,
		retryAfter: retryAfter(resp.Header.Get("Retry-After"), now),
		err:        fmt.Errorf("%s answered %s", ep.where, resp.Status),
	}
}

// retryAfter reads a Retry-After header: seconds or an HTTP date; 0 when
// absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(min(s, int64(math.MaxInt64/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// backoff returns the wait before retry n (from 0): full jitter under
// min(max, initial·2ⁿ), at least floor (a Retry-After), at most max.
func (d *Dispatcher) backoff(n int, floor time.Duration) time.Duration {
	c := ceiling(d.o.initialBackoff, d.o.maxBackoff, n)
	return max(rand.N(c+1), min(floor, d.o.maxBackoff))
}

// storeBackoff returns the wait before a failed store call is tried again
// for the nth time.
func (d *Dispatcher) storeBackoff(n int) time.Duration {
	limit := min(d.o.maxBackoff, maxStoreBackoff)
	initial := min(d.o.initialBackoff, limit)
	c := ceiling(initial, limit, n)
	return c/2 + rand.N(c/2+1)
}

// ceiling returns min(limit, initial·2ⁿ) without overflow.
func ceiling(initial, limit time.Duration, n int) time.Duration {
	c := initial
	for range n {
		if c >= limit/2 {
			return limit
		}
		c *= 2
	}
	return min(c, limit)
}

// save writes the endpoint's consumer. While ctx lasts it retries until the
// store takes the write; once ctx has ended it tries once more, briefly, so
// that a delivered event is not delivered again after a restart. It reports
// whether the write was made.
func (d *Dispatcher) save(ctx context.Context, ep *endpoint, pos int64, active bool, log *slog.Logger) bool {
	for fails := 0; ; fails++ {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
		err := d.log.SaveEventConsumer(sctx, grouping.EventConsumer{Name: ep.ID, Tenant: ep.Tenant, Position: pos, Active: active})
		cancel()
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		log.Warn("webhook: cannot save the endpoint's position", "position", pos, "err", err)
		if !sleep(ctx, d.storeBackoff(fails)) {
			return false
		}
	}
}

// disable saves the endpoint's consumer as inactive at pos, so that it no
// longer holds back pruning, logs why and calls the WithOnDisable hook.
func (d *Dispatcher) disable(ctx context.Context, ep *endpoint, pos int64, reason error, log *slog.Logger) {
	if !d.save(ctx, ep, pos, false, log) {
		log.Warn("webhook: endpoint not disabled: stopped first; it is tried again at the next start", "reason", reason)
		return
	}
	log.Error("webhook: endpoint disabled; its events are no longer delivered nor kept for it", "reason", reason, "position", pos, "url", ep.where)
	if d.o.onDisable != nil {
		d.o.onDisable(ep.Endpoint, reason)
	}
}

// sleep waits for d or until ctx ends, and reports whether ctx is still
// alive.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
