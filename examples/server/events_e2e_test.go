package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/httpapi/jwtauth"
	"github.com/google/uuid"
	"github.com/matryer/is"
)

// streamedEvent is one event a follower received: its id and its data, and
// which of the follower's streams (0, 1, …) it came on. An id of 0 marks
// the end of that stream.
type streamedEvent struct {
	id     int64
	data   string
	stream int
}

// follower streams an organisation's events as Server-Sent Events, as a
// client of the server would: when a stream ends, it waits for the base URL
// to reconnect to and resumes with the Last-Event-ID of the last event it
// received.
type follower struct {
	t      *testing.T
	events chan streamedEvent
	bases  chan string   // where to reconnect after a stream ends
	drop   chan struct{} // ends the current stream from the client's side
	got    []streamedEvent
	ended  int // streams seen to end
}

// follow starts a follower of path on base, from the first event, until
// ctx ends.
func follow(ctx context.Context, t *testing.T, base, path, token string) *follower {
	f := &follower{t: t, events: make(chan streamedEvent, 10000), bases: make(chan string, 1), drop: make(chan struct{}, 1)}
	go func() {
		defer close(f.events)
		var last int64
		for stream := 0; ; stream++ {
			rctx, cancel := context.WithCancel(ctx)
			stop := make(chan struct{})
			go func() {
				select {
				case <-f.drop:
					cancel()
				case <-stop:
				}
			}()
			req, err := http.NewRequestWithContext(rctx, "GET", base+path, nil)
			if err != nil {
				cancel()
				return
			}
			req.Header.Set("Accept", "text/event-stream")
			req.Header.Set("Authorization", "Bearer "+token)
			if last > 0 {
				req.Header.Set("Last-Event-ID", strconv.FormatInt(last, 10))
			}
			if resp, err := http.DefaultClient.Do(req); err == nil {
				if resp.StatusCode == http.StatusOK && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
					last = readEvents(resp, last, stream, f.events)
				}
				resp.Body.Close()
			}
			close(stop)
			cancel()
			f.events <- streamedEvent{stream: stream} // this stream ended
			select {
			case base = <-f.bases:
			case <-ctx.Done():
				return
			}
		}
	}()
	return f
}

// readEvents reads one stream until it ends, sending its events on out, and
// returns the id of the last one.
func readEvents(resp *http.Response, last int64, stream int, out chan<- streamedEvent) int64 {
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var ev streamedEvent
	for lines.Scan() {
		line := lines.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			ev.id, _ = strconv.ParseInt(strings.TrimPrefix(line, "id: "), 10, 64)
		case strings.HasPrefix(line, "data: "):
			ev.data = strings.TrimPrefix(line, "data: ")
		case line == "" && ev.data != "":
			ev.stream = stream
			out <- ev
			last = ev.id
			ev = streamedEvent{}
		}
	}
	return last
}

// take records what the follower received until cond holds, failing the
// test after 30 seconds.
func (f *follower) take(what string, cond func() bool) {
	f.t.Helper()
	timeout := time.After(30 * time.Second)
	for !cond() {
		select {
		case ev, ok := <-f.events:
			if !ok {
				f.t.Fatalf("%s: the follower stopped after %d events", what, len(f.got))
			}
			if ev.id == 0 {
				f.ended++
				continue
			}
			f.got = append(f.got, ev)
		case <-timeout:
			f.t.Fatalf("%s: not within 30s; the follower has %d events", what, len(f.got))
		}
	}
}

// has reports whether the follower received the event numbered id.
func (f *follower) has(id int64) func() bool {
	return func() bool { return len(f.got) > 0 && f.got[len(f.got)-1].id >= id }
}

// TestEventsEndToEnd follows an organisation's events with two clients
// while the test changes the organisation over HTTP. One client leaves
// for a while; the server is killed with SIGKILL, with the other still
// streaming, and started again on the same database file; both reconnect
// with Last-Event-ID. Each client's ids are exactly 1..N, and its events
// are those the JSON pages list.
func TestEventsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary")
	}
	is := is.New(t)
	bin := buildServer(t)
	db := t.TempDir() + "/grouping.db"

	org := uuid.New()
	signer, err := jwtauth.NewHS256Signer([]byte(e2eSecret))
	is.NoErr(err) // a signer
	token, err := signer.Sign(httpapi.Principal{UserID: uuid.New(), Organisations: []uuid.UUID{org}}, time.Hour)
	is.NoErr(err) // a user's token
	serviceToken, err := signer.Sign(httpapi.Principal{UserID: uuid.New(), Roles: []string{httpapi.RoleService}, Organisations: []uuid.UUID{org}}, time.Hour)
	is.NoErr(err) // the host backend's token

	srv := startServer(t, bin, db)
	c := &client{t: t, base: srv.base, token: token}
	backend := &client{t: t, base: srv.base, token: serviceToken}
	o := "/organisations/" + org.String()
	backend.call("PUT", o, map[string]any{"name": "Events"}, 200, nil) // event 1

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stays := follow(ctx, t, srv.base, o+"/events", token)
	leaves := follow(ctx, t, srv.base, o+"/events", token)

	// Four events a round, over HTTP.
	round := func(name string) {
		t.Helper()
		var created envelope[wireGroup]
		c.call("POST", o+"/groups", map[string]any{"name": "Group " + name}, 200, &created)
		ch := uuid.New()
		backend.call("PUT", o+"/channels/"+ch.String(), map[string]any{"name": "channel " + name, "users": []uuid.UUID{uuid.New()}}, 200, nil)
		c.call("POST", o+"/groups/"+created.Data.ID.String()+"/channels/"+ch.String(), nil, 200, nil)
		c.call("PATCH", o+"/groups/"+created.Data.ID.String(), map[string]any{"description": "round " + name}, 200, nil)
	}
	for i := range 5 {
		round(fmt.Sprintf("a%d", i))
	}
	stays.take("events 1 to 21", stays.has(21))
	leaves.take("events 1 to 21", leaves.has(21))

	// One client leaves; more changes; the server is killed mid-stream.
	leaves.drop <- struct{}{}
	leaves.take("the leaving client's stream ends", func() bool { return leaves.ended == 1 })
	for i := range 5 {
		round(fmt.Sprintf("b%d", i))
	}
	is.NoErr(srv.cmd.Process.Kill())
	<-srv.done
	stays.take("the stream ends with the server", func() bool { return stays.ended == 1 })

	// Started again on the same file; both clients come back, and more
	// changes follow.
	srv = startServer(t, bin, db)
	c.base, backend.base = srv.base, srv.base
	stays.bases <- srv.base
	leaves.bases <- srv.base
	for i := range 5 {
		round(fmt.Sprintf("c%d", i))
	}

	// The JSON pages list every event, in order.
	var pages []json.RawMessage
	var after int64
	for {
		var page struct {
			Data struct {
				Events  []json.RawMessage `json:"events"`
				Next    int64             `json:"next"`
				HasMore bool              `json:"has_more"`
			} `json:"data"`
		}
		c.call("GET", fmt.Sprintf("%s/events?after=%d&limit=7", o, after), nil, 200, &page)
		pages = append(pages, page.Data.Events...)
		after = page.Data.Next
		if !page.Data.HasMore {
			break
		}
	}
	n := int64(len(pages))
	is.Equal(n, int64(1+15*4)) // the organisation's upsert, and four events a round

	for _, f := range []*follower{stays, leaves} {
		f.take("every event", f.has(n))
	}
	cancel()
	for name, f := range map[string]*follower{"stays": stays, "leaves": leaves} {
		for ev := range f.events {
			if ev.id != 0 {
				f.got = append(f.got, ev) // anything after would be a repeat
			}
		}
		is.Equal(int64(len(f.got)), n) // every event once, across the restart
		first := 0
		for i, ev := range f.got {
			is.Equal(ev.id, int64(i+1))         // ids 1..N, no gap, no repeat
			is.Equal(ev.data, string(pages[i])) // each event as its page lists it
			if ev.stream == 0 {
				first++
			}
		}
		t.Logf("client that %s: %d events, %d on its first stream, the rest after reconnecting with Last-Event-ID %d", name, n, first, first)
	}
	is.Equal(leaves.got[21].stream, 1) // the events made while it was away came after the restart, from the file
	srv.stop(t)
}
