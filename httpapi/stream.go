package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/channelgrouping/grouping"
)

// # Event streams
//
// A stream writes a tenant's events to one client as Server-Sent Events.
// All the streams of a tenant share one feed: a goroutine that waits for
// the tenant's events with the store's WaitEvents and hands each batch it
// reads to every stream of the tenant, encoded once. A stream has a
// bounded queue of batches it was handed and has not written yet; a feed
// never waits for a stream, and a stream whose queue would hold more than
// the buffer's worth of events is let go and ends. The feed ends when its
// last stream leaves, and when the store fails (its streams end with it).
//
// # Joining without gap or repeat
//
// A stream starts after a sequence number, start, and must write exactly
// the events after it, in order, each once. It proceeds in four steps,
// with cursor the sequence of the last event it wrote (start at first):
//
//  1. It reads pages from the store after cursor and writes them, until a
//     page says no more follow. This is the bulk of a catch-up, done before
//     joining so that the feed's batches do not pile up meanwhile.
//  2. It joins the tenant's feed, starting a feed at cursor if the tenant
//     has none. Joining takes, under the feed's lock, the feed's position
//     joined: the sequence of the last event the feed has handed out. The
//     feed changes its position only under the same lock, as it hands a
//     batch to every stream that has joined; so the stream is handed every
//     event after joined, in order, each once, and no event before.
//  3. While cursor < joined, it reads the events after cursor from the
//     store and writes them. The events up to joined were read by the feed,
//     so they are in the store, unless joined came from a stream that
//     started after the tenant's last event: then it waits for them with
//     WaitEvents. After this, cursor ≥ joined.
//  4. It writes the events of the batches it was handed whose sequence is
//     above cursor, moving cursor along. As the batches hold every event
//     after joined and joined ≤ cursor, every event after cursor is in
//     them (no gap); those up to cursor, already written in step 1 or 3,
//     are dropped (no repeat).
//
// Events pruned by the host's retention before a stream reads them are
// skipped, in every step alike: the store no longer has them.

// streamHub holds the feeds of the event streams of one API.
type streamHub struct {
	reader    grouping.EventReader
	logger    *slog.Logger
	heartbeat time.Duration
	buffer    int
	// batch is the largest number of events a feed reads at once: never
	// more than a stream's buffer holds.
	batch int

	// ctx ends when CloseStreams is called, and with it every stream and
	// feed.
	ctx    context.Context
	cancel context.CancelFunc
	feedWG sync.WaitGroup

	mu     sync.Mutex
	feeds  map[grouping.Tenant]*feed
	active map[*stream]struct{} // every stream being served
	closed bool
	// onChange, when set (by tests), is called after a stream joins or
	// leaves a feed, and after a stream is done.
	onChange func()
}

// feed reads one tenant's events for all of its streams.
type feed struct {
	tenant grouping.Tenant
	cancel context.CancelFunc

	mu sync.Mutex
	// last is the sequence of the last event handed to the streams.
	last int64
	subs map[*subscriber]struct{}
}

// subscriber is one stream's membership of a feed: the batches the feed
// handed it that it has not taken yet.
type subscriber struct {
	feed   *feed
	stream *stream
	max    int
	// wake has room for one signal: a batch was handed over, or the feed
	// let the stream go.
	wake chan struct{}

	mu      sync.Mutex
	batches [][]frame
	pending int   // events in batches
	err     error // why the feed let the stream go
}

// frame is one event, encoded as a Server-Sent Event.
type frame struct {
	seq int64
	b   []byte
}

var (
	errStreamsClosed = &grouping.Error{Code: grouping.Unavailable, Message: "The server is shutting down; reconnect to another instance or retry shortly"}
	errTooSlow       = errors.New("the client fell behind by more than its buffer holds")
)

// newStreamHub returns the hub of an API that reads events with reader
// (which may be nil when the API serves none).
func newStreamHub(reader grouping.EventReader, logger *slog.Logger, heartbeat time.Duration, buffer int) *streamHub {
	if heartbeat <= 0 {
		heartbeat = DefaultEventHeartbeat
	}
	if buffer <= 0 {
		buffer = DefaultEventBuffer
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &streamHub{
		reader:    reader,
		logger:    logger,
		heartbeat: heartbeat,
		buffer:    buffer,
		batch:     min(buffer, grouping.MaxEventLimit),
		ctx:       ctx,
		cancel:    cancel,
		feeds:     map[grouping.Tenant]*feed{},
		active:    map[*stream]struct{}{},
	}
}

// CloseStreams ends every open event stream of the API and its feeds, and
// makes new stream requests answer 503 with Retry-After; JSON pages of
// events are still served. It returns once the feeds have stopped, without
// waiting for each stream's last write. Calling it again does nothing.
//
// A server's Shutdown waits for every open request, and so for streams,
// which stay open until the client leaves: register CloseStreams so that
// Shutdown ends them at once,
//
//	srv.RegisterOnShutdown(api.CloseStreams)
//
// and Shutdown returns as soon as the other requests in flight are done.
// Clients reconnect, to this server once it runs again or to another one,
// and resume after the last event they received.
func (a *API) CloseStreams() {
	a.streams.close()
}

func (h *streamHub) close() {
	h.mu.Lock()
	already := h.closed
	h.closed = true
	streams := make([]*stream, 0, len(h.active))
	for st := range h.active {
		streams = append(streams, st)
	}
	h.mu.Unlock()
	if !already {
		h.cancel()
		for _, st := range streams {
			st.kick(errStreamsClosed)
		}
	}
	h.feedWG.Wait()
}

// begin registers a stream that is about to be served; it fails once
// CloseStreams was called.
func (h *streamHub) begin(st *stream) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return errStreamsClosed
	}
	h.active[st] = struct{}{}
	return nil
}

// end forgets a stream that is done.
func (h *streamHub) end(st *stream) {
	defer h.changed()
	h.mu.Lock()
	delete(h.active, st)
	h.mu.Unlock()
}

// changed calls the onChange hook, if any.
func (h *streamHub) changed() {
	h.mu.Lock()
	f := h.onChange
	h.mu.Unlock()
	if f != nil {
		f()
	}
}

// subscribe joins the tenant's feed, starting one at cursor when the
// tenant has none, and returns the subscriber with joined, the sequence
// after which it is handed every event.
func (h *streamHub) subscribe(st *stream, t grouping.Tenant, cursor int64) (*subscriber, int64, error) {
	defer h.changed()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, 0, errStreamsClosed
	}
	f := h.feeds[t]
	if f == nil {
		ctx, cancel := context.WithCancel(h.ctx)
		f = &feed{tenant: t, cancel: cancel, last: cursor, subs: map[*subscriber]struct{}{}}
		h.feeds[t] = f
		h.feedWG.Add(1)
		go h.run(ctx, f, cursor)
	}
	s := &subscriber{feed: f, stream: st, max: h.buffer, wake: make(chan struct{}, 1)}
	f.mu.Lock()
	f.subs[s] = struct{}{}
	joined := f.last
	f.mu.Unlock()
	return s, joined, nil
}

// unsubscribe takes s off its feed, and stops the feed when s was its last
// stream.
func (h *streamHub) unsubscribe(s *subscriber) {
	defer h.changed()
	h.mu.Lock()
	defer h.mu.Unlock()
	f := s.feed
	f.mu.Lock()
	delete(f.subs, s)
	empty := len(f.subs) == 0
	f.mu.Unlock()
	if empty && h.feeds[f.tenant] == f {
		delete(h.feeds, f.tenant)
		f.cancel()
	}
}

// run is the goroutine of a feed: it waits for the tenant's events after
// last and hands each batch to every stream of the tenant.
func (h *streamHub) run(ctx context.Context, f *feed, last int64) {
	defer h.feedWG.Done()
	defer f.cancel()
	for {
		page, err := h.reader.WaitEvents(ctx, f.tenant, last, h.batch)
		var frames []frame
		if err == nil {
			frames, err = encodeFrames(page.Events)
		}
		if err != nil {
			if ctx.Err() != nil {
				return // the last stream left, or CloseStreams
			}
			h.logger.ErrorContext(ctx, "event feed failed; its streams end", "tenant", f.tenant.String(), "after", last, "err", err)
			h.fail(f, err)
			return
		}
		if len(frames) == 0 {
			continue
		}
		last = frames[len(frames)-1].seq
		f.mu.Lock()
		f.last = last
		for s := range f.subs {
			if !s.push(frames) {
				delete(f.subs, s)
			}
		}
		f.mu.Unlock()
	}
}

// fail ends every stream of a feed whose store read failed, and forgets the
// feed, so that the next stream of the tenant starts a new one.
func (h *streamHub) fail(f *feed, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.feeds[f.tenant] == f {
		delete(h.feeds, f.tenant)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for s := range f.subs {
		s.end(fmt.Errorf("the event feed failed: %w", err))
	}
	clear(f.subs)
}

// push hands a batch to the subscriber. It reports false, and lets the
// stream go, when the batch would take its queue over the buffer: the
// stream is kicked, so that a write it is blocked in fails at once.
func (s *subscriber) push(b []frame) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return false
	}
	if s.pending+len(b) > s.max {
		s.err, s.batches, s.pending = errTooSlow, nil, 0
		s.signal()
		s.stream.kick(errTooSlow)
		return false
	}
	s.batches = append(s.batches, b)
	s.pending += len(b)
	s.signal()
	return true
}

// end lets the stream go with err.
func (s *subscriber) end(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err, s.batches, s.pending = err, nil, 0
	}
	s.signal()
}

func (s *subscriber) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// take returns the batches handed over since the last take, and the error
// the stream was let go with, if any.
func (s *subscriber) take() ([][]frame, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.batches, s.err
	s.batches, s.pending = nil, 0
	return b, err
}

// encodeFrames encodes events as Server-Sent Events: the sequence as id,
// the type as event, and the event's JSON, on one line, as data.
func encodeFrames(events []grouping.Event) ([]frame, error) {
	frames := make([]frame, len(events))
	for i, e := range events {
		if strings.ContainsAny(string(e.Type), "\r\n") {
			return nil, fmt.Errorf("event %d has a type with a line break", e.Sequence)
		}
		data, err := json.Marshal(e) // compact: one line
		if err != nil {
			return nil, fmt.Errorf("encode event %d: %w", e.Sequence, err)
		}
		b := make([]byte, 0, len(data)+len(e.Type)+40)
		b = append(b, "id: "...)
		b = strconv.AppendInt(b, e.Sequence, 10)
		b = append(b, "\nevent: "...)
		b = append(b, e.Type...)
		b = append(b, "\ndata: "...)
		b = append(b, data...)
		b = append(b, "\n\n"...)
		frames[i] = frame{seq: e.Sequence, b: b}
	}
	return frames, nil
}

// stream is one client's stream: where it writes, and the sequence of the
// last event it wrote.
type stream struct {
	hub    *streamHub
	w      http.ResponseWriter
	rc     *http.ResponseController
	r      *http.Request
	tenant grouping.Tenant
	cursor int64
	// timer fires when a heartbeat may be due: one is, if nothing was
	// flushed since lastFlush a heartbeat interval ago.
	timer     *time.Timer
	lastFlush time.Time
	// armedUntil is the write deadline last set.
	armedUntil time.Time

	// kickMu guards the write deadline against kick, which other
	// goroutines call.
	kickMu sync.Mutex
	// live is true until the handler is about to return: only then may
	// kick touch the connection, which may serve another request after.
	live bool
	// kicked is why the stream was made to end from outside: its writes
	// fail from then on.
	kicked error
}

// kick makes the stream end for reason: its write deadline is put in the
// past, so that a write it is blocked in, on a client that does not read,
// fails now rather than when the deadline it set comes.
func (s *stream) kick(reason error) {
	s.kickMu.Lock()
	defer s.kickMu.Unlock()
	if !s.live || s.kicked != nil {
		return
	}
	s.kicked = reason
	_ = s.rc.SetWriteDeadline(longAgo)
}

// longAgo is a write deadline that has passed.
var longAgo = time.Unix(1, 0)

// The lines a stream writes besides events.
var (
	retryLine     = []byte("retry: " + strconv.FormatInt(EventRetry.Milliseconds(), 10) + "\n\n")
	heartbeatLine = []byte(": heartbeat\n\n")
)

// serve streams the tenant's events after start to the client. Until the
// first page is read from the store, it answers errors as JSON like any
// route (exists tells whether the tenant exists, when it has no events to
// show); once the stream has begun, an error ends it.
func (h *streamHub) serve(w http.ResponseWriter, r *http.Request, t grouping.Tenant, start int64, exists func(context.Context, grouping.Tenant) error) {
	s := &stream{hub: h, w: w, rc: http.NewResponseController(w), r: r, tenant: t, cursor: start, live: true}
	if err := h.begin(s); err != nil {
		writeError(w, r, h.logger, err)
		return
	}
	defer h.end(s)
	defer func() {
		// From here on the connection is no longer the stream's.
		s.kickMu.Lock()
		s.live = false
		s.kickMu.Unlock()
	}()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(h.ctx, cancel)()

	page, err := h.reader.Events(ctx, t, start, grouping.MaxEventLimit)
	if err == nil && len(page.Events) == 0 {
		err = exists(ctx, t)
	}
	if err != nil {
		writeError(w, r, h.logger, err)
		return
	}
	err = s.run(ctx, page)
	s.kickMu.Lock()
	if s.kicked != nil {
		err = s.kicked // what made the write fail
	}
	s.kickMu.Unlock()
	switch {
	case errors.Is(err, errTooSlow):
		h.logger.InfoContext(r.Context(), "event stream ended: "+err.Error(), "tenant", t.String(), "last_event_id", s.cursor)
	case err == nil || errors.Is(err, errStreamsClosed) || r.Context().Err() != nil:
		// The client left, or CloseStreams.
	default:
		h.logger.DebugContext(r.Context(), "event stream ended", "tenant", t.String(), "last_event_id", s.cursor, "err", err)
	}
}

// run writes the stream, in the four steps described at the top of this
// file, until ctx ends or an error ends the stream. first is the first page
// after the stream's start.
func (s *stream) run(ctx context.Context, first grouping.EventPage) error {
	h := s.hub
	// The stream stays open for as long as the client stays: the server's
	// read deadline, if it has one, would end it. Writes get a deadline of
	// their own.
	_ = s.rc.SetReadDeadline(time.Time{})
	defer s.rc.SetWriteDeadline(time.Time{})
	hdr := s.w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Accel-Buffering", "no") // tell proxies not to buffer it
	hdr.Set("X-Content-Type-Options", "nosniff")
	s.w.WriteHeader(http.StatusOK)
	s.timer = time.NewTimer(h.heartbeat)
	defer s.timer.Stop()
	if err := s.line(retryLine); err != nil {
		return err
	}

	// 1. Catch up from the store.
	page := first
	for {
		if err := s.sendEvents(page.Events); err != nil {
			return err
		}
		if !page.More {
			break
		}
		var err error
		if page, err = h.reader.Events(ctx, s.tenant, s.cursor, grouping.MaxEventLimit); err != nil {
			return err
		}
	}

	// 2. Join the feed.
	sub, joined, err := h.subscribe(s, s.tenant, s.cursor)
	if err != nil {
		return err
	}
	defer h.unsubscribe(sub)

	// 3. Close the gap between the catch-up and the feed.
	for s.cursor < joined {
		page, err := h.reader.Events(ctx, s.tenant, s.cursor, grouping.MaxEventLimit)
		if err == nil && len(page.Events) == 0 {
			// The feed started after the tenant's last event: wait for the
			// events up to its start, with heartbeats meanwhile.
			wctx, cancel := context.WithTimeout(ctx, h.heartbeat)
			page, err = h.reader.WaitEvents(wctx, s.tenant, s.cursor, grouping.MaxEventLimit)
			cancel()
			if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				if err := s.beat(); err != nil {
					return err
				}
				continue
			}
		}
		if err != nil {
			return err
		}
		if err := s.sendEvents(page.Events); err != nil {
			return err
		}
	}

	// 4. Follow the feed.
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.timer.C:
			if wait := s.hub.heartbeat - time.Since(s.lastFlush); wait > 0 {
				s.timer.Reset(wait) // something was sent meanwhile
				continue
			}
			if err := s.beat(); err != nil {
				return err
			}
			s.timer.Reset(s.hub.heartbeat)
		case <-sub.wake:
			batches, err := sub.take()
			if err := s.send(batches...); err != nil {
				return err
			}
			if err != nil {
				return err
			}
		}
	}
}

// sendEvents encodes and writes events of the stream's own reading, and
// flushes them.
func (s *stream) sendEvents(events []grouping.Event) error {
	frames, err := encodeFrames(events)
	if err != nil {
		return err
	}
	return s.send(frames)
}

// send writes the frames of batches whose sequence is above the cursor,
// then flushes them.
func (s *stream) send(batches ...[]frame) error {
	wrote := false
	for _, frames := range batches {
		for _, f := range frames {
			if f.seq <= s.cursor {
				continue
			}
			if !wrote {
				if err := s.arm(); err != nil {
					return err
				}
			}
			if _, err := s.w.Write(f.b); err != nil {
				return err
			}
			s.cursor, wrote = f.seq, true
		}
	}
	if !wrote {
		return nil
	}
	return s.flush()
}

// beat writes a heartbeat.
func (s *stream) beat() error {
	return s.line(heartbeatLine)
}

// line writes and flushes a line that is no event.
func (s *stream) line(b []byte) error {
	if err := s.arm(); err != nil {
		return err
	}
	if _, err := s.w.Write(b); err != nil {
		return err
	}
	return s.flush()
}

// arm gives the writes up to the next flush a deadline, so that they end
// the stream when the client does not take them: a client that does not
// read for a heartbeat interval is gone or too slow. The deadline is set
// one and a half intervals ahead, and set again only when less than one
// interval is left, so that a busy stream does not set it on every batch.
// A kicked stream is not armed again.
func (s *stream) arm() error {
	s.kickMu.Lock()
	defer s.kickMu.Unlock()
	if s.kicked != nil {
		return s.kicked
	}
	now := time.Now()
	if s.armedUntil.Sub(now) >= s.hub.heartbeat {
		return nil
	}
	deadline := now.Add(s.hub.heartbeat * 3 / 2)
	err := s.rc.SetWriteDeadline(deadline)
	if errors.Is(err, http.ErrNotSupported) {
		return nil // a writer without deadlines, such as a test's recorder
	}
	if err == nil {
		s.armedUntil = deadline
	}
	return err
}

// flush sends what was written to the client, and puts the next heartbeat
// a full interval away.
func (s *stream) flush() error {
	if err := s.rc.Flush(); err != nil {
		if errors.Is(err, http.ErrNotSupported) {
			s.hub.logger.ErrorContext(s.r.Context(), "event stream cannot be flushed: a wrapper of the http.ResponseWriter implements neither http.Flusher nor Unwrap", "method", s.r.Method, "path", s.r.URL.Path)
		}
		return err
	}
	s.lastFlush = time.Now()
	return nil
}
