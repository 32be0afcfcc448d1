package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// sseItem is one thing an event stream sent: an event (id, event, data), a
// comment, or a retry field.
type sseItem struct {
	id, event, data string
	comment         string
	retry           string
}

// sseClient follows one event stream.
type sseClient struct {
	header http.Header
	// items receives what the stream sends; it is closed when the stream
	// ends, after which err says why.
	items  chan sseItem
	err    error
	cancel context.CancelFunc
	done   chan struct{}
}

// close ends the stream from the client's side and waits for its reader.
func (c *sseClient) close() {
	c.cancel()
	<-c.done
}

// readSSE parses a stream into items, as an EventSource would, until it
// ends. It returns why it ended (io.EOF for a clean end).
func readSSE(r io.Reader, items chan<- sseItem) error {
	br := bufio.NewReader(r)
	var cur sseItem
	hasData := false
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		line = strings.TrimSuffix(line, "\n")
		switch field, value, _ := strings.Cut(line, ":"); {
		case line == "":
			if hasData {
				items <- cur
			}
			cur, hasData = sseItem{}, false
		case field == "":
			items <- sseItem{comment: strings.TrimPrefix(value, " ")}
		case field == "retry":
			items <- sseItem{retry: strings.TrimPrefix(value, " ")}
		case field == "id":
			cur.id = strings.TrimPrefix(value, " ")
		case field == "event":
			cur.event = strings.TrimPrefix(value, " ")
		case field == "data":
			cur.data, hasData = strings.TrimPrefix(value, " "), true
		}
	}
}

// stream opens an event stream at path (below the prefix) with header, and
// checks that it starts: 200, as the OpenAPI document says, with the
// stream's headers. It is closed when the test ends.
func (e *env) stream(t testing.TB, path, token string, header map[string]string) *sseClient {
	t.Helper()
	c, err := e.openStream(t, path, token, header)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// openStream is stream for other goroutines than the test's: it fails
// with an error.
func (e *env) openStream(t testing.TB, path, token string, header map[string]string) (*sseClient, error) {
	ctx, cancel := context.WithCancel(context.Background())
	hr, err := http.NewRequestWithContext(ctx, "GET", e.srv.URL+e.prefix+path, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	hr.Header.Set("Accept", "text/event-stream")
	if token != "" {
		hr.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		hr.Header.Set(k, v)
	}
	client := e.srv.Client()
	if client == nil { // a server the test started itself
		client = &http.Client{Transport: &http.Transport{}}
	}
	res, err := client.Do(hr)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("open stream %s: %w", path, err)
	}
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		cancel()
		return nil, fmt.Errorf("open stream %s: status %d: %s", path, res.StatusCode, b)
	}
	if err := e.check.Check(hr, res.StatusCode, res.Header, nil); err != nil {
		t.Errorf("OpenAPI: %v", err)
	}
	for k, want := range map[string]string{
		"Content-Type":      "text/event-stream",
		"Cache-Control":     "no-cache",
		"X-Accel-Buffering": "no",
		"Vary":              "Accept",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("stream %s: %s is %q, want %q", path, k, got, want)
		}
	}
	c := &sseClient{header: res.Header, items: make(chan sseItem, 4096), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		defer res.Body.Close()
		c.err = readSSE(res.Body, c.items)
		close(c.items)
	}()
	t.Cleanup(c.close)
	return c, nil
}

// waitStreams waits until the API's streams satisfy cond.
func waitStreams(t testing.TB, counts func() httpapi.StreamCounts, changed <-chan struct{}, what string, cond func(httpapi.StreamCounts) bool) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for c := counts(); !cond(c); c = counts() {
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("%s: still %+v after 10s", what, c)
		}
	}
}

// next returns the next item of the stream, failing the test when none
// comes within 10 seconds; ok is false when the stream ended.
func (c *sseClient) next(t testing.TB) (item sseItem, ok bool) {
	t.Helper()
	select {
	case item, ok = <-c.items:
		return item, ok
	case <-time.After(10 * time.Second):
		t.Fatal("no item from the stream within 10s")
		return sseItem{}, false
	}
}

// nextEvent returns the next event, skipping comments and retry fields.
func (c *sseClient) nextEvent(t testing.TB) sseItem {
	t.Helper()
	for {
		item, ok := c.next(t)
		if !ok {
			t.Fatalf("the stream ended (%v) while an event was awaited", c.err)
		}
		if item.id != "" || item.data != "" {
			return item
		}
	}
}

// checkEventData checks an event of a stream against the document's event
// schema, as one event of a page of the same route.
func (e *env) checkEventData(t testing.TB, path string, item sseItem) {
	t.Helper()
	seq, err := strconv.ParseInt(item.id, 10, 64)
	if err != nil {
		t.Errorf("event id %q is not a sequence", item.id)
		return
	}
	var page any
	if strings.HasPrefix(path, "/workspaces/") {
		page = map[string]any{"results": []json.RawMessage{json.RawMessage(item.data)}, "next": seq, "hasMore": false}
	} else {
		page = map[string]any{"status": "success", "status_code": 200, "message": "Events fetched successfully",
			"data": map[string]any{"events": []json.RawMessage{json.RawMessage(item.data)}, "next": seq, "has_more": false}}
	}
	body, err := json.Marshal(page)
	if err != nil {
		t.Errorf("event data %s: %v", item.data, err)
		return
	}
	hr := httptest.NewRequest("GET", e.prefix+path, nil)
	if err := e.check.Check(hr, http.StatusOK, http.Header{"Content-Type": {"application/json"}}, body); err != nil {
		t.Errorf("OpenAPI: the stream's event does not match the document: %v", err)
	}
}

// TestEventStream follows an organisation's and a workspace's streams:
// the retry hint first, then every event in order, each with its sequence
// as id, its type as event and its JSON, as a page has it, as data; then the
// changes made while it is open.
func TestEventStream(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	e := newEnv(t, memstore.New(), envConfig{prefix: "/api"})
	e.withTokens()
	t.Cleanup(e.api.CloseStreams)
	a := e.fx.a
	org := "/organisations/" + a.org.String() + "/events"
	ws := "/workspaces/" + a.ws.String() + "/events"

	c := e.stream(t, org, a.token, nil)
	first, _ := c.next(t)
	is.Equal(first.retry, "2000") // a retry hint first, in milliseconds

	stored, want := storedEvents(t, e.store, grouping.OrganisationOf(a.org))
	for i := range stored {
		got := c.nextEvent(t)
		is.Equal(got.id, strconv.Itoa(i+1))         // ids are the sequence, from 1
		is.Equal(got.event, string(stored[i].Type)) // event is the type
		is.Equal(got.data, want[i])                 // data is the event's JSON, on one line
		e.checkEventData(t, org, got)
	}

	// Changes made while the stream is open, through the store and over
	// HTTP.
	g, err := e.store.CreateGroup(ctx, a.org, grouping.NewGroup{Name: "Live"})
	is.NoErr(err) // a group is created
	got := c.nextEvent(t)
	is.Equal(got.id, strconv.Itoa(len(stored)+1)) // the next sequence
	is.Equal(got.event, "group.created")          // of the change
	is.True(strings.Contains(got.data, g.ID.String()))
	res := e.do(t, request{method: "POST", path: "/organisations/" + a.org.String() + "/groups/" + g.ID.String() + "/channels/" + a.channels[2].String(), as: a.token})
	orgEnvelope(t, res, "Group channel assigned successfully")
	got = c.nextEvent(t)
	is.Equal(got.id, strconv.Itoa(len(stored)+2)) // and the one after
	is.Equal(got.event, "channel.assigned")       // of the change over HTTP
	e.checkEventData(t, org, got)
	_, want = storedEvents(t, e.store, grouping.OrganisationOf(a.org))
	is.Equal(got.data, want[len(want)-1]) // as the store has it

	// A stream that starts after a sequence, and one of a workspace.
	c2 := e.stream(t, org+"?after="+strconv.Itoa(len(want)-1), a.token, nil)
	got = c2.nextEvent(t)
	is.Equal(got.id, strconv.Itoa(len(want))) // the first event after after
	is.Equal(got.data, want[len(want)-1])

	wc := e.stream(t, ws, a.token, nil)
	got = wc.nextEvent(t)
	is.Equal(got.id, "1")                        // the workspace's own sequence
	is.Equal(got.event, "channelGroup.attached") // in the workspace's naming
	e.checkEventData(t, ws, got)
	_, err = e.store.AttachChannel(ctx, a.ws, uuid.New(), grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: "account-other"})
	is.NoErr(err) // another channel group
	got = wc.nextEvent(t)
	is.Equal(got.id, "2")                                                    // streamed live
	is.True(strings.Contains(got.data, `"workspaceId":"`+a.ws.String()+`"`)) // camelCase
	e.checkEventData(t, ws, got)

	// Another tenant's changes stay in their own stream.
	_, err = e.store.CreateGroup(ctx, e.fx.b.org, grouping.NewGroup{Name: "Elsewhere"})
	is.NoErr(err) // a change in B
	_, err = e.store.CreateGroup(ctx, a.org, grouping.NewGroup{Name: "Here"})
	is.NoErr(err) // and one in A
	got = c.nextEvent(t)
	is.Equal(got.id, strconv.Itoa(len(want)+1)) // A's stream has A's next event
	is.True(strings.Contains(got.data, "Here")) // and not B's
}

// TestEventStreamResume reconnects with Last-Event-ID: the stream resumes
// right after it, with nothing repeated or missed, and Last-Event-ID wins
// over after.
func TestEventStreamResume(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	e := newEnv(t, memstore.New(), envConfig{})
	e.withTokens()
	t.Cleanup(e.api.CloseStreams)
	a := e.fx.a
	org := "/organisations/" + a.org.String() + "/events"

	c := e.stream(t, org, a.token, nil)
	var last string
	for range 5 {
		last = c.nextEvent(t).id
	}
	is.Equal(last, "5") // five events read
	c.close()
	for i := range 3 {
		_, err := e.store.CreateGroup(ctx, a.org, grouping.NewGroup{Name: fmt.Sprintf("While away %d", i)})
		is.NoErr(err) // changes while the client is away
	}
	_, want := storedEvents(t, e.store, grouping.OrganisationOf(a.org))

	c = e.stream(t, org+"?after=1", a.token, map[string]string{"Last-Event-ID": last})
	for i := 5; i < len(want); i++ {
		got := c.nextEvent(t)
		is.Equal(got.id, strconv.Itoa(i+1)) // right after the last one received, in order
		is.Equal(got.data, want[i])         // as the store has it
	}
	_, err := e.store.CreateGroup(ctx, a.org, grouping.NewGroup{Name: "Back"})
	is.NoErr(err) // a change once caught up
	got := c.nextEvent(t)
	is.Equal(got.id, strconv.Itoa(len(want)+1)) // follows, with nothing repeated

	c = e.stream(t, org+"?after=2", a.token, map[string]string{"Last-Event-ID": ""})
	is.Equal(c.nextEvent(t).id, "3") // an empty Last-Event-ID counts as absent
}

// TestEventStreamHeartbeat checks that an idle stream sends comment lines
// at the heartbeat interval.
func TestEventStreamHeartbeat(t *testing.T) {
	is := is.New(t)
	e := newEnv(t, memstore.New(), envConfig{options: []httpapi.Option{httpapi.WithEventHeartbeat(20 * time.Millisecond)}})
	e.withTokens()
	t.Cleanup(e.api.CloseStreams)
	a := e.fx.a
	c := e.stream(t, "/workspaces/"+a.ws.String()+"/events?after=1", a.token, nil)
	beats := 0
	for beats < 3 {
		item, ok := c.next(t)
		is.True(ok)           // the stream stays open
		is.Equal(item.id, "") // with nothing to send but heartbeats
		if item.comment != "" {
			is.Equal(item.comment, "heartbeat") // a comment, which EventSource ignores
			beats++
		}
	}
}

// TestEventStreamWithoutHeartbeatFromServerTimeouts checks that a stream
// outlives the server's ReadTimeout and WriteTimeout, which would end any
// other request that took that long.
func TestEventStreamOutlivesServerTimeouts(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	e := newEnv(t, memstore.New(), envConfig{options: []httpapi.Option{httpapi.WithEventHeartbeat(50 * time.Millisecond)}})
	e.withTokens()
	a := e.fx.a
	srv := httptest.NewUnstartedServer(e.api)
	srv.Config.ReadTimeout = 100 * time.Millisecond
	srv.Config.WriteTimeout = 100 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	t.Cleanup(e.api.CloseStreams)
	e.srv = srv
	c := e.stream(t, "/organisations/"+a.org.String()+"/events?after=11", a.token, nil)
	beats := 0
	for beats < 8 { // 400ms: four times the server's timeouts
		item, ok := c.next(t)
		is.True(ok) // the stream stays open past the timeouts
		if item.comment != "" {
			beats++
		}
	}
	_, err := e.store.CreateGroup(ctx, a.org, grouping.NewGroup{Name: "Late"})
	is.NoErr(err)                     // a change after the timeouts
	is.Equal(c.nextEvent(t).id, "12") // still arrives
}

// TestEventStreamShutdown checks CloseStreams: open streams end at once, a
// new stream is refused with 503, and pages are still served.
func TestEventStreamShutdown(t *testing.T) {
	is := is.New(t)
	e := newEnv(t, memstore.New(), envConfig{})
	e.withTokens()
	a := e.fx.a
	var clients []*sseClient
	for _, path := range []string{"/organisations/" + a.org.String() + "/events", "/workspaces/" + a.ws.String() + "/events"} {
		for range 2 {
			c := e.stream(t, path, a.token, nil)
			c.nextEvent(t)
			clients = append(clients, c)
		}
	}
	start := time.Now()
	e.api.CloseStreams()
	for _, c := range clients {
		for {
			if _, ok := c.next(t); !ok {
				break
			}
		}
		is.True(errors.Is(c.err, io.EOF) || errors.Is(c.err, io.ErrUnexpectedEOF)) // the stream ended
	}
	is.True(time.Since(start) < 5*time.Second) // promptly
	t.Logf("4 streams ended %v after CloseStreams", time.Since(start))

	res := e.do(t, request{method: "GET", path: "/organisations/" + a.org.String() + "/events", as: a.token, header: map[string]string{"Accept": "text/event-stream"}})
	orgErrorShape(t, res, http.StatusServiceUnavailable) // no new stream
	is.Equal(res.header.Get("Retry-After"), "1")         // try again soon, elsewhere
	res = e.do(t, request{method: "GET", path: "/workspaces/" + a.ws.String() + "/events", as: a.token, header: map[string]string{"Accept": "text/event-stream"}})
	workspaceErrorShape(t, res, http.StatusServiceUnavailable, "unavailable") // in both shapes
	res = e.do(t, request{method: "GET", path: "/organisations/" + a.org.String() + "/events", as: a.token})
	orgEnvelope(t, res, "Events fetched successfully") // pages are still served
	e.api.CloseStreams()                               // and a second call does nothing
}

// TestEventStreamServerShutdown opens 100 streams on an http.Server that
// registered CloseStreams with RegisterOnShutdown: Shutdown returns
// promptly. Without the registration, Shutdown waits for the streams.
func TestEventStreamServerShutdown(t *testing.T) {
	for _, register := range []bool{true, false} {
		t.Run(fmt.Sprintf("registered %v", register), func(t *testing.T) {
			is := is.New(t)
			e := newEnv(t, memstore.New(), envConfig{})
			e.withTokens()
			a := e.fx.a
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			is.NoErr(err) // a port
			srv := &http.Server{Handler: e.api}
			if register {
				srv.RegisterOnShutdown(e.api.CloseStreams)
			}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ln) }()
			t.Cleanup(e.api.CloseStreams)
			e.srv = &httptest.Server{URL: "http://" + ln.Addr().String(), Listener: ln, Config: srv}
			var clients []*sseClient
			for i := range 100 {
				path := "/organisations/" + a.org.String() + "/events"
				if i%2 == 1 {
					path = "/workspaces/" + a.ws.String() + "/events"
				}
				c := e.stream(t, path, a.token, nil)
				c.nextEvent(t)
				clients = append(clients, c)
			}

			grace := 10 * time.Second
			if !register {
				grace = 300 * time.Millisecond
			}
			ctx, cancel := context.WithTimeout(context.Background(), grace)
			defer cancel()
			start := time.Now()
			err = srv.Shutdown(ctx)
			took := time.Since(start)
			if !register {
				is.True(errors.Is(err, context.DeadlineExceeded)) // without CloseStreams, the streams hold Shutdown up to its grace period
				return
			}
			is.NoErr(err)                 // Shutdown completes
			is.True(took < 2*time.Second) // promptly
			is.Equal(<-served, http.ErrServerClosed)
			for _, c := range clients {
				for {
					if _, ok := c.next(t); !ok {
						break
					}
				}
			}
			t.Logf("Shutdown with 100 open streams took %v", took)
		})
	}
}

// slowListener makes the send buffer of the first connection it accepts
// small, so that if its client does not read, the server's writes stall
// soon.
type slowListener struct {
	net.Listener
	once *sync.Once
}

func (l slowListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		l.once.Do(func() { tc.SetWriteBuffer(4096) })
	}
	return c, err
}

// TestEventStreamSlowClient opens a stream from a client that stops
// reading, with a small receive buffer, beside one that reads: the stalled
// stream's buffer fills and it ends, while the other receives every event;
// the slow client then resumes after the last event it got.
func TestEventStreamSlowClient(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	e := newEnv(t, memstore.New(), envConfig{options: []httpapi.Option{httpapi.WithEventBuffer(16), httpapi.WithEventHeartbeat(time.Minute)}})
	e.withTokens()
	a := e.fx.a
	counts, changed := httpapi.StreamWatch(e.api)
	srv := httptest.NewUnstartedServer(e.api)
	srv.Listener = slowListener{srv.Listener, new(sync.Once)}
	srv.Start()
	t.Cleanup(srv.Close)
	t.Cleanup(e.api.CloseStreams)
	e.srv = srv
	path := "/organisations/" + a.org.String() + "/events"

	// The slow client: a raw connection with a small receive buffer, which
	// reads the response's head and the retry hint, and then nothing.
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) { serr = setReceiveBuffer(fd, 4096) })
		return errors.Join(err, serr)
	}}
	conn, err := d.DialContext(ctx, "tcp", srv.Listener.Addr().String())
	is.NoErr(err) // connected
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "GET %s?after=11 HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\nAuthorization: Bearer %s\r\n\r\n", path, a.token)
	is.NoErr(err) // the request is sent
	br := bufio.NewReaderSize(conn, 256)
	res, err := http.ReadResponse(br, nil)
	is.NoErr(err)                           // the response's head
	is.Equal(res.StatusCode, http.StatusOK) // a stream
	slow := make(chan sseItem, 100000)
	slowEnded := make(chan error, 1)
	readSlow := make(chan struct{})
	go func() {
		<-readSlow // read nothing more until told to
		err := readSSE(res.Body, slow)
		close(slow)
		slowEnded <- err
	}()

	fast := e.stream(t, path+"?after=11", a.token, nil)
	waitStreams(t, counts, changed, "both streams join the feed", func(c httpapi.StreamCounts) bool { return c.Joined == 2 })

	// Far more than the buffers hold, ten at a time, each ten received by
	// the reading client before the next: the slow stream's writes stall,
	// and its queue overflows.
	const n = 400
	for i := range n {
		_, err := e.store.CreateGroup(ctx, a.org, grouping.NewGroup{Name: fmt.Sprintf("Flood %d", i), Description: strings.Repeat("x", 500)})
		is.NoErr(err) // a change
		if i%10 == 9 {
			for j := i - 9; j <= i; j++ {
				got := fast.nextEvent(t)
				is.Equal(got.id, strconv.Itoa(12+j)) // the reading client gets every event, in order
			}
		}
	}
	waitStreams(t, counts, changed, "the slow stream ends", func(c httpapi.StreamCounts) bool { return c.Active == 1 && c.Joined == 1 })
	is.True(strings.Contains(e.logs.String(), "event stream ended: the client fell behind")) // for being too slow

	// What the slow client got before its stream ended: events from 12
	// on, with no gap, and fewer than all.
	close(readSlow)
	var ids []string
	for item := range slow {
		if item.id != "" {
			ids = append(ids, item.id)
		}
	}
	<-slowEnded
	is.True(len(ids) < n) // the stream ended before the end
	for i, id := range ids {
		is.Equal(id, strconv.Itoa(12+i)) // in order, none missed
	}
	last := 11 + len(ids)
	c := e.stream(t, path, a.token, map[string]string{"Last-Event-ID": strconv.Itoa(last)})
	for i := last + 1; i <= 11+n; i++ {
		is.Equal(c.nextEvent(t).id, strconv.Itoa(i)) // it resumes after its last event, with the rest
	}
}

// TestEventStreamsUnderConcurrentWrites runs 16 writers changing groups and
// channels while 20 clients stream, some joining late, some reconnecting
// with Last-Event-ID mid-way: every client's ids are exactly 1..N, and each
// event's data is the store's.
func TestEventStreamsUnderConcurrentWrites(t *testing.T) {
	const (
		writers   = 16
		perWriter = 40
		clients   = 20
	)
	is := is.New(t)
	ctx := context.Background()
	e := newEnv(t, memstore.New(), envConfig{})
	e.withTokens()
	t.Cleanup(e.api.CloseStreams)
	a := e.fx.a
	path := "/organisations/" + a.org.String() + "/events"

	var final sync.WaitGroup // the head is known once writers are done
	final.Add(1)
	var head int64
	midway := make(chan struct{})

	type result struct {
		ids         []int64
		data        map[int64]string
		reconnected int
	}
	results := make([]result, clients)
	var readers sync.WaitGroup
	for i := range clients {
		readers.Add(1)
		go func() {
			defer readers.Done()
			if i >= clients/2 {
				<-midway // the second half joins while the writers write
			}
			r := &results[i]
			r.data = map[int64]string{}
			var last int64
			headKnown := make(chan struct{})
			go func() { final.Wait(); close(headKnown) }()
			for {
				header := map[string]string{}
				if last > 0 {
					header["Last-Event-ID"] = strconv.FormatInt(last, 10)
				}
				c, err := e.openStream(t, path, a.token, header)
				if err != nil {
					t.Errorf("client %d: %v", i, err)
					return
				}
				// Every third client leaves after a few events, and comes
				// back.
				leaveAfter := -1
				if i%3 == 0 && r.reconnected < 4 {
					leaveAfter = 1 + (i+r.reconnected*7)%23
				}
				for n := 0; ; n++ {
					if n == leaveAfter {
						r.reconnected++
						break
					}
					select {
					case <-headKnown:
						if last == head {
							c.close()
							return
						}
					default:
					}
					var item sseItem
					var ok bool
					select {
					case item, ok = <-c.items:
					case <-headKnown:
						if last == head {
							c.close()
							return
						}
						continue
					case <-time.After(20 * time.Second):
						t.Errorf("client %d: no event after %d within 20s", i, last)
						c.close()
						return
					}
					if !ok {
						t.Errorf("client %d: the stream ended after %d: %v", i, last, c.err)
						return
					}
					if item.id == "" {
						continue
					}
					seq, err := strconv.ParseInt(item.id, 10, 64)
					if err != nil {
						t.Errorf("client %d: id %q", i, item.id)
						return
					}
					r.ids = append(r.ids, seq)
					r.data[seq] = item.data
					last = seq
				}
				c.close()
			}
		}()
	}

	var writes sync.WaitGroup
	for w := range writers {
		writes.Add(1)
		go func() {
			defer writes.Done()
			groups := make([]uuid.UUID, 2)
			for k := range groups {
				g, err := e.store.CreateGroup(ctx, a.org, grouping.NewGroup{Name: fmt.Sprintf("writer %d group %d", w, k)})
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				groups[k] = g.ID
			}
			var channels []uuid.UUID
			for op := range perWriter {
				if w == 0 && op == perWriter/4 {
					close(midway)
				}
				var err error
				switch op % 5 {
				case 0:
					ch := uuid.New()
					_, err = e.store.UpsertChannel(ctx, grouping.ChannelUpsert{ID: ch, OrganisationID: a.org, Name: fmt.Sprintf("w%d-%d", w, op)})
					if err == nil {
						channels = append(channels, ch)
						err = e.store.AssignChannel(ctx, a.org, groups[0], ch)
					}
				case 1:
					name := fmt.Sprintf("writer %d group 0 v%d", w, op)
					_, err = e.store.UpdateGroup(ctx, a.org, groups[0], grouping.GroupUpdate{Name: &name})
				case 2:
					err = e.store.MoveChannel(ctx, a.org, groups[1], channels[len(channels)-1])
				case 3:
					err = e.store.RemoveChannel(ctx, a.org, groups[1], channels[len(channels)-1])
				case 4:
					err = e.store.AddChannelMember(ctx, a.org, channels[len(channels)-1], uuid.New())
				}
				if err != nil {
					t.Errorf("writer %d, op %d: %v", w, op, err)
				}
			}
		}()
	}
	writes.Wait()
	stored, want := storedEvents(t, e.store, grouping.OrganisationOf(a.org))
	head = int64(len(stored))
	final.Done()
	readers.Wait()

	is.True(head > writers*perWriter) // every write made events
	expected := make([]int64, head)
	for i := range expected {
		expected[i] = int64(i + 1)
	}
	reconnects := 0
	for i, r := range results {
		if !slices.Equal(r.ids, expected) {
			t.Errorf("client %d saw %d ids, not exactly 1..%d: %v", i, len(r.ids), head, firstDifference(r.ids, expected))
			continue
		}
		for seq, data := range r.data {
			if data != want[seq-1] {
				t.Errorf("client %d: event %d is %s, the store has %s", i, seq, data, want[seq-1])
			}
		}
		reconnects += r.reconnected
	}
	is.True(reconnects >= 20) // clients did come back mid-way
	t.Logf("%d events, %d clients, %d reconnections", head, clients, reconnects)
}

// firstDifference describes where got first differs from want.
func firstDifference(got, want []int64) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("at index %d: %d, want %d (after %v)", i, got[i], want[i], got[max(0, i-3):i])
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(got), len(want))
}

// TestEventStreamJoinsAFeedAheadOfTheStore starts a tenant's feed from a
// stream that resumes after the tenant's last event, then streams from the
// start beside it: the second stream still gets every event once, as the
// events up to where the feed started are committed.
func TestEventStreamJoinsAFeedAheadOfTheStore(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	e := newEnv(t, memstore.New(), envConfig{options: []httpapi.Option{httpapi.WithEventHeartbeat(50 * time.Millisecond)}})
	e.withTokens()
	t.Cleanup(e.api.CloseStreams)
	a := e.fx.a
	path := "/workspaces/" + a.ws.String() + "/events"
	counts, changed := httpapi.StreamWatch(e.api)
	ahead := e.stream(t, path, a.token, map[string]string{"Last-Event-ID": "3"}) // the workspace has 1 event
	waitStreams(t, counts, changed, "the stream ahead starts the feed", func(c httpapi.StreamCounts) bool { return c.Joined == 1 })
	behind := e.stream(t, path, a.token, nil)
	is.Equal(behind.nextEvent(t).id, "1") // the one event there is
	for i := range 4 {
		_, err := e.store.AttachChannel(ctx, a.ws, uuid.New(), grouping.ChannelGroupAttach{PlatformID: "whatsapp", PlatformGroupID: fmt.Sprintf("acct-%d", i)})
		is.NoErr(err) // events 2 to 5
	}
	for i := 2; i <= 5; i++ {
		is.Equal(behind.nextEvent(t).id, strconv.Itoa(i)) // every event after 1, though the feed started at 3
	}
	is.Equal(ahead.nextEvent(t).id, "4") // the stream ahead resumes after its Last-Event-ID
	is.Equal(ahead.nextEvent(t).id, "5")
}
