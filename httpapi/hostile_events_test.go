package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// hostileEnv is an API over a memstore with two tenants' principals, chosen
// by the X-Who header: "a", "b" or "svc".
type hostileEnv struct {
	store      *memstore.Store
	api        *httpapi.API
	srv        *httptest.Server
	orgA, orgB uuid.UUID
	wsA, wsB   uuid.UUID
}

func newHostileEnv(t *testing.T, opts ...httpapi.Option) *hostileEnv {
	t.Helper()
	e := &hostileEnv{store: memstore.New(), orgA: uuid.New(), orgB: uuid.New(), wsA: uuid.New(), wsB: uuid.New()}
	auth := httpapi.AuthenticatorFunc(func(r *http.Request) (httpapi.Principal, error) {
		switch r.Header.Get("X-Who") {
		case "a":
			return httpapi.Principal{UserID: uuid.New(), Organisations: []uuid.UUID{e.orgA}, Workspaces: []uuid.UUID{e.wsA}}, nil
		case "b":
			return httpapi.Principal{UserID: uuid.New(), Organisations: []uuid.UUID{e.orgB}, Workspaces: []uuid.UUID{e.wsB}}, nil
		case "svc":
			return httpapi.Principal{UserID: uuid.New(), Roles: []string{httpapi.RoleService}, AllTenants: true}, nil
		}
		return httpapi.Principal{}, httpapi.ErrUnauthenticated
	})
	api, err := httpapi.New(e.store, append([]httpapi.Option{httpapi.WithAuthenticator(auth), httpapi.WithEventHeartbeat(time.Hour)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	e.api = api
	e.srv = httptest.NewServer(api)
	t.Cleanup(func() {
		api.CloseStreams()
		e.srv.Close()
		e.store.Close()
	})
	ctx := context.Background()
	for _, o := range []uuid.UUID{e.orgA, e.orgB} {
		if _, err := e.store.UpsertOrganisation(ctx, grouping.Organisation{ID: o, Name: "Org"}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *hostileEnv) do(t *testing.T, method, path, who string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if who != "" {
		req.Header.Set("X-Who", who)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (e *hostileEnv) groups(t *testing.T, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := e.store.CreateGroup(context.Background(), e.orgA, grouping.NewGroup{Name: "g" + uuid.NewString()}); err != nil {
			t.Fatal(err)
		}
	}
}

var hostileMillis = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

func keysOf(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	tok, _ := dec.Token()
	if tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var keys []string
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		_ = dec.Decode(&skip)
	}
	return keys
}

// The organisation page: envelope, naming, paging.
func TestHostileOrgEventPage(t *testing.T) {
	is := is.New(t)
	e := newHostileEnv(t)
	e.groups(t, 4) // events 1 (org) + 4
	resp, body := e.do(t, "GET", "/organisations/"+e.orgA.String()+"/events?after=1&limit=2", "a", nil)
	is.Equal(resp.StatusCode, 200)                                                  // ok
	is.True(strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json")) // json
	var env struct {
		Status     string `json:"status"`
		StatusCode int    `json:"status_code"`
		Message    string `json:"message"`
		Data       struct {
			Events  []json.RawMessage `json:"events"`
			Next    int64             `json:"next"`
			HasMore bool              `json:"has_more"`
		} `json:"data"`
	}
	is.NoErr(json.Unmarshal(body, &env))                                                                                 // decodes
	is.Equal(env.Status, "success")                                                                                      // status
	is.Equal(env.StatusCode, 200)                                                                                        // status_code
	is.Equal(env.Message, "Events fetched successfully")                                                                 // message
	is.Equal(len(env.Data.Events), 2)                                                                                    // limit
	is.Equal(env.Data.Next, int64(3))                                                                                    // next is the last
	is.True(env.Data.HasMore)                                                                                            // more
	is.Equal(keysOf(t, env.Data.Events[0]), []string{"id", "sequence", "type", "organisation_id", "created_at", "data"}) // field names and order
	var ev struct {
		Sequence  int64  `json:"sequence"`
		CreatedAt string `json:"created_at"`
		Org       string `json:"organisation_id"`
	}
	is.NoErr(json.Unmarshal(env.Data.Events[0], &ev)) // event decodes
	is.Equal(ev.Sequence, int64(2))                   // after 1
	is.True(hostileMillis.MatchString(ev.CreatedAt))  // millisecond time
	is.Equal(ev.Org, e.orgA.String())                 // organisation

	_, body = e.do(t, "GET", "/organisations/"+e.orgA.String()+"/events?after=50", "a", nil)
	is.NoErr(json.Unmarshal(body, &env))                   // beyond head
	is.Equal(len(env.Data.Events), 0)                      // empty
	is.True(strings.Contains(string(body), `"events":[]`)) // an empty list, not null
	is.Equal(env.Data.Next, int64(50))                     // next is after
	is.True(!env.Data.HasMore)                             // no more
}

// The workspace page: bare body, camelCase.
func TestHostileWorkspaceEventPage(t *testing.T) {
	is := is.New(t)
	e := newHostileEnv(t)
	resp, body := e.do(t, "GET", "/workspaces/"+e.wsA.String()+"/events", "a", nil)
	is.Equal(resp.StatusCode, 200) // a workspace without events
	var page map[string]json.RawMessage
	is.NoErr(json.Unmarshal(body, &page))      // decodes
	is.Equal(string(page["results"]), "[]")    // empty list
	is.Equal(string(page["next"]), "0")        // next 0
	is.Equal(string(page["hasMore"]), "false") // hasMore false
	_, err := e.store.AttachChannel(context.Background(), e.wsA, uuid.New(), grouping.ChannelGroupAttach{PlatformID: "wa", PlatformGroupID: "1"})
	is.NoErr(err) // one event
	_, body = e.do(t, "GET", "/workspaces/"+e.wsA.String()+"/events", "a", nil)
	var p struct {
		Results []json.RawMessage `json:"results"`
	}
	is.NoErr(json.Unmarshal(body, &p))                                                                        // decodes
	is.Equal(len(p.Results), 1)                                                                               // one
	is.Equal(keysOf(t, p.Results[0]), []string{"id", "sequence", "type", "workspaceId", "createdAt", "data"}) // camelCase
}

// Strict query parsing of after and limit.
func TestHostileEventQueryParsing(t *testing.T) {
	e := newHostileEnv(t)
	cases := map[string]string{
		"after=-1":                  "after",
		"after=abc":                 "after",
		"after=1.5":                 "after",
		"after=1e3":                 "after",
		"after=9223372036854775808": "after",
		"after=1&after=2":           "after",
		"after=0x10":                "after",
		"limit=0":                   "limit",
		"limit=-1":                  "limit",
		"limit=1001":                "limit",
		"limit=abc":                 "limit",
		"limit=10&limit=10":         "limit",
		"limit=%zz":                 "limit",
		"after=1;limit=2":           "",
		"limit=%205":                "limit",
	}
	for q, field := range cases {
		t.Run(q, func(t *testing.T) {
			is := is.New(t)
			resp, body := e.do(t, "GET", "/organisations/"+e.orgA.String()+"/events?"+q, "a", nil)
			is.Equal(resp.StatusCode, 400) // bad query
			var env struct {
				Errors map[string]string `json:"errors"`
			}
			is.NoErr(json.Unmarshal(body, &env)) // error body
			if field != "" {
				_, ok := env.Errors[field]
				is.True(ok) // names the parameter
			}
			resp, body = e.do(t, "GET", "/workspaces/"+e.wsA.String()+"/events?"+q, "a", nil)
			is.Equal(resp.StatusCode, 400)                              // workspace too
			is.True(strings.Contains(string(body), `"code":"invalid"`)) // workspace error shape
			if field != "" {
				is.True(strings.Contains(string(body), field)) // names it in the message
			}
		})
	}
	is := is.New(t)
	resp, _ := e.do(t, "GET", "/organisations/"+e.orgA.String()+"/events?after=0&limit=1000", "a", nil)
	is.Equal(resp.StatusCode, 200) // bounds accepted
	resp, _ = e.do(t, "GET", "/organisations/"+e.orgA.String()+"/events?limit=1", "a", nil)
	is.Equal(resp.StatusCode, 200) // 1 accepted
}

// Authorisation as on the tenant's other read routes.
func TestHostileEventAuthorisation(t *testing.T) {
	is := is.New(t)
	e := newHostileEnv(t)
	for _, p := range []string{"/organisations/" + e.orgA.String(), "/workspaces/" + e.wsA.String()} {
		resp, _ := e.do(t, "GET", p+"/events", "b", nil)
		is.Equal(resp.StatusCode, 403) // another tenant's principal
		resp, _ = e.do(t, "GET", p+"/events", "b", map[string]string{"Accept": "text/event-stream"})
		is.Equal(resp.StatusCode, 403) // nor a stream
		resp, _ = e.do(t, "GET", p+"/events", "", nil)
		is.Equal(resp.StatusCode, 401) // no credentials
		resp, _ = e.do(t, "GET", p+"/events", "svc", nil)
		is.Equal(resp.StatusCode, 200) // the service principal
	}
	ghost := uuid.New()
	resp, _ := e.do(t, "GET", "/organisations/"+ghost.String()+"/events", "svc", nil)
	is.Equal(resp.StatusCode, 404) // unknown organisation, like its groups
	resp2, _ := e.do(t, "GET", "/organisations/"+ghost.String()+"/groups", "svc", nil)
	is.Equal(resp2.StatusCode, resp.StatusCode) // same as its list of groups
	resp, _ = e.do(t, "GET", "/organisations/"+ghost.String()+"/events", "svc", map[string]string{"Accept": "text/event-stream"})
	is.Equal(resp.StatusCode, 404) // a stream of an unknown organisation
	resp, _ = e.do(t, "GET", "/organisations/not-a-uuid/events", "a", nil)
	is.Equal(resp.StatusCode, 400) // bad wildcard
	resp, _ = e.do(t, "GET", "/workspaces/"+uuid.New().String()+"/events", "svc", nil)
	is.Equal(resp.StatusCode, 200) // an unknown workspace has an empty page
}

// Wrong methods are 405 with Allow; events are extension routes.
func TestHostileEventMethods(t *testing.T) {
	is := is.New(t)
	e := newHostileEnv(t)
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		resp, _ := e.do(t, m, "/organisations/"+e.orgA.String()+"/events", "a", nil)
		is.Equal(resp.StatusCode, 405)                             // wrong method
		is.True(strings.Contains(resp.Header.Get("Allow"), "GET")) // Allow lists GET
		resp, _ = e.do(t, m, "/workspaces/"+e.wsA.String()+"/events", "a", nil)
		is.Equal(resp.StatusCode, 405) // workspace too
	}
	resp, body := e.do(t, "HEAD", "/organisations/"+e.orgA.String()+"/events", "a", nil)
	is.Equal(resp.StatusCode, 200) // HEAD of a page
	is.Equal(len(body), 0)         // without body
	start := time.Now()
	resp, _ = e.do(t, "HEAD", "/organisations/"+e.orgA.String()+"/events", "a", map[string]string{"Accept": "text/event-stream"})
	t.Logf("HEAD of a stream: %d in %v", resp.StatusCode, time.Since(start))
	is.True(time.Since(start) < 5*time.Second) // a HEAD of a stream does not hang

	e2 := newHostileEnv(t, httpapi.WithoutExtensions())
	resp, _ = e2.do(t, "GET", "/organisations/"+e2.orgA.String()+"/events", "a", nil)
	is.Equal(resp.StatusCode, 404) // not served WithoutExtensions
}

// rawSSE reads a stream's raw lines.
type rawSSE struct {
	resp   *http.Response
	lines  chan string
	cancel context.CancelFunc
}

func (e *hostileEnv) stream(t *testing.T, path, who string, hdr map[string]string) *rawSSE {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+path, nil)
	req.Header.Set("X-Who", who)
	req.Header.Set("Accept", "text/event-stream")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &rawSSE{resp: resp, lines: make(chan string, 10000), cancel: cancel}
	go func() {
		defer close(s.lines)
		br := bufio.NewReader(resp.Body)
		for {
			l, err := br.ReadString('\n')
			if l != "" {
				s.lines <- l
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	return s
}

func (s *rawSSE) next(t *testing.T) (string, bool) {
	t.Helper()
	select {
	case l, ok := <-s.lines:
		return l, ok
	case <-time.After(10 * time.Second):
		t.Fatal("stream: nothing for 10s")
		return "", false
	}
}

type sseFrame struct {
	id, event, data string
	lines           int
}

// frame reads one event frame, strictly: id, event, data lines, blank.
func (s *rawSSE) frame(t *testing.T) sseFrame {
	t.Helper()
	var f sseFrame
	for {
		l, ok := s.next(t)
		if !ok {
			t.Fatal("stream ended")
		}
		if strings.HasPrefix(l, ":") || strings.HasPrefix(l, "retry:") {
			continue
		}
		if l == "\n" {
			if f.lines == 0 {
				continue
			}
			return f
		}
		f.lines++
		switch {
		case strings.HasPrefix(l, "id: "):
			f.id = strings.TrimSuffix(l[4:], "\n")
		case strings.HasPrefix(l, "event: "):
			f.event = strings.TrimSuffix(l[7:], "\n")
		case strings.HasPrefix(l, "data: "):
			if f.data != "" {
				t.Errorf("second data line in one frame: %q", l)
			}
			f.data = strings.TrimSuffix(l[6:], "\n")
		default:
			t.Errorf("unexpected line %q", l)
		}
	}
}

// SSE framing: retry first, then id/event/data frames, one line of data.
func TestHostileSSEFraming(t *testing.T) {
	is := is.New(t)
	e := newHostileEnv(t)
	ctx := context.Background()
	_, err := e.store.CreateGroup(ctx, e.orgA, grouping.NewGroup{Name: "line\u2028sep\u2029para", Description: "a\nb\r\nc\rd"})
	is.NoErr(err) // a group whose JSON could hold line breaks
	s := e.stream(t, "/organisations/"+e.orgA.String()+"/events", "a", nil)
	is.Equal(s.resp.StatusCode, 200)                                                   // stream
	is.True(strings.HasPrefix(s.resp.Header.Get("Content-Type"), "text/event-stream")) // content type
	first, _ := s.next(t)
	is.Equal(first, "retry: 2000\n") // retry first
	for want := int64(1); want <= 2; want++ {
		f := s.frame(t)
		is.Equal(f.lines, 3)                        // id, event, data
		is.Equal(f.id, strconv.FormatInt(want, 10)) // id is the sequence
		var ev grouping.Event
		is.NoErr(json.Unmarshal([]byte(f.data), &ev)) // data is the event on one line
		is.Equal(ev.Sequence, want)                   // same sequence
		is.Equal(string(ev.Type), f.event)            // event is the type
	}
	_, err = e.store.CreateGroup(ctx, e.orgA, grouping.NewGroup{Name: "live"})
	is.NoErr(err) // live event
	f := s.frame(t)
	is.Equal(f.id, "3")                // live, next
	is.Equal(f.event, "group.created") // type
}

// Resuming with Last-Event-ID: valid, empty, precedence over after, bad.
func TestHostileSSELastEventID(t *testing.T) {
	is := is.New(t)
	e := newHostileEnv(t)
	e.groups(t, 5) // 1..6
	p := "/organisations/" + e.orgA.String() + "/events"
	s := e.stream(t, p+"?after=1", "a", map[string]string{"Last-Event-ID": "4"})
	is.Equal(s.frame(t).id, "5") // Last-Event-ID wins over after
	is.Equal(s.frame(t).id, "6") // then 6
	s.cancel()
	s = e.stream(t, p+"?after=2", "a", map[string]string{"Last-Event-ID": ""})
	is.Equal(s.frame(t).id, "3") // empty header counts as absent
	s.cancel()
	for _, bad := range []string{"abc", "-1", "1.0", "9223372036854775808", "3,4", "+3"} {
		resp, body := e.do(t, "GET", p, "a", map[string]string{"Accept": "text/event-stream", "Last-Event-ID": bad})
		is.Equal(resp.StatusCode, 400)                           // bad Last-Event-ID
		is.True(strings.Contains(string(body), "Last-Event-ID")) // named
	}
	s = e.stream(t, p, "a", map[string]string{"Last-Event-ID": "6"})
	e.groups(t, 1)
	is.Equal(s.frame(t).id, "7") // at the head: the next live one
	s.cancel()
	s = e.stream(t, p, "a", map[string]string{"Last-Event-ID": "100"})
	is.Equal(s.resp.StatusCode, 200) // beyond the head is accepted
	e.groups(t, 1)
	select {
	case l := <-s.lines:
		if strings.HasPrefix(l, "id:") {
			t.Logf("beyond-head stream sent %q", l)
		}
	case <-time.After(300 * time.Millisecond):
	}
	s.cancel()
}

// Reconnecting after any end misses nothing and repeats nothing.
func TestHostileSSEReconnect(t *testing.T) {
	is := is.New(t)
	e := newHostileEnv(t)
	p := "/organisations/" + e.orgA.String() + "/events"
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 60; i++ {
			e.store.CreateGroup(context.Background(), e.orgA, grouping.NewGroup{Name: "g" + strconv.Itoa(i)})
			time.Sleep(time.Millisecond)
		}
	}()
	last := int64(0)
	for last < 61 {
		s := e.stream(t, p, "a", map[string]string{"Last-Event-ID": strconv.FormatInt(last, 10)})
		for i := 0; i < 7 && last < 61; i++ {
			f := s.frame(t)
			n, err := strconv.ParseInt(f.id, 10, 64)
			is.NoErr(err)       // numeric id
			is.Equal(n, last+1) // no gap, no repeat
			last = n
		}
		s.cancel()
	}
	<-done
}

// CloseStreams ends streams; then streams are 503 and pages still served.
func TestHostileCloseStreams(t *testing.T) {
	is := is.New(t)
	e := newHostileEnv(t)
	p := "/organisations/" + e.orgA.String() + "/events"
	s := e.stream(t, p, "a", nil)
	is.Equal(s.frame(t).id, "1") // one event
	e.api.CloseStreams()
	ended := false
	for !ended {
		select {
		case _, ok := <-s.lines:
			ended = !ok
		case <-time.After(5 * time.Second):
			t.Fatal("stream not ended by CloseStreams")
		}
	}
	resp, _ := e.do(t, "GET", p, "a", map[string]string{"Accept": "text/event-stream"})
	is.Equal(resp.StatusCode, 503)                // new stream refused
	is.True(resp.Header.Get("Retry-After") != "") // with Retry-After
	resp, _ = e.do(t, "GET", p, "a", nil)
	is.Equal(resp.StatusCode, 200) // pages still served
	e.api.CloseStreams()           // again: nothing
}

// A client that reads too slowly for its buffer is let go, and resuming
// with the last id it got misses nothing.
func TestHostileSSESlowClient(t *testing.T) {
	is := is.New(t)
	e := newHostileEnv(t, httpapi.WithEventBuffer(2))
	p := "/organisations/" + e.orgA.String() + "/events"
	s := e.stream(t, p, "a", nil)
	is.Equal(s.frame(t).id, "1") // caught up
	// The reader goroutine buffers 10000 lines; stop draining it by not
	// reading, and write far more than the socket buffers hold.
	desc := strings.Repeat("x", grouping.MaxDescriptionLength)
	for i := 0; i < 3000; i++ {
		if _, err := e.store.CreateGroup(context.Background(), e.orgA, grouping.NewGroup{Name: "g" + strconv.Itoa(i), Description: desc}); err != nil {
			t.Fatal(err)
		}
	}
	last := int64(1)
	ended := false
	deadline := time.After(20 * time.Second)
	for !ended {
		select {
		case l, ok := <-s.lines:
			if !ok {
				ended = true
				break
			}
			if strings.HasPrefix(l, "id: ") {
				n, _ := strconv.ParseInt(strings.TrimSpace(l[4:]), 10, 64)
				is.Equal(n, last+1) // no gap before the cut
				last = n
			}
		case <-deadline:
			t.Fatalf("stream neither ended nor finished; last id %d", last)
		}
		if last == 3001 {
			break
		}
	}
	t.Logf("slow client: stream ended=%v after id %d", ended, last)
	s2 := e.stream(t, p, "a", map[string]string{"Last-Event-ID": strconv.FormatInt(last, 10)})
	if last < 3001 {
		n, _ := strconv.ParseInt(s2.frame(t).id, 10, 64)
		is.Equal(n, last+1) // resumes right after
	}
}
